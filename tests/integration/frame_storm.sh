#!/bin/bash
# Mutated frames against a running node through its real sockets: the fuzz
# corpora's client requests (as ALPHA's officer, on the API socket) and
# federation frames (as the pinned peer BRAVO, on the listen socket), each
# with random damage. The node must answer a probe every 250 frames, stay
# up, and afterwards still exchange messages with BRAVO both ways.
# STORM_FRAMES (default 2000) sets the frames per socket; make soak sends
# many more. STORM_SEED repeats a run.
. "$(dirname "$0")/lib.sh"
frames=${STORM_FRAMES:-2000}
seed_arg=()
[ -n "${STORM_SEED:-}" ] && seed_arg=(--seed "$STORM_SEED")
STORM=$BUILD/tools/frame_storm

fed_setup ALPHA BRAVO
node_start ALPHA
A=$T/ALPHA

"$STORM" --kind api --key "$A/officer.key" --target "$A/ALPHA.pub" --endpoint "ipc://$A/api.sock" \
	--seeds "$ROOT/tests/fuzz/corpus/api_request" --frames "$frames" "${seed_arg[@]}" ||
	fail "the API socket stopped answering under mutated requests"
kill -0 "$(node_pid ALPHA)" 2>/dev/null || fail "ALPHA died under mutated requests"

"$STORM" --kind peer --key "$T/BRAVO/BRAVO.key" --target "$A/ALPHA.pub" \
	--endpoint "tcp://127.0.0.1:$(cat "$A/port")" \
	--seeds "$ROOT/tests/fuzz/corpus/peer_frame" --frames "$frames" "${seed_arg[@]}" ||
	fail "the federation socket stopped answering under mutated frames"
kill -0 "$(node_pid ALPHA)" 2>/dev/null || fail "ALPHA died under mutated frames"

# and the node still works: a message each way with the real BRAVO
node_start BRAVO
cli ALPHA send sitrep --to BRAVO --title "after the storm" --body "a to b" >/dev/null || fail "send ALPHA -> BRAVO"
cli BRAVO send sitrep --to ALPHA --title "after the storm" --body "b to a" >/dev/null || fail "send BRAVO -> ALPHA"
wait_until 30 sh -c "[ \$('$LIAISON' -c '$T/BRAVO/reader.conf' query --json --from ALPHA | grep -c 'after the storm') -ge 1 ]" ||
	fail "BRAVO did not receive ALPHA's message after the storm"
wait_until 30 sh -c "[ \$('$LIAISON' -c '$A/reader.conf' query --json --from BRAVO | grep -c 'after the storm') -ge 1 ]" ||
	fail "ALPHA did not receive BRAVO's message after the storm"
grep -q 'AddressSanitizer\|runtime error' "$A/liaisond.log" && fail "sanitizer report in ALPHA's log"
node_stop ALPHA
node_stop BRAVO
echo "frame_storm: ALPHA survived $frames mutated API requests and $frames mutated peer frames"

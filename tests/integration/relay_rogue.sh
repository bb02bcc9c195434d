#!/bin/bash
# A relay that misbehaves: A reaches member C only through HQ, and HQ is the
# rogue_relay tool, which tampers with, drops, reorders or replays what A
# sends C (and, honest, checks the tool itself). For each mode, on fresh
# data: C ends with every message exactly once and in order, A sees each
# one delivered by C's own receipt, and C's counters show what the relay
# did (gaps, duplicates, signature failures). Nothing waits for the
# origin's 30 s resend timer: each message sent after the damage shows C a
# gap, which C reports at once, and A hands the rest to HQ again.
. "$(dirname "$0")/lib.sh"
ROGUE=$BUILD/tools/rogue_relay
[ -x "$ROGUE" ] || fail "$ROGUE is not built (make tests)"
LINKS="A-HQ HQ-C" MEMBERS="A:C@HQ C:A@HQ" fed_setup A HQ C
BATCH=30

c_titles() { cli C reader query --json --limit 1000 | jq -r 'select(.precedence == "ROUTINE") | .body.title'; }
c_holds() { [ "$(c_titles | wc -l)" -ge "$1" ]; }
# A holds N messages, none of which waits for C's receipt (peers counts
# them), and the first and last say delivered (status ID: a client call
# for each of them would take most of the test's time on a loaded machine)
all_delivered() {
	cli A reader peers --json | jq -e '.peers[] | select(.name == "C") | ([.queued[]] | add) == 0' >/dev/null || return 1
	local ids
	ids=$(query_ids A)
	[ "$(wc -l <<<"$ids")" -eq "$1" ] || return 1
	for id in $(head -1 <<<"$ids") $(tail -1 <<<"$ids"); do
		cli A reader status "$id" --json | jq -e '.recipients[0].state == "delivered"' >/dev/null || return 1
	done
}
counter() { cli "$1" reader status --json | jq -r "$2 // 0"; }

# run MODE: fresh A and C around the rogue relay; sends, checks, stops.
run() {
	local mode=$1 start=$SECONDS
	rm -rf "$T/A/data" "$T/C/data"
	mkdir -m 700 "$T/A/data" "$T/C/data"
	node_start A
	node_start C
	"$ROGUE" --key "$T/HQ/HQ.key" --listen "tcp://127.0.0.1:$(cat "$T/HQ/port")" \
		--origin "$T/A/A.pub" --origin-at "tcp://127.0.0.1:$(cat "$T/A/port")" \
		--member "$T/C/C.pub" --member-at "tcp://127.0.0.1:$(cat "$T/C/port")" \
		--mode "$mode" --every 4 >"$T/$mode.out" 2>"$T/$mode.err" &
	local rogue=$!
	PIDS+=("$rogue")
	gen_batch status C "$BATCH" routine r >"$T/batch.jsonl"
	cli A send --batch "$T/batch.jsonl" >/dev/null 2>&1 || fail "$mode: batch"
	# After a pause, a few more, one by one: each shows C the gap that what
	# the relay did before left. The last may be damaged itself (only a later
	# message, or the 30 s timer, can show that): one more then, up to 8.
	local sent=$BATCH
	while [ $sent -lt $((BATCH + 11)) ]; do
		sleep 1
		sent=$((sent + 1))
		cli A send status --to C --title "r $sent" --body late >/dev/null || fail "$mode: send r $sent"
		[ $sent -ge $((BATCH + 3)) ] && wait_until 2 c_holds "$sent" && break
	done
	wait_until 5 c_holds "$sent" || fail "$mode: C holds $(c_titles | wc -l) of $sent: $(c_titles | tr '\n' ' ')"
	c_titles >"$T/titles"
	seq 1 "$sent" | sed 's/^/r /' | diff - "$T/titles" >/dev/null ||
		fail "$mode: not each once and in order: $(tr '\n' ' ' <"$T/titles")"
	wait_until 15 all_delivered "$sent" || fail "$mode: A does not see all $sent delivered"
	local took=$((SECONDS - start))
	kill -TERM "$rogue"
	wait "$rogue" || fail "$mode: rogue_relay exited $?"
	local totals gaps dups sig resent
	totals=$(tail -1 "$T/$mode.out")
	gaps=$(counter C .counters.relay_gaps)
	dups=$(counter C .counters.duplicates)
	sig=$(counter C .rejected_by_reason.signature)
	resent=$(counter A .counters.relay_resent)
	note "$mode: $sent messages in ${took}s; C: relay_gaps=$gaps duplicates=$dups signature=$sig;" \
		"A: relay_resent=$resent; relay: $(jq -c 'del(.totals, .reasons)' <<<"$totals")"
	case $mode in
	honest)
		[ "$gaps" -eq 0 ] && [ "$dups" -eq 0 ] && [ "$(counter C .counters.rejected)" -eq 0 ] ||
			fail "honest: C counted gaps, duplicates or rejections" ;;
	tamper)
		[ "$gaps" -gt 0 ] || fail "tamper: no gap at C"
		# each tampered envelope is one signature failure at C (one the
		# relay sent again on its link, after a lost ack, is counted again)
		[ "$sig" -gt 0 ] && [ "$sig" -ge "$(jq .tampered <<<"$totals")" ] ||
			fail "tamper: C counted $sig signature failures, the relay tampered $(jq .tampered <<<"$totals")" ;;
	drop | reorder)
		[ "$gaps" -gt 0 ] || fail "$mode: no gap at C"
		[ "$(jq '.dropped + .swapped' <<<"$totals")" -gt 0 ] || fail "$mode: the relay did nothing" ;;
	replay)
		[ "$dups" -gt 0 ] || fail "replay: no duplicates at C"
		[ "$gaps" -eq 0 ] || fail "replay: C saw gaps" ;;
	esac
	case $mode in tamper | drop | reorder) [ "$resent" -gt 0 ] || fail "$mode: A never resent" ;; esac
	node_stop A
	node_stop C
}
for m in ${MODES:-honest tamper drop reorder replay}; do run "$m"; done

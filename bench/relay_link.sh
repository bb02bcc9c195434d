#!/bin/bash
# Through one relay on a slow link: A reaches C only through HQ, and the
# HQ-C link is limited to 64 kbit/s each way (tbf, in network namespaces
# this script makes; needs root). Prints:
#   - the latency of one FLASH sent behind a ROUTINE backlog of BACKLOG
#     short status messages (1,000) held at the relay;
#   - the bytes on the slow link per message (both directions: envelopes,
#     framing, the link's acknowledgements and C's receipts back to A),
#     over that backlog;
#   - the time to drain after the relay was down OUTAGE seconds (300) while
#     A sent one message a second, and the messages lost and duplicated
#     at C (counted by title).
# usage: BUILD=build bench/relay_link.sh     (BACKLOG, OUTAGE, RATE override)
# `make bench-relay` runs it.
. "$(dirname "$0")/../tests/integration/lib.sh"
. "$(dirname "$0")/../tests/integration/netns.sh"
for tool in tc sqlite3 jq; do command -v $tool >/dev/null || skip "$tool not installed"; done
BACKLOG=${BACKLOG:-1000}
OUTAGE=${OUTAGE:-300}
RATE=${RATE:-64kbit}
NAMES=(A HQ C)
netns_bridge lr A=10.232.0.1 HQ=10.232.0.2 C=10.232.0.3
# C's link, both ways: a tactical link of RATE
ip netns exec "${NS[C]}" tc qdisc add dev eth0 root tbf rate "$RATE" burst 32kbit latency 2s || fail "tbf"
ip netns exec "$BR" tc qdisc add dev vC root tbf rate "$RATE" burst 32kbit latency 2s || fail "tbf"

LINKS="A-HQ HQ-C" MEMBERS="A:C@HQ C:A@HQ" fed_setup A HQ C
netns_liaisond "${NAMES[@]}"
start() { LIAISOND=$T/$1/liaisond-ns node_start "$1"; }
for n in "${NAMES[@]}"; do start "$n"; done
linked() { cli HQ reader status --json | jq -e '.peers_connected == 2'; }
wait_until 30 linked || fail "HQ is not linked to both"
now_ms() { date +%s%3N; }
held_at_c() { sqlite3 "file:$T/C/data/liaison.db?mode=ro" "SELECT count(*) FROM messages WHERE sender = 'A'" 2>/dev/null; }
link_bytes() { # bytes through C's link, both ways, so far
	ip -n "$BR" -s -j link show vC | jq '.[0].stats64.rx.bytes + .[0].stats64.tx.bytes'
}

# 1. a FLASH behind a ROUTINE backlog held at the relay
node_stop C
gen_batch status C "$BACKLOG" routine backlog >"$T/backlog.jsonl"
cli A send --batch "$T/backlog.jsonl" >/dev/null 2>&1 || fail "backlog"
wait_until 60 bash -c "[ \$(\"$LIAISON\" -c \"$T/HQ/reader.conf\" status --json | jq .counters.relaying) -ge $BACKLOG ]" ||
	fail "the backlog did not gather at HQ: $(cli HQ reader status --json | jq .counters)"
bytes0=$(link_bytes)
start C
wait_until 30 bash -c "\"$LIAISON\" -c \"$T/HQ/reader.conf\" peers --json | jq -e '.peers[] | select(.name == \"C\") | .connected'" ||
	fail "C did not link up"
sleep 1 # the backlog is on its way
t0=$(now_ms)
fid=$(cli A send status --to C --precedence flash --title "FLASH behind the backlog" --body now) || fail "flash"
until cli C reader get "$fid" >/dev/null 2>&1; do sleep 0.05; [ $(($(now_ms) - t0)) -lt 600000 ] || fail "FLASH never came"; done
flash_ms=$(($(now_ms) - t0))
at_flash=$(held_at_c)
t1=$(now_ms)
until [ "$(held_at_c)" -ge $((BACKLOG + 1)) ]; do sleep 0.5; [ $(($(now_ms) - t1)) -lt 1800000 ] || fail "backlog never drained"; done
drain1_ms=$(($(now_ms) - t0))
# the receipts' way back too
wait_until 120 bash -c "[ \$(\"$LIAISON\" -c \"$T/HQ/reader.conf\" status --json | jq .counters.relaying) -eq 0 ]"
bytes=$(($(link_bytes) - bytes0))

# 2. the relay down OUTAGE seconds while A sends one a second
node_kill HQ
for i in $(seq 1 "$OUTAGE"); do
	cli A send status --to C --title "outage $i" --body "x" >/dev/null || fail "send during the outage"
	sleep 1
done
t2=$(now_ms)
start HQ
until [ "$(held_at_c)" -ge $((BACKLOG + 1 + OUTAGE)) ]; do sleep 0.5; [ $(($(now_ms) - t2)) -lt 1800000 ] || fail "never drained after the outage"; done
drain2_ms=$(($(now_ms) - t2))
sleep 2
titles=$(cli C reader query --json --limit 10000 | jq -r .body.title)
want=$((BACKLOG + 1 + OUTAGE))
got=$(echo "$titles" | sort -u | wc -l)
dups=$(($(echo "$titles" | wc -l) - got))
lost=$((want - got))
echo
printf '%-58s %s\n' "relay link ($RATE through HQ)" "measured"
printf '%-58s %s\n' "FLASH latency behind $BACKLOG ROUTINE held at the relay" "$((flash_ms)) ms ($at_flash of the backlog there before it)"
printf '%-58s %s\n' "backlog of $BACKLOG drained in" "$((drain1_ms / 1000)) s"
printf '%-58s %s\n' "bytes on the slow link per message (both ways)" "$((bytes / (BACKLOG + 1)))"
printf '%-58s %s\n' "drain after a ${OUTAGE} s relay outage ($OUTAGE messages)" "$((drain2_ms / 1000)) s"
printf '%-58s %s\n' "messages lost / duplicated at C" "$lost / $dups"
[ "$lost" -eq 0 ] && [ "$dups" -eq 0 ] || exit 1

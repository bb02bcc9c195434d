#!/bin/bash
# A FLASH message overtakes a ROUTINE backlog held at the relay: while C is
# down, A sends it 2,000 ROUTINE messages, which wait at HQ; C comes back
# and A at once sends one FLASH. It is in C's store while fewer than half of
# the ROUTINE ones are; then the backlog drains in order. HQ reaches C over
# a link that adds 150 ms each way (a proxy), as a distant relay would: on
# loopback alone the whole backlog drains before a new message can cross
# two hops.
. "$(dirname "$0")/lib.sh"
PROXY=$BUILD/tools/delay_proxy
[ -x "$PROXY" ] || fail "$PROXY missing: make tests"
LINKS="A-HQ HQ-C" MEMBERS="A:C@HQ C:A@HQ" fed_setup A HQ C
cport=$(cat "$T/C/port")
pport=$(($(cat "$T/A/port") + 6)) # pick_base checked ten ports free
sed -i "s|tcp://127.0.0.1:$cport|tcp://127.0.0.1:$pport|" "$T/HQ/liaisond.conf"
"$PROXY" "127.0.0.1:$pport" "127.0.0.1:$cport" 150 >"$T/proxy.out" &
PIDS+=($!)
wait_until 10 grep -q listening "$T/proxy.out" || fail "the proxy did not start"
for n in A HQ C; do node_start "$n"; done
N=2000
node_stop C

gen_batch sitrep C "$N" routine r >"$T/routine.jsonl"
cli A send --batch "$T/routine.jsonl" >"$T/routine.ids" 2>/dev/null || fail "routine batch"
assert_eq "$(wc -l <"$T/routine.ids")" "$N" "routine ids"
relaying() { cli HQ reader status --json | jq .counters.relaying; }
piled() { [ "$(relaying)" -ge "$N" ]; }
wait_until 30 piled || fail "HQ holds $(relaying) of $N for C"
note "HQ holds $(relaying) items for C"

node_start C
t0=$(date +%s%N)
flash=$(cli A send warning --to C --precedence flash --title "flash warning" --body "take cover") ||
	fail "send the FLASH"
# polls without a pause: the latency is what this test reports
end=$((SECONDS + 20))
until cli C reader get "$flash" >/dev/null 2>&1; do
	[ $SECONDS -le $end ] || fail "C never got the FLASH"
done
t1=$(date +%s%N)
routine_then=$(count_query C --from A --type sitrep)
note "FLASH at C $(((t1 - t0) / 1000000)) ms after C came back, with $routine_then of $N ROUTINE there"
[ "$routine_then" -lt $((N / 2)) ] || fail "the FLASH came after $routine_then of $N ROUTINE messages"

have_all() { [ "$(count_query C --from A --type sitrep)" -ge "$N" ]; }
wait_until 40 have_all || fail "C holds $(count_query C --from A --type sitrep) of $N ROUTINE"
t2=$(date +%s%N)
note "the ROUTINE backlog drained $(((t2 - t0) / 1000000)) ms after C came back"
query_ids C --from A --type sitrep >"$T/got.ids"
cmp -s "$T/routine.ids" "$T/got.ids" || fail "ROUTINE at C not A's, once each, in A's order"
wait_until 20 bash -c "[ \$(\"$LIAISON\" -c \"$T/HQ/reader.conf\" status --json | jq .counters.relaying) -eq 0 ]" ||
	fail "HQ still holds items: $(cli HQ reader status --json | jq -c .counters)"
cli A reader status "$flash" --json | jq -e '.recipients[0].state == "delivered"' >/dev/null ||
	fail "A does not see the FLASH delivered: $(cli A reader status "$flash" --json)"
for n in A HQ C; do node_stop "$n"; done

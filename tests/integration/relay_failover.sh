#!/bin/bash
# A and C reach each other through HQ, else HQ2. HQ is killed with SIGKILL
# in the middle of a stream from A to C: A moves to HQ2 and hands it what C
# has not receipted; HQ comes back later and delivers the copies it held,
# which C drops as duplicates. C ends with every message once, in order per
# lane; A sees every one delivered. HQ reaches C through a proxy that adds
# 300 ms, so that HQ holds copies for C when it is killed.
. "$(dirname "$0")/lib.sh"
PROXY=$BUILD/tools/delay_proxy
[ -x "$PROXY" ] || fail "$PROXY missing: make tests"
LINKS="A-HQ A-HQ2 HQ-C HQ2-C" MEMBERS="A:C@HQ,HQ2 C:A@HQ,HQ2" fed_setup A HQ HQ2 C
cport=$(cat "$T/C/port")
pport=$(($(cat "$T/A/port") + 6)) # pick_base checked ten ports free
sed -i "s|tcp://127.0.0.1:$cport|tcp://127.0.0.1:$pport|" "$T/HQ/liaisond.conf"
"$PROXY" "127.0.0.1:$pport" "127.0.0.1:$cport" 300 >"$T/proxy.out" &
PIDS+=($!)
wait_until 10 grep -q listening "$T/proxy.out" || fail "the proxy did not start"
for n in A HQ HQ2 C; do node_start "$n"; done
path_at_A() { cli A peers --json | jq -r '.peers[] | select(.name == "C") | .path'; }
wait_until 10 bash -c "[ \"\$(\"$LIAISON\" -c \"$T/A/reader.conf\" peers --json | jq -r '.peers[] | select(.name == \"C\") | .path')\" = HQ ]" ||
	fail "A does not reach C through HQ: $(cli A peers --json)"

# the stream: 30 rounds of 40 ROUTINE and 2 FLASH, a round every 0.15 s
ROUNDS=30 R=40 F=2
: >"$T/sent.ids"
(
	for i in $(seq "$ROUNDS"); do
		gen_batch status C "$R" routine "r$i" | awk '{ print }' >"$T/b.jsonl"
		gen_batch status C "$F" flash "f$i" >>"$T/b.jsonl"
		cli A send --batch "$T/b.jsonl" >>"$T/sent.ids" || exit 1
		sleep 0.15
	done
) &
sender=$!
PIDS+=("$sender")
TOTAL=$((ROUNDS * (R + F)))

got_some() { [ "$(count_query C --from A)" -ge 300 ]; }
wait_until 20 got_some || fail "C never reached 300 messages (has $(count_query C --from A))"
held=$(cli HQ reader status --json | jq .counters.relaying)
at_kill=$(count_query C --from A)
node_kill HQ
t0=$(date +%s%N)
note "${SECONDS}s: HQ killed with C at $at_kill of $TOTAL, HQ holding $held items"
moved() { [ "$(path_at_A)" = HQ2 ]; }
wait_until 15 moved || fail "A never moved to HQ2: $(cli A peers --json)"
t1=$(date +%s%N)
note "A moved to HQ2 after $(((t1 - t0) / 1000000)) ms"
wait "$sender" || fail "the sender failed"
assert_eq "$(sort -u "$T/sent.ids" | wc -l)" "$TOTAL" "distinct ids A printed"

have_all() { [ "$(count_query C --from A)" -ge "$TOTAL" ]; }
wait_until 60 have_all || fail "C holds $(count_query C --from A) of $TOTAL"
t2=$(date +%s%N)
note "${SECONDS}s: C held all $TOTAL $(((t2 - t0) / 1000000)) ms after the kill"
dup_before=$(cli C reader status --json | jq .counters.duplicates)

# HQ comes back with what it held for C: C keeps one copy of each
node_start HQ
note "${SECONDS}s: HQ started again"
wait_until 40 bash -c "[ \$(\"$LIAISON\" -c \"$T/HQ/reader.conf\" status --json | jq .counters.relaying) -eq 0 ]" ||
	fail "HQ still holds items: $(cli HQ reader status --json | jq -c .counters)"
dup_after=$(cli C reader status --json | jq .counters.duplicates)
note "${SECONDS}s: C's duplicates: $dup_before before HQ came back, $dup_after after"
# what HQ held when it was killed (a few may have gone out just before) C
# already had from HQ2: the second copies are counted and dropped
if [ "$held" -ge 20 ] && [ "$dup_after" -le "$dup_before" ]; then
	fail "HQ held $held items when it was killed, and C counted no second copy"
fi

# once each, in order per lane
query_ids C --from A >"$T/got.ids"
assert_eq "$(wc -l <"$T/got.ids")" "$TOTAL" "messages at C"
assert_eq "$(sort -u "$T/got.ids" | wc -l)" "$TOTAL" "distinct messages at C"
cli C reader query --json --limit 10000 --from A | jq -r 'select(.precedence == "ROUTINE") | .body.title' >"$T/r.got"
for i in $(seq "$ROUNDS"); do seq "$R" | sed "s/^/r$i /"; done >"$T/r.want"
cmp -s "$T/r.want" "$T/r.got" || { diff "$T/r.want" "$T/r.got" | head; fail "ROUTINE at C not once each in order"; }
cli C reader query --json --limit 10000 --from A | jq -r 'select(.precedence == "FLASH") | .body.title' >"$T/f.got"
for i in $(seq "$ROUNDS"); do seq "$F" | sed "s/^/f$i /"; done >"$T/f.want"
cmp -s "$T/f.want" "$T/f.got" || { diff "$T/f.want" "$T/f.got" | head; fail "FLASH at C not once each in order"; }

# A sees every one delivered, by C's own receipts: its store has no
# end-to-end row for C left undelivered, and `status` says so
e2e() { sqlite3 "file:$T/A/data/liaison.db?mode=ro" "SELECT COUNT(*) FROM recipients WHERE peer = 'C' AND dest IS NULL $1"; }
wait_until 30 bash -c "[ \$(sqlite3 'file:$T/A/data/liaison.db?mode=ro' \"SELECT COUNT(*) FROM recipients WHERE peer = 'C' AND dest IS NULL AND state != 2\") -eq 0 ]" ||
	fail "A does not see $(e2e "AND state != 2") of $TOTAL delivered"
assert_eq "$(e2e "AND state = 2")" "$TOTAL" "messages to C delivered at A"
delivered() { cli A reader status "$1" --json | jq -e '.recipients | length == 1 and .[0].node == "C" and .[0].state == "delivered"' >/dev/null; }
note "${SECONDS}s: A sees all delivered"
for id in $(shuf -n 20 "$T/sent.ids") $(tail -5 "$T/sent.ids"); do
	delivered "$id" || fail "A's status for $id: $(cli A reader status "$id" --json)"
done
for n in A HQ HQ2 C; do node_stop "$n"; done
for n in A HQ HQ2 C; do "$LIAISOND" -c "$T/$n/liaisond.conf" --verify-audit >/dev/null || fail "audit of $n"; done
note "${SECONDS}s: failover: $TOTAL messages once each at C, all delivered at A"

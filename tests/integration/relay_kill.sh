#!/bin/bash
# A reaches C only through HQ. While A sends C 3,000 ROUTINE messages, the
# relay HQ is killed with SIGKILL five times at random moments and started
# again: C ends with every message once, in A's order; A sees every one
# delivered; HQ holds nothing more; every audit chain and store is sound.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || fail "sqlite3 not installed (scripts/install-deps.sh)"
LINKS="A-HQ HQ-C" MEMBERS="A:C@HQ C:A@HQ" fed_setup A HQ C
for n in A HQ C; do node_start "$n"; done
BATCHES=30 SIZE=100 KILLS=${KILLS:-5}
TOTAL=$((BATCHES * SIZE))

: >"$T/sent.ids"
(
	for i in $(seq "$BATCHES"); do
		gen_batch status C "$SIZE" routine "k$i" >"$T/b.jsonl"
		cli A send --batch "$T/b.jsonl" >>"$T/sent.ids" 2>/dev/null || exit 1
		sleep 0.2
	done
) &
sender=$!
PIDS+=("$sender")
start=$SECONDS

# each kill after a random 0.3 to 1.2 s, while A is still sending
for k in $(seq "$KILLS"); do
	sleep "$((RANDOM % 10 / 9)).$((RANDOM % 10))"
	sleep 0.3
	kill -0 "$sender" 2>/dev/null || fail "A finished sending before kill $k"
	note "kill $k of HQ at $((SECONDS - start)) s, C at $(count_query C --from A) of $TOTAL, HQ holding $(cli HQ reader status --json | jq .counters.relaying)"
	node_kill HQ
	sleep "0.$((RANDOM % 5))"
	node_start HQ
done
wait "$sender" || fail "the sender failed"
assert_eq "$(sort -u "$T/sent.ids" | wc -l)" "$TOTAL" "distinct ids A printed"

have_all() { [ "$(count_query C --from A)" -ge "$TOTAL" ]; }
wait_until 40 have_all || fail "C holds $(count_query C --from A) of $TOTAL"
note "C held all $TOTAL $((SECONDS - start)) s after the first batch"
query_ids C --from A >"$T/got.ids"
assert_eq "$(wc -l <"$T/got.ids")" "$TOTAL" "messages at C"
assert_eq "$(sort -u "$T/got.ids" | wc -l)" "$TOTAL" "distinct messages at C"
cmp -s "$T/sent.ids" "$T/got.ids" || { diff "$T/sent.ids" "$T/got.ids" | head; fail "C's order differs from A's"; }
cli C reader query --json --limit 10000 --from A | jq -r .body.title >"$T/got.titles"
for i in $(seq "$BATCHES"); do seq "$SIZE" | sed "s/^/k$i /"; done >"$T/want.titles"
cmp -s "$T/want.titles" "$T/got.titles" || fail "C's titles are not A's, once each, in order"

# every one delivered at A, by C's own receipts
e2e() { sqlite3 "file:$T/A/data/liaison.db?mode=ro" "SELECT COUNT(*) FROM recipients WHERE peer = 'C' AND dest IS NULL $1"; }
all_delivered() { [ "$(e2e "AND state != 2")" -eq 0 ]; }
wait_until 40 all_delivered || fail "A does not see $(e2e "AND state != 2") of $TOTAL delivered"
assert_eq "$(e2e "AND state = 2")" "$TOTAL" "messages to C delivered at A"
delivered() { cli A reader status "$1" --json | jq -e '.recipients | length == 1 and .[0].node == "C" and .[0].state == "delivered"' >/dev/null; }
for id in $(shuf -n 30 "$T/sent.ids") $(tail -5 "$T/sent.ids"); do
	delivered "$id" || fail "A's status for $id: $(cli A reader status "$id" --json)"
done
relaying_zero() { [ "$(cli HQ reader status --json | jq .counters.relaying)" -eq 0 ]; }
wait_until 20 relaying_zero || fail "HQ still holds items: $(cli HQ reader status --json | jq -c .counters)"
note "C's counters: $(cli C reader status --json | jq -c '.counters | {duplicates, relay_gaps}'), A's: $(cli A reader status --json | jq -c '.counters | {relay_resent}')"

for n in A HQ C; do node_stop "$n"; done
for n in A HQ C; do
	"$LIAISOND" -c "$T/$n/liaisond.conf" --verify-audit >/dev/null || fail "audit of $n"
	assert_eq "$(sqlite3 "$T/$n/data/liaison.db" 'PRAGMA integrity_check')" ok "integrity of $n's store"
done
note "$KILLS kills of the relay: $TOTAL messages once each, in order, all delivered, in $((SECONDS - start)) s"

#!/bin/bash
# B is killed with SIGKILL five times while A sends it 1,000 messages in
# batches of 100: B ends with each exactly once, in A's order, and A sees
# every one delivered with empty queues.
. "$(dirname "$0")/lib.sh"
fed_setup A B
node_start A
node_start B

gen_batch sitrep B 100 routine storm >"$T/batch.jsonl"
: >"$T/sent.ids"
(
	for i in $(seq 10); do
		cli A send --batch "$T/batch.jsonl" >>"$T/sent.ids" || exit 1
		sleep 0.1
	done
) &
sender=$!
PIDS+=("$sender")

# kill B each time it has taken in some more, so the kills land mid-stream
for k in 1 2 3 4 5; do
	target=$((k * 150))
	got_some() { [ "$(count_query B --from A)" -ge "$target" ]; }
	wait_until 20 got_some || fail "B never reached $target messages (has $(count_query B --from A))"
	note "kill $k at $(count_query B --from A) messages"
	node_kill B
	node_start B
done
wait "$sender" || fail "the sender failed"
sort -u "$T/sent.ids" >"$T/sent.sorted"
assert_eq "$(wc -l <"$T/sent.sorted")" 1000 "distinct ids A printed"

have_all() { [ "$(count_query B --from A)" -ge 1000 ]; }
wait_until 30 have_all || fail "B holds $(count_query B --from A) of 1000"
query_ids B --from A >"$T/got.ids"
assert_eq "$(wc -l <"$T/got.ids")" 1000 "messages at B"
assert_eq "$(sort -u "$T/got.ids" | wc -l)" 1000 "distinct messages at B"
cmp -s "$T/sent.ids" "$T/got.ids" || { diff "$T/sent.ids" "$T/got.ids" | head; fail "B's order differs from A's"; }

wait_until 15 queue_empty A || fail "A's queues never emptied: $(cli A reader status --json | jq -c .queues)"
cli A reader status --json | jq -e '.queues | length == 4 and all(.[]; . == 0)' >/dev/null ||
	fail "A's queues: $(cli A reader status --json | jq -c .queues)"
delivered() { cli A reader status "$1" --json | jq -e '.recipients == [.recipients[] | select(.node == "B" and .state == "delivered")] and (.recipients | length) == 1' >/dev/null; }
wait_until 10 delivered "$(tail -1 "$T/sent.ids")" || fail "the last message is not delivered at A: $(cli A reader status "$(tail -1 "$T/sent.ids")")"
for id in $(shuf -n 50 "$T/sent.ids") $(tail -10 "$T/sent.ids"); do
	delivered "$id" || fail "A's status for $id: $(cli A reader status "$id" --json)"
done

node_stop B
node_stop A
for n in A B; do "$LIAISOND" -c "$T/$n/liaisond.conf" --verify-audit >/dev/null || fail "audit of $n"; done

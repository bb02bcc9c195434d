#!/bin/bash
# A message that expires while its recipient is down is refused by that
# recipient when it comes back: not stored, not shown to subscribers, A
# records the recipient as rejected; the stream behind it keeps flowing.
# B allows no clock skew here, so that 2 s are enough to expire a message
# (clock_skew.sh tests the default 15 minutes).
. "$(dirname "$0")/lib.sh"
fed_setup A B
sed -i '/^\[node\]/a clock_skew = 0' "$T/B/liaisond.conf"
node_start A
node_start B
node_stop B

id=$(cli A send warning --to B --precedence immediate --expires 2s --title "short-lived" --body "gone in 2 s") || fail "send"
keep=$(cli A send warning --to B --precedence immediate --expires 1h --title "long-lived" --body "still valid") || fail "send"
cli A reader status "$id" --json | jq -e '.recipients[0].state == "queued"' >/dev/null ||
	fail "status while B is down: $(cli A reader status "$id" --json)"
sleep 3 # let the first one expire: nothing to poll for but the clock

node_start B
"$LIAISON" -c "$T/B/reader.conf" subscribe --since 1h --json >"$T/sub.out" 2>"$T/sub.err" &
sub=$!
PIDS+=("$sub")
wait_until 10 cli B reader get "$keep" || fail "the message behind the expired one never arrived"
state_of() { cli A reader status "$1" --json | jq -r '.recipients[] | select(.node == "B") | .state'; }
rejected() { [ "$(state_of "$id")" = rejected ]; }
wait_until 10 rejected || fail "A's status for the expired message: $(cli A reader status "$id" --json)"
delivered() { [ "$(state_of "$keep")" = delivered ]; }
wait_until 10 delivered || fail "A's status for the valid message: $(cli A reader status "$keep" --json)"
out=$(cli B reader get "$id" 2>&1) && fail "B stored the expired message: $out"
cli B reader query --json --limit 10000 >"$T/b.json" || fail "query at B"
grep -q "$id" "$T/b.json" && fail "B's query lists the expired message"
[ "$(cli B reader status --json | jq .counters.rejected)" -ge 1 ] || fail "B counted no rejection: $(cli B reader status --json | jq -c .counters)"
[ "$(cli B reader status --json | jq '.rejected_by_reason.expired // 0')" -ge 1 ] ||
	fail "B counted no expiry: $(cli B reader status --json | jq -c .rejected_by_reason)"
grep -q "expired" "$T/B/liaisond.log" || fail "B did not log the rejection"

# the stream is not stuck: the next message, and the one after a restart of both
later=$(cli A send sitrep --to B --title later --body "after the expired one") || fail "send later"
wait_until 10 cli B reader get "$later" || fail "a later message never arrived"
node_stop B
node_stop A
node_start A
node_start B
last=$(cli A send sitrep --to B --title last --body "after a restart") || fail "send last"
wait_until 10 cli B reader get "$last" || fail "a message after the restart never arrived"
assert_eq "$(state_of "$id")" rejected "the expired message's state after a restart"
cli B reader get "$id" >/dev/null 2>&1 && fail "B stored the expired message after a restart"
queue_empty() { [ "$(cli A reader status --json | jq '[.queues[]] | add')" -eq 0 ]; }
wait_until 10 queue_empty || fail "A's queues never emptied: $(cli A reader status --json | jq -c .queues)"

# the subscriber, running since B came back, saw the valid messages only
kill -TERM "$sub"
wait "$sub"
grep -q "$keep" "$T/sub.out" || fail "the subscriber missed the valid message"
grep -q "$id" "$T/sub.out" && fail "the subscriber was given the expired message"
exit 0

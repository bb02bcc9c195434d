#!/bin/bash
# B is down while A queues 5,000 ROUTINE sitreps and then one FLASH warning
# for it: A's queues show both lanes, and when B comes back the warning is
# stored there ahead of (nearly) all the routine traffic.
. "$(dirname "$0")/lib.sh"
fed_setup A B
node_start A
node_start B
node_stop B

gen_batch sitrep B 5000 routine routine >"$T/batch.jsonl"
cli A send --batch "$T/batch.jsonl" >"$T/routine.ids" || fail "batch send"
assert_eq "$(wc -l <"$T/routine.ids")" 5000 "routine ids"
flash=$(cli A send warning --to B --title "flash warning" --body "take cover") || fail "send the warning"
cli A reader status --json >"$T/status.json" || fail "status at A"
jq -e '.queues == {"FLASH": 1, "IMMEDIATE": 0, "PRIORITY": 0, "ROUTINE": 5000}' "$T/status.json" >/dev/null ||
	fail "A's queues while B is down: $(jq -c .queues "$T/status.json")"
cli A reader status "$flash" --json | jq -e '.recipients[0].node == "B" and .recipients[0].state == "queued"' >/dev/null ||
	fail "the warning's status while B is down: $(cli A reader status "$flash" --json)"

node_start B
wait_until 10 cli B reader get "$flash" || fail "B never got the warning"
cursor_of() { cli B reader get "$1" --json | jq -r .cursor; }
fc=$(cursor_of "$flash")
r200=$(sed -n 200p "$T/routine.ids")
wait_until 20 cli B reader get "$r200" || fail "B never got the 200th routine message"
rc200=$(cursor_of "$r200")
[ "$fc" -lt "$rc200" ] || fail "the warning (cursor $fc) came after the 200th routine message (cursor $rc200)"
before=$(cli B reader query --json --limit 10000 --from A | jq -r "select(.cursor < $fc) | .id" | wc -l)
note "the warning is stored at cursor $fc, after $before routine messages"

have_all() { [ "$(count_query B --from A)" -ge 5001 ]; }
wait_until 60 have_all || fail "B holds $(count_query B --from A) of 5001"
# the routine lane keeps A's order
query_ids B --from A --type sitrep >"$T/got.ids"
cmp -s "$T/routine.ids" "$T/got.ids" || fail "routine messages at B are not A's, in A's order"
wait_until 10 queue_empty A || fail "A's queues never emptied: $(cli A reader status --json | jq -c .queues)"

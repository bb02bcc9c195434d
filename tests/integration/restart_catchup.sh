#!/bin/bash
# B is down while A sends it 100 messages; when B comes back all 100 arrive,
# each once, in the order A sent them, and A's outbox empties.
. "$(dirname "$0")/lib.sh"
fed_setup A B
node_start A
node_start B
node_stop B

gen_batch sitrep B 100 routine catchup >"$T/batch.jsonl"
cli A send --batch "$T/batch.jsonl" >"$T/sent.ids" || fail "batch send"
assert_eq "$(wc -l <"$T/sent.ids")" 100 "ids printed"
assert_eq "$(sort -u "$T/sent.ids" | wc -l)" 100 "distinct ids printed"
cli A reader status --json >"$T/a-status.json" || fail "status at A"
assert_eq "$(jq .queues.ROUTINE "$T/a-status.json")" 100 "A's ROUTINE queue while B is down"

node_start B
have_all() { [ "$(count_query B --from A)" -ge 100 ]; }
wait_until 20 have_all || fail "B holds $(count_query B --from A) of 100"
wait_until 10 queue_empty A || fail "A's queues never emptied: $(cli A reader status --json | jq -c .queues)"
query_ids B --from A >"$T/got.ids"
cmp -s "$T/sent.ids" "$T/got.ids" || { diff "$T/sent.ids" "$T/got.ids" | head; fail "B's messages differ from what A sent, or their order"; }
# the titles too: B's store order is A's send order
cli B reader query --json --limit 10000 --from A | jq -r .body.title >"$T/titles"
seq 1 100 | sed 's/^/catchup /' | cmp -s - "$T/titles" || fail "titles out of order at B"

# another restart of both: nothing is delivered twice, the counts stay put
node_stop B
node_stop A
node_start A
node_start B
cli A send sitrep --to B --title after --body restart >>"$T/sent.ids" || fail "send after restart"
wait_until 10 cli B reader get "$(tail -1 "$T/sent.ids")" || fail "the message after the restart never arrived"
query_ids B --from A >"$T/got.ids"
cmp -s "$T/sent.ids" "$T/got.ids" || fail "after a second restart B holds $(wc -l <"$T/got.ids") messages, not the 101 sent"

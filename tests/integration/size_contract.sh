#!/bin/bash
# Size is a contract between peers. A (max_message 16M) never sends B
# (the default 1M) a message B's socket would refuse: such a send is
# refused at once, exit 1, naming both limits; a message for several
# recipients one of which cannot take it is refused as a whole. C (4M) gets
# a 3 MB message and routine traffic after it. A message queued for B while
# B took 4M and that B no longer takes after a restart with 1M is rejected
# for B (status shows the reason) and does not block B's lane. No reconnect
# storm on the way.
. "$(dirname "$0")/lib.sh"
fed_setup A B C
set_max() { sed -i "/^max_message/d; /^\[node\]/a max_message = $2" "$T/$1/liaisond.conf"; }
unset_max() { sed -i "/^max_message/d" "$T/$1/liaisond.conf"; }
set_max A 16M
set_max C 4M
node_start A
node_start B
node_start C
synced() { grep -q "peer $2 takes messages up to $3" "$T/$1/liaisond.log"; }
connects() { grep -c "peer $2: connected to" "$T/$1/liaisond.log"; }
# A learns C's limit from C's state reply (B states the default: nothing changes)
wait_until 15 synced A C "4.0 MiB" || fail "A never learnt C's limit"
wait_until 15 cli A reader get "$(cli A send status --to B,C --title hello --body up)" || fail "first send"

body() { head -c "$1" /dev/zero | tr '\0' x; }
before_b=$(connects A B)

# 1. a 10 MB message for B: refused at once, both limits named, nothing queued
start=$SECONDS
body 10000000 | cli A send sitrep --to B --title big - >"$T/out" 2>"$T/err"
rc=$?
assert_eq "$rc" 1 "exit of a 10 MB send to B"
grep -q "message of 9.5 MiB exceeds B's limit of 1.0 MiB (this node's limit is 16.0 MiB)" "$T/err" ||
	fail "refusal does not name both limits: $(cat "$T/err")"
[ $((SECONDS - start)) -le 5 ] || fail "the refusal took $((SECONDS - start)) s"
[ -s "$T/out" ] && fail "an id was printed for a refused send"
assert_eq "$(cli A reader status --json | jq '[.queues[]] | add')" 0 "A's queues after the refusal"

# 2. 3 MB for B and C together: refused as a whole; for C alone: delivered
body 3000000 | cli A send sitrep --to B,C --title both - 2>"$T/err" && fail "a send B cannot take was accepted for B,C"
grep -q "exceeds B's limit of 1.0 MiB" "$T/err" || fail "mixed refusal: $(cat "$T/err")"
assert_eq "$(cli A reader status --json | jq '[.queues[]] | add')" 0 "A's queues after the mixed refusal"
big=$(body 3000000 | cli A send sitrep --to C --title three-mb -) || fail "3 MB send to C"
wait_until 20 cli C reader get "$big" || fail "C never got the 3 MB message"
assert_eq "$(cli C reader get "$big" --json | jq -r '.body.summary | length')" 3000000 "body length at C"

# routine traffic to B and C flows after it
gen_batch sitrep B,C 20 routine after >"$T/after.jsonl"
cli A send --batch "$T/after.jsonl" >"$T/after.ids" || fail "routine batch"
have() { [ "$(count_query "$1" --from A --topic '*' | tr -d ' ')" -ge "$2" ]; }
last=$(tail -1 "$T/after.ids")
wait_until 20 cli B reader get "$last" || fail "routine traffic to B stuck"
wait_until 20 cli C reader get "$last" || fail "routine traffic to C stuck"

# 3. B takes 4M; while it is down A queues for it small messages, a 2 MB
# one, more small ones and a last 2 MB one; B comes back with 1M: both big
# ones are rejected for B (the one in the middle of the lane and the one at
# its end), every small one arrives, A's queue empties, and later traffic flows.
node_stop B
set_max B 4M
node_start B
wait_until 15 synced A B "4.0 MiB" || fail "A never learnt B's 4M"
node_stop B
unset_max B
gen_batch sitrep B 5 routine early >"$T/early.jsonl"
gen_batch sitrep B 5 routine later >"$T/later.jsonl"
cli A send --batch "$T/early.jsonl" >"$T/small.ids" || fail "batch before the 2 MB message"
mid=$(body 2000000 | cli A send sitrep --to B --title two-mb -) || fail "2 MB send to B while B took 4M"
cli A send --batch "$T/later.jsonl" >>"$T/small.ids" || fail "batch behind the 2 MB message"
end=$(body 2000000 | cli A send sitrep --to B --title two-mb-last -) || fail "last 2 MB send to B"
node_start B
wait_until 15 synced A B "1.0 MiB" || fail "A never learnt B's new 1M"
state_at_b() { cli A reader status "$1" --json | jq -r '.recipients[] | select(.node == "B") | .state'; }
rejected() { [ "$(state_at_b "$1")" = rejected ]; }
wait_until 15 rejected "$mid" || fail "the 2 MB message is not rejected for B: $(cli A reader status "$mid" --json)"
wait_until 15 rejected "$end" || fail "the last 2 MB message is not rejected for B: $(cli A reader status "$end" --json)"
cli A reader status "$mid" --json | jq -r '.recipients[0].reason' | grep -q "exceeds B's limit" ||
	fail "no reason given: $(cli A reader status "$mid" --json)"
cli A reader status "$mid" | grep -q "rejected.*exceeds B's limit" || fail "status text shows no reason"
while read -r id; do
	wait_until 20 cli B reader get "$id" || fail "message $id queued with the rejected ones never reached B"
done <"$T/small.ids"
for id in "$mid" "$end"; do cli B reader get "$id" >/dev/null 2>&1 && fail "B holds $id, which it cannot take"; done
assert_eq "$(grep -c "rejected for B" "$T/A/liaisond.log")" 2 "log lines about the rejections"
queue_empty() { [ "$(cli A reader status --json | jq '[.queues[]] | add')" -eq 0 ]; }
wait_until 10 queue_empty || fail "A's queue to B never emptied: $(cli A reader status --json | jq -c .queues)"
n=$(sqlite3 "$T/A/data/liaison.db" "SELECT COUNT(*) FROM audit WHERE kind = 'size-rejected'")
assert_eq "$n" 2 "size-rejected audit records"
id=$(cli A send status --to B --title afterwards --body flows) || fail "send after the rejections"
wait_until 10 cli B reader get "$id" || fail "traffic after the rejections is stuck"
# a restart of A finds nothing to send again and no store lost at B
node_stop A
node_start A
id=$(cli A send status --to B --title "after A's restart" --body flows) || fail "send after A's restart"
wait_until 15 cli B reader get "$id" || fail "traffic after A's restart is stuck"
grep -q "sending [0-9]* again" "$T/A/liaisond.log" && fail "A thought B lost messages"

# no reconnect storm: B restarted twice, A once; a storm made ~78 connects in 8 s
storm=$(($(connects A B) - before_b))
note "A connected to B $storm times (two restarts of B, one of A)"
[ "$storm" -le 6 ] || fail "A connected to B $storm times: a reconnect storm"
[ "$(connects A C)" -le 2 ] || fail "A connected to C $(connects A C) times"

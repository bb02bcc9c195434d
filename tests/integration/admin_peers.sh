#!/bin/bash
# Peers added and removed with `liaison admin` only: traffic flows, survives
# restarts of both nodes, shows in peers and --check; removal closes the
# link now, refuses further sends to it and reports what stays queued.
. "$(dirname "$0")/lib.sh"

"$ROOT/scripts/mkfed.sh" "$T" "$(pick_base)" ALPHA >/dev/null || fail "mkfed ALPHA"
"$ROOT/scripts/mkfed.sh" "$T" "$(pick_base)" BRAVO >/dev/null || fail "mkfed BRAVO"
node_start ALPHA
node_start BRAVO
has() { test "$(count_query "$1" --from "$2")" -eq "$3"; }
ep() { echo "tcp://127.0.0.1:$(cat "$T/$1/port")"; }

cli ALPHA send sitrep --to BRAVO --title t --body b >/dev/null 2>&1
assert_eq $? 1 "send to a peer not yet added"
cli ALPHA officer admin peer add BRAVO --cert "$T/BRAVO/BRAVO.pub" --endpoint "$(ep BRAVO)" >/dev/null 2>&1
assert_eq $? 77 "an officer may not add peers"
cli ALPHA admin admin peer add BRAVO --cert "$T/ALPHA/ALPHA.pub" --endpoint "$(ep BRAVO)" >/dev/null 2>&1
assert_eq $? 1 "a certificate for another name"
out=$(cli ALPHA admin admin peer add BRAVO --cert "$T/BRAVO/BRAVO.pub" --endpoint "$(ep BRAVO)") || fail "peer add at ALPHA"
note "$out"
cli BRAVO admin admin peer add ALPHA --cert "$T/ALPHA/ALPHA.pub" --endpoint "$(ep ALPHA)" >/dev/null || fail "peer add at BRAVO"
cli ALPHA admin admin peer add BRAVO --cert "$T/BRAVO/BRAVO.pub" --endpoint "$(ep BRAVO)" >/dev/null 2>&1
assert_eq $? 1 "adding a peer twice"

gen_batch sitrep BRAVO 20 routine one | cli ALPHA send --batch - >/dev/null || fail "send after add"
wait_until 20 has BRAVO ALPHA 20 || fail "BRAVO did not get 20 messages"
cli ALPHA reader peers --json | jq -e '.peers[] | select(.name == "BRAVO" and .connected)' >/dev/null ||
	fail "peers at ALPHA does not show BRAVO connected"
"$LIAISOND" -c "$T/ALPHA/liaisond.conf" --check | grep -q "admin.conf:.*peer BRAVO" || fail "--check does not show the overlay"
grep -q '^\[peer BRAVO\]' "$T/ALPHA/data/admin.conf" || fail "admin.conf lacks BRAVO"
[ "$(stat -c %a "$T/ALPHA/data/admin.conf")" = 600 ] || fail "admin.conf mode"

note "restart both: the peers stay"
node_stop ALPHA
node_stop BRAVO
node_start ALPHA
node_start BRAVO
gen_batch sitrep BRAVO 20 routine two | cli ALPHA send --batch - >/dev/null || fail "send after restart"
wait_until 20 has BRAVO ALPHA 40 || fail "BRAVO did not get 40 messages after restart"

note "remove BRAVO at ALPHA while messages wait for it"
node_stop BRAVO
gen_batch sitrep BRAVO 7 routine held | cli ALPHA send --batch - >/dev/null || fail "queue 7"
out=$(cli ALPHA admin admin peer remove BRAVO) || fail "peer remove"
note "$out"
case $out in *" 7 queued messages for it"*) ;; *) fail "removal does not report the 7 queued: $out" ;; esac
assert_eq "$(cli ALPHA reader status --json | jq .counters.queued_for_removed_peers)" 7 "status: queued for removed peers"
cli ALPHA reader peers --json | jq -e '.peers[] | select(.name == "BRAVO")' >/dev/null && fail "BRAVO still listed"
cli ALPHA send sitrep --to BRAVO --title t --body b >/dev/null 2>&1
assert_eq $? 1 "send to a removed peer"
"$LIAISOND" -c "$T/ALPHA/liaisond.conf" --check | grep -q "peer BRAVO removed" || fail "--check does not show the removal"
node_start BRAVO
wait_until 15 grep -q "refused unknown peer key" "$T/ALPHA/liaisond.log" || fail "ALPHA does not refuse BRAVO's key"

note "added back: what stayed queued is delivered"
cli ALPHA admin admin peer add BRAVO --cert "$T/BRAVO/BRAVO.pub" --endpoint "$(ep BRAVO)" >/dev/null || fail "add back"
wait_until 30 has BRAVO ALPHA 47 || fail "the 7 held messages did not arrive after adding BRAVO back"
assert_eq "$(cli ALPHA reader status --json | jq .counters.queued_for_removed_peers)" 0 "nothing left for removed peers"

note "removed while connected: its link closes now"
wait_until 15 sh -c "$LIAISON -c $T/BRAVO/reader.conf peers --json | jq -e '.peers[] | select(.name == \"ALPHA\" and .connected)'" ||
	fail "BRAVO's link to ALPHA is not up"
cli ALPHA admin admin peer remove BRAVO >/dev/null || fail "second removal"
wait_until 15 sh -c "$LIAISON -c $T/BRAVO/reader.conf peers --json | jq -e '.peers[] | select(.name == \"ALPHA\" and (.connected | not))'" ||
	fail "BRAVO's link to ALPHA stays up after the removal"
node_stop ALPHA
node_start ALPHA
cli ALPHA reader peers --json | jq -e '.peers[] | select(.name == "BRAVO")' >/dev/null && fail "BRAVO back after restart"
"$LIAISOND" -c "$T/ALPHA/liaisond.conf" --verify-audit >/dev/null 2>&1 || true
cli ALPHA admin audit >/dev/null || fail "audit chain"
grep -c . "$T/ALPHA/data/admin.conf" >/dev/null
echo "admin_peers: ok"

#!/bin/bash
# Members through `liaison admin`: A and C are linked only to HQ and know
# nothing of each other; `admin member add` at both makes a message from A
# reach C through HQ at once, without a restart, and the change survives
# one; `admin member remove` ends it. Bad requests change nothing.
. "$(dirname "$0")/lib.sh"
LINKS="A-HQ HQ-C" fed_setup A HQ C
for n in A HQ C; do node_start "$n"; done

expect 1 cli A send status --to C --title x --body y
output_has err "unknown recipient 'C'"
# refused, nothing changed
expect 64 cli A admin admin member add C --cert "$T/C/C.pub"
output_has err "needs --cert and --via"
expect 1 cli A admin admin member add C --cert "$T/C/C.pub" --via NOWHERE
output_has err "via 'NOWHERE' is not a peer of A"
expect 1 cli A admin admin member add C --cert "$T/HQ/HQ.pub" --via HQ
output_has err "not added"
expect 1 cli A admin admin member add HQ --cert "$T/HQ/HQ.pub" --via HQ
output_has err "peer 'HQ' exists"
expect 77 cli A officer admin member add C --cert "$T/C/C.pub" --via HQ
[ ! -e "$T/A/data/admin.conf" ] || ! grep -q "member" "$T/A/data/admin.conf" || fail "a refused request was recorded"

expect 0 cli A admin admin member add C --cert "$T/C/C.pub" --via HQ --max-classification SECRET
output_has out "member C"
expect 0 cli C admin admin member add A --cert "$T/A/A.pub" --via HQ
id=$(cli A send status --to C --title "added by admin" --body y) || fail "send to the new member"
wait_until 15 cli C reader get "$id" || fail "C never got $id"
wait_until 15 bash -c "\"$LIAISON\" -c \"$T/A/officer.conf\" status $id --json | jq -e '.recipients[0].state == \"delivered\"'" ||
	fail "not delivered: $(cli A status "$id" --json)"
cli A peers --json | jq -e '.peers[] | select(.name == "C") | .kind == "member" and .via == "HQ" and .max_classification == "SECRET"' >/dev/null ||
	fail "peers: $(cli A peers --json)"
expect 1 cli A send status --to C --classification TOP_SECRET --title x --body y
output_has err "release refused"
"$LIAISOND" -c "$T/A/liaisond.conf" --check >"$T/check.out" 2>&1 || fail "--check: $(cat "$T/check.out")"
grep -q "member C" "$T/check.out" || fail "--check does not tell the member: $(cat "$T/check.out")"

# it survives a restart
node_stop A
node_start A
id2=$(cli A send status --to C --title "after a restart" --body y) || fail "send after the restart"
wait_until 15 cli C reader get "$id2" || fail "C never got $id2"

expect 0 cli A admin admin member remove C
expect 1 cli A send status --to C --title x --body y
output_has err "unknown recipient 'C'"
expect 1 cli A admin admin member remove C
output_has err "no member 'C'"
# a relay in use cannot be removed from under a member
expect 1 cli C admin admin peer remove HQ
output_has err "reached through peer 'HQ'"
cli A admin audit >/dev/null || fail "audit chain"
grep -q "member-add" <(sqlite3 "$T/A/data/liaison.db" "SELECT kind FROM audit") || fail "no member-add audit record"
for n in A HQ C; do node_stop "$n"; done

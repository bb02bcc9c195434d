#!/bin/bash
# Writes to the store that fail are not ignored: an audit record that cannot
# be written (a trigger in A's store refuses some kinds) is logged, the
# turn's transaction is dropped, the node stays up and its audit chain
# stays whole; after the fault, records are written again.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "skipped: needs the sqlite3 shell"; exit 0; }
fed_setup A B
# B allows no clock skew, so that a message 2 s past its expiry is rejected
sed -i '/^\[node\]/a clock_skew = 0' "$T/B/liaisond.conf"
sed -i '/^\[peer B\]$/a max_classification = RESTRICTED' "$T/A/liaisond.conf"
node_start A
node_start B
node_stop A
sqlite3 "$T/A/data/liaison.db" "CREATE TRIGGER fault BEFORE INSERT ON audit
	WHEN NEW.kind IN ('start', 'release-refused', 'reload') BEGIN SELECT RAISE(ABORT, 'injected fault'); END;" ||
	fail "cannot add the trigger"
node_start A
grep -q "error: audit record of the start not written: .*injected fault" "$T/A/liaisond.log" ||
	fail "a failed start record was not logged"

cli A send sitrep --to B --classification SECRET --title t --body b 2>"$T/err" && fail "SECRET released to B"
grep -q "exceeds B's limit RESTRICTED" "$T/err" || fail "refusal said: $(cat "$T/err")"
wait_until 5 grep -q "error: audit of a refused release: .*injected fault" "$T/A/liaisond.log" ||
	fail "a failed audit of a refused release was not logged"
"$LIAISON" -c "$T/A/admin.conf" reload >/dev/null 2>&1
wait_until 5 grep -q "error: audit record of the reload not written: .*injected fault" "$T/A/liaisond.log" ||
	fail "a failed audit of a reload was not logged"

# the node goes on: what the store takes is stored and delivered
id=$(cli A send sitrep --to B --title ok --body b) || fail "send after the faults"
wait_until 15 cli B reader get "$id" || fail "B never got $id"
node_stop A
"$LIAISOND" -c "$T/A/liaisond.conf" --verify-audit >"$T/audit" || fail "audit chain of A broken: $(cat "$T/audit")"
sqlite3 "$T/A/data/liaison.db" "DROP TRIGGER fault;" || fail "cannot drop the trigger"
node_start A
cli A send sitrep --to B --classification SECRET --title t --body b 2>/dev/null && fail "SECRET released to B"
node_stop A
n=$(sqlite3 "$T/A/data/liaison.db" "SELECT COUNT(*) FROM audit WHERE kind = 'release-refused'")
assert_eq "$n" 1 "release-refused records after the fault"
"$LIAISOND" -c "$T/A/liaisond.conf" --verify-audit >/dev/null || fail "audit chain of A broken at the end"

# a peer's rejection that A cannot record: logged, and A does not claim it
sqlite3 "$T/A/data/liaison.db" "CREATE TRIGGER fault BEFORE UPDATE OF state ON recipients
	WHEN NEW.state = 3 BEGIN SELECT RAISE(ABORT, 'injected fault'); END;" || fail "cannot add the trigger"
node_start A
node_stop B
id=$(cli A send warning --to B --expires 2s --title short --body lived) || fail "send"
sleep 3 # B is down until the message has expired; B then rejects it
node_start B
wait_until 15 grep -q "error: store: recipient state: .*injected fault" "$T/A/liaisond.log" ||
	fail "a failed write of a rejection was not logged"
state=$(cli A reader status "$id" --json | jq -r '.recipients[] | select(.node == "B") | .state')
[ "$state" != rejected ] || fail "A shows a rejection its store does not hold"
node_stop A
node_stop B

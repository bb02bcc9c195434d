#!/bin/bash
# A second liaisond on a running node's configuration exits 1 naming the
# running one's pid, before it binds anything: the running node still
# answers its clients and exchanges with its peer. After kill -9 of the
# node, a new start takes the data directory at once.
. "$(dirname "$0")/lib.sh"
fed_setup A B
node_start A
node_start B
pid=$(node_pid A)

timeout 30 "$LIAISOND" -c "$T/A/liaisond.conf" >"$T/second.out" 2>"$T/second.err"
rc=$?
assert_eq "$rc" 1 "exit code of the second instance"
grep -q "data directory $T/A/data is in use by liaisond pid $pid\$" "$T/second.err" ||
	fail "second instance said: $(cat "$T/second.err")"
[ "$(wc -l <"$T/second.err")" -eq 1 ] || fail "more than one line: $(cat "$T/second.err")"
[ -S "$T/A/api.sock" ] || fail "the api socket is gone"

# --check reports the running node and still passes
out=$("$LIAISOND" -c "$T/A/liaisond.conf" --check) || fail "--check failed while the node runs"
echo "$out" | grep -q "in use by liaisond pid $pid\$" || fail "--check said: $out"

cli A reader status >/dev/null || fail "A no longer answers status (rc $?)"
id=$(cli A send status --to B --title "after the second start" --body "still here") || fail "send from A"
wait_until 15 cli B reader get "$id" || fail "B never got $id"
id2=$(cli B send status --to A --title "to A" --body "reply") || fail "send from B"
wait_until 15 cli A reader get "$id2" || fail "A never got $id2"

# kill -9 leaves no stale lock: --check sees none, a new start works at once
node_kill A
[ -f "$T/A/data/liaisond.lock" ] || fail "the lock file is gone"
out=$("$LIAISOND" -c "$T/A/liaisond.conf" --check) || fail "--check after kill -9"
echo "$out" | grep -q "in use" && fail "--check after kill -9 still says: $out"
node_start A
cli A reader get "$id2" >/dev/null || fail "A lost $id2 across the restart"
newpid=$(node_pid A)
[ "$(cat "$T/A/data/liaisond.lock")" = "$newpid" ] || fail "lock file holds $(cat "$T/A/data/liaisond.lock"), not $newpid"
node_stop A
node_stop B

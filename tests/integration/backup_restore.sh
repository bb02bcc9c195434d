#!/bin/bash
# liaison admin backup under traffic, then the restore procedure of
# liaisond(8) into a fresh data directory: the node starts, its messages are
# there, the audit chain verifies.
. "$(dirname "$0")/lib.sh"

fed_setup ALPHA BRAVO
node_start ALPHA
node_start BRAVO
has() { test "$(count_query "$1")" -ge "$2"; }

gen_batch sitrep ALPHA 200 routine first | cli BRAVO send --batch - >/dev/null || fail "first batch"
wait_until 30 has ALPHA 200 || fail "ALPHA did not get the first 200"

cli ALPHA admin admin backup relative.db >/dev/null 2>&1
assert_eq $? 64 "a relative backup path"
cli ALPHA officer admin backup "$T/x.db" >/dev/null 2>&1
assert_eq $? 77 "an officer may not back up"

note "back up while BRAVO sends 1000 more"
for i in $(seq 20); do
	gen_batch sitrep ALPHA 50 routine "second-$i" | cli BRAVO send --batch - >/dev/null || exit 1
	sleep 0.1
done &
SENDER=$!
PIDS+=("$SENDER")
wait_until 30 has ALPHA 300 || fail "traffic did not start"
out=$(cli ALPHA admin admin backup "$T/backup.db") || fail "backup"
note "$out"
wait "$SENDER" || fail "the sender failed"
[ "$(stat -c %a "$T/backup.db")" = 600 ] || fail "backup mode $(stat -c %a "$T/backup.db")"
cli ALPHA admin admin backup "$T/backup.db" >/dev/null 2>&1
assert_eq $? 1 "a backup over an existing file"
assert_eq "$(sqlite3 "$T/backup.db" 'PRAGMA integrity_check')" ok "integrity of the copy"
in_backup=$(sqlite3 "$T/backup.db" 'SELECT COUNT(*) FROM messages')
note "backup holds $in_backup messages"
[ "$in_backup" -ge 300 ] || fail "the backup lacks messages stored before it began"
wait_until 60 has ALPHA 1200 || fail "ALPHA did not get all 1200"

note "restore: stop, copy into a fresh data_dir, remove -wal/-shm, start"
node_stop ALPHA
node_stop BRAVO
mkdir "$T/ALPHA/restored"
cp "$T/backup.db" "$T/ALPHA/restored/liaison.db"
rm -f "$T/ALPHA/restored/liaison.db-wal" "$T/ALPHA/restored/liaison.db-shm"
sed -i 's|^data_dir = data$|data_dir = restored|' "$T/ALPHA/liaisond.conf"
"$LIAISOND" -c "$T/ALPHA/liaisond.conf" --verify-audit >/dev/null || fail "audit chain of the restored store"
node_start ALPHA
assert_eq "$(count_query ALPHA)" "$in_backup" "messages after the restore"
cli ALPHA reader query --json --limit 1 --from BRAVO | jq -e .body >/dev/null || fail "restored messages open"
# what the backup missed, BRAVO still holds until receipted: it sends it again
node_start BRAVO
wait_until 60 has ALPHA 1200 || fail "BRAVO did not resend what the backup lacked"
cli ALPHA admin audit >/dev/null || fail "audit after the catch-up"
echo "backup_restore: ok"

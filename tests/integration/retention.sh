#!/bin/bash
# Retention deletes for good: with [retention] sitrep = 2s, A's delivered
# SITREPs leave query and get, a SITREP still queued for a stopped peer
# stays until delivered, one a durable subscription has not acknowledged
# stays until it has, an expired message goes (clock_skew = 0), status
# and metrics count both; the audit chain still verifies, while a message
# deleted behind the verifier's back is named; the envelope's bytes are in
# neither the database nor its WAL; and the database file stops growing
# across fill and delete cycles (freed pages are reused).
. "$(dirname "$0")/lib.sh"
fed_setup A B
sed -i '/^\[node\]/a clock_skew = 0' "$T/A/liaisond.conf"
printf '\n[retention]\nsitrep = 2s\n' >>"$T/A/liaisond.conf"
metrics_enable A
"$LIAISOND" -c "$T/A/liaisond.conf" --check >/dev/null || fail "--check refuses the [retention] section"
node_start A
node_start B
db=$T/A/data/liaison.db

gone() { ! cli A reader get "$1" >/dev/null 2>&1; }
sitreps() { count_query A --type sitrep; }
no_sitreps() { [ "$(sitreps)" -eq 0 ]; }
counter() { cli A reader status --json | jq ".counters.$1"; }

# delivered SITREPs go, the WARNING after them stays
gen_batch sitrep B 20 routine old | cli A send --batch - >/dev/null || fail "send 20 sitreps"
first=$(query_ids A --type sitrep | head -1)
[ -n "$first" ] || fail "no sitrep stored"
# 48 bytes from the middle of its sealed envelope (ciphertext: found nowhere else)
pattern=$(sqlite3 "$db" "SELECT lower(hex(substr(envelope, length(envelope) / 2, 48))) FROM messages WHERE type = 1 ORDER BY pos LIMIT 1")
[ ${#pattern} -eq 96 ] || fail "could not read an envelope: '$pattern'"
hexdump_of() { od -An -v -tx1 "$1" 2>/dev/null | tr -d ' \n'; }
in_files() { for f in "$db" "$db-wal"; do hexdump_of "$f" | grep -q "$pattern" && return 0; done; return 1; }
in_files || fail "the pattern is not in the store to begin with"
keep=$(cli A send warning --to B --title "kept" --body "no retention for warnings") || fail "send warning"
wait_until 15 queue_empty A || fail "A's queue never emptied"
wait_until 15 no_sitreps || fail "sitreps still listed: $(sitreps)"
gone "$first" || fail "get still finds $first"
cli A reader get "$keep" >/dev/null || fail "the warning was deleted"
assert_eq "$(counter deleted_retention)" 20 "deleted_retention"
# the node's B still has them: its own store has no [retention]
wait_until 10 cli B reader get "$first" || fail "B lost $first"

# the deleted envelope's bytes are gone from the file and its WAL once checkpointed
wait_until 15 bash -c "! { od -An -v -tx1 '$db'; od -An -v -tx1 '$db-wal' 2>/dev/null; } | tr -d ' \n' | grep -q '$pattern'" ||
	fail "the deleted envelope's bytes are still in the database or its WAL"

# a SITREP queued for a stopped peer stays until it is delivered
node_stop B
held=$(cli A send sitrep --to B --title "held" --body "B is down") || fail "send held"
cli A send warning --to B --title "after held" --body "newest" >/dev/null || fail "send after held"
sleep 4 # past the 2 s retention: nothing to poll for but the clock
cli A reader get "$held" >/dev/null || fail "a message still queued for B was deleted"
node_start B
wait_until 15 queue_empty A || fail "A's queue never emptied after B came back"
wait_until 15 gone "$held" || fail "the held sitrep stayed after its delivery"

# an expired message goes (A allows no clock skew), whatever its type's retention
short=$(cli A send warning --to B --expires 2s --title "short" --body "expires") || fail "send short"
cli A send warning --to B --title "later" --body "newest" >/dev/null || fail "send later"
# (get refuses an expired message already: the counter tells its deletion)
expired_deleted() { [ "$(counter deleted_expired)" -ge 1 ]; }
wait_until 15 expired_deleted || fail "deleted_expired: $(counter deleted_expired)"
gone "$short" || fail "get still finds the expired warning"
scrape | grep -q '^liaison_messages_total{event="deleted_retention"} 21$' ||
	fail "metrics: $(scrape | grep deleted)"
scrape | grep -q '^liaison_messages_total{event="deleted_expired"} [1-9]' || fail "metrics: $(scrape | grep deleted)"

# fill and delete three times: the file grows with the first fill only
size_after_cycle() {
	gen_batch sitrep B 400 routine "cycle $1" | cli A send --batch - >/dev/null || fail "fill $1"
	cli A send warning --to B --title "end of cycle $1" --body "newest" >/dev/null || fail "send end $1"
	wait_until 30 queue_empty A || fail "cycle $1: queue never emptied"
	wait_until 30 no_sitreps || fail "cycle $1: sitreps still listed"
	# everything checkpointed: the WAL truncated after the deletions
	wait_until 15 [ ! -s "$db-wal" ] || fail "cycle $1: the WAL was not emptied ($(stat -c %s "$db-wal"))"
	stat -c %s "$db"
}
s0=$(stat -c %s "$db")
s1=$(size_after_cycle 1)
s2=$(size_after_cycle 2)
s3=$(size_after_cycle 3)
note "database bytes: before $s0, after cycles $s1 $s2 $s3"
# the audit chain keeps its store records (about 190 bytes a message, see
# docs/architecture.md), the messages' pages are reused: each later cycle
# grows the file by well under a third of the first
[ $((s2 - s1)) -lt $(((s1 - s0) / 3)) ] && [ $((s3 - s2)) -lt $(((s1 - s0) / 3)) ] ||
	fail "the file kept growing: $s0 $s1 $s2 $s3"
freelist=$(sqlite3 "$db" "PRAGMA freelist_count")
note "free pages after the last deletion: $freelist"

# a durable subscription holds back what it has not acknowledged (last:
# nothing removes a durable subscription, and this one holds back every
# SITREP stored after it)
"$LIAISON" -c "$T/A/reader.conf" subscribe --durable keeper --type sitrep --json >"$T/keeper1.out" 2>>"$T/sub.err" &
sub=$!
PIDS+=("$sub")
wait_until 10 grep -q "durable subscription 'keeper' created" "$T/A/liaisond.log" || fail "subscription never created"
sleep 0.3
kill -TERM "$sub"
wait "$sub" || fail "subscriber exited $?: $(cat "$T/sub.err")"
kept=$(cli A send sitrep --to B --title "for keeper" --body "not yet read") || fail "send kept"
cli A send warning --to B --title "after kept" --body "newest" >/dev/null || fail "send after kept"
wait_until 15 queue_empty A || fail "queue never emptied for the kept sitrep"
sleep 3 # past the 2 s retention
cli A reader get "$kept" >/dev/null || fail "deleted before the durable subscription took it"
cli A reader subscribe --durable keeper --type sitrep --json --count 1 >"$T/keeper2.out" 2>>"$T/sub.err" ||
	fail "resumed subscriber: $(cat "$T/sub.err")"
grep -q "$kept" "$T/keeper2.out" || fail "the subscriber did not get the kept sitrep: $(cat "$T/keeper2.out")"
wait_until 15 gone "$kept" || fail "still kept after the durable subscription acknowledged it"

# the audit chain verifies with the deletions in it
node_stop A
"$LIAISOND" -c "$T/A/liaisond.conf" --verify-audit >"$T/out" 2>"$T/err" || fail "--verify-audit: $(cat "$T/err")"
grep -q "audit chain holds" "$T/out" || fail "--verify-audit said: $(cat "$T/out")"
[ "$(sqlite3 "$db" "SELECT COUNT(*) FROM audit WHERE kind = 'retention'")" -ge 4 ] || fail "no retention records"
# nothing that hung off a deleted message is left behind
orphans=$(sqlite3 "$db" "SELECT
	(SELECT COUNT(*) FROM recipients r WHERE r.pos > 0 AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.pos = r.pos)),
	(SELECT COUNT(*) FROM rejections j WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.pos = j.pos)),
	(SELECT COUNT(*) FROM cap_refs c WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.pos = c.pos)),
	(SELECT COUNT(*) FROM receipts t WHERE NOT EXISTS (SELECT 1 FROM recipients r WHERE r.receipt = t.id))")
assert_eq "$orphans" "0|0|0|0" "rows left behind (recipients|rejections|cap_refs|receipts)"
[ "$(sqlite3 "$db" "SELECT COUNT(*) FROM receipts")" -ge 1 ] || fail "the kept messages' receipts were deleted"

# a message deleted behind the verifier's back is named; so is a changed retention record
cp -a "$T/A/data" "$T/A/copy"
sed "s|^data_dir *=.*|data_dir = copy|" "$T/A/liaisond.conf" >"$T/A/copy.conf"
pos=$(sqlite3 "$T/A/copy/liaison.db" "SELECT pos FROM messages WHERE type = 3 ORDER BY pos LIMIT 1")
sqlite3 "$T/A/copy/liaison.db" "DELETE FROM recipients WHERE pos = $pos; DELETE FROM messages WHERE pos = $pos" ||
	fail "delete behind its back"
"$LIAISOND" -c "$T/A/copy.conf" --verify-audit >"$T/out" 2>"$T/err" && fail "--verify-audit passed a vanished message"
grep -q "stored message $pos is missing" "$T/err" || fail "vanished message not named: $(cat "$T/err")"

rm -rf "$T/A/copy"
cp -a "$T/A/data" "$T/A/copy"
pos=$(sqlite3 "$T/A/copy/liaison.db" "SELECT pos FROM messages WHERE type = 3 ORDER BY pos LIMIT 1")
# a retention record made to cover it: the digest no longer matches
rec=$(sqlite3 "$T/A/copy/liaison.db" "SELECT seq FROM audit WHERE kind = 'retention' ORDER BY seq LIMIT 1")
sqlite3 "$T/A/copy/liaison.db" "DELETE FROM messages WHERE pos = $pos;
	UPDATE audit SET detail = detail || ',$pos' WHERE seq = $rec" || fail "forge"
"$LIAISOND" -c "$T/A/copy.conf" --verify-audit >"$T/out" 2>"$T/err" && fail "--verify-audit passed a forged record"
grep -q "record $rec" "$T/err" || fail "forged record not named: $(cat "$T/err")"
# every ROUTINE row to B went with its SITREP; after a restart A's stream
# positions to B still go on from the highest one used (a reused one would
# be taken for a duplicate by B, and the message lost)
kill -0 "$(node_pid A)" 2>/dev/null || node_start A
kill -0 "$(node_pid B)" 2>/dev/null || node_start B
last=$(sqlite3 "$db" "SELECT seq FROM stream_floor WHERE peer = 'B' AND lane = 3")
[ -n "$last" ] && [ "$last" -ge 20 ] || fail "stream_floor for B: '$last'"
[ -z "$(sqlite3 "$db" "SELECT stream_seq FROM recipients WHERE peer = 'B' AND lane = 3")" ] ||
	fail "rows to B are left, the restart proves nothing"
node_stop A
node_start A
after=$(cli A send sitrep --to B --title "after the restart" --body x) || fail "send after the restart"
wait_until 15 cli B reader get "$after" || fail "B never got a SITREP sent after retention and a restart"
assert_eq "$(sqlite3 "$db" "SELECT MAX(stream_seq) FROM recipients WHERE peer = 'B' AND lane = 3")" $((last + 1)) \
	"A's next position to B"
exit 0

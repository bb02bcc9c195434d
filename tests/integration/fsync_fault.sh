#!/bin/bash
# Storage faults injected with libfiu into B while A sends to it: first every
# fsync/fdatasync fails, then one pwrite in three. A commit that failed is
# never acknowledged: B's own officer gets an error and no id, A keeps what it
# sent (nothing becomes "delivered") and B stays up; a send refused just
# before B is killed under the fault does not come back with the restart.
# Once the fault is lifted A's messages arrive exactly once, in A's order,
# and B's store is intact.
# Needs fiu-run and fiu-ctrl (Debian fiu-utils); skipped without them.
. "$(dirname "$0")/lib.sh"
if ! command -v fiu-run >/dev/null || ! command -v fiu-ctrl >/dev/null; then
	echo "skipped: fiu-run/fiu-ctrl not installed (Debian package fiu-utils)"
	exit 0
fi
fed_setup A B
if ldd "$LIAISOND" 2>/dev/null | grep -q libasan; then
	echo "skipped: libfiu's preload and ASan's runtime cannot share a process (SANITIZE=1 build)"
	exit 0
fi
# B runs under libfiu's POSIX preload with remote control through $T/fiu-PID
cat >"$T/liaisond-fiu" <<EOF
#!/bin/sh
exec fiu-run -x -f "$T/fiu" "$LIAISOND" "\$@"
EOF
chmod +x "$T/liaisond-fiu"
node_start A
LIAISOND=$T/liaisond-fiu node_start B
fiu() { fiu-ctrl -f "$T/fiu" -c "$1" "$(node_pid B)" || fail "fiu-ctrl '$1'"; }
held_at_b() { cli B reader query --json --limit 10000 --from A | jq -r .id; }
has_n() { [ "$(count_query B --from A)" -ge "$1" ]; }
state_of() { cli A reader status "$1" --json | jq -r '.recipients[0].state'; }

# a clean start: 100 through
gen_batch sitrep B 100 routine before >"$T/b1.jsonl"
cli A send --batch "$T/b1.jsonl" >"$T/sent.ids" || fail "first batch"
wait_until 30 has_n 100 || fail "B holds $(count_query B --from A) of the first 100"

fault_round() { # NAME FIU-ENABLE...: sends under the fault, checks nothing is acknowledged
	local name=$1 c
	shift
	for c in "$@"; do fiu "$c"; done
	# B's own officer: each send must fail with an error, never print an id
	local k out rc refused=0
	for k in 1 2 3 4 5; do
		out=$(cli B send sitrep --to A --title "$name $k" --body x 2>"$T/$name.err")
		rc=$?
		if [ "$rc" -ne 0 ]; then
			refused=$((refused + 1))
			[ -z "$out" ] || fail "$name: send failed (exit $rc) yet printed '$out'"
		else
			echo "$out" >>"$T/b_acked.ids"
		fi
	done
	note "$name: B's officer: $refused of 5 sends refused: $(head -1 "$T/$name.err")"
	[ "$refused" -ge 1 ] || fail "$name: no send failed under the fault"
	# A's messages to B: sent, never delivered while the fault holds
	gen_batch sitrep B 100 routine "$name" >"$T/$name.jsonl"
	cli A send --batch "$T/$name.jsonl" >"$T/$name.ids" || fail "$name: A's batch"
	cat "$T/$name.ids" >>"$T/sent.ids"
	fault_seen() { [ "$(grep -c 'store commit failed' "$T/B/liaisond.log")" -gt "$1" ]; }
	wait_until 20 fault_seen "$before_fail" || fail "$name: B never logged a failed commit"
	kill -0 "$(node_pid B)" || fail "$name: B died under the fault"
}

# round 1: every fsync and fdatasync fails
before_fail=0
fault_round fsync "enable name=posix/io/sync/fsync" "enable name=posix/io/sync/fdatasync"
# A retries meanwhile (B logs more failed commits); none may become delivered
retried=$(($(grep -c 'store commit failed' "$T/B/liaisond.log") + 2))
more_failed() { [ "$(grep -c 'store commit failed' "$T/B/liaisond.log")" -ge "$retried" ]; }
wait_until 20 more_failed || fail "A did not send again while B's commits failed"
delivered=0
for id in $(shuf -n 20 "$T/fsync.ids") $(tail -1 "$T/fsync.ids"); do [ "$(state_of "$id")" = delivered ] && delivered=$((delivered + 1)); done
assert_eq "$delivered" 0 "messages delivered to B while its fsync fails"
comm -12 <(sort "$T/fsync.ids") <(held_at_b | sort) | grep -q . && fail "B shows a message it could not commit"
note "fsync: $(grep -c 'store commit failed' "$T/B/liaisond.log") failed commits logged, none acknowledged"
fiu "disable name=posix/io/sync/fsync"
fiu "disable name=posix/io/sync/fdatasync"
wait_until 30 has_n 200 || fail "after fsync returned, B holds $(count_query B --from A) of 200"

# round 2: one pwrite in three fails (data and WAL writes)
before_fail=$(grep -c 'store commit failed' "$T/B/liaisond.log")
fault_round pwrite "enable_random name=posix/io/rw/pwrite,probability=0.34"
note "pwrite: $(($(grep -c 'store commit failed' "$T/B/liaisond.log") - before_fail)) failed commits logged"
fiu "disable name=posix/io/rw/pwrite"
wait_until 30 has_n 300 || fail "after pwrite returned, B holds $(count_query B --from A) of 300"

# round 3: B dies while its fsync fails. A commit whose fsync failed has
# written its frames to the WAL all the same; the send refused just before
# the crash must not come back with the restart, nor reach A. A is stopped
# meanwhile, so that no later commit of B's overwrites those frames first,
# and a reader holds a snapshot of B's store so that the checkpoint cannot
# catch up with the WAL, as under load (a WAL that was wholly checkpointed
# starts over, and its header's fsync fails before any frame is written).
node_stop A
mkfifo "$T/reader.in"
sqlite3 "$T/B/data/liaison.db" <"$T/reader.in" >"$T/reader.out" 2>&1 &
reader=$!
PIDS+=("$reader")
exec 7>"$T/reader.in"
echo "BEGIN; SELECT count(*) FROM messages;" >&7
wait_until 10 test -s "$T/reader.out" || fail "the reader did not start: $(cat "$T/reader.out")"
cli B send sitrep --to A --title "before the crash" --body x >>"$T/b_acked.ids" || fail "B's send before the crash"
fiu "enable name=posix/io/sync/fsync"
fiu "enable name=posix/io/sync/fdatasync"
cli B send sitrep --to A --title ghost --body "refused, then a crash" >"$T/ghost.out" 2>&1 &&
	fail "a send was acknowledged while every fsync fails: $(cat "$T/ghost.out")"
node_kill B
# the reader goes too, killed (closing, the last connection would check-
# point and remove the WAL): B's restart then recovers the WAL from the
# file, as after any crash
kill -KILL "$reader"
wait "$reader" 2>/dev/null
exec 7>&-
node_start B
node_start A
note "crash under the fault: $(cat "$T/ghost.out")"

# exactly once, in A's order; A's queues drain; B's acknowledged sends reached A
held_at_b >"$T/got.ids"
assert_eq "$(wc -l <"$T/got.ids")" 300 "messages from A at B"
cmp -s "$T/sent.ids" "$T/got.ids" || { diff "$T/sent.ids" "$T/got.ids" | head; fail "B's messages differ from A's, or their order"; }
queue_empty() { [ "$(cli A reader status --json | jq '[.queues[]] | add')" -eq 0 ]; }
wait_until 30 queue_empty || fail "A's queues never emptied"
for id in $(cat "$T/b_acked.ids" 2>/dev/null); do
	wait_until 20 cli A reader get "$id" || fail "B acknowledged $id but A never got it"
done
after=$(cli B send sitrep --to A --title after --body x) || fail "B refuses sends after the fault"
wait_until 20 cli A reader get "$after" || fail "A never got B's message after the fault"
# B's messages keep their order, so A holding "after" means it holds all before
for n in A B; do
	cli "$n" reader query --json --limit 10000 --from B | jq -r .body.title | grep -qx ghost &&
		fail "the send refused before the crash is at $n after all"
done
node_stop B
node_stop A
assert_eq "$(sqlite3 "$T/B/data/liaison.db" "PRAGMA integrity_check")" ok "integrity_check of B"
"$LIAISOND" -c "$T/B/liaisond.conf" --verify-audit >/dev/null || fail "audit chain of B"
note "300 of 300 delivered exactly once and in order; failed commits acknowledged nothing"

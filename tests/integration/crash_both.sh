#!/bin/bash
# Crashes at random moments of a transfer: while A's officer sends batches to
# B and a durable subscriber follows B, SIGKILL lands on A (the sender), on B,
# or on both at once, again and again. Afterwards every id the client printed
# (it prints one only once A acknowledged it) is held exactly once by B and
# shown exactly once to the subscriber, B keeps A's order, and both stores
# pass PRAGMA integrity_check and the audit chain check.
# Short form: 10 kills. SOAK=1 (make soak): 300 kills, or KILLS=N.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || fail "sqlite3 (the CLI) is needed: scripts/install-deps.sh check"
if [ -n "${SOAK:-}" ]; then kills=${KILLS:-300}; else kills=${KILLS:-10}; fi
fed_setup A B
node_start A
node_start B

# a durable subscriber at B that outlives all of B's restarts
"$LIAISON" -c "$T/B/reader.conf" subscribe --durable crash --from A --json >"$T/sub.out" 2>"$T/sub.err" &
sub=$!
PIDS+=("$sub")
wait_until 10 grep -q "durable subscription 'crash' created" "$T/B/liaisond.log" || fail "subscription never created"

# the sender: batches of 40 until told to stop; a batch cut short by a kill
# leaves the ids printed so far (acknowledged) and the rest unacknowledged
: >"$T/sent.ids"
(
	b=0
	while [ ! -e "$T/stop" ]; do
		b=$((b + 1))
		gen_batch sitrep B 40 routine "b$b" >"$T/batch.jsonl"
		"$LIAISON" -c "$T/A/officer.conf" --timeout 2 send --batch "$T/batch.jsonl" >>"$T/sent.ids" 2>>"$T/send.err"
	done
) &
sender=$!
PIDS+=("$sender")

restart() { # NAME...: starts each named node again (after a kill)
	local n
	for n in "$@"; do node_start "$n"; done
}
acked() { wc -l <"$T/sent.ids"; }

start=$SECONDS
survived=0
for k in $(seq "$kills"); do
	# a random moment: 0.2 to 1.4 s into the flow, after at least one more ack
	before=$(acked)
	more() { [ "$(acked)" -gt "$before" ]; }
	wait_until 30 more || fail "kill $k: nothing acknowledged for 30 s ($(acked) so far): $(tail -2 "$T/send.err")"
	sleep "0.$((RANDOM % 9 + 2))$((RANDOM % 10))"
	case $((RANDOM % 3)) in
	0) victims="A" ;;
	1) victims="B" ;;
	*) victims="A B" ;;
	esac
	for v in $victims; do node_kill "$v"; done
	[ $((k % 25)) -eq 0 ] || [ "$k" -le 10 ] && note "kill $k: $victims at $(acked) acknowledged"
	# sometimes the killed node stays down a while, so the other queues up
	[ $((RANDOM % 4)) -eq 0 ] && sleep "0.$((RANDOM % 10))"
	restart $victims
	survived=$((survived + 1))
done
touch "$T/stop"
wait "$sender"
total=$(acked)
note "$survived kills survived in $((SECONDS - start)) s; $total messages acknowledged"
[ "$(sort "$T/sent.ids" | uniq -d | wc -l)" -eq 0 ] || fail "the client printed an id twice"

# B drains: every acknowledged id arrives (polled through the store, read-only)
db_ids() { # NAME: the ids of A's messages in NAME's store, in store order
	sqlite3 -readonly "file:$T/$1/data/liaison.db?mode=ro" \
		"SELECT lower(hex(id)) FROM messages WHERE sender = 'A' ORDER BY pos" 2>/dev/null
}
missing() { comm -23 <(sort "$T/sent.ids") <(db_ids B | sort) | wc -l; }
drained() { [ "$(missing)" -eq 0 ]; }
wait_until 60 drained || fail "B lacks $(missing) of $total acknowledged messages"
got=$(db_ids B | wc -l)
note "B holds $got messages from A ($((got - total)) committed at A whose reply a kill cut off)"

# exactly once at B: no id, no (sender, sequence) twice; A's order kept
db_ids B >"$T/got.ids"
dup_ids=$(sort "$T/got.ids" | uniq -d | wc -l)
dup_seq=$(sqlite3 "$T/B/data/liaison.db" "SELECT count(*) - count(DISTINCT sequence) FROM messages WHERE sender = 'A'")
assert_eq "$dup_ids" 0 "duplicate ids at B"
assert_eq "$dup_seq" 0 "duplicate sequence numbers from A at B"
sqlite3 "$T/B/data/liaison.db" "SELECT sequence FROM messages WHERE sender = 'A' ORDER BY pos" | sort -n -c ||
	fail "B stored A's messages out of A's order"
# the acknowledged ids appear in B in the order the client printed them
awk 'NR == FNR { at[$1] = FNR; next } ($1 in at) { if (at[$1] < last) bad++; last = at[$1] } END { exit bad > 0 }' \
	"$T/got.ids" "$T/sent.ids" || fail "acknowledged ids reached B out of order"

# the durable subscriber saw each message B holds exactly once
sub_has_all() { [ "$(wc -l <"$T/sub.out")" -ge "$got" ]; }
wait_until 60 sub_has_all || fail "the subscriber printed $(wc -l <"$T/sub.out") of $got: $(tail -2 "$T/sub.err")"
kill -0 "$sub" || fail "the subscriber exited: $(cat "$T/sub.err")"
jq -r .id "$T/sub.out" >"$T/sub.ids"
sub_dups=$(sort "$T/sub.ids" | uniq -d | wc -l)
assert_eq "$sub_dups" 0 "messages printed twice by the durable subscriber"
cmp -s "$T/got.ids" "$T/sub.ids" || { diff "$T/got.ids" "$T/sub.ids" | head; fail "the subscriber's messages differ from B's store"; }

# A sees every acknowledged message delivered
queue_empty() { [ "$(cli A reader status --json | jq '[.queues[]] | add')" -eq 0 ]; }
wait_until 30 queue_empty || fail "A's queues never emptied: $(cli A reader status --json | jq -c .queues)"
note "peak RSS (VmHWM): A $(grep VmHWM /proc/"$(node_pid A)"/status | awk '{print $2, $3}'), B $(grep VmHWM /proc/"$(node_pid B)"/status | awk '{print $2, $3}')"

kill -TERM "$sub"
wait "$sub"
node_stop B
node_stop A
for n in A B; do
	ic=$(sqlite3 "$T/$n/data/liaison.db" "PRAGMA integrity_check")
	assert_eq "$ic" ok "integrity_check of $n"
	"$LIAISOND" -c "$T/$n/liaisond.conf" --verify-audit >/dev/null || fail "audit chain of $n"
done
note "lost 0, duplicated 0 (store and subscriber), integrity ok on A and B"

#!/bin/bash
# A durable subscriber at C, stopped (SIGTERM, --count) and restarted several
# times, and carried across a restart of C itself, prints each of A's 30
# warnings exactly once and none of the sitreps; a non-durable subscriber
# sees only what is stored after it started.
. "$(dirname "$0")/lib.sh"
fed_setup A C
node_start A
node_start C

nw=0
send_warnings() { # COUNT: the next COUNT warnings, each followed by a sitrep that must not show
	local k
	for k in $(seq "$1"); do
		nw=$((nw + 1))
		cli A send warning --to C --topic region.north --title "warning $nw" --body "w $nw" >>"$T/warnings.ids" ||
			fail "send warning $nw"
		cli A send sitrep --to C --topic region.north --title "sitrep $nw" --body "s" >>"$T/sitreps.ids" ||
			fail "send sitrep $nw"
	done
}
SUB=
sub_start() { # OUT [subscribe options]: a durable subscriber in the background
	local out=$1
	shift
	# the client itself, not a subshell, so that SIGTERM reaches it
	"$LIAISON" -c "$T/C/reader.conf" subscribe --durable siren --type warning --json "$@" >"$out" 2>>"$T/sub.err" &
	SUB=$!
	PIDS+=("$SUB")
}
sub_stop() { # SIGTERM; the subscriber must exit 0
	# After a batch the client acks and waits; if SIGTERM ends that wait at
	# once, the socket closes without linger and can drop the ack just
	# queued, so the next run gets the batch again. Let it leave first.
	sleep 0.3
	kill -TERM "$SUB"
	wait "$SUB" || fail "subscriber exited $? after SIGTERM: $(cat "$T/sub.err")"
}
printed() { cat "$T"/run*.out 2>/dev/null | wc -l; }
printed_at_least() { [ "$(printed)" -ge "$1" ]; }

# before the subscription exists: must not show
early=$(cli A send warning --to C --title early --body "before the subscription") || fail "send early"
wait_until 10 cli C reader get "$early" || fail "C never got the early warning"

# run 1: creates the subscription, takes 8, SIGTERM while idle
sub_start "$T/run1.out"
wait_until 10 grep -q "durable subscription 'siren' created" "$T/C/liaisond.log" || fail "subscription never created"
send_warnings 8
wait_until 10 printed_at_least 8 || fail "run 1 printed $(printed) of 8"
sub_stop

# run 2: 6 sent while no one listens; --count 5 takes 5 and leaves by itself
send_warnings 6
wait_until 10 cli C reader get "$(tail -1 "$T/warnings.ids")" || fail "C never got warning $nw"
cli C reader subscribe --durable siren --type warning --json --count 5 >"$T/run2.out" 2>>"$T/sub.err" ||
	fail "run 2 exited $?: $(cat "$T/sub.err")"
assert_eq "$(wc -l <"$T/run2.out")" 5 "run 2 lines"

# run 3: the 6th of those, then SIGTERM in the middle of a batch of 10
sub_start "$T/run3.out"
wait_until 10 printed_at_least 14 || fail "run 3 did not resume: $(printed) printed"
gen_batch warning C 10 flash batch >"$T/batch.jsonl"
cli A send --batch "$T/batch.jsonl" >>"$T/warnings.ids" || fail "batch send"
nw=$((nw + 10))
wait_until 10 printed_at_least 15 || fail "run 3 printed nothing of the batch"
sub_stop

# run 4: resumes; C restarts under it; what A sent meanwhile comes through
sub_start "$T/run4.out"
send_warnings 3
wait_until 10 printed_at_least 27 || fail "run 4: $(printed) of 27 printed"
# The client prints, then acks; an ack still on its way when C stops is lost
# and the resumed subscription gives that message again (the client does not
# skip cursors it already printed). Let the ack land first.
sleep 0.5
node_stop C
send_warnings 3
node_start C
wait_until 30 printed_at_least 30 || fail "after C's restart: $(printed) of 30 printed"
sub_stop

note "printed per run: $(wc -l "$T"/run*.out | head -n -1 | awk '{printf "%s ", $1}')"
assert_eq "$(wc -l <"$T/warnings.ids")" 30 "warnings sent"
cat "$T"/run*.out | jq -r .id >"$T/printed.ids"
dups=$(sort "$T/printed.ids" | uniq -d)
[ -z "$dups" ] || fail "printed more than once: $dups"
sort "$T/warnings.ids" | cmp -s - <(sort "$T/printed.ids") ||
	{ diff <(sort "$T/warnings.ids") <(sort "$T/printed.ids") | head; fail "printed ids differ from the warnings sent"; }
cat "$T"/run*.out | jq -e 'select(.type != "warning" or .from != "A")' >/dev/null && fail "a non-warning was printed"
grep -q "$early" "$T/printed.ids" && fail "the warning from before the subscription was printed"
# within the durable stream, C's store order
cat "$T"/run*.out | jq .cursor | sort -c -n || fail "cursors not increasing across runs"

# run 5: nothing is left over; the next warning is the next line
sub_start "$T/run5.out" --count 1
last=$(cli A send warning --to C --title "warning 31" --body "w 31") || fail "send warning 31"
wait "$SUB" || fail "run 5 exited $?"
assert_eq "$(jq -r .id "$T/run5.out")" "$last" "run 5 printed"

# a non-durable subscriber starts at the present: probes until one shows,
# and the first thing it prints is a probe, never an earlier message
"$LIAISON" -c "$T/C/reader.conf" subscribe --type warning --json --count 1 >"$T/live.out" 2>>"$T/sub.err" &
live=$!
PIDS+=("$live")
for i in $(seq 20); do
	cli A send warning --to C --title "probe $i" --body probe >>"$T/probes.ids" || fail "send probe"
	wait_until 1 test -s "$T/live.out" && break
done
wait "$live" || fail "the live subscriber exited $?"
grep -qx "$(jq -r .id "$T/live.out")" "$T/probes.ids" || fail "the live subscriber printed an older message: $(cat "$T/live.out")"

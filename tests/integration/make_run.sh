#!/bin/bash
# make run's federation script: it starts three nodes that exchange a
# message and stop cleanly on Ctrl-C; when a port is taken it names the port
# instead of starting.
. "$(dirname "$0")/lib.sh"
RUNDIR=$T/run
set -m # job control: a background job keeps SIGINT, as Ctrl-C sends it
PORT=$(pick_base)
run_fed() { LIAISON_RUN_DIR=$RUNDIR LIAISON_RUN_PORT=$PORT "$ROOT/scripts/run-federation.sh" >"$T/out" 2>"$T/err" & }

# 1. a port that another program holds: named, nothing started
mkdir -p "$T"
"$BUILD/tools/delay_proxy" "127.0.0.1:$((PORT + 2))" 127.0.0.1:9 0 >"$T/proxy.out" &
proxy=$!
PIDS+=("$proxy")
wait_until 10 grep -q listening "$T/proxy.out" || fail "the port holder did not start"
run_fed
fed=$!
PIDS+=("$fed")
wait "$fed"
rc=$?
assert_eq "$rc" 1 "exit with a port taken"
grep -q "port $((PORT + 2)) (BRAVO) is taken" "$T/err" || fail "the taken port is not named: $(cat "$T/err")"
kill -TERM "$proxy"
wait "$proxy" 2>/dev/null

# 2. the port is free: three nodes up, a message goes through, Ctrl-C stops them
run_fed
fed=$!
PIDS+=("$fed")
wait_until 20 grep -q 'liaison is running' "$T/out" || fail "make run did not start: $(cat "$T/err")"
grep -q "ALPHA (tcp://127.0.0.1:$((PORT + 1)))" "$T/out" || fail "the banner names the wrong port: $(head -1 "$T/out")"
id=$("$LIAISON" -c "$RUNDIR/ALPHA/officer.conf" send sitrep --to BRAVO,CHARLIE --title "Bridge closed" --body "Flooding.") ||
	fail "send failed"
for n in BRAVO CHARLIE; do
	wait_until 20 "$LIAISON" -c "$RUNDIR/$n/reader.conf" get "$id" || fail "$n did not get the message"
done
kill -INT "$fed"
wait "$fed"
rc=$?
assert_eq "$rc" 0 "exit after Ctrl-C"
grep -q 'stopped.' "$T/out" || fail "no clean stop"
for n in ALPHA BRAVO CHARLIE; do
	grep -q 'stopped; audit chain' "$RUNDIR/$n/liaisond.log" || fail "$n did not stop cleanly"
done
note "make run: a taken port named; three nodes, a message delivered, a clean stop"

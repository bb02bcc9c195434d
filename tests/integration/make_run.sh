#!/bin/bash
# make run's federation script: it starts three nodes that exchange a
# message and stop cleanly on Ctrl-C; when a port is taken it names the port
# instead of starting. With TOPOLOGY=relay (`make run TOPOLOGY=relay`) it
# starts four, ALPHA and CHARLIE reaching each other only through HQ, and
# shows its demo message relayed and delivered.
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

# 3. make passes the topology on; an unknown one is refused
make -s -n -C "$ROOT" run TOPOLOGY=relay | grep -qx 'TOPOLOGY=relay scripts/run-federation.sh' ||
	fail "make run does not pass TOPOLOGY: $(make -s -n -C "$ROOT" run TOPOLOGY=relay)"
expect 64 env TOPOLOGY=star LIAISON_RUN_DIR="$T/star" LIAISON_RUN_PORT="$PORT" "$ROOT/scripts/run-federation.sh"
output_has err "unknown TOPOLOGY 'star'"
[ ! -e "$T/star" ] || fail "an unknown topology created $T/star"
# the mesh's folder is not taken for a relay federation
expect 1 env TOPOLOGY=relay LIAISON_RUN_DIR="$RUNDIR" LIAISON_RUN_PORT="$PORT" "$ROOT/scripts/run-federation.sh"
output_has err "holds another topology than relay"

# 4. TOPOLOGY=relay: four nodes; the demo message goes from ALPHA to CHARLIE
# through HQ alone, and is shown delivered; Ctrl-C stops all four
RELAYDIR=$T/run-relay
TOPOLOGY=relay LIAISON_RUN_DIR=$RELAYDIR LIAISON_RUN_PORT=$PORT "$ROOT/scripts/run-federation.sh" >"$T/out" 2>"$T/err" &
fed=$!
PIDS+=("$fed")
wait_until 30 grep -q 'liaison is running' "$T/out" || fail "make run TOPOLOGY=relay did not start: $(cat "$T/out" "$T/err")"
grep -q "HQ ($((PORT + 4)))" "$T/out" || fail "the banner does not name HQ: $(grep running "$T/out")"
for pair in ALPHA-HQ ALPHA-BRAVO BRAVO-HQ CHARLIE-HQ; do
	a=${pair%-*} b=${pair#*-}
	grep -qx "\[peer $b\]" "$RELAYDIR/$a/liaisond.conf" || fail "$a is not a peer of $b"
done
grep -qx '\[peer CHARLIE\]' "$RELAYDIR/ALPHA/liaisond.conf" && fail "ALPHA has CHARLIE as a peer"
grep -qx '\[peer ALPHA\]' "$RELAYDIR/CHARLIE/liaisond.conf" && fail "CHARLIE has ALPHA as a peer"
id=$(sed -n 's/^ALPHA sent CHARLIE \([0-9a-f]*\) through HQ.*/\1/p' "$T/out")
[ -n "$id" ] || fail "no demo message in the banner: $(cat "$T/out")"
grep -Eq '^  CHARLIE +delivered' "$T/out" || fail "the demo is not shown delivered: $(cat "$T/out")"
grep -Eq '^  CHARLIE +via HQ' "$T/out" || fail "ALPHA's peers do not show CHARLIE via HQ: $(cat "$T/out")"
"$LIAISON" -c "$RELAYDIR/CHARLIE/reader.conf" get "$id" >/dev/null || fail "CHARLIE does not hold the demo message"
expect 1 "$LIAISON" -c "$RELAYDIR/HQ/reader.conf" get "$id"
"$LIAISON" -c "$RELAYDIR/HQ/reader.conf" status --json | jq -e '.counters.relayed >= 1' >/dev/null ||
	fail "HQ did not relay it: $("$LIAISON" -c "$RELAYDIR/HQ/reader.conf" status --json | jq -c .counters)"
kill -INT "$fed"
wait "$fed"
assert_eq "$?" 0 "exit after Ctrl-C (relay)"
for n in ALPHA BRAVO CHARLIE HQ; do
	grep -q 'stopped; audit chain' "$RELAYDIR/$n/liaisond.log" || fail "$n did not stop cleanly"
done
note "make run: a taken port named; three nodes, a message delivered, a clean stop; TOPOLOGY=relay: the demo relayed through HQ and delivered"

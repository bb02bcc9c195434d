#!/bin/bash
# `make run`: a local federation on 127.0.0.1, created on first use and
# started in the foreground; Ctrl-C stops every node cleanly.
#   TOPOLOGY=mesh (the default): ALPHA, BRAVO and CHARLIE, each a peer of
#     the others, in run/.
#   TOPOLOGY=relay: ALPHA and CHARLIE reach each other only through HQ
#     (each a member at the other, via HQ); BRAVO is a peer of ALPHA and HQ.
#     In run-relay/; a demo message from ALPHA to CHARLIE is relayed by HQ
#     and shown delivered once the nodes are up.
# LIAISON_RUN_DIR and LIAISON_RUN_PORT (the base: nodes listen on base+1
# and up) place it elsewhere; the tests use them.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
topology=${TOPOLOGY:-mesh}
case $topology in
mesh)
	nodes=(ALPHA BRAVO CHARLIE)
	run=${LIAISON_RUN_DIR:-$(pwd)/run}
	;;
relay)
	nodes=(ALPHA BRAVO CHARLIE HQ)
	run=${LIAISON_RUN_DIR:-$(pwd)/run-relay}
	export LINKS="ALPHA-BRAVO ALPHA-HQ BRAVO-HQ HQ-CHARLIE" MEMBERS="ALPHA:CHARLIE@HQ CHARLIE:ALPHA@HQ"
	;;
*)
	echo "unknown TOPOLOGY '$topology': mesh or relay" >&2
	exit 64
	;;
esac
if [ ! -f "$run/ALPHA/liaisond.conf" ]; then
	rm -rf "$run"
	scripts/mkfed.sh "$run" "${LIAISON_RUN_PORT:-7600}" "${nodes[@]}"
	echo "created a federation of ${#nodes[@]} nodes ($topology) in ${run#"$(pwd)"/}/"
fi
[ -f "$run/${nodes[-1]}/liaisond.conf" ] && [ "$(ls -d "$run"/*/ | wc -l)" -eq ${#nodes[@]} ] || {
	echo "${run#"$(pwd)"/}/ holds another topology than $topology: remove it, or set LIAISON_RUN_DIR" >&2
	exit 1
}

# A port another program holds would make a node fail at start: say which.
taken=0
for n in "${nodes[@]}"; do
	port=$(cat "$run/$n/port")
	if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
		echo "port $port ($n) is taken by another program; see: ss -ltnp 'sport = :$port'" >&2
		taken=1
	fi
done
[ $taken -eq 0 ] || { echo "free the port(s) above, or stop the other liaison run, then try again" >&2; exit 1; }

pids=()
stop() {
	trap - INT TERM
	echo
	echo "stopping the nodes..."
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	echo "stopped."
	exit "${1:-0}"
}
trap stop INT TERM

for n in "${nodes[@]}"; do
	"$BUILD/liaisond" -c "$run/$n/liaisond.conf" 2>>"$run/$n/liaisond.log" &
	pids+=($!)
done
for n in "${nodes[@]}"; do
	for _ in $(seq 50); do
		[ -S "$run/$n/api.sock" ] && break
		sleep 0.1
	done
done
for p in "${pids[@]}"; do
	if ! kill -0 "$p" 2>/dev/null; then
		echo "a node failed to start; the end of its log:" >&2
		for n in "${nodes[@]}"; do
			[ -s "$run/$n/liaisond.log" ] && { echo "--- $run/$n/liaisond.log" >&2; tail -n 3 "$run/$n/liaisond.log" >&2; }
		done
		stop 1
	fi
done

rel=${run#"$(pwd)"/}

# The relay topology's demo: ALPHA sends CHARLIE a report, which only HQ
# can carry (sealed: HQ cannot read it); CHARLIE's signed receipt comes
# back the same way and ALPHA shows it delivered.
relay_demo() {
	local cli="$BUILD/liaison" id state=""
	id=$("$cli" -c "$run/ALPHA/officer.conf" send sitrep --to CHARLIE --title "Relay check from ALPHA" \
		--body "Carried sealed through HQ.") || { echo "the demo message was refused" >&2; stop 1; }
	for _ in $(seq 150); do
		state=$("$cli" -c "$run/ALPHA/reader.conf" status "$id" 2>/dev/null | grep -o 'delivered' | head -1) || true
		[ "$state" = delivered ] && break
		sleep 0.1
	done
	echo "ALPHA sent CHARLIE $id through HQ; its state at ALPHA:"
	"$cli" -c "$run/ALPHA/reader.conf" status "$id" | sed 's/^/  /'
	[ "$state" = delivered ] || echo "(not delivered yet: see $rel/HQ/liaisond.log)"
	echo "ALPHA's peers and members:"
	"$cli" -c "$run/ALPHA/reader.conf" peers | sed 's/^/  /'
	cat <<MSG
liaison is running: ALPHA ($(cat "$run/ALPHA/port")), BRAVO ($(cat "$run/BRAVO/port")), CHARLIE ($(cat "$run/CHARLIE/port")), HQ ($(cat "$run/HQ/port")), all on 127.0.0.1.
ALPHA and CHARLIE are not peers: each is a member at the other, reached through HQ,
which carries their messages sealed and cannot read them. BRAVO is a peer of ALPHA and HQ.
Logs: $rel/HQ/liaisond.log and so on. In another terminal, try:

  # CHARLIE reads ALPHA's report; HQ has nothing to show
  build/liaison -c $rel/CHARLIE/officer.conf query
  build/liaison -c $rel/HQ/reader.conf query
  build/liaison -c $rel/HQ/reader.conf status      # counters: relayed, relaying

  # CHARLIE answers through HQ; ALPHA sees it delivered by CHARLIE's own receipt
  build/liaison -c $rel/CHARLIE/officer.conf send sitrep --to ALPHA --title "Received" --body "All quiet."
  build/liaison -c $rel/CHARLIE/officer.conf status ID    # queued, sent, relayed or delivered

Press Ctrl-C here to stop the four nodes.
MSG
}

if [ "$topology" = relay ]; then
	relay_demo
	wait
	exit 0
fi
cat <<MSG
liaison is running: ALPHA (tcp://127.0.0.1:$(cat "$run/ALPHA/port")), BRAVO ($(cat "$run/BRAVO/port")), CHARLIE ($(cat "$run/CHARLIE/port")).
Logs: $rel/ALPHA/liaisond.log and so on. In another terminal, try:

  # as ALPHA's officer, send a situation report to BRAVO and CHARLIE
  export LIAISON_CONFIG=$rel/ALPHA/officer.conf
  build/liaison send sitrep --to BRAVO,CHARLIE --title "Bridge at Km 12 closed" --body "Flooding since 04:00."

  # read it at BRAVO
  build/liaison -c $rel/BRAVO/officer.conf query
  build/liaison -c $rel/BRAVO/officer.conf get ID --json

  # at CHARLIE, wait for warnings (durable: resumes where it stopped)
  build/liaison -c $rel/CHARLIE/officer.conf subscribe --durable siren --type warning

  # from ALPHA, warn everyone: FLASH by default
  build/liaison send warning --all --title "Tsunami warning" --body "Move to high ground."

  build/liaison status ID        # who has it: queued, sent or delivered
  build/liaison peers

Press Ctrl-C here to stop the three nodes.
MSG
wait

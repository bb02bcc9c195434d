#!/bin/bash
# `make run`: a local three-node federation (ALPHA, BRAVO, CHARLIE on
# 127.0.0.1), created under run/ on first use, started in the foreground.
# Ctrl-C stops all three cleanly. LIAISON_RUN_DIR and LIAISON_RUN_PORT (the
# base: nodes listen on base+1..3) place it elsewhere; the tests use them.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
run=${LIAISON_RUN_DIR:-$(pwd)/run}
if [ ! -f "$run/ALPHA/liaisond.conf" ]; then
	rm -rf "$run"
	scripts/mkfed.sh "$run" "${LIAISON_RUN_PORT:-7600}" ALPHA BRAVO CHARLIE
	echo "created a federation of three nodes in ${run#"$(pwd)"/}/"
fi

# A port another program holds would make a node fail at start: say which.
taken=0
for n in ALPHA BRAVO CHARLIE; do
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

for n in ALPHA BRAVO CHARLIE; do
	"$BUILD/liaisond" -c "$run/$n/liaisond.conf" 2>>"$run/$n/liaisond.log" &
	pids+=($!)
done
for n in ALPHA BRAVO CHARLIE; do
	for _ in $(seq 50); do
		[ -S "$run/$n/api.sock" ] && break
		sleep 0.1
	done
done
for i in 0 1 2; do
	if ! kill -0 "${pids[$i]}" 2>/dev/null; then
		echo "a node failed to start; the end of its log:" >&2
		for n in ALPHA BRAVO CHARLIE; do
			[ -s "$run/$n/liaisond.log" ] && { echo "--- $run/$n/liaisond.log" >&2; tail -n 3 "$run/$n/liaisond.log" >&2; }
		done
		stop 1
	fi
done

rel=${run#"$(pwd)"/}
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

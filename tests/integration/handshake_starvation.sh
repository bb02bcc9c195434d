#!/bin/bash
# Handshake starvation: 1,000 TCP connections to B's federation port that
# start a ZeroMQ greeting and never finish the CURVE handshake, held (and
# reopened when B drops them) while A sends B a flood. B runs with the
# common default limit of 1,024 open files. Traffic must still complete:
# every message delivered, at no less than a quarter of the unloaded rate,
# and A, restarted in the middle of it, must get a new handshake through.
# Prints both rates and B's peak RSS (VmHWM) under the flood.
# Short form: 2,000 messages a run; SOAK=1: 20,000 (or MESSAGES=N).
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || fail "sqlite3 (the CLI) is needed: scripts/install-deps.sh check"
HOLD=$BUILD/tools/hold_conns
[ -x "$HOLD" ] || fail "$HOLD missing: make tests"
if [ -n "${SOAK:-}" ]; then msgs=${MESSAGES:-20000}; else msgs=${MESSAGES:-2000}; fi
conns=${CONNS:-1000}
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt $((conns * 2 + 100)) ]; then
	echo "skipped: the hard open-file limit ($hard) leaves no room for $conns connections on each side"
	exit 0
fi
fed_setup A B
node_start A
# B gets the soft limit most hosts give a service by default; the starving
# connections alone nearly fill it
printf '#!/bin/sh\nulimit -S -n 1024 && exec "%s" "$@"\n' "$LIAISOND" >"$T/liaisond-1024"
chmod +x "$T/liaisond-1024"
LIAISOND=$T/liaisond-1024 node_start B
note "B's open-file limit after its start: $(awk '/Max open files/ {print $4}' /proc/"$(node_pid B)"/limits)"
fds() { ls /proc/"$(node_pid B)"/fd 2>/dev/null | wc -l; }

at_b() { sqlite3 "file:$T/B/data/liaison.db?mode=ro" "SELECT count(*) FROM messages WHERE sender = 'A'" 2>/dev/null || echo 0; }
ms() { date +%s%3N; }
run=0
flood() { # prints the messages per second at which B takes in $msgs more from A
	run=$((run + 1))
	local target=$(($(at_b) + msgs)) k t0
	gen_batch sitrep B 500 routine "run$run" >"$T/flood.jsonl"
	t0=$(ms)
	for k in $(seq $((msgs / 500))); do
		cli A --timeout 30 send --batch "$T/flood.jsonl" >>"$T/sent.ids" || fail "run $run: A's batch $k"
	done
	reached() { [ "$(at_b)" -ge "$target" ]; }
	wait_until 240 reached || fail "run $run: B holds $(at_b) of $target"
	echo $((msgs * 1000 / ($(ms) - t0 + 1)))
}

base=$(flood)
note "unloaded: $base messages/s ($msgs messages)"

ulimit -S -n $((conns + 100))
"$HOLD" 127.0.0.1 "$(cat "$T/B/port")" "$conns" >"$T/hold.out" 2>"$T/hold.err" &
hold=$!
PIDS+=("$hold")
holding() { grep -q "^holding $conns" "$T/hold.out"; }
wait_until 60 holding || fail "could not hold $conns connections: $(tail -2 "$T/hold.out") $(cat "$T/hold.err")"
# B takes every one of them in (its descriptors must not run out), and its
# API still answers (libzmq aborts on EMFILE when accepting a client)
accepted_all() { [ "$(fds)" -ge "$conns" ]; }
wait_until 30 accepted_all || fail "B holds $(fds) descriptors, not all $conns connections: at its limit?"
cli B reader --timeout 5 status >/dev/null || fail "B's API does not answer under $conns pending handshakes"
kill -0 "$(node_pid B)" || fail "B died under $conns pending handshakes"
note "B's open files with $conns pending handshakes: $(fds)"
loaded=$(flood)
note "with $conns pending handshakes: $loaded messages/s ($((loaded * 100 / base))% of unloaded)"

# A restarts: its new connection must get through the crowd
node_stop A
node_start A
gen_batch sitrep B 10 flash after-restart >"$T/flash.jsonl"
cli A send --batch "$T/flash.jsonl" >>"$T/sent.ids" || fail "A's send after its restart"
all_there() { [ "$(at_b)" -ge "$(wc -l <"$T/sent.ids")" ]; }
wait_until 60 all_there || fail "after A's restart B holds $(at_b) of $(wc -l <"$T/sent.ids"): $(tail -3 "$T/B/liaisond.log")"
kill -0 "$hold" || fail "the connection holder died: $(cat "$T/hold.err")"
note "holder: $(tail -1 "$T/hold.out")"
kill -0 "$(node_pid B)" || fail "B died"
cli B reader --timeout 5 status >/dev/null || fail "B's API does not answer"
grep -qi "too many open files\|EMFILE" "$T/B/liaisond.log" && fail "B ran out of file descriptors"
rss=$(awk '/VmHWM/ {print $2, $3}' /proc/"$(node_pid B)"/status)
note "B's peak RSS (VmHWM) after the floods: $rss"
kill -TERM "$hold"
wait "$hold"

# every message once, none lost
sqlite3 "$T/B/data/liaison.db" "SELECT lower(hex(id)) FROM messages WHERE sender = 'A'" | sort >"$T/got.ids"
assert_eq "$(sort -u "$T/sent.ids" | comm -23 - "$T/got.ids" | wc -l)" 0 "messages A acknowledged that B lacks"
assert_eq "$(uniq -d "$T/got.ids" | wc -l)" 0 "duplicates at B"
[ $((loaded * 4)) -ge "$base" ] || fail "under starvation $loaded messages/s, below a quarter of $base"
node_stop A
node_stop B

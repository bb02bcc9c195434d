#!/bin/bash
# What an operator reads: status and peers (JSON and readable), metrics,
# timestamped log lines and the catch-up line, while a peer goes down and
# comes back; --version of all three programs; a client facing a node that
# does not answer, or no node at all, exits 69 in time.
. "$(dirname "$0")/lib.sh"
fed_setup A B
port=$(($(cat "$T/A/port") + 5)) # pick_base checked ten ports free
sed -i "s|^data_dir = data|data_dir = data\nmetrics  = tcp://127.0.0.1:$port|" "$T/A/liaisond.conf"
node_start A
node_start B

version=$("$LIAISOND" --version | awk '{print $2}')
for p in "$LIAISON" "$LIAISOND" "$KEYS"; do
	out=$("$p" --version) || fail "$(basename "$p") --version exited $?"
	assert_eq "$out" "$(basename "$p") $version" "$(basename "$p") --version"
done
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "version '$version'"

scrape() {
	exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
	printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3
	cat <&3
	exec 3<&-
}
peer_b() { cli A reader peers --json | jq -c '.peers[] | select(.name == "B")'; }

# both up: nothing queued, no lag, not down
cli A reader status --json >"$T/st"
jq -e --arg v "$version" '.version == $v and .store_bytes > 0 and (.rejected_by_reason | type) == "object"' \
	"$T/st" >/dev/null || fail "status --json: $(cat "$T/st")"
wait_until 10 bash -c "$(declare -f cli peer_b); T=$T LIAISON=$LIAISON; peer_b | jq -e '.connected'" ||
	fail "B never shown connected: $(peer_b)"
peer_b | jq -e '.kind == "peer" and .down_since == null and .lag_seconds == 0 and .last_seen != null
	and .queued == {"FLASH":0,"IMMEDIATE":0,"PRIORITY":0,"ROUTINE":0}' >/dev/null || fail "B up: $(peer_b)"

# B goes down: down_since set, messages queue by precedence, lag grows
node_stop B
wait_until 10 bash -c "$(declare -f cli peer_b); T=$T LIAISON=$LIAISON; peer_b | jq -e '.connected == false'" ||
	fail "B never shown down: $(peer_b)"
gen_batch status B 3 ROUTINE down | cli A send --batch - >/dev/null 2>"$T/batch.err" || fail "send --batch"
grep -qx '3 sent in [0-9.]* s ([0-9]*/s)' "$T/batch.err" || fail "batch summary: $(cat "$T/batch.err")"
cli A send warning --to B --title "flash while down" --body x >/dev/null || fail "send FLASH"
sleep 2.5
peer_b >"$T/pb"
jq -e '.down_since != null and .queued.ROUTINE == 3 and .queued.FLASH == 1 and .lag_seconds >= 2
	and (.last_error | test("disconnected|cannot connect"))' "$T/pb" >/dev/null || fail "B down: $(cat "$T/pb")"
cli A reader peers >"$T/peers.txt"
grep -q '^B  *down [0-9]*s  *1/0/0/3 ' "$T/peers.txt" || fail "readable peers: $(cat "$T/peers.txt")"
grep -Eq 'last error: (disconnected|cannot connect to tcp://127.0.0.1:[0-9]+ \(retrying\))$' "$T/peers.txt" || fail "readable peers, last error: $(cat "$T/peers.txt")"
cli A reader status | grep -q "^name: *A (liaisond $version)" || fail "readable status: $(cli A reader status)"

scrape >"$T/m"
grep -q "^liaison_build_info{version=\"$version\"} 1" "$T/m" || fail "build_info: $(grep build "$T/m")"
grep -q '^liaison_peer_last_seen_timestamp_seconds{peer="B"} [0-9]' "$T/m" || fail "last_seen metric"
grep -q '^liaison_store_bytes [1-9]' "$T/m" || fail "store_bytes metric"
grep -q '^liaison_queue_depth{peer="B",precedence="ROUTINE"} 3' "$T/m" || fail "queue depth metric"
awk '$1 == "liaison_peer_lag_seconds{peer=\"B\"}" && $2 >= 2 { ok = 1 } END { exit !ok }' "$T/m" ||
	fail "lag metric: $(grep lag "$T/m")"
grep -q '^# TYPE liaison_rejected_total counter' "$T/m" || fail "rejected_total metric"

# on a terminal, send --batch draws a counter line before its summary
if command -v script >/dev/null; then
	gen_batch status B 300 ROUTINE tty >"$T/tty.jsonl"
	script -qec "$LIAISON -c $T/A/officer.conf send --batch $T/tty.jsonl >/dev/null" /dev/null >"$T/tty.out" ||
		fail "send --batch on a terminal: $(cat "$T/tty.out")"
	grep -q $'\rsent [0-9]* of 300' "$T/tty.out" || fail "no counter line on a terminal: $(cat -v "$T/tty.out")"
	grep -q '300 sent in [0-9.]* s' "$T/tty.out" || fail "no summary on a terminal: $(cat -v "$T/tty.out")"
	queued=304
else
	note "script(1) missing: the counter line on a terminal is not checked"
	queued=4
fi

# B comes back: the queue drains, the outage is logged with what was caught up
node_start B
wait_until 15 bash -c "$(declare -f cli peer_b); T=$T LIAISON=$LIAISON; peer_b | jq -e '.queued.ROUTINE == 0 and .queued.FLASH == 0'" ||
	fail "queue to B did not drain: $(peer_b)"
wait_until 5 grep -q "B back after [0-9hms]*: $queued queued messages delivered in [0-9.]* s" "$T/A/liaisond.log" ||
	fail "no catch-up line: $(grep -i back "$T/A/liaisond.log")"
peer_b | jq -e '.connected and .down_since == null and .lag_seconds == 0' >/dev/null || fail "B back: $(peer_b)"

# log lines carry a UTC timestamp outside journald
grep -q '^20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-9:]*\.[0-9]\{3\}Z liaisond: info: ' "$T/A/liaisond.log" ||
	fail "log lines without a timestamp: $(head -2 "$T/A/liaisond.log")"

# a node that does not answer: exit 69 within the timeout
kill -STOP "$(node_pid A)"
start=$(date +%s%N)
cli A reader --timeout 1 status >/dev/null 2>"$T/to.err"
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
kill -CONT "$(node_pid A)"
assert_eq "$rc" 69 "exit code of a client whose node does not answer"
[ "$ms" -lt 2500 ] || fail "--timeout 1 took $ms ms"
note "no answer: exit 69 after $ms ms"

# no node at all: the API socket does not exist, exit 69 at once
sed "s|^api .*|api = ipc://$T/nowhere.sock|" "$T/A/reader.conf" >"$T/A/nowhere.conf"
start=$(date +%s%N)
"$LIAISON" -c "$T/A/nowhere.conf" status >/dev/null 2>"$T/nowhere.err"
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
assert_eq "$rc" 69 "exit code without an API socket"
[ "$ms" -lt 700 ] || fail "missing socket took $ms ms"
grep -q "nowhere.sock" "$T/nowhere.err" || fail "missing socket not named: $(cat "$T/nowhere.err")"
note "no socket: exit 69 after $ms ms"

node_stop A
node_stop B

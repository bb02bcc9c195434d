#!/bin/bash
# liaison benchmark: starts a federation of five liaisond nodes (A..E) on
# 127.0.0.1 in a temporary folder, measures throughput, latency, FLASH
# overtaking, fan-out and memory, this machine's limits (Ed25519, fsync'd
# SQLite commits) and a mosquitto reference, and prints one table.
# Every figure is the median of RUNS runs; each run starts from empty stores.
# usage: BUILD=build bench/run.sh    (RUNS, N, LAT_N, BACKLOG, FAN_N override the sizes)
#        BUILD=build bench/run.sh bytes   only the bytes-written rows (and the
#        store's per-table breakdown on stderr): bytes, not time, so it reads
#        the same on a loaded machine
#        BUILD=build bench/run.sh tput    only the A->B throughput row
#        BUILD=build bench/run.sh wire    only the bytes-on-the-wire rows
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
export BUILD
BIN=$BUILD/bench
RUNS=${RUNS:-5}
N=${N:-20000}            # messages per throughput run
LAT_N=${LAT_N:-5000}     # messages per latency run
BACKLOG=${BACKLOG:-10000}
FAN_N=${FAN_N:-5000}     # warnings per fan-out run
WINDOW=512
NODES="A B C D E"

T=$(mktemp -d "${TMPDIR:-/tmp}/liaison-bench.XXXXXX")
declare -A PID=()
MQTT_PID=

cleanup() {
	local p
	for p in "${PID[@]}" $MQTT_PID; do kill -KILL "$p" 2>/dev/null; done
	for p in "${PID[@]}" $MQTT_PID; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() {
	echo "bench: $*" >&2
	for log in "$T"/fed/*/liaisond.log; do
		[ -s "$log" ] && { echo "--- $log" >&2; tail -5 "$log" >&2; }
	done
	exit 1
}
say() { echo "# $*" >&2; }

TOOLS="load limits mqtt_ref history nats_ref"
[ "${1:-}" = bytes ] && TOOLS=load
[ "${1:-}" = tput ] && TOOLS=load
[ "${1:-}" = wire ] && TOOLS=load
WIRE_N=${WIRE_N:-1000}   # status messages per bytes-on-the-wire run
[ "${1:-}" = history ] && TOOLS=history
[ "${1:-}" = retention ] && TOOLS=retention
RET_N=${RET_N:-100000}
HIST_SMALL=${HIST_SMALL:-10000}
HIST_BIG=${HIST_BIG:-1000000}
for tool in $TOOLS; do
	[ -x "$BIN/$tool" ] || die "$BIN/$tool is missing: run make bench"
done

BASE=$((20000 + (RANDOM % 1200) * 10)) # below the ephemeral port range
"$ROOT/scripts/mkfed.sh" "$T/fed" "$BASE" $NODES >/dev/null || die "mkfed failed"

node_start() {
	local name=$1 i
	"$BUILD/liaisond" -c "$T/fed/$name/liaisond.conf" --log-level warn 2>>"$T/fed/$name/liaisond.log" &
	PID[$name]=$!
	for i in $(seq 100); do
		kill -0 "${PID[$name]}" 2>/dev/null || die "$name exited at start"
		"$BUILD/liaison" -c "$T/fed/$name/reader.conf" --timeout 1 status >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	die "$name did not answer within 10 s"
}

node_stop() {
	local name=$1
	[ -n "${PID[$name]:-}" ] || return 0
	kill -TERM "${PID[$name]}" 2>/dev/null
	wait "${PID[$name]}" 2>/dev/null
	unset "PID[$name]"
}

# fresh: every node stopped, its store emptied, and started again.
fresh() {
	local n
	for n in $NODES; do node_stop "$n"; done
	for n in $NODES; do rm -rf "$T/fed/$n/data" && mkdir -m 700 "$T/fed/$n/data"; done
	for n in $NODES; do node_start "$n"; done
}

# rss NAME FIELD: VmRSS or VmHWM of the node, in MB.
rss() {
	awk -v f="$2:" '$1 == f { printf "%.1f", $2 / 1024 }' "/proc/${PID[$1]}/status"
}

# write_bytes NAME [THREAD]: bytes the node (or its thread named THREAD)
# has caused to be written to storage so far (/proc/PID/io).
write_bytes() {
	local pid=${PID[$1]} t sum=0 v
	if [ -z "${2:-}" ]; then
		awk '$1 == "write_bytes:" { print $2 }' "/proc/$pid/io"
		return
	fi
	for t in /proc/"$pid"/task/*; do
		[ "$(cat "$t/comm" 2>/dev/null)" = "$2" ] || continue
		v=$(awk '$1 == "write_bytes:" { print $2 }' "$t/io") && sum=$((sum + v))
	done
	echo "$sum"
}

# bytes_run: one A->B transfer of N durable 1 KiB messages from empty
# stores; sets BR to "A B A_checkpoint B_checkpoint" bytes written per
# message (not a subshell: the nodes it starts must stay this shell's).
# The nodes are given 3 s after B has stored the last message so that
# A's receipts are recorded and both checkpoints have caught up.
bytes_run() {
	local a0 b0 ac0 bc0 out
	fresh
	sleep 1
	a0=$(write_bytes A) b0=$(write_bytes B) ac0=$(write_bytes A checkpoint) bc0=$(write_bytes B checkpoint)
	out=$("$BIN/load" tput "$F/A" "$F/B" "$N" "$WINDOW") || die "bytes run failed"
	sleep 3
	BR="$(calc "($(write_bytes A) - $a0) / $N" 0) $(calc "($(write_bytes B) - $b0) / $N" 0)"
	BR+=" $(calc "($(write_bytes A checkpoint) - $ac0) / $N" 0) $(calc "($(write_bytes B checkpoint) - $bc0) / $N" 0)"
}

# store_breakdown NAME: pages per table and index of the node's store.
store_breakdown() {
	sqlite3 "$F/$1/data/liaison.db" "SELECT name, COUNT(*), SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 3 DESC" |
		awk -F'|' -v n="$1" -v msgs="$N" '{ printf "# %s %-22s %6d pages %10d bytes %7.0f B/msg\n", n, $1, $2, $3, $3 / msgs }' >&2
}

bytes_rows() {
	local r out ba=() bb=() ca=() cb=()
	for r in $(seq "$RUNS"); do
		bytes_run
		out=$BR
		read -r a b c d <<<"$out"
		ba+=("$a") bb+=("$b") ca+=("$c") cb+=("$d")
		say "bytes run $r: $out (bytes per message: A, B, A's checkpoints, B's checkpoints)"
	done
	for n in A B; do node_stop "$n"; done
	if command -v sqlite3 >/dev/null 2>&1; then
		store_breakdown A
		store_breakdown B
	fi
	BYTES_A=$(median "${ba[@]}") BYTES_B=$(median "${bb[@]}")
	CKPT_A=$(median "${ca[@]}") CKPT_B=$(median "${cb[@]}")
}

# history_rows: the store's cost at HIST_SMALL and HIST_BIG stored messages
# (bench/history, through daemon/store.h, one run each).
history_rows() {
	local n
	for n in "$HIST_SMALL" "$HIST_BIG"; do
		rm -rf "$T/hist" && mkdir "$T/hist"
		say "history: filling a store with $n messages"
		read -r _ H_OPEN[$n] H_QUERY[$n] H_GET[$n] H_RATE[$n] H_BYTES[$n] H_WRITTEN[$n] < <("$BIN/history" "$T/hist" "$n") ||
			die "history $n failed"
	done
	rm -rf "$T/hist"
}
declare -A H_OPEN=() H_QUERY=() H_GET=() H_RATE=() H_BYTES=() H_WRITTEN=()

history_table() {
	local s=$HIST_SMALL b=$HIST_BIG
	row "store start-up (open, load streams) at $s / $b msgs" "${H_OPEN[$s]} / ${H_OPEN[$b]}" "ms" "flat" "$(calc "${H_OPEN[$b]} / ${H_OPEN[$s]}")"
	row "query --topic T --since 1h at $s / $b msgs" "${H_QUERY[$s]} / ${H_QUERY[$b]}" "ms" "flat" "$(calc "${H_QUERY[$b]} / ${H_QUERY[$s]}")"
	row "get ID at $s / $b msgs" "${H_GET[$s]} / ${H_GET[$b]}" "ms" "flat" "$(calc "${H_GET[$b]} / ${H_GET[$s]}")"
	row "durable inserts, commits of 128, at $s / $b msgs" "${H_RATE[$s]} / ${H_RATE[$b]}" "msgs/s" "flat" "$(calc "${H_RATE[$b]} / ${H_RATE[$s]}")"
	row "bytes written per inserted message at $s / $b msgs" "${H_WRITTEN[$s]} / ${H_WRITTEN[$b]}" "bytes" "flat" "$(calc "${H_WRITTEN[$b]} / ${H_WRITTEN[$s]}")"
	row "store bytes per message at $s / $b msgs" "${H_BYTES[$s]} / ${H_BYTES[$b]}" "bytes" "-" "$(calc "${H_BYTES[$b]} / ${H_BYTES[$s]}")"
}

bytes_table() {
	row "bytes written per durable 1 KiB message, sender A ($N msgs)" "$BYTES_A" "bytes" "target 4000" "$(calc "$BYTES_A / 4000")"
	row "  of which A's checkpoints (database file)" "$CKPT_A" "bytes" "-" "-"
	row "bytes written per durable 1 KiB message, receiver B ($N msgs)" "$BYTES_B" "bytes" "target 4000" "$(calc "$BYTES_B / 4000")"
	row "  of which B's checkpoints (database file)" "$CKPT_B" "bytes" "-" "-"
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }

F=$T/fed
row() { printf '| %s | %s | %s | %s | %s |\n' "$@"; }

if [ "${1:-}" = bytes ]; then
	bytes_rows
	echo
	echo "liaison bytes written, median of $RUNS runs ($(date -u +%Y-%m-%d))"
	echo
	row metric value unit limit ratio
	row --- ---: --- --- ---:
	bytes_table
	exit 0
fi
# retention: RET_N delivered messages past a one-day retention deleted in
# the node's chunks, a group commit of 128 new messages after each
# (bench/retention, through daemon/store.h, one run).
if [ "${1:-}" = retention ]; then
	rm -rf "$T/ret" && mkdir "$T/ret"
	say "retention: filling a store with $RET_N messages, then deleting them"
	read -r R_DEL R_SECS R_RATE R_P50 R_P99 R_MAX R_INS50 R_INSMAX R_BEFORE R_AFTER R_FREE < <("$BIN/retention" "$T/ret" "$RET_N") ||
		die "retention failed"
	rm -rf "$T/ret"
	echo
	echo "liaison retention, $R_DEL messages deleted ($(date -u +%Y-%m-%d))"
	echo
	row metric value unit limit ratio
	row --- ---: --- --- ---:
	row "deletion rate (chunk time only)" "$R_RATE" "msgs/s" "-" "-"
	row "deleting $R_DEL with traffic between chunks" "$R_SECS" "s" "-" "-"
	row "chunk of $(grep -o 'RETENTION_CHUNK [0-9]*' "$ROOT/daemon/retention.h" | cut -d' ' -f2): p50 / p99 / longest" "$R_P50 / $R_P99 / $R_MAX" "ms" "group commit p50 $R_INS50 ms" "$(calc "$R_P50 / $R_INS50")"
	row "group commit of 128 between chunks: p50 / longest" "$R_INS50 / $R_INSMAX" "ms" "-" "-"
	row "database file before / after" "$R_BEFORE / $R_AFTER" "bytes" "-" "$(calc "$R_AFTER / $R_BEFORE")"
	row "free pages left" "$R_FREE" "pages" "-" "-"
	exit 0
fi
if [ "${1:-}" = history ]; then
	history_rows
	echo
	echo "liaison store cost as the history grows ($(date -u +%Y-%m-%d))"
	echo
	row metric value unit limit "ratio big/small"
	row --- ---: --- --- ---:
	history_table
	exit 0
fi

# tcp_bytes NAME PEER: "sent received" TCP payload bytes of NAME's link to
# PEER so far: envelopes, batch and ack frames, ZMTP and CURVE framing
# (TCP/IP headers not included)
tcp_bytes() {
	ss -tinpH state established "dst 127.0.0.1:$(cat "$F/$2/port")" | awk -v pid="pid=${PID[$1]}," '
		index($0, pid) { want = 1; next }
		want { for (i = 1; i <= NF; i++) { if ($i ~ /^bytes_sent:/) s = substr($i, 12); if ($i ~ /^bytes_received:/) r = substr($i, 16) }; want = 0 }
		END { print s + 0, r + 0 }'
}

# queued NAME: messages NAME holds for its peers, not yet acknowledged
queued() {
	"$BUILD/liaison" -c "$F/$1/reader.conf" status --json | grep -o '"queues": *{[^}]*}' | grep -o '[0-9][0-9]*' |
		awk '{ s += $1 } END { print s + 0 }'
}

# wire_run TO ALONE: WIRE_N short status messages from A to TO (a comma-
# separated list), in one batch or (ALONE=1) WIRE_N / 50 one at a time,
# each acknowledged before the next; sets WIRE to the A->B and B->A bytes
# per message
wire_run() {
	local to=$1 n=$WIRE_N a0 b0 a1 b1 i k
	[ "$2" = 1 ] && n=$((WIRE_N / 50))
	read -r a0 b0 < <(tcp_bytes A B)
	[ "$a0" -gt 0 ] || die "no link from A to B to measure"
	awk -v n="$n" -v to="$to" 'BEGIN { gsub(/,/, "\", \"", to)
		for (i = 1; i <= n; i++) printf "{\"type\": \"status\", \"to\": [\"%s\"], \"body\": {\"title\": \"wire %d\", \"body\": \"n %d\"}}\n", to, i, i }' >"$T/wire.jsonl"
	if [ "$2" = 1 ]; then
		for i in $(seq "$n"); do
			sed -n "${i}p" "$T/wire.jsonl" | "$BUILD/liaison" -c "$F/A/officer.conf" send --batch - >/dev/null || die "wire send failed"
			for k in $(seq 200); do [ "$(queued A)" -eq 0 ] && break; sleep 0.01; done
		done
	else
		"$BUILD/liaison" -c "$F/A/officer.conf" send --batch "$T/wire.jsonl" >/dev/null 2>&1 || die "wire send failed"
		for k in $(seq 600); do [ "$(queued A)" -eq 0 ] && break; sleep 0.1; done
	fi
	[ "$(queued A)" -eq 0 ] || die "wire run: A's queues did not empty"
	sleep 0.5
	read -r a1 b1 < <(tcp_bytes A B)
	WIRE="$(((a1 - a0) / n)) $(((b1 - b0) / n))"
}

# wire_rows: bytes on the wire per message, alone and batched, for one and
# for three recipients (one run each: bytes, not time)
wire_rows() {
	fresh
	sleep 1
	wire_run B 1 && W1A=$WIRE
	wire_run B 0 && W1B=$WIRE
	wire_run B,C,D 1 && W3A=$WIRE
	wire_run B,C,D 0 && W3B=$WIRE
	say "wire bytes per message A->B B->A: 1 recipient alone $W1A, batched $W1B; 3 recipients alone $W3A, batched $W3B"
}

wire_table() {
	local r
	for r in "1 recipient, one at a time:$W1A" "1 recipient, in batches:$W1B" "3 recipients, one at a time:$W3A" "3 recipients, in batches:$W3B"; do
		read -r a b <<<"${r#*:}"
		row "bytes on the wire per short STATUS, ${r%%:*} (A->B / B->A, TCP payload)" "$a / $b" "bytes" "-" "-"
	done
}

if [ "${1:-}" = wire ]; then
	wire_rows
	echo
	echo "liaison bytes on the wire ($(date -u +%Y-%m-%d))"
	echo
	row metric value unit limit ratio
	row --- ---: --- --- ---:
	wire_table
	exit 0
fi

# tput_rows: RUNS A->B transfers of N messages; sets TPUT (median msgs/s)
tput_rows() {
	local r out
	tput=() hwm_a=() hwm_b=() idle_a=() idle_b=()
	for r in $(seq "$RUNS"); do
		fresh
		sleep 1
		idle_a+=("$(rss A VmRSS)") idle_b+=("$(rss B VmRSS)")
		out=$("$BIN/load" tput "$F/A" "$F/B" "$N" "$WINDOW") || die "throughput run failed"
		tput+=("$(echo "$out" | cut -d' ' -f2)")
		hwm_a+=("$(rss A VmHWM)") hwm_b+=("$(rss B VmHWM)")
		say "throughput run $r: $out (s, msgs/s)"
	done
	TPUT=$(median "${tput[@]}")
}

if [ "${1:-}" = tput ]; then
	tput_rows
	echo
	echo "liaison throughput, median of $RUNS runs ($(date -u +%Y-%m-%d))"
	echo
	row metric value unit limit ratio
	row --- ---: --- --- ---:
	row "A->B durable throughput, 1 KiB SITREP ($N msgs)" "$(calc "$TPUT" 0)" "msgs/s" "-" "-"
	exit 0
fi

say "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), kernel $(uname -r)"

say "limits: Ed25519 and fsync'd SQLite commits"
read -r SIGN VERIFY COMMIT GROUP < <("$BIN/limits" "$T") || die "limits failed"
[ -n "${GROUP:-}" ] || die "limits failed"

tput_rows
RATE=$(calc "$TPUT / 2" 0)

p50=() p99=()
for r in $(seq "$RUNS"); do
	fresh
	out=$("$BIN/load" latency "$F/A" "$F/B" "$LAT_N" "$RATE") || die "latency run failed"
	read -r a b _ <<<"$out"
	p50+=("$a") p99+=("$b")
	say "latency run $r at $RATE/s: $out (p50 p99 max ms, sent/s)"
done

flash=() behind=()
for r in $(seq "$RUNS"); do
	fresh
	out=$("$BIN/load" flash "$F/A" "$F/B" "$BACKLOG") || die "FLASH run failed"
	read -r a b <<<"$out"
	flash+=("$a") behind+=("$b")
	say "FLASH run $r: $out (ms, routine still queued behind it)"
done

fan=() fand=()
for r in $(seq "$RUNS"); do
	fresh
	out=$("$BIN/load" fanout "$F/A" "$FAN_N" "$WINDOW" "$F/B" "$F/C" "$F/D" "$F/E") || die "fan-out run failed"
	read -r _ a b <<<"$out"
	fan+=("$a") fand+=("$b")
	say "fan-out run $r: $out (s, msgs/s, deliveries/s)"
done
wire_rows
bytes_rows
for n in $NODES; do node_stop "$n"; done
history_rows

say "reference: mosquitto, persistence on, QoS 1"
MQ_PORT=$((BASE + 50))
mkdir -p "$T/mqtt"
cat >"$T/mqtt/mosquitto.conf" <<CONF
listener $MQ_PORT 127.0.0.1
persistence true
persistence_location $T/mqtt/
allow_anonymous true
max_queued_messages 100000
CONF
mqtt=()
if command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ]; then
	MQ=$(command -v mosquitto || echo /usr/sbin/mosquitto)
	"$MQ" -c "$T/mqtt/mosquitto.conf" 2>"$T/mqtt/log" &
	MQTT_PID=$!
	for i in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$MQ_PORT") 2>/dev/null && break; sleep 0.1; done
	for r in $(seq "$RUNS"); do
		out=$("$BIN/mqtt_ref" "$MQ_PORT" "$N" "$WINDOW") || die "mosquitto run failed"
		mqtt+=("$(echo "$out" | cut -d' ' -f2)")
		say "mosquitto run $r: $out (s, msgs/s)"
	done
	kill -TERM "$MQTT_PID" && wait "$MQTT_PID" 2>/dev/null
	MQTT_PID=
fi
MQTT=$( [ ${#mqtt[@]} -gt 0 ] && median "${mqtt[@]}" || echo 0)

say "reference: NATS JetStream, file storage, synchronous and asynchronous publish"
NATS_PORT=$((BASE + 51))
nats_sync=() nats_async=()
NATS=$(command -v nats-server || true)
# nats_run WINDOW: a fresh server and stream, N 1 KiB publishes; prints msgs/s
nats_run() {
	local out pid
	rm -rf "$T/nats" && mkdir -p "$T/nats"
	printf 'listen: 127.0.0.1:%s\njetstream {\n  store_dir: "%s"\n}\n' "$NATS_PORT" "$T/nats/js" >"$T/nats/nats.conf"
	"$NATS" -c "$T/nats/nats.conf" 2>"$T/nats/log" &
	pid=$!
	MQTT_PID=$pid # killed on exit like the mosquitto reference
	for i in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$NATS_PORT") 2>/dev/null && break; sleep 0.1; done
	out=$("$BIN/nats_ref" "$NATS_PORT" "$N" "$1") || { kill -TERM "$pid"; wait "$pid" 2>/dev/null; die "NATS run failed"; }
	kill -TERM "$pid" && wait "$pid" 2>/dev/null
	MQTT_PID=
	echo "$out" | cut -d' ' -f2
}
if [ -n "$NATS" ] && [ -x "$BIN/nats_ref" ]; then
	say "$("$NATS" --version)"
	for r in $(seq "$RUNS"); do
		nats_sync+=("$(nats_run 1)")
		nats_async+=("$(nats_run "$WINDOW")")
		say "NATS run $r: sync ${nats_sync[-1]} msgs/s, async ${nats_async[-1]} msgs/s"
	done
fi
NATS_SYNC=$( [ ${#nats_sync[@]} -gt 0 ] && median "${nats_sync[@]}" || echo 0)
NATS_ASYNC=$( [ ${#nats_async[@]} -gt 0 ] && median "${nats_async[@]}" || echo 0)

P50=$(median "${p50[@]}") P99=$(median "${p99[@]}") FLASH=$(median "${flash[@]}")
BEHIND=$(median "${behind[@]}") FAN=$(median "${fan[@]}") FAND=$(median "${fand[@]}")
# one fsync'd group commit at A and one at B, each of a full batch
FLOOR=$(calc "2 * 128 * 1000 / $GROUP" 3)
CORES=$(nproc)
echo
echo "liaison benchmark, median of $RUNS runs ($(date -u +%Y-%m-%d), $CORES cores)"
echo
row metric value unit limit ratio
row --- ---: --- --- ---:
row "Ed25519 sign, 600 B, 1 core" "$SIGN" "ops/s" "-" "-"
row "Ed25519 verify, 600 B, 1 core" "$VERIFY" "ops/s" "-" "-"
row "SQLite commit, WAL, synchronous=FULL" "$COMMIT" "commits/s" "-" "-"
row "SQLite group commits of 128 x 1.6 KiB rows, random keys" "$GROUP" "rows/s" "-" "-"
row "A->B durable throughput, 1 KiB SITREP ($N msgs)" "$(calc "$TPUT" 0)" "msgs/s" "verify $VERIFY/s" "$(calc "$TPUT / $VERIFY")"
# both nodes store every message on the same disk: the store bound is half the group-commit rate
row "A->B durable throughput against the store" "$(calc "$TPUT" 0)" "msgs/s" "store $(calc "$GROUP / 2" 0)/s" "$(calc "$TPUT / ($GROUP / 2)")"
row "end-to-end latency p50 at $RATE msgs/s" "$P50" "ms" "2 group commits = $FLOOR ms" "$(calc "$P50 / $FLOOR" 1)"
row "end-to-end latency p99 at $RATE msgs/s" "$P99" "ms" "2 group commits = $FLOOR ms" "$(calc "$P99 / $FLOOR" 1)"
row "FLASH latency behind $BACKLOG ROUTINE" "$FLASH" "ms" "2 group commits = $FLOOR ms" "$(calc "$FLASH / $FLOOR" 1)"
row "ROUTINE still queued when the FLASH arrived" "$BEHIND" "msgs" "-" "-"
row "fan-out of warnings to 4 peers ($FAN_N msgs)" "$(calc "$FAN" 0)" "msgs/s" "-" "-"
row "fan-out deliveries" "$(calc "$FAND" 0)" "deliveries/s" "verify x $CORES cores" "$(calc "$FAND / ($VERIFY * $CORES)")"
row "RSS idle, A (4 peers)" "$(median "${idle_a[@]}")" "MB" "target 20 MB" "$(calc "$(median "${idle_a[@]}") / 20")"
row "RSS idle, B" "$(median "${idle_b[@]}")" "MB" "target 20 MB" "$(calc "$(median "${idle_b[@]}") / 20")"
row "peak RSS under load, A (VmHWM)" "$(median "${hwm_a[@]}")" "MB" "-" "-"
row "peak RSS under load, B (VmHWM)" "$(median "${hwm_b[@]}")" "MB" "-" "-"
bytes_table
wire_table
history_table
if [ "$MQTT" != 0 ]; then
	row "reference: mosquitto QoS 1, persistence on, 1 KiB" "$(calc "$MQTT" 0)" "msgs/s" "-" "liaison/mosquitto $(calc "$TPUT / $MQTT")"
fi
if [ "$NATS_SYNC" != 0 ]; then
	row "reference: NATS JetStream, file storage, synchronous publish, 1 KiB" "$(calc "$NATS_SYNC" 0)" "msgs/s" "no fsync before the ack" "liaison/JetStream $(calc "$TPUT / $NATS_SYNC")"
	row "reference: NATS JetStream, file storage, asynchronous publish ($WINDOW in flight), 1 KiB" "$(calc "$NATS_ASYNC" 0)" "msgs/s" "no fsync before the ack" "liaison/JetStream $(calc "$TPUT / $NATS_ASYNC")"
fi

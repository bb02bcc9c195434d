# Shared helpers for integration tests: a temporary federation of real
# liaisond processes on 127.0.0.1, cleaned up (every process by its pid, the
# folder) when the test exits. Source it: . "$(dirname "$0")/lib.sh"
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
export BUILD
LIAISON=$BUILD/liaison
LIAISOND=$BUILD/liaisond
KEYS=$BUILD/liaison-keys
T=$(mktemp -d "${TMPDIR:-/tmp}/liaison-it.XXXXXX")
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	if [ -n "${KEEP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	for log in "$T"/*/liaisond.log; do
		[ -f "$log" ] && { echo "--- $log" >&2; tail -15 "$log" >&2; }
	done
	exit 1
}
note() { echo "# $*"; }

# A port base below the kernel's ephemeral range (32768 and up, where
# outgoing connections take their ports) with ten free ports after it.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pick_base() {
	local base i ok
	while :; do
		base=$((20000 + (RANDOM % 1200) * 10))
		ok=1
		for i in $(seq 1 10); do port_free $((base + i)) || { ok=0; break; }; done
		[ $ok -eq 1 ] && { echo "$base"; return; }
	done
}

# fed_setup NAME...: keys and configurations for a full mesh in $T.
fed_setup() {
	"$ROOT/scripts/mkfed.sh" "$T" "$(pick_base)" "$@" || fail "mkfed failed"
}

# node_start NAME [liaisond options]: starts the node, waits until its API answers.
node_start() {
	local name=$1
	shift
	"$LIAISOND" -c "$T/$name/liaisond.conf" "$@" 2>>"$T/$name/liaisond.log" &
	local pid=$!
	PIDS+=("$pid")
	echo "$pid" >"$T/$name/pid"
	local i
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || fail "$name exited at start"
		"$LIAISON" -c "$T/$name/reader.conf" --timeout 1 status >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	fail "$name did not answer within 10 s"
}

node_pid() { cat "$T/$1/pid"; }

# node_stop NAME: SIGTERM, and the node must exit 0.
node_stop() {
	local pid
	pid=$(node_pid "$1")
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
	local rc=$?
	[ "$rc" -eq 0 ] || fail "$1 exited $rc after SIGTERM"
}

# node_kill NAME: SIGKILL, no goodbye.
node_kill() {
	local pid
	pid=$(node_pid "$1")
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# cli NAME [officer|reader|admin] ARGS...: the client as that node's officer (default), reader or admin.
cli() {
	local name=$1 who=officer
	shift
	if [ "${1:-}" = officer ] || [ "${1:-}" = reader ] || [ "${1:-}" = admin ]; then who=$1; shift; fi
	"$LIAISON" -c "$T/$name/$who.conf" "$@"
}

# wait_until SECONDS CMD...: polls CMD every 0.1 s until it succeeds.
wait_until() {
	local limit=$1
	shift
	local end=$((SECONDS + limit))
	while [ $SECONDS -le $end ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# count_json NAME [query args]: how many messages a query returns.
count_query() {
	local name=$1
	shift
	cli "$name" reader query --json --limit 10000 "$@" | wc -l
}

# queue_empty NAME: nothing waits in any of NAME's queues to its peers.
queue_empty() { [ "$(cli "$1" reader status --json | jq '[.queues[]] | add')" -eq 0 ]; }

# metrics_enable NAME: NAME serves metrics on its port base + 5 (pick_base
# checked ten ports free), whose number goes to METRICS_PORT. Before node_start.
metrics_enable() {
	METRICS_PORT=$(($(cat "$T/$1/port") + 5))
	sed -i "s|^data_dir = data|data_dir = data\nmetrics  = tcp://127.0.0.1:$METRICS_PORT|" "$T/$1/liaisond.conf"
}

# scrape [PATH]: the metrics endpoint's whole HTTP answer for PATH (/metrics).
scrape() {
	exec 3<>"/dev/tcp/127.0.0.1/$METRICS_PORT" || return 1
	printf 'GET %s HTTP/1.0\r\nHost: x\r\n\r\n' "${1:-/metrics}" >&3
	cat <&3
	exec 3<&-
}

# expect RC CMD...: runs CMD, whose exit code must be RC (and which must say
# why on stderr when RC is not 0); its stdout in $T/out, its stderr in $T/err.
expect() {
	local want=$1
	shift
	"$@" >"$T/out" 2>"$T/err"
	local rc=$?
	[ "$rc" -eq "$want" ] || fail "'$*' exited $rc, expected $want: $(cat "$T/err")"
	[ "$want" -eq 0 ] || [ -s "$T/err" ] || fail "'$*' said nothing on stderr"
}
# output_has out|err TEXT: the last expect's stdout or stderr holds TEXT.
output_has() { grep -qF -- "$2" "$T/$1" || fail "$1 lacks '$2': $(cat "$T/$1")"; }

assert_eq() { [ "$1" = "$2" ] || fail "${3:-value}: expected '$2', got '$1'"; }

# gen_batch TYPE TO N [PRECEDENCE [TAG]]: N JSON lines for `send --batch` to
# TO (a comma-separated list), each titled "TAG i" (i from 1), on stdout.
gen_batch() {
	local type=$1 to=$2 count=$3 prec=${4:-} tag=${5:-msg}
	awk -v type="$type" -v to="$to" -v n="$count" -v prec="$prec" -v tag="$tag" 'BEGIN {
		split(to, t, ","); dest = ""
		for (k = 1; k in t; k++) dest = dest (k > 1 ? "," : "") "\"" t[k] "\""
		title = type == "warning" ? "headline" : "title"
		text = type == "warning" ? "description" : (type == "sitrep" ? "summary" : "body")
		for (i = 1; i <= n; i++)
			printf "{\"type\": \"%s\", \"to\": [%s],%s \"body\": {\"%s\": \"%s %d\", \"%s\": \"n %d\"}}\n",
				type, dest, prec == "" ? "" : " \"precedence\": \"" prec "\",", title, tag, i, text, i
	}'
}

# query_ids NAME [query args]: the ids of NAME's matching messages, in store order.
query_ids() {
	local name=$1
	shift
	cli "$name" reader query --json --limit 10000 "$@" | jq -r .id
}

#!/bin/bash
# Fuzzes every libFuzzer target ($BUILD/fuzz/fuzz_*, from `make fuzz`) for
# FUZZ_SECONDS each (default 3600, `make soak`; `make fuzz-run` passes 60),
# FUZZ_JOBS targets at a time (default 1), and prints one line per target:
# executions, coverage, corpus size and findings. Inputs found grow a working
# corpus under $BUILD/fuzz-corpus/NAME (seeded from tests/fuzz/corpus/NAME,
# which is never written); crashes, leaks and timeouts go to
# $BUILD/fuzz-findings/NAME/. With STORM_FRAMES=N it then sends N mutated
# frames to each socket of a running node (tests/integration/frame_storm.sh;
# `make soak` sends 500000). Exits 1 if anything found something.
# usage: scripts/fuzz-soak.sh [PATTERN]   only targets whose name contains PATTERN
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
seconds=${FUZZ_SECONDS:-3600}
jobs=${FUZZ_JOBS:-1}
pattern=${1:-}

targets=()
for t in "$BUILD"/fuzz/fuzz_*; do
	[[ -x "$t" && "$t" != *.d ]] || continue
	[[ -n "$pattern" && "$(basename "$t")" != *"$pattern"* ]] && continue
	targets+=("$t")
done
if [ ${#targets[@]} -eq 0 ]; then
	echo "fuzz-soak: no fuzz targets in $BUILD/fuzz (run make fuzz; it needs clang)" >&2
	exit 1
fi
logs="$BUILD/fuzz-logs"
mkdir -p "$logs"

run_one() { # target
	local t=$1 name seeds corpus findings log
	name=$(basename "$t")
	seeds=tests/fuzz/corpus/${name#fuzz_}
	corpus="$BUILD/fuzz-corpus/${name#fuzz_}"
	findings="$BUILD/fuzz-findings/$name"
	log="$logs/$name.log"
	mkdir -p "$corpus" "$findings"
	local args=("$corpus")
	[ -d "$seeds" ] && args+=("$seeds")
	# stdin from /dev/null: a configuration that names /dev/stdin must not block
	"$t" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$findings/" "${args[@]}" </dev/null >"$log" 2>&1
	local rc=$?
	local runs cov n_found
	runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
	n_found=$(find "$findings" -type f | wc -l)
	printf '%-28s %10s runs in %ss, %s, corpus %s files, %s finding(s)%s\n' "$name" "${runs:-?}" \
		"$seconds" "${cov:-cov: ?}" "$(find "$corpus" -type f | wc -l)" "$n_found" \
		"$([ $rc -ne 0 ] && echo " (exit $rc, see $log)")"
	[ "$rc" -eq 0 ] && [ "$n_found" -eq 0 ]
}

failed=0
running=0
for t in "${targets[@]}"; do
	run_one "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait -n || failed=1
		running=$((running - 1))
	fi
done
while [ "$running" -gt 0 ]; do
	wait -n || failed=1
	running=$((running - 1))
done
if [ -n "${STORM_FRAMES:-}" ]; then
	if BUILD=$BUILD STORM_FRAMES=$STORM_FRAMES bash tests/integration/frame_storm.sh >"$logs/frame_storm.log" 2>&1; then
		grep '^frame_storm:' "$logs/frame_storm.log"
	else
		echo "frame_storm: FAILED (see $logs/frame_storm.log)"
		failed=1
	fi
fi
exit $failed

#!/bin/bash
# `make soak`: the long forms of the robustness runs (hundreds of kills, long
# partitions, a large flood under handshake starvation), then the fuzz soak
# (scripts/fuzz-soak.sh: FUZZ_SECONDS per target, default an hour, and a
# storm of STORM_FRAMES, default 500000). Ends with "N passed, N failed"
# as `make check` does. Takes hours.
# usage: scripts/soak.sh [PATTERN]   (only the long forms whose name has PATTERN)
set -u
cd "$(dirname "$0")/.."
export BUILD=${BUILD:-build}
export SOAK=1
pattern=${1:-}
passed=0 failed=0 failures=()
for t in crash_both partition handshake_starvation; do
	[[ -n "$pattern" && "$t" != *"$pattern"* ]] && continue
	log=$(mktemp "${TMPDIR:-/tmp}/liaison-soak-$t.XXXXXX")
	start=$SECONDS
	timeout 14400 bash "tests/integration/$t.sh" >"$log" 2>&1
	rc=$?
	printf '%-40s %s (%ds)\n' "$t" "$([ $rc -eq 0 ] && echo ok || echo "FAILED rc=$rc")" $((SECONDS - start))
	grep '^# \|^SKIPPED' "$log" | tail -15 | sed 's/^/    /'
	if [ $rc -eq 0 ]; then
		passed=$((passed + 1))
		rm -f "$log"
	else
		failed=$((failed + 1)); failures+=("$t")
		tail -40 "$log" | sed 's/^/    /'
		echo "    (full log: $log)"
	fi
done
# the fuzz soak (FUZZ_SECONDS per target, STORM_FRAMES; see that script)
if [ -x scripts/fuzz-soak.sh ] && [[ -z "$pattern" || fuzz == *"$pattern"* ]]; then
	if ! compgen -G "$BUILD/fuzz/fuzz_*" >/dev/null; then
		echo "fuzz-soak                                skipped: no fuzz targets (make fuzz needs clang)"
	elif STORM_FRAMES=${STORM_FRAMES:-500000} scripts/fuzz-soak.sh; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1)); failures+=(fuzz-soak)
	fi
fi
[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

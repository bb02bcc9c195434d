#!/bin/bash
# Runs every test and ends with one line "N passed, N failed".
#   unit tests:        $BUILD/tests/test_*  (cmocka; each test case counts)
#   integration tests: tests/integration/*.sh (each script counts once)
#   fuzz targets:      $BUILD/fuzz/fuzz_*   (a few seconds each, with clang), else
#                      $BUILD/fuzz-replay/fuzz_* (each seed corpus replayed once)
# usage: tests/run.sh [PATTERN]   runs only tests whose name contains PATTERN
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD=$(cd "$BUILD" && pwd)
pattern=${1:-}
passed=0 failed=0 failures=()
logdir=$(mktemp -d "${TMPDIR:-/tmp}/liaison-tests.XXXXXX")

count() { # name rc
	if [ "$2" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); failures+=("$1"); fi
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	[[ -n "$pattern" && "$name" != *"$pattern"* ]] && continue
	log="$logdir/$name.log"
	"$t" >"$log" 2>&1
	rc=$?
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
	p=${p:-0} f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi # crashed
	passed=$((passed + p)); failed=$((failed + f))
	printf '%-40s %3d passed, %d failed\n' "$name" "$p" "$f"
	if [ "$f" -ne 0 ]; then failures+=("$name"); sed 's/^/    /' "$log" | grep -v '^    \[       OK \]\|^    \[ RUN      \]' | tail -40; fi
done

for t in tests/integration/*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	case $name in lib | netns) continue ;; esac # shared harness, not tests
	[[ -n "$pattern" && "$name" != *"$pattern"* ]] && continue
	log="$logdir/$name.log"
	start=$SECONDS
	timeout 600 bash "$t" >"$log" 2>&1
	rc=$?
	count "$name" "$rc"
	printf '%-40s %s (%ds)\n' "$name" "$([ $rc -eq 0 ] && echo ok || echo "FAILED rc=$rc")" $((SECONDS - start))
	[ "$rc" -ne 0 ] && sed 's/^/    /' "$log" | tail -40
done

# Each fuzz target once: with clang, a short libFuzzer run from its seed
# corpus ($BUILD/fuzz, `make fuzz`); otherwise its seed corpus replayed by
# the same target linked with a plain main ($BUILD/fuzz-replay, `make tests`).
for src in tests/fuzz/fuzz_*.c; do
	[ -f "$src" ] || continue
	name=$(basename "$src" .c)
	[[ -n "$pattern" && "$name" != *"$pattern"* ]] && continue
	log="$logdir/$name.log"
	corpus=tests/fuzz/corpus/${name#fuzz_}
	if [ -x "$BUILD/fuzz/$name" ]; then
		mkdir -p "$logdir/$name.corpus"
		args=("$logdir/$name.corpus")
		[ -d "$corpus" ] && args+=("$corpus")
		"$BUILD/fuzz/$name" -max_total_time="${FUZZ_SECONDS:-5}" -rss_limit_mb=1024 -artifact_prefix="$logdir/$name-" "${args[@]}" </dev/null >"$log" 2>&1
		rc=$?
		runs=$(grep -o 'Done [0-9]* runs' "$log" | tail -1)
	elif [ -x "$BUILD/fuzz-replay/$name" ] && [ -d "$corpus" ]; then
		"$BUILD/fuzz-replay/$name" "$corpus" </dev/null >"$log" 2>&1
		rc=$?
		runs=$(grep -o 'replayed [0-9]* inputs' "$log" | tail -1)
	else
		continue
	fi
	count "$name" "$rc"
	printf '%-40s %s (%s)\n' "$name" "$([ $rc -eq 0 ] && echo ok || echo FAILED)" "${runs:-?}"
	[ "$rc" -ne 0 ] && tail -30 "$log" | sed 's/^/    /'
done

rm -rf "$logdir"
[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

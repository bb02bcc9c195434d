#!/bin/bash
# Man pages: `mandoc -Tlint` says nothing about any of them, and each
# carries a real date (YYYY-MM-DD in .TH). Skipped where mandoc is missing.
. "$(dirname "$0")/lib.sh"
n=0
for page in "$ROOT"/docs/*.[1-8]; do
	n=$((n + 1))
	date=$(awk '$1 == ".TH" { print $4; exit }' "$page")
	[[ $date =~ ^20[0-9][0-9]-[01][0-9]-[0-3][0-9]$ ]] || fail "$(basename "$page"): .TH date '$date'"
	date -d "$date" >/dev/null 2>&1 || fail "$(basename "$page"): no such date '$date'"
done
[ $n -ge 4 ] || fail "only $n man pages in docs/"
if ! command -v mandoc >/dev/null; then
	note "mandoc missing: lint skipped (scripts/install-deps.sh check installs it)"
	exit 0
fi
for page in "$ROOT"/docs/*.[1-8]; do
	out=$(mandoc -Tlint "$page" 2>&1)
	[ -z "$out" ] || fail "mandoc -Tlint $(basename "$page"): $out"
done
note "$n man pages lint clean"

#!/bin/bash
# The audit chain catches tampering: after some traffic, a copy of a node's
# data with one stored envelope byte changed, or one audit row changed or
# removed, fails `liaisond --verify-audit` (exit 1, a line naming the
# record); the untouched data verifies (exit 0).
. "$(dirname "$0")/lib.sh"
fed_setup A B
for n in A B; do node_start "$n"; done
ids=()
for i in 1 2 3; do
	ids+=("$(cli A send sitrep --to B --title "report $i" --body "text $i")") || fail "send $i"
done
for id in "${ids[@]}"; do wait_until 10 cli B reader get "$id" || fail "B never got $id"; done
for n in A B; do node_stop "$n"; done

for n in A B; do
	"$LIAISOND" -c "$T/$n/liaisond.conf" --verify-audit >"$T/out" 2>"$T/err" || fail "untouched $n: $(cat "$T/err")"
	grep -q "audit chain holds" "$T/out" || fail "untouched $n said: $(cat "$T/out")"
done

# copy NAME: a copy of B's data and a configuration using it; prints the db path
copy() {
	rm -rf "$T/B/$1"
	cp -a "$T/B/data" "$T/B/$1"
	sed "s|^data_dir *=.*|data_dir = $1|" "$T/B/liaisond.conf" >"$T/B/$1.conf"
	echo "$T/B/$1/liaison.db"
}
# verify NAME PATTERN [FAULTS]: --verify-audit on the copy must exit 1, its
# first line matching PATTERN, one line per fault, then the count (default 1)
verify_fails() {
	"$LIAISOND" -c "$T/B/$1.conf" --verify-audit >"$T/out" 2>"$T/err"
	local rc=$? faults=${3:-1}
	[ "$rc" -eq 1 ] || fail "$1: --verify-audit exited $rc: $(cat "$T/out" "$T/err")"
	[ "$(wc -l <"$T/err")" -eq $((faults + 1)) ] || fail "$1: not $faults fault lines and a count: $(cat "$T/err")"
	head -1 "$T/err" | grep -Eq "$2" || fail "$1: '$(head -1 "$T/err")' does not match '$2'"
	tail -1 "$T/err" | grep -q ": $faults faults\? found$" || fail "$1: no count of $faults: $(tail -1 "$T/err")"
}

db=$(copy untouched)
"$LIAISOND" -c "$T/B/untouched.conf" --verify-audit >/dev/null || fail "an untouched copy does not verify"

# one byte of the second stored envelope
db=$(copy envelope)
pos=$(sqlite3 "$db" "SELECT pos FROM messages ORDER BY pos LIMIT 1 OFFSET 1")
rec=$(sqlite3 "$db" "SELECT seq FROM audit WHERE kind = 'store' AND detail LIKE 'pos=$pos %'")
[ -n "$pos" ] && [ -n "$rec" ] || fail "no audit record for stored message $pos"
hex=$(sqlite3 "$db" "SELECT hex(envelope) FROM messages WHERE pos = $pos")
at=$((${#hex} / 2))                                   # a byte in the middle (ciphertext)
byte=${hex:at:2}
flipped=$(printf '%02X' $((0x$byte ^ 0x01)))
sqlite3 "$db" "UPDATE messages SET envelope = X'${hex:0:at}${flipped}${hex:at+2}' WHERE pos = $pos" || fail "update"
[ "$(sqlite3 "$db" "SELECT hex(envelope) FROM messages WHERE pos = $pos")" != "$hex" ] || fail "byte not changed"
verify_fails envelope "record $rec\b.*(message $pos|altered)"

# one audit row's detail
db=$(copy row)
rec=$(sqlite3 "$db" "SELECT seq FROM audit ORDER BY seq LIMIT 1 OFFSET 2")
sqlite3 "$db" "UPDATE audit SET detail = detail || ' ' WHERE seq = $rec" || fail "update audit"
verify_fails row "record $rec\b"

# one audit row's time
db=$(copy time)
sqlite3 "$db" "UPDATE audit SET at = at + 1 WHERE seq = $rec" || fail "update audit time"
verify_fails time "record $rec\b"

# a removed audit row
db=$(copy removed)
kind=$(sqlite3 "$db" "SELECT kind FROM audit WHERE seq = $rec")
sqlite3 "$db" "DELETE FROM audit WHERE seq = $rec" || fail "delete audit row"
# a removed store record also leaves its message without one
verify_fails removed "record $rec\b" "$([ "$kind" = store ] && echo 2 || echo 1)"

# several altered records are each named, and the records after them still checked
db=$(copy several)
sqlite3 "$db" "UPDATE audit SET detail = detail || ' ' WHERE seq IN (2, 4)" || fail "update two records"
hex=$(sqlite3 "$db" "SELECT hex(envelope) FROM messages WHERE pos = 3")
sqlite3 "$db" "UPDATE messages SET envelope = X'${hex:0:20}$(printf '%02X' $((0x${hex:20:2} ^ 0x01)))${hex:22}' WHERE pos = 3" ||
	fail "update envelope 3"
verify_fails several "record 2\b" 3
grep -q "record 4: hash chain broken" "$T/err" || fail "record 4 not named: $(cat "$T/err")"
grep -q "stored message 3 was altered" "$T/err" || fail "message 3 not named: $(cat "$T/err")"

# the original is still fine
"$LIAISOND" -c "$T/B/liaisond.conf" --verify-audit >/dev/null || fail "B's own data no longer verifies"

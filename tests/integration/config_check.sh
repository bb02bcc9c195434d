#!/bin/bash
# liaisond --check: exit 0 on a good configuration; 78 and one
# "FILE:LINE: message" line for each kind of mistake; one line naming the
# file for a key readable by others or belonging to another node; 64 without -c.
. "$(dirname "$0")/lib.sh"
fed_setup A B
good=$T/A/liaisond.conf
cp "$good" "$T/A/good.conf"

"$LIAISOND" -c "$good" --check >"$T/out" 2>"$T/err" || fail "good config: $(cat "$T/err")"
grep -q "is valid" "$T/out" || fail "good config said: $(cat "$T/out")"

# bad LINE_PATTERN REPLACEMENT... MESSAGE_PATTERN: replaces the first line
# matching LINE_PATTERN (sed syntax) with the replacement lines, and expects
# exit 78 with one "FILE:LINE: message" line pointing at the first of them.
bad() {
	local what=$1 pattern=$2 replacement=$3 message=$4
	cp "$T/A/good.conf" "$good"
	local line
	line=$(grep -n -m1 "$pattern" "$good" | cut -d: -f1)
	[ -n "$line" ] || fail "$what: no line matches $pattern"
	sed -i "${line}c\\
$replacement" "$good"
	"$LIAISOND" -c "$good" --check >"$T/out" 2>"$T/err"
	local rc=$?
	[ "$rc" -eq 78 ] || fail "$what: exit $rc, expected 78: $(cat "$T/err")"
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "$what: not one line: $(cat "$T/err")"
	grep -q "^liaisond: $good:$line: " "$T/err" || fail "$what: not '$good:$line: ...': $(cat "$T/err")"
	grep -qi "$message" "$T/err" || fail "$what: message does not mention '$message': $(cat "$T/err")"
	[ -s "$T/out" ] && fail "$what: printed on stdout: $(cat "$T/out")"
	return 0
}

bad "unknown key" '^data_dir' 'colour   = red' colour
bad "missing cert file" '^cert *= ../B/B.pub' 'cert     = ../B/nothere.pub' nothere.pub
bad "bad endpoint" '^endpoint' 'endpoint = udp://127.0.0.1:9' endpoint
bad "bad listen" '^listen' 'listen   = tcp://127.0.0.1' listen
bad "bad role" '^role *= officer' 'role = boss' boss
bad "unknown classification" '^endpoint' 'max_classification = ULTRA_SECRET' ULTRA_SECRET
bad "unknown section" '^\[client reader\]' '[colleague reader]' colleague
bad "bad size" '^data_dir' 'max_message = lots' lots
# a data_dir that is missing, a file, or read-only (the start refuses it the same way)
bad "missing data_dir" '^data_dir' "data_dir = $T/A/nothere" "data_dir $T/A/nothere does not exist"
touch "$T/A/plainfile"
bad "data_dir a file" '^data_dir' "data_dir = $T/A/plainfile" "data_dir $T/A/plainfile is not a directory"
if [ "$(id -u)" -ne 0 ]; then # root may write anywhere
	mkdir -p "$T/A/ro" && chmod 500 "$T/A/ro"
	bad "read-only data_dir" '^data_dir' "data_dir = $T/A/ro" "data_dir $T/A/ro is not writable"
fi
sed -i "s|^data_dir.*|data_dir = $T/A/nothere|" "$good"
"$LIAISOND" -c "$good" --foreground 2>"$T/err"
assert_eq "$?" 78 "exit of a start with a missing data_dir"
grep -q "data_dir $T/A/nothere does not exist" "$T/err" || fail "start with a missing data_dir: $(cat "$T/err")"
# a second [peer B] (its line is where the duplicate starts)
cp "$T/A/good.conf" "$good"
printf '\n[peer B]\ncert     = ../B/B.pub\nendpoint = tcp://127.0.0.1:1\n' >>"$good"
dup=$(grep -n '^\[peer B\]' "$good" | tail -1 | cut -d: -f1)
"$LIAISOND" -c "$good" --check >"$T/out" 2>"$T/err"
assert_eq "$?" 78 "exit for a duplicate peer"
[ "$(wc -l <"$T/err")" -eq 1 ] || fail "duplicate: not one line: $(cat "$T/err")"
grep -q "^liaisond: $good:$dup: .*B" "$T/err" || fail "duplicate peer: $(cat "$T/err")"

# the node's key readable by others
cp "$T/A/good.conf" "$good"
chmod 644 "$T/A/A.key"
"$LIAISOND" -c "$good" --check >"$T/out" 2>"$T/err"
assert_eq "$?" 78 "exit for a key with mode 0644"
[ "$(wc -l <"$T/err")" -eq 1 ] || fail "key mode: not one line: $(cat "$T/err")"
keyline=$(grep -n '^key ' "$good" | cut -d: -f1)
grep -q "^liaisond: $good:$keyline: .*A.key" "$T/err" || fail "key mode: FILE:LINE and the file not named: $(cat "$T/err")"
chmod 600 "$T/A/A.key"

# another node's key
sed -i 's|^key *=.*|key      = ../B/B.key|' "$good"
"$LIAISOND" -c "$good" --check >"$T/out" 2>"$T/err"
assert_eq "$?" 78 "exit for another node's key"
[ "$(wc -l <"$T/err")" -eq 1 ] || fail "wrong key: not one line: $(cat "$T/err")"
grep -q "^liaisond: $good:$keyline: .*B.key" "$T/err" && grep -q "'A'" "$T/err" || fail "wrong key: $(cat "$T/err")"

# a configuration file that is not there, and no -c at all
"$LIAISOND" -c "$T/none.conf" --check >"$T/out" 2>"$T/err"
assert_eq "$?" 78 "exit for a missing configuration file"
grep -q "none.conf" "$T/err" || fail "missing file: $(cat "$T/err")"
"$LIAISOND" --check >"$T/out" 2>"$T/err"
assert_eq "$?" 64 "exit without -c"
grep -q usage "$T/err" || fail "without -c: $(cat "$T/err")"

# the original still checks out
cp "$T/A/good.conf" "$good"
"$LIAISOND" -c "$good" --check >/dev/null || fail "good config after the round"

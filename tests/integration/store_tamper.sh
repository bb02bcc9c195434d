#!/bin/bash
# What a node serves is checked against what was signed. With the node
# stopped, one stored envelope gets a byte flipped in its header, a SECRET
# message's classification column is set to UNCLASSIFIED, and a ciphertext
# byte is flipped. After a restart `get` refuses each, naming the problem;
# `query` (readable and --json) and `subscribe` list each flagged as damaged,
# never as valid and never silently left out; the damaged counter and the log
# say so; an untouched message is served as before, and is refused once it
# too is changed while the node runs; `--verify-audit` names every one.
. "$(dirname "$0")/lib.sh"
fed_setup A B
node_start A
node_start B

long=$(printf 'situation text %.0s' $(seq 200))
id1=$(cli A send sitrep --to B --title "header flip" --body "one") || fail "send 1"
id2=$(cli A send intel --to B --classification SECRET --title "secret report" --body "two") || fail "send 2"
id3=$(cli A send sitrep --to B --title "ciphertext flip" --body "$long") || fail "send 3"
id4=$(cli A send sitrep --to B --title "untouched" --body "four") || fail "send 4"
for id in "$id1" "$id2" "$id3" "$id4"; do wait_until 10 cli B reader get "$id" || fail "B never got $id"; done
node_stop B

db=$T/B/data/liaison.db
pos_of() { sqlite3 "$db" "SELECT pos FROM messages WHERE hex(id) = upper('$1')"; }
flip() { # POS OFFSET: flips the lowest bit of the envelope byte at OFFSET
	local hex byte
	hex=$(sqlite3 "$db" "SELECT hex(envelope) FROM messages WHERE pos = $1")
	byte=${hex:$(($2 * 2)):2}
	sqlite3 -cmd ".timeout 5000" "$db" "UPDATE messages SET envelope = X'${hex:0:$(($2 * 2))}$(printf '%02X' $((0x$byte ^ 0x01)))${hex:$(($2 * 2 + 2))}' WHERE pos = $1" ||
		fail "update $1"
}
p1=$(pos_of "$id1") p2=$(pos_of "$id2") p3=$(pos_of "$id3")
[ -n "$p1" ] && [ -n "$p2" ] && [ -n "$p3" ] || fail "stored positions not found"
flip "$p1" 30 # inside the signed header
[ "$(sqlite3 "$db" "SELECT classification FROM messages WHERE pos = $p2")" = 4 ] || fail "message 2 is not SECRET"
sqlite3 "$db" "UPDATE messages SET classification = 1 WHERE pos = $p2" || fail "update classification"
len=$(sqlite3 "$db" "SELECT length(envelope) FROM messages WHERE pos = $p3")
flip "$p3" $((len - 200)) # in the ciphertext: the signature (last) is 64 bytes

node_start B
# get_refused ID PATTERN: get (readable, --json) exits 1 naming the message and the problem
get_refused() {
	local flag out rc
	for flag in "" --json; do
		# shellcheck disable=SC2086
		out=$(cli B reader get "$1" $flag 2>&1)
		rc=$?
		[ $rc -eq 1 ] || fail "get $1 $flag: exit $rc: $out"
		printf '%s' "$out" | grep -q "message $1 is damaged" || fail "get $1 $flag does not name it damaged: $out"
		printf '%s' "$out" | grep -Eq "$2" || fail "get $1 $flag: '$out' does not say '$2'"
	done
}
get_refused "$id1" "signature|malformed|truncated|audit record"
get_refused "$id2" "classification column says UNCLASSIFIED, the signed header SECRET"
# the ciphertext's hash is signed (version 2 does not carry it): a changed
# ciphertext fails the signature
get_refused "$id3" "signature does not verify"
cli B reader get "$id4" | grep -q "untouched" || fail "the untouched message is not served"

cli B reader query >"$T/query" 2>"$T/query.err" || fail "query"
[ "$(grep -c "DAMAGED" "$T/query")" -eq 3 ] || fail "query does not flag three rows: $(cat "$T/query")"
grep -q "DAMAGED: classification column" "$T/query" || fail "query: $(cat "$T/query")"
grep "^${id2:0:12} " "$T/query" | grep -Eq "^[0-9a-f]{12}  [0-9TZ:-]{20}  DAMAGED: " ||
	fail "query shows the damaged row's columns: $(grep "${id2:0:12}" "$T/query")"
grep -q "untouched" "$T/query" || fail "query lost the untouched message"
grep -q "3 of the messages listed are damaged" "$T/query.err" || fail "query's stderr: $(cat "$T/query.err")"

cli B reader query --json >"$T/query.json" || fail "query --json"
jq -e . "$T/query.json" >/dev/null || fail "query --json is not JSON"
assert_eq "$(jq -r 'select(.damaged) | .id' "$T/query.json" | sort | tr '\n' ' ')" \
	"$(printf '%s\n' "$id1" "$id2" "$id3" | sort | tr '\n' ' ')" "damaged ids in query --json"
jq -se --arg id "$id2" '.[] | select(.id == $id) | (.damaged | test("classification")) and (has("classification") | not) and (has("body") | not)' \
	"$T/query.json" >/dev/null || fail "query --json shows the damaged SECRET message: $(grep "$id2" "$T/query.json")"
jq -se --arg id "$id4" '.[] | select(.id == $id) | (has("damaged") | not) and .body.title == "untouched"' "$T/query.json" \
	>/dev/null || fail "query --json: the untouched message: $(grep "$id4" "$T/query.json")"

"$LIAISON" -c "$T/B/reader.conf" subscribe --since 1h --json --count 4 >"$T/sub.json" 2>"$T/sub.err" ||
	fail "subscribe: $(cat "$T/sub.err")"
assert_eq "$(jq -r 'select(.damaged) | .id' "$T/sub.json" | wc -l)" 3 "damaged messages given to a subscriber"
assert_eq "$(jq -r 'select(.damaged | not) | .id' "$T/sub.json")" "$id4" "valid messages given to a subscriber"

[ "$(cli B reader status --json | jq .counters.damaged)" -ge 3 ] || fail "damaged counter: $(cli B reader status --json | jq -c .counters)"
grep -q "stored message $id2 at position $p2 is damaged: classification column" "$T/B/liaisond.log" ||
	fail "the damage is not logged"

# a message read (and so verified) before is checked again: changed while
# the node runs, it is damaged too
p4=$(pos_of "$id4")
len=$(sqlite3 "$db" "SELECT length(envelope) FROM messages WHERE pos = $p4")
flip "$p4" $((len - 10)) # in the signature
get_refused "$id4" "signature does not verify"

node_stop B
"$LIAISOND" -c "$T/B/liaisond.conf" --verify-audit >"$T/audit.out" 2>"$T/audit.err" && fail "--verify-audit passed"
for p in "$p1" "$p2" "$p3" "$p4"; do
	grep -q "stored message $p " "$T/audit.err" || fail "--verify-audit does not name message $p: $(cat "$T/audit.err")"
done
grep -q "stored message $p2 classification column says UNCLASSIFIED" "$T/audit.err" || fail "--verify-audit: $(cat "$T/audit.err")"
tail -1 "$T/audit.err" | grep -q ": 4 faults found$" || fail "--verify-audit count: $(cat "$T/audit.err")"
exit 0

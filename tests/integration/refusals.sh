#!/bin/bash
# What the node and the programs refuse, with the documented exit codes and
# one clear line, and nothing stored anywhere: a reader sending (77), a label
# above a peer's max_classification even when the other recipients were
# allowed (1, naming the peer and the limit), an unknown recipient (1),
# malformed or unknown JSON (64); --help exits 0 and misuse exits 64.
. "$(dirname "$0")/lib.sh"
fed_setup A B C
# A releases at most RESTRICTED to B
sed -i '/^\[peer B\]$/a max_classification = RESTRICTED' "$T/A/liaisond.conf"
grep -A3 '^\[peer B\]' "$T/A/liaisond.conf" | grep -q 'max_classification = RESTRICTED' || fail "config edit"
for n in A B C; do node_start "$n"; done

nothing_stored() {
	local n
	for n in A B C; do assert_eq "$(count_query "$n")" 0 "messages at $n after $1"; done
}

# a reader may not send
expect 77 cli A reader send sitrep --to B,C --title t --body b
grep -qi "not permitted" "$T/err" || fail "reader send said: $(cat "$T/err")"

# above B's limit: refused for everyone, C included
expect 1 cli A send sitrep --to B,C --classification CONFIDENTIAL --title t --body b
grep -q "CONFIDENTIAL exceeds B's limit RESTRICTED" "$T/err" || fail "release refusal said: $(cat "$T/err")"
[ "$(wc -l <"$T/err")" -eq 1 ] || fail "release refusal is not one line: $(cat "$T/err")"
expect 1 cli A send sitrep --all --classification SECRET --title t --body b
grep -q "SECRET exceeds B's limit RESTRICTED" "$T/err" || fail "--all refusal said: $(cat "$T/err")"
# an unknown recipient among known ones
expect 1 cli A send sitrep --to C,ZULU --title t --body b
grep -q "ZULU" "$T/err" || fail "unknown recipient said: $(cat "$T/err")"

# malformed and unknown JSON in --file
printf '{"title": "t", "summary": ' >"$T/bad.json"
expect 64 cli A send sitrep --to C --file "$T/bad.json"
echo '{"title": "t", "colour": "red"}' >"$T/unknown.json"
expect 64 cli A send sitrep --to C --file "$T/unknown.json"
grep -q "colour" "$T/err" || fail "unknown field not named: $(cat "$T/err")"
echo '{"title": 5}' >"$T/type.json"
expect 64 cli A send sitrep --to C --file "$T/type.json"
echo '{"headline": "x"}' >"$T/wrongtype.json"
expect 64 cli A send sitrep --to C --file "$T/wrongtype.json"

# usage errors
expect 64 cli A send sitrep --title t --body b            # no recipients
expect 64 cli A send bogus --to C --title t --body b      # unknown type
expect 64 cli A send sitrep --to C --precedence urgent --title t --body b
expect 64 cli A send sitrep --to C --classification PUBLIC --title t --body b
expect 64 cli A query --limit nope
expect 64 cli A bogus
expect 64 "$LIAISON"
expect 64 "$KEYS"
expect 64 "$KEYS" bogus
expect 64 "$LIAISOND"
expect 64 "$LIAISOND" -c "$T/A/liaisond.conf" --bogus

# --help of every program and command: stdout, exit 0
for args in "" send query get subscribe status peers; do
	expect 0 "$LIAISON" $args --help
	grep -q usage "$T/out" || fail "liaison $args --help printed no usage"
done
for args in "" generate show verify verify-envelope; do
	expect 0 "$KEYS" $args --help
	grep -qi usage "$T/out" || fail "liaison-keys $args --help printed no usage"
done
expect 0 "$LIAISOND" --help
grep -q usage "$T/out" || fail "liaisond --help printed no usage"

# none of that left a trace; an allowed message does get through afterwards
nothing_stored refusals
id=$(cli A send sitrep --to B,C --classification RESTRICTED --title ok --body ok) || fail "allowed send"
for n in B C; do wait_until 10 cli "$n" reader get "$id" || fail "$n never got $id"; done
for n in A B C; do assert_eq "$(count_query "$n")" 1 "messages at $n after the allowed send"; done
grep -q "release refused" "$T/A/liaisond.log" || fail "A did not log the release refusal"
for n in A B C; do node_stop "$n"; done

#!/bin/bash
# A message released to B only: C cannot query, get or open it, even holding
# its sealed bytes; its plaintext is on no node's disk; the envelope verifies
# offline against A's certificate only.
. "$(dirname "$0")/lib.sh"
OPEN=$BUILD/tools/open_envelope
[ -x "$OPEN" ] || fail "$OPEN is not built (make tests)"
fed_setup A B C
for n in A B C; do node_start "$n"; done

marker="zq7-PLAINTEXT-MARKER-$RANDOM$RANDOM-kx"
topic="privtopic-$RANDOM"
id=$(cli A send sitrep --to B --topic "$topic" --title "title $marker" --body "body $marker") || fail "send to B"
[ ${#id} -eq 32 ] || fail "send printed '$id'"
# a second message to B and C: once C holds it, C has had every chance to see the first
ctl=$(cli A send sitrep --to B,C --topic control --title "control" --body "for B and C") || fail "send to B,C"

wait_until 10 cli C reader get "$ctl" || fail "C never got the control message"
wait_until 10 cli B reader get "$id" || fail "B never got $id"
cli B reader get "$id" --json >"$T/b.json" || fail "get at B"
grep -q "title $marker" "$T/b.json" && grep -q "body $marker" "$T/b.json" || fail "B does not read the marker: $(cat "$T/b.json")"
wait_until 10 bash -c "\"$LIAISON\" -c \"$T/A/officer.conf\" status $id | grep -q delivered" || fail "A never saw B's receipt"

# C's API: no such message, by id or by prefix, for the reader and the officer
for who in reader officer; do
	out=$(cli C $who get "$id" 2>&1) && fail "C ($who) got $id: $out"
	echo "$out" | grep -qi "no message" || fail "C ($who) get said: $out"
done
out=$(cli C reader get "${id:0:8}" 2>&1) && fail "C got $id by prefix: $out"
out=$(cli C reader status "$id" 2>&1) && fail "C has a status for $id: $out"
cli C reader query --json --from A --limit 10000 >"$T/c-query.json" || fail "query at C"
grep -q "$id" "$T/c-query.json" && fail "C's query lists $id"
assert_eq "$(grep -c "\"$ctl\"" "$T/c-query.json")" 1 "control messages in C's query"
assert_eq "$(wc -l <"$T/c-query.json")" 1 "messages from A in C's query"
[ "$(count_query C --topic "$topic")" -eq 0 ] || fail "C's query by topic finds it"
cli C reader subscribe --since 1h --count 1 --json --timeout 5 >"$T/c-sub.json" 2>/dev/null
grep -q "$ctl" "$T/c-sub.json" || fail "C's subscriber did not replay the control message"
grep -q "$id" "$T/c-sub.json" && fail "C's subscriber was given $id"

# the sealed bytes: B hands them to C; C's key cannot open them, B's can
cli B reader get "$id" --envelope >"$T/env.bin" || fail "get --envelope at B"
[ -s "$T/env.bin" ] || fail "empty envelope"
grep -aq "$marker" "$T/env.bin" && fail "the envelope holds the plaintext marker"
grep -aq "$topic" "$T/env.bin" || fail "the envelope lacks its clear header (topic)"
out=$("$OPEN" "$T/C/C.key" "$T/A/A.pub" "$T/env.bin")
rc=$?
[ $rc -eq 1 ] || fail "open with C's key exited $rc: $out"
case $out in NOT_RECIPIENT:*) ;; *) fail "open with C's key said: $out" ;; esac
out=$("$OPEN" "$T/B/B.key" "$T/A/A.pub" "$T/env.bin") || fail "B's key does not open it: $out"
echo "$out" | grep -q "title $marker" || fail "B opened something else: $out"
# a tampered copy does not open even for B
cp "$T/env.bin" "$T/bad.bin"
printf '\x55' | dd of="$T/bad.bin" bs=1 seek=$(($(stat -c %s "$T/env.bin") - 5)) conv=notrunc 2>/dev/null
out=$("$OPEN" "$T/B/B.key" "$T/A/A.pub" "$T/bad.bin") && fail "a tampered envelope opened: $out"

# offline verification: A's certificate holds, B's does not
"$KEYS" verify-envelope "$T/env.bin" --cert "$T/A/A.pub" >"$T/verify.out" 2>&1 || fail "verify-envelope with A's cert: $(cat "$T/verify.out")"
grep -q "$topic" "$T/verify.out" || fail "verify-envelope printed no header: $(cat "$T/verify.out")"
grep -q "$marker" "$T/verify.out" && fail "verify-envelope printed the plaintext"
"$KEYS" verify-envelope "$T/env.bin" --cert "$T/B/B.pub" >"$T/verify-b.out" 2>&1 && fail "verify-envelope accepted B's cert"
"$KEYS" verify-envelope "$T/bad.bin" --cert "$T/A/A.pub" >/dev/null 2>&1 && fail "verify-envelope accepted a tampered envelope"

# at rest: the marker is in no file of any data directory, running or stopped,
# while the clear header (topic) is in A's and B's (the search does look there)
check_disk() {
	local n
	for n in A B C; do
		grep -raq "$marker" "$T/$n/data" && fail "$n's data directory holds the plaintext ($1): $(grep -ral "$marker" "$T/$n/data")"
	done
	for n in A B; do
		grep -raq "$topic" "$T/$n/data" || fail "$n's data directory lacks the envelope ($1)"
	done
	grep -raq "$topic" "$T/C/data" && fail "C's data directory holds the envelope ($1)"
	return 0
}
ls "$T/B/data"/*-wal >/dev/null 2>&1 || note "no WAL file at B while running"
check_disk running
for n in A B C; do node_stop "$n"; done
check_disk stopped

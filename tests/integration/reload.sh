#!/bin/bash
# SIGHUP applies a changed configuration to a running node: a new peer can be
# sent to, a removed client is no longer permitted, and a broken file is
# refused with its FILE:LINE error while the node keeps the running one. The
# audit chain records each reload and still verifies.
. "$(dirname "$0")/lib.sh"
fed_setup A B D
drop_section() { # FILE SECTION: removes [SECTION] up to the next section
	awk -v s="[$2]" '$0 == s { skip = 1; next } /^\[/ { skip = 0 } !skip' "$1" >"$1.new" && mv "$1.new" "$1"
}
cp "$T/A/liaisond.conf" "$T/A/full.conf"
cp "$T/D/liaisond.conf" "$T/D/full.conf"
drop_section "$T/A/liaisond.conf" "peer D"
drop_section "$T/D/liaisond.conf" "peer A"
grep -q 'peer D' "$T/A/liaisond.conf" && fail "D still configured at A"
for n in A B D; do node_start "$n"; done
audit_records() { "$LIAISOND" -c "$T/A/liaisond.conf" --verify-audit | sed -n 's/^audit chain holds: \([0-9]*\) records.*/\1/p'; }
reloads() { grep -c "reloaded configuration" "$T/A/liaisond.log"; }
hup() { # NAME: SIGHUP, then wait until its log shows one more reload or refusal
	local log=$T/$1/liaisond.log before
	before=$(grep -c "reloaded configuration\|reload refused" "$log")
	kill -HUP "$(node_pid "$1")"
	wait_until 10 bash -c "[ \$(grep -c 'reloaded configuration\|reload refused' '$log') -gt $before ]" ||
		fail "$1 did not act on SIGHUP"
}

out=$(cli A send sitrep --to D --title early --body "D unknown" 2>&1) && fail "A sent to D before the reload: $out"
echo "$out" | grep -q "unknown recipient 'D'" || fail "A said: $out"
a0=$(audit_records)
[ -n "$a0" ] || fail "audit of the running A"

# add D at A and A at D
cp "$T/A/full.conf" "$T/A/liaisond.conf"
cp "$T/D/full.conf" "$T/D/liaisond.conf"
hup A
hup D
assert_eq "$(reloads)" 1 "reloads logged by A"
id=$(cli A send sitrep --to D --title "after reload" --body "D is a peer now") || fail "A cannot send to D after the reload"
wait_until 10 cli D reader get "$id" || fail "D never got $id"
wait_until 10 bash -c "\"$LIAISON\" -c \"$T/A/officer.conf\" status $id | grep -q delivered" || fail "not delivered to D"
cli A peers --json | jq -e '[.peers[]?.name // .name] | index("D") != null' >/dev/null 2>&1 ||
	cli A peers | grep -q D || fail "A's peers do not list D: $(cli A peers)"

# remove the reader client
cli A reader status >/dev/null || fail "reader before removal"
drop_section "$T/A/liaisond.conf" "client reader"
hup A
"$LIAISON" -c "$T/A/reader.conf" --timeout 3 status >/dev/null 2>"$T/err"
assert_eq "$?" 77 "exit of a removed client"
cli A officer status >/dev/null || fail "officer after removing the reader"

# a broken file is refused; the running configuration stays
cp "$T/A/liaisond.conf" "$T/A/working.conf"
sed -i '/^\[peer B\]$/a colour = red' "$T/A/liaisond.conf"
line=$(grep -n '^colour = red' "$T/A/liaisond.conf" | cut -d: -f1)
hup A
grep "reload refused" "$T/A/liaisond.log" | tail -1 | grep -q "$T/A/liaisond.conf:$line: " ||
	fail "refused reload does not name FILE:LINE: $(grep 'reload refused' "$T/A/liaisond.log")"
assert_eq "$(grep -c 'reload refused' "$T/A/liaisond.log")" 1 "refusals logged"
kill -0 "$(node_pid A)" || fail "A died on a broken reload"
id2=$(cli A send sitrep --to B,D --title "still running" --body "old config") || fail "A after the broken reload"
for n in B D; do wait_until 10 cli "$n" reader get "$id2" || fail "$n never got $id2"; done
"$LIAISON" -c "$T/A/reader.conf" --timeout 3 status >/dev/null 2>&1
assert_eq "$?" 77 "removed client after the refused reload"

cp "$T/A/working.conf" "$T/A/liaisond.conf"
for n in A B D; do node_stop "$n"; done
a1=$(audit_records) || fail "audit of A"
[ -n "$a1" ] && [ "$a1" -gt "$a0" ] || fail "audit records did not grow: $a0 -> $a1"
db=$(ls "$T/A/data/"*.db 2>/dev/null | head -1)
if [ -n "$db" ] && command -v sqlite3 >/dev/null; then
	assert_eq "$(sqlite3 "$db" "SELECT count(*) FROM audit WHERE kind = 'reload'")" 2 "reload audit records"
fi
for n in B D; do "$LIAISOND" -c "$T/$n/liaisond.conf" --verify-audit >/dev/null || fail "audit of $n"; done

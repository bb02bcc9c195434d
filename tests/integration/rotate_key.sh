#!/bin/bash
# ALPHA rotates its node key while it and BRAVO exchange traffic: no message
# is lost either way, BRAVO pins the new key (across its restart), an
# envelope signed by the old key still verifies with the old certificate,
# and after the overlap the old key is refused. CHARLIE is down during the
# rotation and ALPHA restarts before it comes back: it still learns the key.
# ALPHA still reads its own message sealed under the old key.
. "$(dirname "$0")/lib.sh"

fed_setup ALPHA BRAVO CHARLIE
# the others get their own copy of ALPHA's certificate, as on separate hosts
for p in BRAVO CHARLIE; do
	cp "$T/ALPHA/ALPHA.pub" "$T/$p/ALPHA.pub"
	sed -i 's|^cert     = ../ALPHA/ALPHA.pub$|cert     = ALPHA.pub|' "$T/$p/liaisond.conf"
done
cp "$T/ALPHA/ALPHA.pub" "$T/old.pub"
# ALPHA's own clients read the certificate the node keeps current
sed -i 's|^node_cert = .*|node_cert = data/certs/ALPHA.pub|' "$T/ALPHA/"{officer,reader,admin}.conf
node_start ALPHA
node_start BRAVO
cli ALPHA send sitrep --to CHARLIE --title "queued for CHARLIE" --body b >/dev/null || fail "send to CHARLIE"
has() { test "$(count_query "$1" --from "$2")" -ge "$3"; }

first=$(cli ALPHA send sitrep --to BRAVO --title "signed by the old key" --body b) || fail "first send"
wait_until 20 has BRAVO ALPHA 1 || fail "first message"

note "traffic both ways, and the rotation in the middle of it"
for i in $(seq 15); do
	gen_batch sitrep BRAVO 40 routine "a$i" | cli ALPHA send --batch - >/dev/null || exit 1
	sleep 0.1
done &
A2B=$!
for i in $(seq 15); do
	gen_batch status ALPHA 40 routine "b$i" | cli BRAVO send --batch - >/dev/null || exit 1
	sleep 0.1
done &
B2A=$!
PIDS+=("$A2B" "$B2A")
wait_until 20 has BRAVO ALPHA 100 || fail "traffic did not start"
cli ALPHA reader admin rotate-key >/dev/null 2>&1
assert_eq $? 77 "a reader may not rotate the key"
cli ALPHA admin admin rotate-key --overlap 0s >/dev/null 2>&1
assert_eq $? 64 "an overlap of 0s"
out=$(cli ALPHA admin admin rotate-key --overlap 20s) || fail "rotate-key"
note "$out"
cli ALPHA admin admin rotate-key >/dev/null 2>&1
assert_eq $? 1 "a second rotation during the overlap"
wait "$A2B" || fail "ALPHA's sender failed"
wait "$B2A" || fail "BRAVO's sender failed"

note "ALPHA restarts during the overlap; CHARLIE, down until now, learns the key"
node_stop ALPHA
node_start ALPHA
cli ALPHA send sitrep --to CHARLIE --title "signed by the new key" --body b >/dev/null || fail "second send to CHARLIE"
node_start CHARLIE
wait_until 30 has CHARLIE ALPHA 2 || fail "CHARLIE has $(count_query CHARLIE --from ALPHA) of 2 from ALPHA"
grep -q "rotated its key" "$T/CHARLIE/liaisond.log" || fail "CHARLIE did not pin the new key"
wait_until 20 grep -q "peer CHARLIE pinned our new key" "$T/ALPHA/liaisond.log" || fail "no acknowledgement from CHARLIE"

wait_until 60 has BRAVO ALPHA 601 || fail "BRAVO has $(count_query BRAVO --from ALPHA) of 601 from ALPHA"
wait_until 60 has ALPHA BRAVO 600 || fail "ALPHA has $(count_query ALPHA --from BRAVO) of 600 from BRAVO"
assert_eq "$(count_query BRAVO --from ALPHA)" 601 "from ALPHA, exactly once"
assert_eq "$(count_query ALPHA --from BRAVO)" 600 "from BRAVO, exactly once"
wait_until 20 grep -q "rotated its key" "$T/BRAVO/liaisond.log" || fail "BRAVO did not pin the new key"
wait_until 20 grep -q "pinned our new key" "$T/ALPHA/liaisond.log" || fail "ALPHA heard no acknowledgement"
grep -q "^previous_cert = " "$T/BRAVO/data/admin.conf" || fail "BRAVO's admin.conf lacks the previous key"
for c in "$T/ALPHA/data/certs/"ALPHA-*.pub; do cmp -s "$c" "$T/old.pub" || new=$c; done
grep -q "overlap over" "$T/ALPHA/liaisond.log" ||
	cmp -s "$T/ALPHA/data/certs/ALPHA.pub" "$T/old.pub" || fail "the API's certificate changed during the overlap"
"$KEYS" verify "$new" >/dev/null || fail "the new certificate does not verify"
assert_eq "$(ls "$T/ALPHA/data/certs/"ALPHA-*.pub | wc -l)" 2 "certificates in the history"
assert_eq "$(stat -c %a "$T/ALPHA/data/keys/"ALPHA.*.key | sort -u)" 600 "mode of the kept keys"
assert_eq "$(ls "$T/ALPHA/data/keys/"ALPHA.*.key | wc -l)" 2 "keys kept"
grep -q "^key = keys/ALPHA\..*\.key$" "$T/ALPHA/data/admin.conf" || fail "admin.conf does not name the new key"
"$LIAISOND" -c "$T/ALPHA/liaisond.conf" --check | grep -q "$("$KEYS" show "$new" | sed -n "s/^fingerprint: //p")" ||
	fail "--check does not show the new key"

note "an envelope signed before the rotation verifies with the old certificate"
cli BRAVO reader get "$first" --envelope >"$T/env" || fail "get --envelope"
"$KEYS" verify-envelope "$T/env" --cert "$T/old.pub" >/dev/null || fail "old envelope with the old certificate"
"$KEYS" verify-envelope "$T/env" --cert "$new" >/dev/null 2>&1 && fail "old envelope verified with the new certificate"
for c in "$T/ALPHA/data/certs/"ALPHA-*.pub; do
	"$KEYS" verify-envelope "$T/env" --cert "$c" >/dev/null 2>&1 && ok_with=$c
done
cmp -s "${ok_with:-/nonexistent}" "$T/old.pub" || fail "the history's old certificate does not verify the old envelope"

note "BRAVO restarts: the new key stays pinned"
node_stop BRAVO
node_start BRAVO
gen_batch sitrep BRAVO 50 routine after | cli ALPHA send --batch - >/dev/null || fail "send after restart"
wait_until 30 has BRAVO ALPHA 651 || fail "BRAVO did not get the 50 sent after its restart"
"$LIAISOND" -c "$T/BRAVO/liaisond.conf" --check | grep -q "peer ALPHA.*previous key" || fail "--check at BRAVO"

note "after the overlap only the new key is admitted"
old_key=$T/ALPHA/ALPHA.key   # the configured file: untouched, no longer used
until_ms=$(sed -n 's/^previous_until = //p' "$T/BRAVO/data/admin.conf")
while [ "$(date +%s%3N)" -le "$until_ms" ]; do sleep 0.5; done
# a peer speaking with the old key: refused at the handshake (rogue_peer waits for
# an answer that never comes; timeout ends it)
timeout 8 "$BUILD/tools/rogue_peer" --key "$old_key" --target "$T/BRAVO/BRAVO.pub" \
	--endpoint "tcp://127.0.0.1:$(cat "$T/BRAVO/port")" --mode valid --timeout 3000 >/dev/null 2>&1
[ $? -ne 0 ] || fail "BRAVO admitted ALPHA's old key after the overlap"
grep -q "refused unknown peer key" "$T/BRAVO/liaisond.log" || fail "BRAVO did not log the refused old key"
wait_until 20 grep -q "overlap over\|overlap ended" "$T/ALPHA/liaisond.log" || fail "ALPHA did not retire its old key"
cmp -s "$T/ALPHA/data/certs/ALPHA.pub" "$new" || fail "data/certs/ALPHA.pub is not the new certificate after the overlap"
wait_until 10 cli ALPHA reader status || fail "ALPHA's clients after the API took the new key"
gen_batch sitrep BRAVO 10 routine late | cli ALPHA send --batch - >/dev/null || fail "send after the overlap"
wait_until 30 has BRAVO ALPHA 661 || fail "traffic after the overlap"
node_stop ALPHA
node_start ALPHA
gen_batch sitrep BRAVO 10 routine last | cli ALPHA send --batch - >/dev/null || fail "send after ALPHA's restart"
wait_until 30 has BRAVO ALPHA 671 || fail "traffic after ALPHA's restart"
note "ALPHA reads what it sent under its former key: the content key is derived from that key, not carried"
out=$(cli ALPHA reader get "$first") || fail "ALPHA cannot read its own message sealed under its former key"
printf '%s' "$out" | grep -q "signed by the old key" || fail "ALPHA's own old message: $out"
cli ALPHA admin audit >/dev/null || fail "ALPHA audit"
cli BRAVO admin audit >/dev/null || fail "BRAVO audit"
echo "rotate_key: ok"

#!/bin/bash
# Clients added, removed and given a new certificate with `liaison admin`:
# a new client works at once; a removed one's next request is refused (77)
# and its subscription ends; a replaced certificate takes over in one command.
. "$(dirname "$0")/lib.sh"

fed_setup ALPHA BRAVO
node_start ALPHA
node_start BRAVO
(cd "$T/ALPHA" && "$KEYS" generate --client siren >/dev/null) ||
	fail "client keys"
mkdir -p "$T/ALPHA/new"
(cd "$T/ALPHA/new" && "$KEYS" generate --client siren >/dev/null) || fail "new siren key"
conf() { printf 'api = ipc://%s/ALPHA/api.sock\nnode_cert = %s/ALPHA/ALPHA.pub\nkey = %s\n' "$T" "$T" "$1" >"$2"; }
conf "$T/ALPHA/siren.key" "$T/ALPHA/siren.conf"
conf "$T/ALPHA/new/siren.key" "$T/ALPHA/siren-new.conf"

"$LIAISON" -c "$T/ALPHA/siren.conf" --timeout 3 status >/dev/null 2>&1
assert_eq $? 77 "an unknown client is refused"
cli ALPHA admin admin client add siren --cert "$T/ALPHA/siren.pub" --role bogus >/dev/null 2>&1
assert_eq $? 64 "an unknown role"
cli ALPHA admin admin client add siren --cert "$T/ALPHA/ALPHA.pub" --role reader >/dev/null 2>&1
assert_eq $? 1 "a node certificate for a client"
out=$(cli ALPHA admin admin client add siren --cert "$T/ALPHA/siren.pub" --role reader) || fail "client add"
note "$out"
"$LIAISON" -c "$T/ALPHA/siren.conf" status >/dev/null || fail "the new client cannot read status"
"$LIAISON" -c "$T/ALPHA/siren.conf" send sitrep --to BRAVO --title t --body b >/dev/null 2>&1
assert_eq $? 77 "a reader may not send"
"$LIAISOND" -c "$T/ALPHA/liaisond.conf" --check | grep -q "client siren" || fail "--check does not show siren"

note "a subscription of siren, then siren removed while connected"
"$LIAISON" -c "$T/ALPHA/siren.conf" subscribe --json >"$T/sub.out" 2>"$T/sub.err" &
SUB=$!
PIDS+=("$SUB")
sleep 1
cli BRAVO send sitrep --to ALPHA --title before --body b >/dev/null || fail "send"
wait_until 15 grep -q before "$T/sub.out" || fail "subscriber did not get the first message"
out=$(cli ALPHA admin admin client remove siren) || fail "client remove"
note "$out"
ended=0
for _ in $(seq 100); do kill -0 "$SUB" 2>/dev/null || { ended=1; break; }; sleep 0.1; done
[ $ended = 1 ] || fail "the removed client's subscription did not end"
wait "$SUB"
assert_eq $? 77 "subscription exit code after removal"
note "subscriber: $(cat "$T/sub.err")"
"$LIAISON" -c "$T/ALPHA/siren.conf" --timeout 3 status >/dev/null 2>&1
assert_eq $? 77 "a removed client's next request"
cli ALPHA reader status >/dev/null || fail "other clients keep working"
node_stop ALPHA
node_start ALPHA
"$LIAISON" -c "$T/ALPHA/siren.conf" --timeout 3 status >/dev/null 2>&1
assert_eq $? 77 "a removed client after a restart"

note "rotate a client's certificate in one command"
cli ALPHA admin admin client add siren --cert "$T/ALPHA/siren.pub" --role officer >/dev/null || fail "add again"
"$LIAISON" -c "$T/ALPHA/siren.conf" status >/dev/null || fail "siren back"
cli ALPHA admin admin client add siren --cert "$T/ALPHA/new/siren.pub" --role officer >/dev/null 2>&1
assert_eq $? 1 "add over an existing client without --replace"
out=$(cli ALPHA admin admin client add siren --cert "$T/ALPHA/new/siren.pub" --role officer --replace) || fail "replace"
note "$out"
"$LIAISON" -c "$T/ALPHA/siren-new.conf" send sitrep --to BRAVO --title rotated --body b >/dev/null || fail "new cert"
"$LIAISON" -c "$T/ALPHA/siren.conf" --timeout 3 status >/dev/null 2>&1
assert_eq $? 77 "the old certificate after --replace"
cli ALPHA admin admin member add X >/dev/null 2>&1
assert_eq $? 64 "member verbs"
cli ALPHA admin audit >/dev/null || fail "audit chain"
echo "admin_clients: ok"

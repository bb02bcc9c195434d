#!/bin/bash
# The store's schema version: a store made before versions (tests/data/
# store-v0, made by the liaisond of that time) is upgraded at start with
# its messages and audit chain intact; a store newer than this liaisond is
# refused with a clear error and left alone.
. "$(dirname "$0")/lib.sh"

F=$ROOT/tests/data/store-v0
mkdir -p "$T/ALPHA/data" "$T/ALPHA/peers"
chmod 700 "$T/ALPHA"
cp "$F/ALPHA.key" "$F/ALPHA.pub" "$F/reader.key" "$F/reader.pub" "$T/ALPHA/"
chmod 600 "$T/ALPHA/ALPHA.key" "$T/ALPHA/reader.key"
cp "$F/BRAVO.pub" "$T/ALPHA/peers/"
sqlite3 "$T/ALPHA/data/liaison.db" <"$F/liaison.sql" || fail "fixture store"
port=$(( $(pick_base) + 1 ))
cat >"$T/ALPHA/liaisond.conf" <<CONF
[node]
name     = ALPHA
key      = ALPHA.key
listen   = tcp://127.0.0.1:$port
api      = ipc://$T/ALPHA/api.sock
data_dir = data

[peer BRAVO]
cert     = peers/BRAVO.pub
endpoint = tcp://127.0.0.1:$((port + 1))

[client reader]
cert = reader.pub
role = reader
CONF
printf 'api = ipc://%s/ALPHA/api.sock\nnode_cert = ALPHA.pub\nkey = reader.key\n' "$T" >"$T/ALPHA/reader.conf"

assert_eq "$(sqlite3 "$T/ALPHA/data/liaison.db" 'PRAGMA user_version')" 0 "fixture version"
node_start ALPHA
assert_eq "$(count_query ALPHA)" 6 "messages after the upgrade"
cli ALPHA reader query --json | jq -r .body.title | grep -q "fixture 2" || fail "a fixture message does not open"
node_stop ALPHA
assert_eq "$(sqlite3 "$T/ALPHA/data/liaison.db" 'PRAGMA user_version')" 2 "version after the upgrade"
sqlite3 "$T/ALPHA/data/liaison.db" 'SELECT COUNT(dest) FROM recipients' >/dev/null || fail "recipients lacks dest after the upgrade"
"$LIAISOND" -c "$T/ALPHA/liaisond.conf" --verify-audit >/dev/null || fail "audit chain after the upgrade"

note "a store from a newer liaisond is refused"
sqlite3 "$T/ALPHA/data/liaison.db" 'PRAGMA user_version = 7'
before=$(sha256sum <"$T/ALPHA/data/liaison.db")
"$LIAISOND" -c "$T/ALPHA/liaisond.conf" 2>"$T/err"
assert_eq $? 1 "exit code on a newer store"
note "$(cat "$T/err")"
grep -q "store schema version 7 is newer than this liaisond understands (2)" "$T/err" || fail "error: $(cat "$T/err")"
[ "$(wc -l <"$T/err")" -eq 1 ] || fail "more than one error line"
assert_eq "$(sha256sum <"$T/ALPHA/data/liaison.db")" "$before" "the newer store was changed"
"$LIAISOND" -c "$T/ALPHA/liaisond.conf" --verify-audit 2>"$T/err2"
assert_eq $? 1 "--verify-audit on a newer store"
echo "schema_version: ok"

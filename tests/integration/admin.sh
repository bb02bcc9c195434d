#!/bin/bash
# Administrative requests: only the admin role may reload or verify the audit
# chain; a reload through the API applies new clients; a broken file is refused.
. "$(dirname "$0")/lib.sh"
fed_setup A B
node_start A
node_start B

cli A reader reload 2>"$T/err"; assert_eq $? 77 "reader reload exit"
grep -q "not permitted" "$T/err" || fail "reader reload message: $(cat "$T/err")"
cli A officer audit 2>/dev/null; assert_eq $? 77 "officer audit exit"

id=$(cli A send sitrep --to B --title t --body b) || fail send
wait_until 10 cli B reader get "$id" || fail "B never got it"
cli A admin audit --json >"$T/audit.json" || fail "admin audit"
jq -e '.records >= 2 and (.head | length) == 64' "$T/audit.json" >/dev/null ||
	fail "audit reply: $(cat "$T/audit.json")"

# a new client appears after a reload through the API
(cd "$T/A" && "$KEYS" generate --client watcher >/dev/null) || fail keygen
printf '\n[client watcher]\ncert = watcher.pub\nrole = reader\n' >>"$T/A/liaisond.conf"
printf 'api = %s\nnode_cert = A.pub\nkey = watcher.key\n' "$(sed -n 's/^api *= *//p' "$T/A/reader.conf")" >"$T/A/watcher.conf"
"$LIAISON" -c "$T/A/watcher.conf" --timeout 2 status >/dev/null 2>&1; assert_eq $? 77 "watcher before reload"
cli A admin reload >"$T/out" || fail "reload: $(cat "$T/out")"
grep -q "3 clients\|4 clients" "$T/out" || fail "reload message: $(cat "$T/out")"
"$LIAISON" -c "$T/A/watcher.conf" status >/dev/null || fail "watcher not admitted after reload"

# a broken file is refused with FILE:LINE and the node keeps serving
echo "bogus line" >>"$T/A/liaisond.conf"
cli A admin reload 2>"$T/err"; assert_eq $? 78 "broken reload exit"
grep -q "liaisond.conf:[0-9]*:" "$T/err" || fail "broken reload message: $(cat "$T/err")"
cli A reader status >/dev/null || fail "A stopped serving after a refused reload"
node_stop A
node_stop B
"$LIAISOND" -c "$T/B/liaisond.conf" --verify-audit >/dev/null || fail "audit of B"

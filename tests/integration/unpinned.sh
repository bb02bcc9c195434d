#!/bin/bash
# Trust is pinned: a node whose certificate B has not installed cannot
# deliver anything to B (B refuses its key once in the log and stores
# nothing), while a pinned peer still can; a client key B does not list gets
# "not permitted" (exit 77).
. "$(dirname "$0")/lib.sh"
fed_setup A B X
# B does not know X: drop the [peer X] section from B's configuration
awk '/^\[peer X\]$/ { skip = 1; next } /^\[/ { skip = 0 } !skip' "$T/B/liaisond.conf" >"$T/B/conf.new" &&
	mv "$T/B/conf.new" "$T/B/liaisond.conf"
grep -q 'peer X' "$T/B/liaisond.conf" && fail "X still configured at B"
for n in A B X; do node_start "$n"; done

id=$(cli X send sitrep --to B --title "from an unpinned node" --body "should never arrive") || fail "X send"
wait_until 10 grep -q "refused unknown peer key" "$T/B/liaisond.log" || fail "B did not log X's refused key"
# a pinned peer gets through meanwhile, and X keeps retrying its link all the while
ok=$(cli A send sitrep --to B --title "from a pinned node" --body "arrives") || fail "A send"
wait_until 10 cli B reader get "$ok" || fail "B never got A's message"
wait_until 10 bash -c "\"$LIAISON\" -c \"$T/A/officer.conf\" status $ok | grep -q delivered" || fail "A: not delivered"
cli X status "$id" --json | jq -e '.recipients[0].node == "B" and .recipients[0].state != "delivered"' >/dev/null ||
	fail "X's message shows delivered: $(cli X status "$id" --json)"
cli B reader get "$id" >/dev/null 2>&1 && fail "B holds X's message"
assert_eq "$(count_query B)" 1 "messages at B"
assert_eq "$(count_query B --from X)" 0 "messages from X at B"
assert_eq "$(grep -c "refused unknown peer key" "$T/B/liaisond.log")" 1 "refusal lines in B's log"

# a client key B does not list
(cd "$T/B" && "$KEYS" generate --client stranger >/dev/null) || fail "generate client"
{
	echo "api       = ipc://$T/B/api.sock"
	echo "node_cert = B.pub"
	echo "key       = stranger.key"
} >"$T/B/stranger.conf"
"$LIAISON" -c "$T/B/stranger.conf" --timeout 3 status >"$T/out" 2>"$T/err"
rc=$?
assert_eq "$rc" 77 "exit of an unlisted client"
grep -qi "not permitted" "$T/err" || fail "unlisted client was told: $(cat "$T/err")"
"$LIAISON" -c "$T/B/stranger.conf" --timeout 3 send sitrep --to A --title t --body b >/dev/null 2>&1
assert_eq "$?" 77 "exit of an unlisted client's send"
wait_until 5 grep -q "refused unknown client key" "$T/B/liaisond.log" || fail "B did not log the client key"
assert_eq "$(count_query B)" 1 "messages at B after the unlisted client"
for n in A B X; do node_stop "$n"; done

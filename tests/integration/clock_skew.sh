#!/bin/bash
# Clocks that disagree by minutes: a node allows clock_skew (15 minutes by
# default) between its clock and a sender's. The node's clock is shifted
# with libfaketime (FAKETIME, CLOCK_REALTIME only; timers stay real):
#   - an expired message is not served by query, get or subscribe at the
#     receiver, and status shows it expired;
#   - B 10 minutes ahead accepts a message sent with --expires 5m;
#   - B more than 20 minutes ahead rejects it as expired, its position
#     consumed (the next message passes);
#   - a message created a day in the future is refused with its own reason
#     and counter.
. "$(dirname "$0")/lib.sh"
FAKETIME_LIB=$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 2>/dev/null | head -1)
[ -n "$FAKETIME_LIB" ] || fail "libfaketime is not installed (make check-deps installs the faketime package)"
cat >"$T/skewed-liaisond" <<EOF
#!/bin/sh
# liaisond with its wall clock shifted by \$NODE_SKEW (e.g. +10m)
export LD_PRELOAD="$FAKETIME_LIB\${LD_PRELOAD:+:\$LD_PRELOAD}" FAKETIME="\$NODE_SKEW"
export FAKETIME_DONT_FAKE_MONOTONIC=1 FAKETIME_NO_CACHE=1
export ASAN_OPTIONS="verify_asan_link_order=0\${ASAN_OPTIONS:+:\$ASAN_OPTIONS}"
exec "$LIAISOND" "\$@"
EOF
chmod +x "$T/skewed-liaisond"
skewed_start() { # NAME OFFSET
	NODE_SKEW=$2 LIAISOND=$T/skewed-liaisond node_start "$1"
}

fed_setup A B
node_start A
node_start B
state_of() { cli A reader status "$1" --json | jq -r '.recipients[] | select(.node == "B") | .state'; }
is_state() { [ "$(state_of "$1")" = "$2" ]; }
rejected_for() { cli B reader status --json | jq -r ".rejected_by_reason.$1 // 0"; }

# an expired message is not served at the receiver (both clocks right)
id=$(cli A send warning --to B --expires 8s --title "short" --body "valid for 8 s") || fail "send short"
wait_until 8 cli B reader get "$id" || fail "B never served the message while it was valid"
"$LIAISON" -c "$T/B/reader.conf" subscribe --durable early --json --count 1 --since 1h >"$T/early.json" ||
	fail "subscribe before expiry"
grep -q "$id" "$T/early.json" || fail "a subscriber before expiry missed the message"
sleep 9 # nothing to poll for but the clock
out=$(cli B reader get "$id" 2>&1) && fail "get served an expired message: $out"
printf '%s' "$out" | grep -q "expired at" || fail "get of an expired message: $out"
cli B reader query --json >"$T/q.json" || fail "query"
grep -q "$id" "$T/q.json" && fail "query lists an expired message"
cli B reader get "$id" --envelope >"$T/env" || fail "the sealed envelope of an expired message is not kept"
"$KEYS" verify-envelope "$T/env" --cert "$T/A/A.pub" >/dev/null || fail "the expired message's envelope does not verify"
for node in A B; do
	cli "$node" reader status "$id" --json | jq -e '.expired == true' >/dev/null ||
		fail "status at $node does not show it expired: $(cli "$node" reader status "$id" --json)"
done
later=$(cli A send sitrep --to B --title later --body "not expiring") || fail "send later"
wait_until 10 cli B reader get "$later" || fail "B never got the later message"
"$LIAISON" -c "$T/B/reader.conf" subscribe --since 1h --json --count 1 >"$T/late.json" || fail "subscribe after expiry"
grep -q "$id" "$T/late.json" && fail "a subscriber was given an expired message"
grep -q "$later" "$T/late.json" || fail "the subscriber did not get the later message"

# B 10 minutes ahead accepts a message sent with --expires 5m (and serves
# one that its own clock still sees valid)
node_stop B
skewed_start B +10m
e5=$(cli A send sitrep --to B --expires 5m --title "five minutes" --body "still valid") || fail "send --expires 5m"
e30=$(cli A send sitrep --to B --expires 30m --title "thirty minutes" --body "valid") || fail "send --expires 30m"
wait_until 10 is_state "$e5" delivered || fail "B at +10m did not accept --expires 5m: $(state_of "$e5")"
wait_until 10 is_state "$e30" delivered || fail "B at +10m did not accept --expires 30m: $(state_of "$e30")"
cli B reader get "$e30" | grep -q "thirty minutes" || fail "B at +10m does not serve a valid message"
# the shifted clock is the node's: it stamped the message received 10 minutes ahead
ahead=$(( $(date -d "$(cli B reader get "$e30" --json | jq -r .received)" +%s) - $(date +%s) ))
[ "$ahead" -ge 540 ] && [ "$ahead" -le 660 ] || fail "B's clock is $ahead s ahead, not 600"
# by B's own clock the first is already past its expiry: kept, not served
out=$(cli B reader get "$e5" 2>&1) && fail "B at +10m serves a message its clock sees expired: $out"
printf '%s' "$out" | grep -q "expired at" || fail "B at +10m: $out"
assert_eq "$(rejected_for expired)" 0 "expired rejections at B +10m"

# B more than 20 minutes ahead rejects it as expired; the position is
# consumed and the next message passes
node_stop B
skewed_start B +21m
r5=$(cli A send sitrep --to B --expires 5m --title "five minutes" --body "expired at B") || fail "send to B +21m"
next=$(cli A send sitrep --to B --title next --body "after the expired one") || fail "send next"
wait_until 10 is_state "$r5" rejected || fail "B at +21m did not reject --expires 5m: $(state_of "$r5")"
wait_until 10 is_state "$next" delivered || fail "the next message is stuck: $(state_of "$next")"
assert_eq "$(rejected_for expired)" 1 "expired rejections at B +21m"
grep -q "peer A: message rejected: message has expired" "$T/B/liaisond.log" || fail "B did not log the expiry"

# created a day in the future: refused with its own reason and counter
node_stop B
node_start B
node_stop A
skewed_start A +1d
f=$(cli A send sitrep --to B --title "from tomorrow" --body "created a day ahead") || fail "send from A +1d"
wait_until 10 is_state "$f" rejected || fail "B accepted a message created a day ahead: $(state_of "$f")"
assert_eq "$(rejected_for future)" 1 "future rejections at B"
assert_eq "$(rejected_for expired)" 0 "expired rejections at B (after a restart)"
grep -q "peer A: message rejected: message was created in the future" "$T/B/liaisond.log" ||
	fail "B did not log the future message"
cli B reader get "$f" >/dev/null 2>&1 && fail "B stored the message from the future"
node_stop A
node_start A
ok=$(cli A send sitrep --to B --title "today" --body "right clock") || fail "send with the right clock"
wait_until 10 cli B reader get "$ok" || fail "the stream is stuck after the future message"
exit 0

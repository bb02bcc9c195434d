#!/bin/bash
# A pinned peer that misbehaves (garbage, oversized frames and envelopes, bad
# versions, forged signatures, a claimed sender, replays, envelopes not
# addressed to the node, a topic with control characters, stream holes): the node stays up, stores nothing
# from the bad input, counts and logs each rejection once, and still takes
# the next valid message from that peer and from a well-behaved one.
. "$(dirname "$0")/lib.sh"
ROGUE=$BUILD/tools/rogue_peer
[ -x "$ROGUE" ] || fail "$ROGUE is not built (make tests)"
fed_setup B C R
node_start B
node_start C

rogue() { # MODE [args]: the rogue peer R against B; output in $T/MODE.out
	local mode=$1
	shift
	"$ROGUE" --key "$T/R/R.key" --target "$T/B/B.pub" --endpoint "tcp://127.0.0.1:$(cat "$T/B/port")" \
		--mode "$mode" "$@" >"$T/$mode.out" 2>"$T/$mode.err" ||
		{ cat "$T/$mode.out" "$T/$mode.err" >&2; fail "rogue_peer --mode $mode exited $?"; }
}
rejected() { cli B reader status --json | jq -r .counters.rejected; }
log_len() { wc -l <"$T/B/liaisond.log"; }
# acks MODE: the ack frames the rogue got, one JSON object a line
acks() { jq -c 'select(.frame == "ack")' "$T/$1.out"; }

# bad MODE REJECTS LOGLINES REASON [args]: runs a bad mode and checks that B
# stored nothing, counted REJECTS rejections, logged LOGLINES lines about R
# (the last one matching REASON), and still takes a valid message.
bad() {
	local mode=$1 want_rej=$2 want_log=$3 reason=$4
	shift 4
	local n0 r0 l0
	n0=$(count_query B) r0=$(rejected) l0=$(log_len)
	rogue "$mode" "$@"
	kill -0 "$(node_pid B)" 2>/dev/null || fail "B died after $mode"
	assert_eq "$(count_query B)" "$n0" "messages at B after $mode"
	assert_eq "$(rejected)" "$((r0 + want_rej))" "counters.rejected after $mode"
	tail -n +"$((l0 + 1))" "$T/B/liaisond.log" | grep 'peer R' >"$T/$mode.log"
	assert_eq "$(wc -l <"$T/$mode.log")" "$want_log" "log lines about R after $mode ($(cat "$T/$mode.log"))"
	if [ "$want_log" -gt 0 ]; then
		tail -1 "$T/$mode.log" | grep -q "$reason" || fail "$mode: log says '$(cat "$T/$mode.log")', not '$reason'"
	fi
	if acks "$mode" | grep -q .; then
		acks "$mode" | jq -e '.receipt == []' >/dev/null || fail "$mode: B receipted $(acks "$mode")"
		[ "$want_rej" -eq 0 ] ||
			acks "$mode" | tail -1 | jq -e --arg r "$reason" '.rejected | length == 1 and (.[0].reason | test($r))' \
				>/dev/null || fail "$mode: ack does not reject with '$reason': $(acks "$mode")"
	fi
	valid_after "$mode"
}

valid_after() { # the next valid message from R is stored and readable
	local n0 id
	n0=$(count_query B)
	rogue valid
	id=$(jq -r 'select(.sent == "envelope") | .detail.id' "$T/valid.out")
	acks valid | jq -e --arg id "$id" '.receipt == [$id] and .receipt_valid and .rejected == []' >/dev/null ||
		fail "valid message after $1 not acknowledged: $(cat "$T/valid.out")"
	assert_eq "$(count_query B)" "$((n0 + 1))" "messages at B after a valid message following $1"
	cli B reader get "$id" --json | jq -e '.from == "R" and .topic == "rogue.valid"' >/dev/null ||
		fail "B cannot read the valid message after $1"
}

valid_after start
bad garbage 1 1 "malformed frame (512 bytes) dropped"
grep -q '"frame":"state"' "$T/garbage.out" || fail "no state after garbage"
# a frame above the socket's limit: libzmq drops the connection before the
# node sees it (nothing to count or log); the rogue reconnects and is answered
bad oversized 0 0 "" --max $((8 * 1024 * 1024))
bad big-envelope 1 1 "exceeds its size limit" --max $((1200 * 1024))
bad bad-version 2 2 "unknown format version"
head -1 "$T/bad-version.log" | grep -q "malformed frame" || fail "frame version 2 not logged: $(cat "$T/bad-version.log")"
bad forged 1 1 "signature does not verify"
bad wrong-sender 1 1 "key id does not match" --claim C
bad not-recipient 1 1 "not a recipient" --other "$T/C/C.pub"
# a topic with ESC sequences: rejected (its position consumed), logged escaped
bad bad-topic 1 1 "topic has '.x1b' at offset 5"
LC_ALL=C grep -q $'\e' "$T/B/liaisond.log" && fail "B's log holds a raw ESC"

# replay: the same envelope twice is acknowledged twice and stored once; the
# same id under a new stream seq is rejected as a replay
n0=$(count_query B) r0=$(rejected)
rogue replay
id=$(jq -r 'select(.sent == "envelope") | .detail.id' "$T/replay.out" | head -1)
[ "$(acks replay | wc -l)" -eq 3 ] || fail "replay: expected 3 acks: $(cat "$T/replay.out")"
acks replay | sed -n 1p | jq -e --arg id "$id" '.receipt == [$id]' >/dev/null || fail "replay: first batch not stored"
# (a duplicate may be receipted again: the receipt says "held", not "new")
acks replay | sed -n 2p | jq -e --arg id "$id" '(.receipt - [$id]) == [] and .rejected == []' >/dev/null ||
	fail "replay: second batch: $(acks replay | sed -n 2p)"
[ "$(acks replay | jq -r .marks.ROUTINE | sort -u | wc -l)" -eq 2 ] || fail "replay: marks $(acks replay)"
acks replay | sed -n 3p | jq -e '.receipt == [] and (.rejected[0].reason | test("already received"))' >/dev/null ||
	fail "replay: same id, new seq not refused: $(acks replay | sed -n 3p)"
assert_eq "$(count_query B)" "$((n0 + 1))" "messages at B after replay"
assert_eq "$(count_query B --topic rogue.replay)" 1 "copies of the replayed message"
assert_eq "$(rejected)" "$((r0 + 1))" "counters.rejected after replay"
valid_after replay

# hole: seq mark+5 is neither stored nor acknowledged until 1..4 arrive
n0=$(count_query B) r0=$(rejected)
rogue hole --save "$T/hole.env"
mark=$(jq -r 'select(.frame == "state") | .marks.ROUTINE' "$T/hole.out" | head -1)
acks hole | jq -e --argjson m "$mark" '.receipt == [] and .marks.ROUTINE == $m' >/dev/null ||
	fail "hole: acknowledged beyond the gap: $(acks hole)"
assert_eq "$(count_query B)" "$n0" "messages at B with a hole"
assert_eq "$(rejected)" "$r0" "counters.rejected after a hole"
rogue fill --load "$T/hole.env"
acks fill | jq -e --argjson m "$((mark + 5))" '(.receipt | length) == 5 and .marks.ROUTINE == $m' >/dev/null ||
	fail "fill: not stored in order: $(acks fill)"
assert_eq "$(count_query B)" "$((n0 + 5))" "messages at B after the gap is filled"
assert_eq "$(count_query B --topic rogue.hole)" 1 "the held-back message after the gap is filled"

# every rejection is counted under the library's name for its reason
cli B reader status --json >"$T/status.json"
jq -e '([.rejected_by_reason[]] | add) == .counters.rejected' "$T/status.json" >/dev/null ||
	fail "rejected_by_reason does not add up to counters.rejected: $(cat "$T/status.json")"
jq -e '.rejected_by_reason | .signature == 1 and .replay == 1 and .not_recipient == 1 and .wrong_key == 1
	and .too_large == 1 and .parse >= 2' "$T/status.json" >/dev/null ||
	fail "rejected_by_reason: $(jq -c .rejected_by_reason "$T/status.json")"

# a well-behaved peer is unaffected
id=$(cli C send sitrep --to B --title "after the storm" --body "all quiet") || fail "send from C"
wait_until 10 cli B reader get "$id" || fail "B never got C's message"
node_stop B
"$LIAISOND" -c "$T/B/liaisond.conf" --verify-audit >/dev/null || fail "audit of B"

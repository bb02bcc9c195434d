#!/bin/bash
# A partner's words never drive the reader's terminal: a title and body with
# ESC sequences (clear screen, set window title), BEL, DEL and a C1 control
# are shown escaped by `query` and `get`, and `--json` carries them escaped
# as JSON does, round-tripping the exact text. A topic outside the topic
# alphabet is refused at send; one received from a pinned peer is rejected
# with its own reason and counted, its stream position consumed, and logged
# escaped and rate-limited.
. "$(dirname "$0")/lib.sh"
ROGUE=$BUILD/tools/rogue_peer
[ -x "$ROGUE" ] || fail "$ROGUE is not built (make tests)"
fed_setup A B R
node_start A
node_start B

title=$'Report \e[2J\e]0;owned\a done'
body=$'line one \e[31mred\e[0m\nline two\twith a tab, DEL \x7f, C1 \xc2\x9b2J, caf\xc3\xa9'
id=$(cli A send sitrep --to B --topic region.north --title "$title" --body "$body") || fail "send"
wait_until 10 cli B reader get "$id" || fail "B never got the message"

# no_raw FILE WHAT: FILE holds no ESC, BEL, DEL or UTF-8 C1 control
no_raw() {
	if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]\|\xc2[\x80-\x9f]' "$1"; then
		fail "$2 has raw control bytes: $(od -c "$1" | head -20)"
	fi
}
for node in A B; do
	cli "$node" reader query >"$T/query.$node" || fail "query at $node"
	no_raw "$T/query.$node" "query at $node"
	grep -qF 'Report \x1b[2J\x1b]0;owned\x07 done' "$T/query.$node" || fail "query at $node: $(cat "$T/query.$node")"
	cli "$node" reader get "$id" >"$T/get.$node" || fail "get at $node"
	no_raw "$T/get.$node" "get at $node"
	grep -qF 'Report \x1b[2J\x1b]0;owned\x07 done' "$T/get.$node" || fail "get at $node: $(cat "$T/get.$node")"
	grep -qF 'line one \x1b[31mred\x1b[0m' "$T/get.$node" || fail "get at $node: body: $(cat "$T/get.$node")"
	grep -qF 'DEL \x7f, C1 \u009b2J' "$T/get.$node" || fail "get at $node: DEL and C1: $(cat "$T/get.$node")"
	grep -q "caf"$'\xc3\xa9' "$T/get.$node" || fail "get at $node: valid UTF-8 was escaped"
	# a body keeps its lines and tabs in a block; a table row never has them
	grep -q "^ *line two"$'\t'"with a tab" "$T/get.$node" || fail "get at $node lost the body's layout"
	[ "$(grep -c . "$T/query.$node")" -eq 2 ] || fail "query at $node is not one line a message"

	for cmd in "query --json" "get $id --json"; do
		# shellcheck disable=SC2086
		cli "$node" reader $cmd >"$T/json.$node" || fail "$cmd at $node"
		no_raw "$T/json.$node" "$cmd at $node"
		jq -e . "$T/json.$node" >/dev/null || fail "$cmd at $node is not JSON"
		[ "$(jq -r .body.title "$T/json.$node")" = "$title" ] || fail "$cmd at $node: the title does not round-trip"
		[ "$(jq -r .body.summary "$T/json.$node")" = "$body" ] || fail "$cmd at $node: the body does not round-trip"
	done
done

# a topic with a control character or outside the alphabet is refused at send
out=$(cli A send sitrep --to B --topic $'evil\e[2J' --title t --body b 2>&1)
rc=$?
[ $rc -eq 64 ] || fail "a topic with ESC: exit $rc ($out)"
printf '%s' "$out" | grep -qF "'\\x1b' at offset 4" || fail "the refusal does not name the character: $out"
printf '%s' "$out" | LC_ALL=C grep -q $'\e' && fail "the refusal echoes a raw ESC"
out=$(cli A send sitrep --to B --topic "two words" --title t --body b 2>&1) && fail "a topic with a blank was taken"
printf '%s' "$out" | grep -qF "' ' at offset 3" || fail "the refusal does not name the blank: $out"
printf '{"type": "sitrep", "to": ["B"], "topic": "a\\u0007b", "body": {"title": "x"}}\n' >"$T/batch"
out=$(cli A send --batch "$T/batch" 2>&1) && fail "--batch took a topic with BEL"
printf '%s' "$out" | grep -qF "'\\x07' at offset 1" || fail "--batch refusal: $out"

# a pinned peer's envelope with a bad topic: rejected, counted, logged
# escaped, its position consumed so the next message passes
rogue() { # MODE [args]
	local mode=$1
	shift
	"$ROGUE" --key "$T/R/R.key" --target "$T/B/B.pub" --endpoint "tcp://127.0.0.1:$(cat "$T/B/port")" \
		--mode "$mode" "$@" >"$T/$mode.out" 2>"$T/$mode.err" ||
		{ cat "$T/$mode.out" "$T/$mode.err" >&2; fail "rogue_peer --mode $mode exited $?"; }
}
counter() { cli B reader status --json | jq -r ".counters.$1 // .rejected_by_reason.$1 // 0"; }
n0=$(count_query B) r0=$(counter rejected) l0=$(wc -l <"$T/B/liaisond.log")
rogue bad-topic
jq -c 'select(.frame == "ack")' "$T/bad-topic.out" | tail -1 |
	jq -e '.receipt == [] and (.rejected[0].reason | test("topic has .\\\\x1b. at offset 5"))' >/dev/null ||
	fail "bad topic not rejected with its reason: $(cat "$T/bad-topic.out")"
assert_eq "$(counter bad_topic)" 1 "counters.bad_topic"
assert_eq "$(counter rejected)" $((r0 + 1)) "counters.rejected"
assert_eq "$(count_query B)" "$n0" "messages at B after a bad topic"
tail -n +$((l0 + 1)) "$T/B/liaisond.log" >"$T/bad-topic.log"
grep -qF 'peer R: message rejected: topic has '"'"'\x1b'"'"' at offset 5' "$T/bad-topic.log" ||
	fail "the rejection is not logged escaped: $(cat "$T/bad-topic.log")"
no_raw "$T/B/liaisond.log" "B's log"
rogue valid
jq -c 'select(.frame == "ack")' "$T/valid.out" | jq -e '(.receipt | length) == 1 and .rejected == []' >/dev/null ||
	fail "the message after a bad topic was not taken: $(cat "$T/valid.out")"
assert_eq "$(count_query B)" $((n0 + 1)) "messages at B after a valid message"

# a flood of them: every one counted, the log bounded (30 lines a minute,
# then one line saying the rest are left out)
l0=$(wc -l <"$T/B/liaisond.log")
rogue bad-topic --count 60
assert_eq "$(counter bad_topic)" 61 "counters.bad_topic after a flood"
tail -n +$((l0 + 1)) "$T/B/liaisond.log" | grep 'peer R' >"$T/flood.log"
lines=$(wc -l <"$T/flood.log")
[ "$lines" -le 31 ] || fail "$lines log lines about R for 60 rejections"
grep -q "more than 30 lines a minute" "$T/flood.log" || fail "no line says the rest are left out: $(tail -3 "$T/flood.log")"
no_raw "$T/B/liaisond.log" "B's log after a flood"
kill -0 "$(node_pid B)" || fail "B died"
exit 0

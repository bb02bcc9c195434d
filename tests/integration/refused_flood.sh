#!/bin/bash
# Strangers cannot write to the log or the audit chain at will: 300 CURVE
# handshakes with fresh keys against A's listen port (and 40 against its API
# socket) are each counted, but the log names at most 16 keys and the audit
# chain grows by at most 16 records; the rest are told as one summary line
# and one summary record (at stop, or when the minute and the hour are over).
# A still serves its peer meanwhile.
. "$(dirname "$0")/lib.sh"
fed_setup A B
port=$(( $(cat "$T/A/port") + 5 )) # pick_base checked ten ports free
sed -i "s|^data_dir = data|data_dir = data\nmetrics  = tcp://127.0.0.1:$port|" "$T/A/liaisond.conf"
scrape() {
	exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
	printf 'GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n' >&3
	cat <&3
	exec 3<&-
}
node_start A
node_start B
STRANGER=$BUILD/tools/stranger_hello
[ -x "$STRANGER" ] || fail "$STRANGER not built (make tests)"
audit_count() { sqlite3 "$T/A/data/liaison.db" "SELECT COUNT(*) FROM audit"; }
refusal_lines() { grep -c "refused" "$T/A/liaisond.log"; }
counter() { cli A reader status --json | jq ".counters.$1"; }
audit0=$(audit_count)
lines0=$(refusal_lines)

start=$SECONDS
out=$("$STRANGER" "tcp://127.0.0.1:$(cat "$T/A/port")" "$T/A/A.pub" 300) || fail "stranger_hello"
note "300 strangers at the listen port: $out in $((SECONDS - start)) s"
refused=$(echo "$out" | awk '{print $2}')
[ "$refused" -ge 290 ] || fail "only $refused of 300 handshakes were refused: $out"
out=$("$STRANGER" "ipc://$T/A/api.sock" "$T/A/A.pub" 40) || fail "stranger_hello at the api"
note "40 strangers at the API socket: $out"

# counted: every refused handshake, by reason
wait_until 5 sh -c "[ \"\$('$LIAISON' -c '$T/A/reader.conf' status --json | jq .counters.refused_unknown_client_key)\" -ge 40 ]" ||
	fail "client refusals counted: $(counter refused_unknown_client_key)"
peer_refusals=$(counter refused_unknown_peer_key)
[ "$peer_refusals" -ge "$refused" ] && [ "$peer_refusals" -le 300 ] ||
	fail "refused_unknown_peer_key is $peer_refusals after $refused refusals"
assert_eq "$(counter refused_keys)" "$((peer_refusals + $(counter refused_unknown_client_key)))" "refused_keys"
scrape >"$T/metrics" || fail "no answer on the metrics port"
grep -q "^liaison_refused_keys_total{reason=\"unknown_peer_key\"} $peer_refusals$" "$T/metrics" ||
	fail "metrics: $(grep refused_keys "$T/metrics")"

# bounded: the log and the audit chain
lines=$(($(refusal_lines) - lines0))
grew=$(($(audit_count) - audit0))
note "log lines about refusals: $lines; audit records added: $grew"
[ "$lines" -le 18 ] || fail "$lines log lines about refused keys"
[ "$grew" -le 18 ] || fail "the audit chain grew by $grew records"

# A still serves its peer, both ways
id=$(cli A send sitrep --to B --title during --body flood) || fail "send A to B"
wait_until 10 cli B reader get "$id" || fail "B never got A's message"
id=$(cli B send sitrep --to A --title back --body again) || fail "send B to A"
wait_until 10 cli A reader get "$id" || fail "A never got B's message"

# at stop the rest is told as one summary line and one summary record
node_stop A
grep -q "refused [0-9]* more handshakes" "$T/A/liaisond.log" || fail "no summary line in the log"
n=$(sqlite3 "$T/A/data/liaison.db" "SELECT detail FROM audit WHERE kind = 'refused-keys'")
note "summary record: $n"
total=$((peer_refusals + 40))
echo "$n" | grep -q "^count=$((total - 16)) .* total=$total$" || fail "summary record '$n': expected count=$((total - 16)) of $total"
"$LIAISOND" -c "$T/A/liaisond.conf" --verify-audit >/dev/null || fail "the audit chain does not verify"
node_stop B

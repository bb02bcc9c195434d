#!/bin/bash
# The metrics endpoint serves Prometheus text that follows the traffic.
. "$(dirname "$0")/lib.sh"
fed_setup A B
metrics_enable A
node_start A
node_start B

scrape /metrics >"$T/m1" || fail "no answer on the metrics port"
grep -q '^HTTP/1.0 200' "$T/m1" || fail "status line: $(head -1 "$T/m1")"
grep -q '^liaison_messages_total{event="sent"} 0' "$T/m1" || fail "sent counter missing"
for i in 1 2 3; do cli A send status --to B --title "s$i" --body ok >/dev/null || fail send; done
wait_until 10 bash -c "[ \$(\"$LIAISON\" -c \"$T/B/reader.conf\" query --json | wc -l) -eq 3 ]" || fail "B did not get 3"
wait_until 5 bash -c "$(declare -f scrape); METRICS_PORT=$METRICS_PORT; scrape /metrics | grep -q 'event=\"delivered\"} 3'" ||
	fail "delivered counter did not reach 3: $(scrape /metrics | grep delivered)"
scrape /metrics | grep -q '^liaison_peer_connected{peer="B"} 1' || fail "B not shown connected"
scrape /nope | head -1 | grep -q 404 || fail "unknown path should be 404"

# a client that connects and says nothing does not hold up another, and a
# request that arrives in pieces is answered once it is whole
exec 4<>"/dev/tcp/127.0.0.1/$METRICS_PORT" || fail "idle connection"
scrape /metrics | head -1 | grep -q 200 || fail "a silent connection held up another scrape"
exec 5<>"/dev/tcp/127.0.0.1/$METRICS_PORT" || fail "split connection"
printf 'GET /met' >&5
sleep 0.2
printf 'rics HTTP/1.0\r\nHost: x\r\n\r\n' >&5
timeout 5 cat <&5 | head -1 | grep -q 200 || fail "a request in two pieces was not answered"
exec 4<&- 5<&-
node_stop A
node_stop B

#!/bin/bash
# B runs under valgrind (memcheck) through a start, an exchange with its peer
# A both ways, a query, a get, a status and a durable subscription, and a
# clean SIGTERM stop: any memory error or a definite leak fails the test.
# Skipped when valgrind is not installed.
. "$(dirname "$0")/lib.sh"
if ! command -v valgrind >/dev/null; then
	echo "skipped: valgrind not installed"
	exit 0
fi
if ldd "$LIAISOND" 2>/dev/null | grep -q libasan; then
	echo "skipped: valgrind cannot run a SANITIZE=1 build (ASan is already watching it)"
	exit 0
fi
fed_setup A B
cat >"$T/liaisond-vg" <<EOF
#!/bin/sh
exec valgrind -q --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite \
	--error-exitcode=99 --log-file="$T/valgrind.log" "$LIAISOND" "\$@"
EOF
chmod +x "$T/liaisond-vg"
node_start A
# valgrind is slow to start: B gets a minute to answer, not node_start's 10 s
"$T/liaisond-vg" -c "$T/B/liaisond.conf" 2>>"$T/B/liaisond.log" &
PIDS+=($!)
echo $! >"$T/B/pid"
answers() { kill -0 "$(node_pid B)" && cli B reader --timeout 2 status; }
wait_until 60 answers || fail "B under valgrind did not answer within 60 s"
[ -e "$T/valgrind.log" ] || fail "B does not run under valgrind"

cli B reader subscribe --durable vg --json --count 3 >"$T/sub.out" 2>"$T/sub.err" &
sub=$!
PIDS+=("$sub")
wait_until 20 grep -q "durable subscription 'vg' created" "$T/B/liaisond.log" || fail "subscription never created"
gen_batch sitrep B 20 routine vg >"$T/batch.jsonl"
cli A send --batch "$T/batch.jsonl" >"$T/to_b.ids" || fail "A's batch to B"
to_a=$(cli B --timeout 10 send warning --to A --title "from B" --body "under valgrind") || fail "B's send"
has20() { [ "$(cli B reader --timeout 10 query --json --from A | wc -l)" -ge 20 ]; }
wait_until 60 has20 || fail "B did not receive A's 20 messages"
wait_until 30 cli A reader get "$to_a" || fail "A never got B's message"
cli B reader --timeout 10 get "$(head -1 "$T/to_b.ids")" --json >/dev/null || fail "get at B"
cli B reader --timeout 10 status --json >/dev/null || fail "status at B"
cli B reader --timeout 10 peers --json >/dev/null || fail "peers at B"
wait "$sub" || fail "the subscriber exited $?: $(cat "$T/sub.err")"
delivered() { cli B reader --timeout 10 status "$to_a" --json | jq -e '.recipients[0].state == "delivered"'; }
wait_until 30 delivered || fail "B never saw its message delivered"

pid=$(node_pid B)
kill -TERM "$pid"
wait "$pid"
rc=$?
if [ "$rc" -ne 0 ]; then
	cat "$T/valgrind.log" >&2
	fail "B under valgrind exited $rc (99: valgrind found errors or a definite leak)"
fi
[ -s "$T/valgrind.log" ] && { cat "$T/valgrind.log"; fail "valgrind reported something"; }
note "valgrind: no errors, no definite leak over start, exchange, reads and stop"
node_stop A

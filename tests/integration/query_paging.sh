#!/bin/bash
# A reader's query is answered in pages of a few MiB: 30 messages of 300 KB
# come back complete and in order through several pages (the client fetches
# them itself), --limit still keeps the newest N, and the node's peak memory
# grows by about a page, not by the whole answer; a subscriber's batches
# likewise. Also: an odd-length id prefix keeps its last digit.
. "$(dirname "$0")/lib.sh"
fed_setup A B
node_start A
node_start B

n=30
for i in $(seq $n); do
	head -c 225000 /dev/urandom | base64 -w0 >"$T/body"
	cli A send status --to B --title "big $i" - <"$T/body" >>"$T/ids" || fail "send $i"
done
wait_until 60 bash -c "[ \$(\"$LIAISON\" -c \"$T/B/reader.conf\" status --json | jq .stored) -ge $n ]" ||
	fail "B holds $(cli B reader status --json | jq .stored) of $n"

pid=$(node_pid B)
hwm() { awk '$1 == "VmHWM:" { print $2 }' "/proc/$pid/status"; }
requests() { cli B reader status --json | jq .counters.api_requests; }
before_kb=$(hwm)
r0=$(requests)
cli B reader query --json --limit 100 >"$T/all.json" || fail "query"
r1=$(requests)
after_kb=$(hwm)
pages=$((r1 - r0 - 1)) # less the status call that reads the counter
note "query of $n x 300 KB: $pages pages, node peak RSS ${before_kb} -> ${after_kb} kB"

assert_eq "$(wc -l <"$T/all.json")" $n "messages returned"
jq -r .id "$T/all.json" >"$T/got"
cmp -s "$T/got" "$T/ids" || fail "ids differ from what was sent, in order"
jq -r .body.title "$T/all.json" | awk -v n=$n '$0 != "big " NR { bad = 1 } END { exit bad || NR != n }' ||
	fail "titles out of order"
[ "$(jq -r '.body.body | length' "$T/all.json" | sort -u)" = 300000 ] || fail "a body came back cut"
[ "$pages" -ge 3 ] || fail "answered in $pages page(s), expected several"
# a page (2 MiB of envelopes) costs the node about 12 MB at its peak
# (envelopes, payloads, the packed reply, SQLite's cache); the whole 9 MB
# answer at once cost 38 MB
if ldd "$LIAISOND" | grep -q libasan; then
	note "sanitizer build: its quarantine holds freed memory, the RSS bound is not checked"
else
	[ $((after_kb - before_kb)) -lt 25000 ] || fail "node peak RSS grew by $((after_kb - before_kb)) kB"
fi

# a subscriber's batches are bounded the same way: all 30 arrive, in
# order, and the node's peak stays about where the query left it
timeout 60 "$LIAISON" -c "$T/B/reader.conf" subscribe --since 1h --count $n --json >"$T/sub.json" ||
	fail "subscribe"
jq -r .id "$T/sub.json" | cmp -s - "$T/ids" || fail "subscribe: ids differ from what was sent, in order"
sub_kb=$(hwm)
note "subscribe of $n x 300 KB: node peak RSS ${after_kb} -> ${sub_kb} kB"
if ! ldd "$LIAISOND" | grep -q libasan; then
	[ $((sub_kb - before_kb)) -lt 25000 ] || fail "node peak RSS grew by $((sub_kb - before_kb)) kB with a subscriber"
fi

# --limit N keeps the newest N across pages, still oldest first
cli B reader query --json --limit 17 | jq -r .id >"$T/got17"
tail -17 "$T/ids" | cmp -s - "$T/got17" || fail "--limit 17 is not the newest 17"
cli B reader query --limit 5 >"$T/text" || fail "text query"
assert_eq "$(grep -c 'big' "$T/text")" 5 "lines of a text query with --limit 5"

# an odd-length prefix: nine digits match on nine, not eight
id=$(head -1 "$T/ids")
cli B reader get "${id:0:9}" --json | jq -e --arg id "$id" '.id == $id' >/dev/null || fail "get by 9 digits"
d=${id:8:1}
other=$(printf '%x' $(((16#$d + 1) % 16)))
cli B reader get "${id:0:8}$other" >/dev/null 2>"$T/err" && fail "${id:0:8}$other matched $id"
grep -q "no message" "$T/err" || fail "odd prefix: $(cat "$T/err")"
cli A status "${id:0:9}" >/dev/null || fail "status by 9 digits"
node_stop A
node_stop B

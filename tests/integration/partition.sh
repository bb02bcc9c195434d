#!/bin/bash
# Partitions and slow links: three nodes, each in a network namespace of its
# own, joined by veth links to one bridge (in a fourth namespace). B's link
# loses 3% of the packets it receives (nftables), C's is rate-limited to
# 2 Mbit/s both ways (tbf), and A and C reach each other through a proxy that
# adds 80 ms each way. While every node's officer sends to both others, one
# node's link (sometimes two) is cut with `ip link set down` and healed, many
# times. After each heal the test reports how long the backlog took to drain;
# at the end every message is held exactly once by each recipient, in its
# sender's order per lane.
# Needs root, ip netns, tc and nft; skipped (and counted as passed) otherwise.
# Short form: 3 cuts of 2-5 s. SOAK=1: 40 cuts of 2-30 s (or CUTS=N).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root to make network namespaces"
for tool in ip tc nft sqlite3; do command -v $tool >/dev/null || skip "$tool not installed (scripts/install-deps.sh check)"; done
PROXY=$BUILD/tools/delay_proxy
[ -x "$PROXY" ] || fail "$PROXY missing: make tests"
if [ -n "${SOAK:-}" ]; then cuts=${CUTS:-40} longest=30; else cuts=${CUTS:-3} longest=5; fi

NAMES=(A B C)
netns_bridge lz A=10.231.0.1 B=10.231.0.2 C=10.231.0.3
# B: 3% of what reaches it is lost
ip netns exec "${NS[B]}" nft -f - <<'EOF' || fail "nft loss rule"
table inet liaison_loss {
	chain input { type filter hook input priority 0; policy accept; numgen random mod 100 < 3 drop; }
}
EOF
# C: 2 Mbit/s each way (its own side and the bridge's side of its link)
ip netns exec "${NS[C]}" tc qdisc add dev eth0 root tbf rate 2mbit burst 32kbit latency 500ms || fail "tbf"
ip netns exec "$BR" tc qdisc add dev vC root tbf rate 2mbit burst 32kbit latency 500ms || fail "tbf"

fed_setup A B C
declare -A PORT
for n in "${NAMES[@]}"; do PORT[$n]=$(cat "$T/$n/port"); done
# each node listens on its namespace's address and reaches the others
# there, except A and C, which talk through a delaying proxy in their own
# namespace (80 ms each way)
for n in "${NAMES[@]}"; do
	args=()
	for m in "${NAMES[@]}"; do
		to="${ADDR[$m]}:${PORT[$m]}"
		if [ "$n$m" = AC ] || [ "$n$m" = CA ]; then to="127.0.0.1:$((PORT[$m] + 100))"; fi
		args+=(-e "s|tcp://127.0.0.1:${PORT[$m]}\$|tcp://$to|")
	done
	sed -i "${args[@]}" "$T/$n/liaisond.conf"
	printf '#!/bin/sh\nexec ip netns exec %s "%s" "$@"\n' "${NS[$n]}" "$LIAISOND" >"$T/$n/liaisond-ns"
	chmod +x "$T/$n/liaisond-ns"
done
grep -q "listen   = tcp://10.231.0.1:" "$T/A/liaisond.conf" || fail "A's configuration was not rewritten"
proxy() { # NODE PEER: in NODE's namespace, 127.0.0.1:PEERPORT+100 to PEER with 80 ms
	ip netns exec "${NS[$1]}" "$PROXY" "127.0.0.1:$((PORT[$2] + 100))" "${ADDR[$2]}:${PORT[$2]}" 80 >"$T/proxy$1.out" &
	PIDS+=($!)
	wait_until 10 grep -q listening "$T/proxy$1.out" || fail "proxy in $1's namespace did not start"
}
proxy A C
proxy C A
for n in "${NAMES[@]}"; do LIAISOND=$T/$n/liaisond-ns node_start "$n"; done
linked() { cli "$1" reader status --json | jq -e '.peers_connected == 2'; }
for n in "${NAMES[@]}"; do wait_until 30 linked "$n" || fail "$n is not linked to both others: $(cli "$n" reader peers)"; done

SENDERS=()
# every officer sends batches to both others, alternating two lanes
for n in "${NAMES[@]}"; do
	others=$(printf '%s\n' "${NAMES[@]}" | grep -vx "$n" | paste -sd,)
	(
		b=0
		while [ ! -e "$T/stop" ]; do
			b=$((b + 1))
			prec=routine
			[ $((b % 2)) -eq 0 ] && prec=priority
			gen_batch sitrep "$others" 10 "$prec" "$n-$b" >"$T/$n/batch.jsonl"
			"$LIAISON" -c "$T/$n/officer.conf" --timeout 10 send --batch "$T/$n/batch.jsonl" >>"$T/$n/sent.ids" 2>>"$T/$n/send.err"
			sleep 0.2
		done
	) &
	PIDS+=($!)
	SENDERS+=($!)
done

db() { sqlite3 "file:$T/$1/data/liaison.db?mode=ro" "$2" 2>/dev/null; }
own() { db "$1" "SELECT count(*) FROM messages WHERE sender = '$1'"; }
from() { db "$1" "SELECT count(*) FROM messages WHERE sender = '$2'"; }
declare -A MARK
drained() { # every node holds from each other all that the other had stored at the mark
	local r s
	for r in "${NAMES[@]}"; do
		for s in "${NAMES[@]}"; do
			[ "$r" = "$s" ] && continue
			[ "$(from "$r" "$s")" -ge "${MARK[$s]}" ] || return 1
		done
	done
}
mark() { local s; for s in "${NAMES[@]}"; do MARK[$s]=$(own "$s"); done; }
ms() { date +%s%3N; }
drains=()
for k in $(seq "$cuts"); do
	victims=${NAMES[RANDOM % 3]}
	# one time in four, two links at once: all three are apart
	[ $((RANDOM % 4)) -eq 0 ] && victims="$victims $(printf '%s\n' "${NAMES[@]}" | grep -vx "$victims" | shuf -n1)"
	down=$((2 + RANDOM % (longest - 1)))
	for v in $victims; do ip -n "$BR" link set "v$v" down; done
	sleep "$down"
	for v in $victims; do ip -n "$BR" link set "v$v" up; done
	mark
	t0=$(ms)
	wait_until 120 drained || fail "cut $k ($victims, ${down}s): not drained within 120 s: $(for r in "${NAMES[@]}"; do echo -n "$r:"; for s in "${NAMES[@]}"; do echo -n " $s=$(from "$r" "$s")/${MARK[$s]}"; done; echo -n "; "; done)"
	d=$(($(ms) - t0))
	drains+=("$d")
	note "cut $k: $victims down ${down}s; backlog ($(own A)+$(own B)+$(own C) stored) drained in ${d} ms"
done
touch "$T/stop"
sleep 0.5
for n in "${NAMES[@]}"; do
	[ -s "$T/$n/sent.ids" ] || fail "$n's officer got nothing acknowledged: $(tail -2 "$T/$n/send.err")"
done
for p in "${SENDERS[@]}"; do wait "$p"; done
mark
t0=$(ms)
wait_until 120 drained || fail "the final backlog did not drain"
note "final drain after the traffic stopped: $(($(ms) - t0)) ms"
sorted=$(printf '%s\n' "${drains[@]}" | sort -n)
note "drain times (ms): min $(echo "$sorted" | head -1), median $(echo "$sorted" | sed -n "$(((${#drains[@]} + 1) / 2))p"), max $(echo "$sorted" | tail -1)"

# exactly once, in order per sender and lane, nothing missing
for s in "${NAMES[@]}"; do
	db "$s" "SELECT lower(hex(id)) FROM messages WHERE sender = '$s'" | sort >"$T/$s.own"
	sort -u "$T/$s/sent.ids" | comm -23 - "$T/$s.own" | grep -q . && fail "$s acknowledged ids it does not hold"
	for r in "${NAMES[@]}"; do
		[ "$r" = "$s" ] && continue
		db "$r" "SELECT lower(hex(id)) FROM messages WHERE sender = '$s'" | sort >"$T/$r.from.$s"
		cmp -s "$T/$s.own" "$T/$r.from.$s" || fail "$r's messages from $s differ from what $s stored: $(diff "$T/$s.own" "$T/$r.from.$s" | head -3)"
		assert_eq "$(db "$r" "SELECT count(*) - count(DISTINCT sequence) FROM messages WHERE sender = '$s'")" 0 "duplicates from $s at $r"
		for lane in $(db "$r" "SELECT DISTINCT precedence FROM messages WHERE sender = '$s'"); do
			db "$r" "SELECT sequence FROM messages WHERE sender = '$s' AND precedence = $lane ORDER BY pos" | sort -n -c ||
				fail "$r holds $s's lane $lane out of order"
		done
	done
done
note "$(cat "$T"/*.own | wc -l) messages, each held once by both its recipients, in order per sender and lane"
for n in "${NAMES[@]}"; do node_stop "$n"; done
for n in "${NAMES[@]}"; do assert_eq "$(sqlite3 "$T/$n/data/liaison.db" "PRAGMA integrity_check")" ok "integrity_check of $n"; done

#!/bin/bash
# A FLASH message on a 64 kbit/s link: A and B, each in a network namespace
# of its own, joined by one veth pair. First, on the unlimited link, the
# bytes a message costs on the wire (both directions, framing and
# acknowledgements included) for one and for three recipients. Then the
# link is limited to 64 kbit/s each way (tbf), A queues about 2 MiB of
# ROUTINE sitreps for B, and one FLASH warning sent behind them must reach B
# within FLASH_LIMIT seconds: batches sized by the link's measured rate keep
# about a second of routine bytes ahead of it (with batches of 128 it would
# wait minutes).
# Needs root, ip netns and tc; skipped (and counted as passed) otherwise.
. "$(dirname "$0")/lib.sh"
skip() { echo "SKIPPED (counted as passed): $*"; exit 0; }
[ "$(id -u)" -eq 0 ] || skip "needs root to make network namespaces"
for tool in ip tc ss; do command -v $tool >/dev/null || skip "$tool not installed (scripts/install-deps.sh check)"; done
FLASH_LIMIT=${FLASH_LIMIT:-5}
ROUTINE=${ROUTINE:-800} # sitreps of about 2.6 KiB each: about 2 MiB

# namespaces named after this shell's pid, so parallel runs do not meet
P=ls$$
declare -A NS=([A]=${P}a [B]=${P}b) ADDR=([A]=10.232.0.1 [B]=10.232.0.2)
# `ip netns add` mounts /run/netns onto itself; leave no such mount behind
# when this run made it and no namespace is left in it
netns_mounted=0
mountpoint -q /run/netns 2>/dev/null && netns_mounted=1
teardown() {
	local p n
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	for n in "${NS[@]}"; do ip netns del "$n" 2>/dev/null; done
	if [ $netns_mounted -eq 0 ] && mountpoint -q /run/netns 2>/dev/null && [ -z "$(ls -A /run/netns)" ]; then
		umount /run/netns 2>/dev/null || umount -l /run/netns 2>/dev/null
	fi
	cleanup
}
trap teardown EXIT
trap 'exit 143' TERM INT
# namespaces an earlier run left behind when it was killed outright
for n in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^ls[0-9]+[ab]$'); do
	p=${n#ls}
	kill -0 "${p%?}" 2>/dev/null || ip netns del "$n"
done
# a chroot or a container may let `ip netns add` half work: probe with the veth pair
{ ip netns add "${NS[A]}" && ip netns add "${NS[B]}" &&
	ip -n "${NS[A]}" link add eth0 type veth peer name eth0 netns "${NS[B]}"; } ||
	skip "cannot make network namespaces joined by a veth pair here"
for n in A B; do
	ip -n "${NS[$n]}" addr add "${ADDR[$n]}/24" dev eth0
	ip -n "${NS[$n]}" link set eth0 up
	ip -n "${NS[$n]}" link set lo up
done

# C and D are A's peers too, never started: messages for three recipients
# wait for them in A's outbox, and only B's copy crosses the veth pair
fed_setup A B C D
declare -A PORT
for n in A B; do PORT[$n]=$(cat "$T/$n/port"); done
for n in A B; do
	args=()
	for m in A B; do args+=(-e "s|tcp://127.0.0.1:${PORT[$m]}\$|tcp://${ADDR[$m]}:${PORT[$m]}|"); done
	sed -i "${args[@]}" "$T/$n/liaisond.conf"
	printf '#!/bin/sh\nexec ip netns exec %s "%s" "$@"\n' "${NS[$n]}" "$LIAISOND" >"$T/$n/liaisond-ns"
	chmod +x "$T/$n/liaisond-ns"
done
grep -q "listen   = tcp://10.232.0.1:" "$T/A/liaisond.conf" || fail "A's configuration was not rewritten"
for n in A B; do LIAISOND=$T/$n/liaisond-ns node_start "$n"; done
linked() { cli A reader status --json | jq -e ".peers_connected == 1"; }
wait_until 30 linked || fail "A is not linked to B: $(cli A reader peers)"

# bytes: what eth0 sent in each namespace
stat_bytes() { ip netns exec "${NS[$1]}" cat /sys/class/net/eth0/statistics/tx_bytes; }
b_holds() { [ "$(count_query B --from A)" -ge "$1" ]; }
# wire COUNT TO ALONE: sends COUNT short status messages to TO, as one
# batch or (ALONE=1) one at a time, each waiting for B's receipt; sets WA
# and WB to the bytes per message A->B and B->A (link heartbeats included)
held=0
delivered() { cli A reader status "$1" --json | jq -e '[.recipients[] | select(.node == "B")][0].state == "delivered"'; }
wire() {
	local count=$1 to=$2 alone=$3 a0 b0 i id
	sleep 0.5
	a0=$(stat_bytes A) b0=$(stat_bytes B)
	if [ "$alone" = 1 ]; then
		for i in $(seq "$count"); do
			id=$(cli A send status --to "$to" --title "wire $i" --body "n $i") || fail "send a status message"
			wait_until 20 delivered "$id" || fail "A has no receipt from B for $id"
		done
	else
		gen_batch status "$to" "$count" routine wire >"$T/wire.jsonl"
		cli A send --batch "$T/wire.jsonl" >"$T/wire.ids" || fail "send the wire batch"
		wait_until 20 delivered "$(tail -1 "$T/wire.ids")" || fail "A has no receipt from B for the wire batch"
	fi
	held=$((held + count))
	wait_until 20 b_holds "$held" || fail "B holds $(count_query B --from A) of $held"
	WA=$((($(stat_bytes A) - a0) / count)) WB=$((($(stat_bytes B) - b0) / count))
}
wire 10 B 1 && note "wire bytes, 1 recipient, one message at a time: A->B $WA, B->A $WB"
wire 100 B 0 && note "wire bytes, 1 recipient, per message in a batch of 100: A->B $WA, B->A $WB"
wire 10 B,C,D 1 && note "wire bytes, 3 recipients, one message at a time: A->B $WA, B->A $WB"
wire 100 B,C,D 0 && note "wire bytes, 3 recipients, per message in a batch of 100: A->B $WA, B->A $WB"

# 64 kbit/s each way (A's side and B's side of the pair), from a new
# connection: the link learns its rate afresh
for n in A B; do node_stop "$n"; done
for n in A B; do
	ip netns exec "${NS[$n]}" tc qdisc add dev eth0 root tbf rate 64kbit burst 3200 latency 400ms || fail "tbf at $n"
done
LIAISOND=$T/A/liaisond-ns node_start A --log-level debug
LIAISOND=$T/B/liaisond-ns node_start B
wait_until 30 linked || fail "A is not linked to B again: $(cli A reader peers)"
# about 2 MiB of ROUTINE sitreps with 2 KiB summaries
awk -v n="$ROUTINE" 'BEGIN {
	pad = sprintf("%2000s", ""); gsub(/ /, "x", pad)
	for (i = 1; i <= n; i++)
		printf "{\"type\": \"sitrep\", \"to\": [\"B\"], \"precedence\": \"routine\", \"body\": {\"title\": \"routine %d\", \"summary\": \"%s\"}}\n", i, pad
}' >"$T/routine.jsonl"
cli A send --batch "$T/routine.jsonl" >"$T/routine.ids" || fail "send the routine batch"
assert_eq "$(wc -l <"$T/routine.ids")" "$ROUTINE" "routine ids"
# the link measures its rate on the first batches
sleep 5
note "B holds $(($(count_query B --from A) - held)) routine sitreps 5 s later"
sendq() { ip netns exec "${NS[A]}" ss -tnH state established "dst ${ADDR[B]}" | awk '{ s += $2 } END { print s + 0 }'; }
note "behind A's socket to B before the FLASH: $(sendq) bytes unsent or unacknowledged"
t0=$(date +%s%3N)
flash=$(cli A send warning --to B --precedence flash --title "flash warning" --body "take cover") || fail "send the FLASH warning"
wait_until 30 cli B reader get "$flash" || fail "B did not get the FLASH warning within 30 s"
ms=$(($(date +%s%3N) - t0))
routine_ahead=$(($(count_query B --from A) - held - 1))
note "FLASH at B after $ms ms, behind $routine_ahead of $ROUTINE routine sitreps at 64 kbit/s"
[ "$ms" -le $((FLASH_LIMIT * 1000)) ] || fail "the FLASH warning took $ms ms (limit ${FLASH_LIMIT}s)"
note "behind A's socket to B after the FLASH: $(sendq) bytes"
ip netns exec "${NS[A]}" tc -s qdisc show dev eth0 | sed "s/^/# /"

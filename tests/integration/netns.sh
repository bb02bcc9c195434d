# Network namespaces for tests that need real links (partition, relay_link):
# one namespace per node, joined by veth links to a bridge in a namespace of
# its own, named after the test shell's pid so that parallel runs do not
# meet, and removed (with every process the test started) when it exits.
# Source after lib.sh, then: netns_bridge PREFIX NAME=ADDR...
#   NS[NAME]   the node's namespace; its side of the link is eth0
#   BR         the bridge's namespace; the bridge side of NAME's link is vNAME
# netns_liaisond NAME...: each node's configuration rewritten to listen and
# reach the others at their namespace addresses, and $T/NAME/liaisond-ns,
# which runs liaisond in the node's namespace (LIAISOND=... node_start).
# Needs root and ip; the test is skipped (counted as passed) otherwise.
skip() { echo "SKIPPED (counted as passed): $*"; exit 0; }
declare -A NS=() ADDR=()
BR=
# `ip netns add` mounts /run/netns onto itself; leave no such mount behind
# when this run made it and no namespace is left in it (a chroot cannot be
# removed while it is there)
netns_mounted=0
mountpoint -q /run/netns 2>/dev/null && netns_mounted=1
netns_teardown() {
	local p n
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	for n in "${NS[@]}" $BR; do ip netns del "$n" 2>/dev/null; done
	if [ $netns_mounted -eq 0 ] && mountpoint -q /run/netns 2>/dev/null && [ -z "$(ls -A /run/netns)" ]; then
		umount /run/netns 2>/dev/null || umount -l /run/netns 2>/dev/null
	fi
	cleanup
}

netns_bridge() {
	local prefix=$1 arg name i=0
	shift
	[ "$(id -u)" -eq 0 ] || skip "needs root to make network namespaces"
	command -v ip >/dev/null || skip "ip not installed (scripts/install-deps.sh check)"
	trap netns_teardown EXIT
	trap 'exit 143' TERM INT
	# namespaces an earlier run left behind when it was killed outright
	for n in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^$prefix[0-9]+[a-z]$"); do
		p=${n#"$prefix"}
		kill -0 "${p%?}" 2>/dev/null || ip netns del "$n"
	done
	BR=$prefix$$x
	# a chroot or a container may let `ip netns add` half work: probe with the bridge
	{ ip netns add "$BR" && ip -n "$BR" link add br0 type bridge; } ||
		skip "cannot make network namespaces with a bridge here"
	ip -n "$BR" link set br0 up
	for arg in "$@"; do
		name=${arg%%=*}
		i=$((i + 1))
		NS[$name]=$prefix$$$(printf "\\x$(printf %x $((96 + i)))")
		ADDR[$name]=${arg#*=}
		ip netns add "${NS[$name]}" || fail "netns ${NS[$name]}"
		ip link add "v$name" netns "$BR" type veth peer name eth0 netns "${NS[$name]}" || fail "veth for $name"
		ip -n "$BR" link set "v$name" master br0 up
		ip -n "${NS[$name]}" addr add "${ADDR[$name]}/24" dev eth0
		ip -n "${NS[$name]}" link set eth0 up
		ip -n "${NS[$name]}" link set lo up
	done
}

netns_liaisond() {
	local n m args
	declare -gA PORT
	for n in "$@"; do PORT[$n]=$(cat "$T/$n/port"); done
	for n in "$@"; do
		args=()
		for m in "$@"; do args+=(-e "s|tcp://127.0.0.1:${PORT[$m]}\$|tcp://${ADDR[$m]}:${PORT[$m]}|"); done
		sed -i "${args[@]}" "$T/$n/liaisond.conf"
		printf '#!/bin/sh\nexec ip netns exec %s "%s" "$@"\n' "${NS[$n]}" "$LIAISOND" >"$T/$n/liaisond-ns"
		chmod +x "$T/$n/liaisond-ns"
	done
}

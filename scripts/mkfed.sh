#!/bin/sh
# Creates a local federation on 127.0.0.1: one folder per node with its key,
# configuration and data directory, an officer and a reader client each, and
# every node pinned to every other. Clients: officer, reader and admin.
# usage: scripts/mkfed.sh DIR BASEPORT NAME...   (node i listens on BASEPORT+i)
# With LINKS="A-HQ HQ-C" only those pairs are peers (a federation with
# relays: see MEMBERS); with MEMBERS="A:C@HQ C:A@HQ,HQ2" node A has
# [member C] via HQ, and C has [member A] via HQ, then HQ2.
set -eu
[ $# -ge 3 ] || { echo "usage: $0 DIR BASEPORT NAME..." >&2; exit 64; }
dir=$1 base=$2
shift 2
keys=${BUILD:-build}/liaison-keys
case $keys in /*) ;; *) keys=$(pwd)/$keys ;; esac
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

i=0
for name in "$@"; do
	i=$((i + 1))
	mkdir -p "$dir/$name/data"
	chmod 700 "$dir/$name"
	(cd "$dir/$name" && "$keys" generate "$name" >/dev/null &&
		"$keys" generate --client officer >/dev/null &&
		"$keys" generate --client reader >/dev/null &&
		"$keys" generate --client admin >/dev/null)
	echo "$((base + i))" >"$dir/$name/port"
done

for name in "$@"; do
	conf=$dir/$name/liaisond.conf
	{
		echo "[node]"
		echo "name     = $name"
		echo "key      = $name.key"
		echo "listen   = tcp://127.0.0.1:$(cat "$dir/$name/port")"
		echo "api      = ipc://$dir/$name/api.sock"
		echo "data_dir = data"
		for peer in "$@"; do
			[ "$peer" = "$name" ] && continue
			if [ -n "${LINKS:-}" ]; then
				case " $LINKS " in *" $name-$peer "* | *" $peer-$name "*) ;; *) continue ;; esac
			fi
			echo
			echo "[peer $peer]"
			echo "cert     = ../$peer/$peer.pub"
			echo "endpoint = tcp://127.0.0.1:$(cat "$dir/$peer/port")"
		done
		for m in ${MEMBERS:-}; do
			[ "${m%%:*}" = "$name" ] || continue
			who=${m#*:}
			echo
			echo "[member ${who%%@*}]"
			echo "cert = ../${who%%@*}/${who%%@*}.pub"
			echo "via  = $(echo "${who#*@}" | sed 's/,/, /g')"
		done
		echo
		echo "[client officer]"
		echo "cert = officer.pub"
		echo "role = officer"
		echo
		echo "[client reader]"
		echo "cert = reader.pub"
		echo "role = reader"
		echo
		echo "[client admin]"
		echo "cert = admin.pub"
		echo "role = admin"
	} >"$conf"
	for who in officer reader admin; do
		{
			echo "api       = ipc://$dir/$name/api.sock"
			echo "node_cert = $name.pub"
			echo "key       = $who.key"
		} >"$dir/$name/$who.conf"
	done
done

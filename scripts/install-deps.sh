#!/bin/sh
# Installs the Debian packages liaison needs when they are missing.
# usage: scripts/install-deps.sh build|check|soak|run|bench
# Runs apt-get as root, or through sudo; does nothing when all are present.
set -eu

build="gcc make pkg-config protobuf-c-compiler libprotobuf-c-dev libsodium-dev libzmq3-dev libsqlite3-dev libsystemd-dev libinih-dev libjansson-dev libxml2-dev"
case "${1:-build}" in
build|run) pkgs="$build" ;;
# check: the robustness runs also use sqlite3 (integrity_check), fiu-utils
# (storage faults), iproute2 and nftables (namespaces, rate limits, loss);
# the CAP tests use xmllint (libxml2-utils); faketime shifts a node's clock
# in the clock skew test; xxd and b2sum (coreutils) recompute audit hashes by hand
check|soak) pkgs="$build libcmocka-dev sqlite3 jq mandoc fiu-utils iproute2 nftables libxml2-utils faketime xxd" ;;
bench) pkgs="$build sqlite3 mosquitto libmosquitto-dev nats-server" ;;
*) echo "usage: $0 build|check|soak|run|bench" >&2; exit 64 ;;
esac

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "liaison: installing Debian packages:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1; then
	sudo="sudo"
else
	echo "liaison: missing packages:$missing; run as root: apt-get install$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null

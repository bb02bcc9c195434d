#!/bin/bash
# Started with umask 022, a node still keeps its data private: data_dir
# 0700, the store's files and the lock 0600, the ipc api socket 0660 (and
# clients connect). Core dumps are off in the process itself.
. "$(dirname "$0")/lib.sh"
umask 022
fed_setup A B
chmod 755 "$T/A/data"
node_start A
node_start B
cli A send status --to B --title t --body b >/dev/null || fail "send"
pid=$(node_pid A)

mode() { stat -c %a "$1"; }
assert_eq "$(mode "$T/A/data")" 700 "mode of data_dir"
for f in liaison.db liaison.db-wal liaison.db-shm liaisond.lock; do
	[ -e "$T/A/data/$f" ] || fail "no $f"
	assert_eq "$(mode "$T/A/data/$f")" 600 "mode of $f"
done
[ -S "$T/A/api.sock" ] || fail "no api socket"
assert_eq "$(mode "$T/A/api.sock")" 660 "mode of the api socket"
cli A reader status >/dev/null || fail "a client cannot connect through the 0660 socket"

# core dumps: the limit inside the process, whatever the shell's
grep -Eq '^Max core file size +0 +0 ' "/proc/$pid/limits" ||
	fail "core dumps not off: $(grep 'core' "/proc/$pid/limits")"
if [ "$(id -u)" -ne 0 ]; then
	# not dumpable: the kernel makes /proc/PID root's, so its environ is closed to us
	cat "/proc/$pid/environ" >/dev/null 2>&1 && fail "/proc/$pid/environ is readable: the node is dumpable"
fi

# a restart keeps the modes (an existing store is tightened, not only a new one)
node_stop A
chmod 644 "$T/A/data/liaison.db"
chmod 755 "$T/A/data"
node_start A
assert_eq "$(mode "$T/A/data")" 700 "mode of data_dir after a restart"
assert_eq "$(mode "$T/A/data/liaison.db")" 600 "mode of liaison.db after a restart"
node_stop A
node_stop B

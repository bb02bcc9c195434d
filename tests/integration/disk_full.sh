#!/bin/bash
# A full disk: B's store lives on a small tmpfs. Sends to B that the disk
# cannot take are not acknowledged; B stays up, logs the failure, and every
# message it did acknowledge is there and intact. Needs root (mount); skipped
# otherwise.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" -ne 0 ] || ! command -v mount >/dev/null; then
	echo "skipped: needs root to mount a small tmpfs"
	exit 0
fi
fed_setup A B
mkdir -p "$T/small"
mount -t tmpfs -o size=3m tmpfs "$T/small" 2>/dev/null || { echo "skipped: cannot mount tmpfs here"; exit 0; }
unmount_and_clean() {
	local p
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	umount "$T/small" 2>/dev/null
	cleanup
}
trap unmount_and_clean EXIT
rm -rf "$T/B/data" && mkdir "$T/small/data" && ln -s "$T/small/data" "$T/B/data"
node_start A
node_start B

# B's own officer fills B's disk with 8 KiB reports until the node refuses
body=$(head -c 6000 /dev/zero | tr '\0' 'x')
acked=0 refused=0
for i in $(seq 600); do
	if out=$(cli B send sitrep --to A --title "fill $i" --body "$body" 2>&1); then
		acked=$((acked + 1)); echo "$out" >>"$T/acked"
	else
		refused=$((refused + 1)); echo "$out" >"$T/refusal"; break
	fi
done
note "acknowledged $acked, then refused: $(cat "$T/refusal" 2>/dev/null)"
[ "$refused" -eq 1 ] || fail "the disk never filled ($acked acknowledged)"
grep -q "could not store\|cannot store\|full" "$T/refusal" || fail "refusal does not say why: $(cat "$T/refusal")"
kill -0 "$(node_pid B)" || fail "B died on a full disk"
grep -q "full\|disk" "$T/B/liaisond.log" || fail "B's log does not name the full disk"

# everything acknowledged is stored and readable at B, and reaches A
for id in $(tail -3 "$T/acked"); do
	cli B reader get "$id" >/dev/null || fail "acknowledged $id is not readable at B"
done
wait_until 20 bash -c "[ \$(\"$LIAISON\" -c \"$T/A/reader.conf\" query --json --limit 10000 | wc -l) -ge $acked ]" ||
	fail "A did not receive all $acked acknowledged messages"
# B still answers reads
cli B reader status >/dev/null || fail "B stopped answering"
node_stop A
node_kill B

#!/bin/bash
# A -> HQ -> SECTOR -> C: two relays in a row, both ways. Every message
# arrives once and in order per lane, C's receipts come back to A through
# both relays, and neither relay can read or show what it carried.
. "$(dirname "$0")/lib.sh"
LINKS="A-HQ HQ-SECTOR SECTOR-C" \
	MEMBERS="A:C@HQ HQ:C@SECTOR SECTOR:A@HQ C:A@SECTOR" fed_setup A HQ SECTOR C
for n in A HQ SECTOR C; do node_start "$n"; done

gen_batch status C 40 routine r >"$T/routine.jsonl"
gen_batch status C 5 flash f >"$T/flash.jsonl"
cli A send --batch "$T/routine.jsonl" >/dev/null || fail "routine batch"
cli A send --batch "$T/flash.jsonl" >/dev/null || fail "flash batch"
wait_until 30 bash -c "[ \$(\"$LIAISON\" -c \"$T/C/reader.conf\" query --json --limit 1000 | wc -l) -eq 45 ]" ||
	fail "C holds $(count_query C) of 45"
# in order per lane, once each
cli C reader query --json --limit 1000 | jq -r 'select(.precedence == "ROUTINE") | .body.title' >"$T/r.txt"
seq 1 40 | sed 's/^/r /' | diff - "$T/r.txt" >/dev/null || fail "ROUTINE out of order or not once: $(tr '\n' ' ' <"$T/r.txt")"
cli C reader query --json --limit 1000 | jq -r 'select(.precedence == "FLASH") | .body.title' >"$T/f.txt"
seq 1 5 | sed 's/^/f /' | diff - "$T/f.txt" >/dev/null || fail "FLASH out of order: $(tr '\n' ' ' <"$T/f.txt")"
# every one delivered, by C's own receipt, seen at A
wait_until 30 bash -c "[ \$(for i in \$(\"$LIAISON\" -c \"$T/A/reader.conf\" query --json --limit 1000 | jq -r .id); do \"$LIAISON\" -c \"$T/A/reader.conf\" status \$i --json | jq -r '.recipients[0].state'; done | grep -c delivered) -eq 45 ]" ||
	fail "A does not see all 45 delivered"
for r in HQ SECTOR; do
	[ "$(count_query "$r")" -eq 0 ] || fail "$r shows relayed messages"
	wait_until 10 bash -c "[ \$(\"$LIAISON\" -c \"$T/$r/reader.conf\" status --json | jq .counters.relaying) -eq 0 ]" ||
		fail "$r still holds items"
done
# and the other way
id=$(cli C send sitrep --to A --title "from C" --body "through two relays") || fail "send from C"
wait_until 15 cli A reader get "$id" || fail "A never got $id"
wait_until 15 bash -c "\"$LIAISON\" -c \"$T/C/officer.conf\" status $id --json | jq -e '.recipients[0].state == \"delivered\"'" ||
	fail "C never saw A's receipt"
for n in A HQ SECTOR C; do node_stop "$n"; done

#!/bin/bash
# Two members behind the same two relays whose names overlap (C and CC): a
# message to both reaches both. A relay groups the names it carries a
# message toward by next hop, and a name that is part of another ("C" in
# "CC") is still a name of its own.
. "$(dirname "$0")/lib.sh"
LINKS="A-HQ HQ-SECTOR SECTOR-C SECTOR-CC" \
	MEMBERS="A:C@HQ A:CC@HQ HQ:C@SECTOR HQ:CC@SECTOR SECTOR:A@HQ C:A@SECTOR CC:A@SECTOR" \
	fed_setup A HQ SECTOR C CC
for n in A HQ SECTOR C CC; do node_start "$n"; done

for to in CC,C C,CC; do
	id=$(cli A send status --to "$to" --title "to $to" --body x) || fail "send to $to"
	for n in C CC; do
		wait_until 15 cli "$n" reader get "$id" || fail "$n never got the message to $to"
	done
	wait_until 15 bash -c "\"$LIAISON\" -c \"$T/A/officer.conf\" status $id --json | jq -e '[.recipients[] | select(.state == \"delivered\")] | length == 2'" ||
		fail "A does not see the message to $to delivered to both: $(cli A status "$id" --json)"
done
for n in A HQ SECTOR C CC; do node_stop "$n"; done

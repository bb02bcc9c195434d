#!/bin/bash
# A reaches C only through HQ: C is a member at A (and A at C), via HQ. A
# message from A reaches C sealed through HQ, which cannot read it (its
# query and get show nothing, its files hold no plaintext); A sees it
# relayed, then delivered by C's own signed receipt; C's reply goes back
# the same way; `peers` shows the path.
. "$(dirname "$0")/lib.sh"
LINKS="A-HQ HQ-C" MEMBERS="A:C@HQ C:A@HQ" fed_setup A HQ C
for n in A HQ C; do node_start "$n"; done

secret="Bridge-Km12-closed-$RANDOM$RANDOM"
id=$(cli A send status --to C --title "$secret" --body "all quiet") || fail "send to member C"
wait_until 15 cli C reader get "$id" || fail "C never got $id"
cli C reader get "$id" --json | jq -e --arg s "$secret" '.from == "A" and .body.title == $s' >/dev/null ||
	fail "C's copy: $(cli C reader get "$id" --json)"
wait_until 15 bash -c "\"$LIAISON\" -c \"$T/A/officer.conf\" status $id --json | jq -e '.recipients[] | select(.node == \"C\") | .state == \"delivered\"'" ||
	fail "A does not see C's receipt: $(cli A status "$id" --json)"
# the relay holds nothing of it for its readers, and no plaintext anywhere
expect 1 cli HQ reader get "$id"
[ "$(count_query HQ)" -eq 0 ] || fail "HQ's query shows relayed messages"
if grep -rqa -- "$secret" "$T/HQ/data"; then fail "HQ's files hold the plaintext"; fi
cli HQ reader status --json | jq -e ".counters.relayed >= 1" >/dev/null ||
	fail "HQ does not count what it relayed"

# and back: C answers A through HQ
id2=$(cli C send sitrep --to A --title "ack from C" --body ok) || fail "send from C"
wait_until 15 cli A reader get "$id2" || fail "A never got C's $id2"
cli A peers --json | jq -e '.peers[] | select(.name == "C") | .kind == "member" and .path == "HQ"' >/dev/null ||
	fail "peers at A: $(cli A peers --json)"
# with C down, A's message waits at HQ: relayed, not delivered; then C takes it
node_stop C
id3=$(cli A send status --to C --title "while C was away" --body x) || fail "send while C is down"
wait_until 15 bash -c "\"$LIAISON\" -c \"$T/A/officer.conf\" status $id3 --json | jq -e '.recipients[0].state == \"relayed\"'" ||
	fail "A does not show relayed: $(cli A status "$id3" --json)"
cli HQ reader status --json | jq -e '.counters.relaying >= 1' >/dev/null || fail "HQ holds nothing while C is down"
node_start C
wait_until 15 cli C reader get "$id3" || fail "C never got $id3 after its restart"
wait_until 15 bash -c "\"$LIAISON\" -c \"$T/A/officer.conf\" status $id3 --json | jq -e '.recipients[0].state == \"delivered\"'" ||
	fail "A never saw $id3 delivered"
wait_until 10 bash -c "[ \$(\"$LIAISON\" -c \"$T/HQ/reader.conf\" status --json | jq .counters.relaying) -eq 0 ]" ||
	fail "HQ keeps what was delivered: $(cli HQ reader status --json)"
# HQ's own release limit for C holds for what it carries: A's SECRET message
# to C is refused there, and A shows C rejected with HQ's words
node_stop HQ
sed -i '/^\[peer C\]/a max_classification = RESTRICTED' "$T/HQ/liaisond.conf"
node_start HQ
id4=$(cli A send status --to C --classification SECRET --title "too high for HQ to carry" --body x) || fail "send SECRET"
wait_until 15 bash -c "\"$LIAISON\" -c \"$T/A/officer.conf\" status $id4 --json | jq -e '.recipients[0].state == \"rejected\"'" ||
	fail "A does not show the refusal: $(cli A status "$id4" --json)"
cli A status "$id4" --json | jq -e '.recipients[0].reason | test("HQ: relay: release refused: SECRET exceeds C")' >/dev/null ||
	fail "reason: $(cli A status "$id4" --json)"
expect 1 cli C reader get "$id4"
# HQ restarted after everything it carried was delivered and deleted: its
# link positions toward C go on from where they were (never reused)
id5=$(cli A send status --to C --title "after HQ's restart" --body x) || fail "send after HQ's restart"
wait_until 15 cli C reader get "$id5" || fail "C never got $id5 after HQ's restart"
for n in A HQ C; do node_stop "$n"; done
for n in A HQ C; do "$LIAISOND" -c "$T/$n/liaisond.conf" --verify-audit >/dev/null || fail "audit of $n"; done

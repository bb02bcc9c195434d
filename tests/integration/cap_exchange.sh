#!/bin/bash
# CAP 1.2 across the federation: an alert imported at A leaves B as the same
# document (signed ones byte for byte), a native warning exports as valid
# CAP, `subscribe --cap` prints whole documents, Update and Cancel chains
# show in cap_state (a reference that arrives before its target is kept and
# resolved), and hostile XML is refused with nothing sent.
. "$(dirname "$0")/lib.sh"
command -v xmllint >/dev/null || fail "xmllint missing (libxml2-utils)"
DATA=$ROOT/tests/data/cap
XSD=$ROOT/data/cap/CAP-v1.2.xsd
fed_setup A B
for n in A B; do node_start "$n"; done

valid() { xmllint --nonet --noout --schema "$XSD" "$1" 2>"$T/xmllint.err" || fail "$1 does not validate: $(cat "$T/xmllint.err")"; }

# Imported at A, exported at B: the same document.
ids=()
for f in oasis-example2.xml eccc-snowfall-warning-update-references-polygons-signed-2013-01-24.xml \
	ipaws-nv-cancel-references-signed-2019-04-19.xml metno-gale-warning-polygon-2021-09-21.xml; do
	id=$(cli A send warning --to B --expires 2h --cap "$DATA/$f") || fail "send --cap $f"
	ids+=("$id")
	wait_until 10 cli B reader get "$id" || fail "B never got $f"
	cli B reader get "$id" --cap >"$T/$f" || fail "get --cap $f"
	cmp -s "$T/$f" "$DATA/$f" || { diff "$DATA/$f" "$T/$f" | head; fail "$f changed on its way"; }
	valid "$T/$f"
done
note "4 alerts imported at A export byte for byte at B"
# precedence from urgency and severity: Immediate/Severe is FLASH, Future/Moderate PRIORITY
assert_eq "$(cli B reader get "${ids[0]}" --json | jq -r .precedence)" FLASH "oasis-example2 precedence"
assert_eq "$(cli B reader get "${ids[1]}" --json | jq -r .precedence)" PRIORITY "eccc precedence"
cli B reader get "${ids[1]}" --json | jq -e '.body.cap_info | length == 2' >/dev/null || fail "both languages"

# A warning written in liaison exports as CAP generated from its fields.
nid=$(cli A send warning --to B --title "River rising" --body "Evacuate sector 4 & 5") || fail "native send"
wait_until 10 cli B reader get "$nid" || fail "B never got the native warning"
cli B reader get "$nid" --cap >"$T/native.xml" || fail "native get --cap"
valid "$T/native.xml"
grep -q "<identifier>$nid</identifier>" "$T/native.xml" || fail "native identifier"
grep -q "<sender>A</sender>" "$T/native.xml" || fail "native sender"
grep -q "<headline>River rising</headline>" "$T/native.xml" || fail "native headline"
grep -q "<description>Evacuate sector 4 &amp; 5</description>" "$T/native.xml" || fail "native description"
grep -q "<restriction>released through liaison to B</restriction>" "$T/native.xml" || fail "restriction"
cli B reader get "$nid" --json | jq -e '.cap_state == "actual"' >/dev/null || fail "native cap_state"

# A siren's feed: whole documents, each from its own declaration.
timeout 20 "$LIAISON" -c "$T/B/reader.conf" subscribe --type warning --cap --since 1h --count 5 \
	>"$T/feed.xml" || fail "subscribe --cap"
assert_eq "$(grep -c '^<?xml' "$T/feed.xml")" 5 "documents in the feed"
head -c 5 "$T/feed.xml" | grep -q '^<?xml' || fail "the feed does not start with a declaration"
awk '/^<\?xml/ { n++ } { print > sprintf("'"$T"'/doc%d.xml", n) }' "$T/feed.xml"
for k in 1 2 3 4 5; do valid "$T/doc$k.xml"; done
cmp -s "$T/doc1.xml" "$DATA/oasis-example2.xml" || fail "the feed's first document differs"

# Chains. cap DOC ID TYPE REFS: a minimal alert from ew@example.org.
cap() {
	local refs=""
	[ -n "$4" ] && refs="<references>$4</references>"
	cat >"$T/$1.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>$2</identifier>
  <sender>ew@example.org</sender>
  <sent>2026-11-27T19:55:00+00:00</sent>
  <status>Exercise</status>
  <msgType>$3</msgType>
  <scope>Public</scope>
  $refs
  <info>
    <category>Geo</category>
    <event>Flood</event>
    <urgency>Expected</urgency>
    <severity>Severe</severity>
    <certainty>Likely</certainty>
    <headline>$3 $2</headline>
    <area><areaDesc>Valley</areaDesc><circle>45.5,7.25 10</circle></area>
  </info>
</alert>
XML
}
state() { # NODE IDENTIFIER: the cap_state of the warning with that CAP identifier
	cli "$1" reader query --type warning --json --limit 1000 |
		jq -r --arg i "$2" 'select(.body.cap_identifier == $i) | .cap_state'
}
cap w1 EW-1 Alert ""
cap u1 EW-2 Update "ew@example.org,EW-1,2026-11-27T19:55:00+00:00"
cap c1 EW-3 Cancel "ew@example.org,EW-1,2026-11-27T19:55:00+00:00 ew@example.org,EW-2,2026-11-27T19:55:00+00:00"
w1=$(cli A send warning --to B --cap "$T/w1.xml") || fail "send w1"
wait_until 10 cli B reader get "$w1" || fail "B never got w1"
assert_eq "$(state B EW-1)" actual "EW-1 before its update"
u1=$(cli A send warning --to B --cap "$T/u1.xml") || fail "send u1"
wait_until 10 cli B reader get "$u1" || fail "B never got u1"
assert_eq "$(state B EW-1)" updated "EW-1 after its update"
assert_eq "$(state B EW-2)" actual "EW-2"
c1=$(cli A send warning --to B --cap "$T/c1.xml") || fail "send c1"
wait_until 10 cli B reader get "$c1" || fail "B never got c1"
for n in A B; do
	assert_eq "$(state $n EW-1)" cancelled "EW-1 at $n after the cancel"
	assert_eq "$(state $n EW-2)" cancelled "EW-2 at $n after the cancel"
	assert_eq "$(state $n EW-3)" actual "EW-3 at $n"
done
cli B reader get "$w1" --json | jq -e '.cap_state == "cancelled"' >/dev/null || fail "get --json cap_state"
note "Alert, Update, Cancel: actual, updated, cancelled"

# The update comes first: its reference waits for the alert, which arrives updated.
cap u2 EW-5 Update "ew@example.org,EW-4,2026-11-27T19:55:00+00:00"
cap w2 EW-4 Alert ""
u2=$(cli A send warning --to B --cap "$T/u2.xml") || fail "send u2"
wait_until 10 cli B reader get "$u2" || fail "B never got u2"
[ -z "$(state B EW-4)" ] || fail "EW-4 is not there yet"
w2=$(cli A send warning --to B --cap "$T/w2.xml") || fail "send w2"
wait_until 10 cli B reader get "$w2" || fail "B never got w2"
assert_eq "$(state B EW-4)" updated "EW-4, whose update came first"
note "a reference to an unseen warning is kept and resolved"

# Hostile and invalid documents: one clear line, exit 64, nothing sent.
before=$(count_query A)
cat >"$T/lol.xml" <<'XML'
<?xml version="1.0"?>
<!DOCTYPE alert [
 <!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&e;</identifier></alert>
XML
cat >"$T/xxe.xml" <<'XML'
<?xml version="1.0"?>
<!DOCTYPE alert [ <!ENTITY x SYSTEM "file:///etc/passwd"> ]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&x;</identifier></alert>
XML
sed 's/<urgency>Expected</<urgency>Soon</' "$T/w1.xml" >"$T/badenum.xml"
for f in lol xxe badenum; do
	cli A send warning --to B --cap "$T/$f.xml" 2>"$T/$f.err" && fail "$f.xml was sent"
	rc=$?
	assert_eq "$rc" 64 "exit code for $f.xml"
	assert_eq "$(wc -l <"$T/$f.err")" 1 "error lines for $f.xml"
	note "$f.xml: $(cat "$T/$f.err")"
done
grep -q "line 2: a DOCTYPE is not allowed" "$T/lol.err" || fail "billion laughs error"
grep -q "a DOCTYPE is not allowed" "$T/xxe.err" || fail "external entity error"
grep -q "root:" "$T/xxe.err" && fail "/etc/passwd leaked"
grep -q "Element 'urgency'.*'Soon'" "$T/badenum.err" || fail "enumeration error"
assert_eq "$(count_query A)" "$before" "messages at A after the refusals"
for n in A B; do node_stop "$n"; done

#!/bin/bash
# A sends a SITREP to B and C; both read it with every field intact; A sees both delivered.
. "$(dirname "$0")/lib.sh"
fed_setup A B C
for n in A B C; do node_start "$n"; done

cat >"$T/sitrep.json" <<'JSON'
{"reporting_unit": "1st Engineer Bn", "location": "Km 12, Route BLUE", "period": {"from": "2026-11-27T00:00:00Z", "to": "2026-11-27T06:00:00Z"},
 "title": "Bridge at Km 12 closed", "summary": "Flooding since 04:00.", "situation": "River 2 m above normal.",
 "own_activity": "Route recce.", "logistics": "Fuel 60%.", "personnel": "No casualties.", "assessment": "Closed 48 h.", "requests": "Bridging unit."}
JSON
id=$(cli A send sitrep --to B,C --topic route.blue --classification RESTRICTED --tlp AMBER --file "$T/sitrep.json") || fail "send"
[ ${#id} -eq 32 ] || fail "send printed '$id'"
for n in B C; do
	wait_until 10 cli "$n" reader get "$id" || fail "$n never got $id"
	cli "$n" reader get "$id" --json >"$T/$n.json" || fail "get at $n"
	jq -e --arg id "$id" --slurpfile want "$T/sitrep.json" '
		.id == $id and .from == "A" and (.to | sort) == ["B", "C"] and .type == "sitrep"
		and .topic == "route.blue" and .classification == "RESTRICTED" and .tlp == "AMBER"
		and .precedence == "ROUTINE" and .body == $want[0]' "$T/$n.json" >/dev/null ||
		fail "fields at $n differ: $(cat "$T/$n.json")"
done
wait_until 10 bash -c "[ \$(\"$LIAISON\" -c \"$T/A/officer.conf\" status $id | grep -c delivered) -eq 2 ]" ||
	{ cli A status "$id"; fail "A does not show both delivered"; }
cli A status "$id" --json | jq -e '([.recipients[].node] | sort) == ["B", "C"]
	and all(.recipients[]; .state == "delivered")' >/dev/null || fail "status json"
for n in A B C; do node_stop "$n"; done
for n in A B C; do "$LIAISOND" -c "$T/$n/liaisond.conf" --verify-audit >/dev/null || fail "audit of $n"; done

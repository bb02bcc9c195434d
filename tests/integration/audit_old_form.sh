#!/bin/bash
# Audit chains written before the compact store record still verify: a copy
# of a node's data whose store records are rewritten into the older form
# (pos=N id=HEX from=NAME envelope=HEX64) and whose chain is recomputed by
# the documented formula passes `liaisond --verify-audit`, and so does a
# chain that mixes both forms; an altered envelope under an old-form record
# is still caught. New records are written in the compact form.
. "$(dirname "$0")/lib.sh"
for tool in b2sum xxd; do command -v "$tool" >/dev/null || fail "$tool is needed"; done
fed_setup A B
for n in A B; do node_start "$n"; done
ids=()
for i in 1 2 3 4; do
	ids+=("$(cli A send sitrep --to B --title "report $i" --body "text $i")") || fail "send $i"
done
for id in "${ids[@]}"; do wait_until 10 cli B reader get "$id" || fail "B never got $id"; done
for n in A B; do node_stop "$n"; done

db0="$T/B/data/liaison.db"
n=$(sqlite3 "$db0" "SELECT COUNT(*) FROM audit WHERE kind = 'store'")
[ "$n" -eq 4 ] || fail "B has $n store records, not 4"
compact=$(sqlite3 "$db0" "SELECT COUNT(*) FROM audit WHERE kind = 'store'
	AND detail GLOB 'pos=[0-9]* from=* envelope=*' AND detail NOT LIKE '% id=%' AND length(detail) - instr(detail, 'envelope=') - 8 = 43")
[ "$compact" -eq 4 ] || fail "new store records are not in the compact form: $(sqlite3 "$db0" "SELECT detail FROM audit WHERE kind = 'store'")"

copy() {
	rm -rf "$T/B/$1"
	cp -a "$T/B/data" "$T/B/$1"
	sed "s|^data_dir *=.*|data_dir = $1|" "$T/B/liaisond.conf" >"$T/B/$1.conf"
	echo "$T/B/$1/liaison.db"
}
be64() { printf '%016x' "$1" | xxd -r -p; }
# old_form DB POS: rewrites the store record of the message at POS into the older form
old_form() {
	local db=$1 pos=$2 id from h
	id=$(sqlite3 "$db" "SELECT lower(hex(id)) FROM messages WHERE pos = $pos")
	from=$(sqlite3 "$db" "SELECT sender FROM messages WHERE pos = $pos")
	h=$(sqlite3 "$db" "SELECT hex(envelope) FROM messages WHERE pos = $pos" | xxd -r -p | b2sum -l 256 | cut -d' ' -f1)
	[ ${#h} -eq 64 ] || fail "envelope hash of $pos"
	sqlite3 "$db" "UPDATE audit SET detail = 'pos=$pos id=$id from=$from envelope=$h'
		WHERE kind = 'store' AND detail LIKE 'pos=$pos %'" || fail "rewrite record of $pos"
}
# rechain DB: recomputes every record's hash, BLAKE2b-256("liaison-audit-v1\0"
# || hash(n-1) || u64be(n) || u64be(at) || kind || 0x00 || detail)
rechain() {
	local db=$1 prev seq at kind detail h
	prev=$(printf '%064d' 0)
	while IFS='|' read -r seq at kind detail; do
		h=$( { printf 'liaison-audit-v1\0'; echo "$prev" | xxd -r -p; be64 "$seq"; be64 "$at"
			printf '%s\0%s' "$kind" "$detail"; } | b2sum -l 256 | cut -d' ' -f1)
		sqlite3 "$db" "UPDATE audit SET hash = X'$h' WHERE seq = $seq" || fail "rehash $seq"
		prev=$h
	done < <(sqlite3 "$db" "SELECT seq, at, kind, detail FROM audit ORDER BY seq")
}
verify_ok() {
	"$LIAISOND" -c "$T/B/$1.conf" --verify-audit >"$T/out" 2>"$T/err" || fail "$1: $(cat "$T/out" "$T/err")"
	grep -q "audit chain holds" "$T/out" || fail "$1 said: $(cat "$T/out")"
}

# the recomputation itself reproduces the node's chain
db=$(copy same)
before=$(sqlite3 "$db" "SELECT hex(hash) FROM audit ORDER BY seq")
rechain "$db"
[ "$(sqlite3 "$db" "SELECT hex(hash) FROM audit ORDER BY seq")" = "$before" ] || fail "recomputed chain differs"
verify_ok same

# every store record in the older form
db=$(copy old)
for pos in $(sqlite3 "$db" "SELECT pos FROM messages"); do old_form "$db" "$pos"; done
rechain "$db"
[ "$(sqlite3 "$db" "SELECT COUNT(*) FROM audit WHERE detail LIKE '% id=% envelope=%'")" -eq 4 ] || fail "rewrite"
verify_ok old

# both forms in one chain
db=$(copy mixed)
for pos in $(sqlite3 "$db" "SELECT pos FROM messages ORDER BY pos LIMIT 2"); do old_form "$db" "$pos"; done
rechain "$db"
verify_ok mixed

# an altered envelope under an old-form record is named
db=$(copy oldbad)
for pos in $(sqlite3 "$db" "SELECT pos FROM messages"); do old_form "$db" "$pos"; done
rechain "$db"
pos=$(sqlite3 "$db" "SELECT pos FROM messages ORDER BY pos LIMIT 1 OFFSET 1")
hex=$(sqlite3 "$db" "SELECT hex(envelope) FROM messages WHERE pos = $pos")
at=$((${#hex} / 2))
sqlite3 "$db" "UPDATE messages SET envelope = X'${hex:0:at}$(printf '%02X' $((0x${hex:at:2} ^ 0x01)))${hex:at+2}' WHERE pos = $pos" ||
	fail "update envelope"
"$LIAISOND" -c "$T/B/oldbad.conf" --verify-audit >"$T/out" 2>"$T/err" && fail "an altered envelope verified"
grep -q "stored message $pos was altered" "$T/err" || fail "message $pos not named: $(cat "$T/err")"

# a node started on an old-form chain serves its messages (the read path
# checks envelopes of unpinned senders against these records) and goes on
# with compact records
rm -rf "$T/B/data" && cp -a "$T/B/old" "$T/B/data"
node_start B
cli B reader get "${ids[0]}" >/dev/null || fail "B cannot read ${ids[0]} over an old-form chain"
node_stop B
verify_ok old
"$LIAISOND" -c "$T/B/liaisond.conf" --verify-audit >/dev/null || fail "B's data with an old-form chain"

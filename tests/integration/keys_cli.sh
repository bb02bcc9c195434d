#!/bin/bash
# liaison-keys from the command line: generate, show, verify, verify-envelope
# and each of its clear refusals.
. "$(dirname "$0")/lib.sh"

cd "$T"
mkdir keys

# generate a node key and a client key
expect 0 "$KEYS" generate ALPHA -o keys
[ -f keys/ALPHA.key ] && [ -f keys/ALPHA.pub ] || fail "ALPHA files missing"
[ "$(stat -c %a keys/ALPHA.key)" = 600 ] || fail "ALPHA.key mode $(stat -c %a keys/ALPHA.key)"
fp=$(sed -n 's/^fingerprint: //p' "$T/out")
[[ "$fp" =~ ^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$ ]] || fail "fingerprint '$fp'"
expect 0 "$KEYS" generate --client officer1 -o keys/
[ -f keys/officer1.key ] && [ -f keys/officer1.pub ] || fail "officer1 files missing"

# show: .pub and .key agree
expect 0 "$KEYS" show keys/ALPHA.pub
output_has out "name: ALPHA"; output_has out "kind: node"; output_has out "fingerprint: $fp"; output_has out "created: "
cp "$T/out" pub.txt
expect 0 "$KEYS" show keys/ALPHA.key
cmp -s pub.txt "$T/out" || fail "show of .key and .pub differ"
expect 0 "$KEYS" show keys/officer1.pub
output_has out "kind: client"

# verify
expect 0 "$KEYS" verify keys/ALPHA.pub
expect 0 "$KEYS" verify keys/officer1.pub

# a damaged certificate: any changed character of its signed lines
for pat in 's/^name: ALPHA/name: ALPHB/' 's/^kind: node/kind: client/' \
	's/^\(created: 20\)\(.\)/\19/' 's/^\(sign-key: \)\(.\)/\1A\2/' 's/^\(box-key: .\)./\1B/'; do
	cp keys/ALPHA.pub damaged.pub
	sed -i "$pat" damaged.pub
	cmp -s keys/ALPHA.pub damaged.pub && continue
	expect 1 "$KEYS" verify damaged.pub
	output_has err "liaison-keys: damaged.pub: "
done
sed 's/^\(signature: \)\(..\)/\1AA/' keys/ALPHA.pub > damaged.pub
cmp -s keys/ALPHA.pub damaged.pub || { expect 1 "$KEYS" verify damaged.pub; output_has err "damaged.pub"; }

# refusals, each one clear line naming the file
expect 1 "$KEYS" generate ALPHA -o keys
output_has err "liaison-keys: keys/ALPHA.key: file exists, not overwriting"
rm keys/officer1.key
expect 1 "$KEYS" generate officer1 -o keys
output_has err "liaison-keys: keys/officer1.pub: file exists, not overwriting"
[ -f keys/officer1.key ] && fail "generate wrote a key although the certificate exists"
expect 1 "$KEYS" generate BRAVO -o "$T/nope"
output_has err "liaison-keys: $T/nope: no such directory"
expect 1 "$KEYS" generate 'a b'
output_has err "liaison-keys: bad name 'a b': use letters, digits, '.', '_', '-', up to 64"
[ "$(ls keys | wc -l)" -eq 3 ] || fail "refusals wrote files: $(ls keys)"

# loose permissions
cp -p keys/ALPHA.key ALPHA.key
chmod 644 ALPHA.key
expect 1 "$KEYS" show ALPHA.key
output_has err "liaison-keys: ALPHA.key: permissions 0644 are too open; run chmod 600 ALPHA.key"
chmod 640 ALPHA.key
expect 1 "$KEYS" show ALPHA.key
output_has err "permissions 0640 are too open"
chmod 600 ALPHA.key
expect 0 "$KEYS" show ALPHA.key
expect 1 "$KEYS" show missing.pub
output_has err "liaison-keys: missing.pub: No such file or directory"

# verify-envelope: the committed seed envelopes are signed by a fixed key
cert="$ROOT/tests/fuzz/envelope-sender.pub"
env="$ROOT/tests/fuzz/corpus/envelope/sitrep"
if [ -f "$cert" ] && [ -f "$env" ]; then
	expect 0 "$KEYS" verify-envelope "$env" --cert "$cert"
	output_has out "sender: ALPHA"; output_has out "type: sitrep"; output_has out "recipients: BRAVO, CHARLIE"
	output_has out "label: RESTRICTED, TLP:AMBER"; output_has out "precedence: ROUTINE"
	expect 0 "$KEYS" verify-envelope - --cert "$cert" < "$env"
	output_has out "topic: ops/north"
	# another sender's certificate
	expect 1 "$KEYS" verify-envelope "$env" --cert keys/ALPHA.pub
	output_has err "liaison-keys: $env: sender key id does not match its certificate"
	# one changed byte in the ciphertext (near the end, before the signature)
	size=$(stat -c %s "$env")
	cp "$env" bad.env
	printf '\x55' | dd of=bad.env bs=1 seek=$((size - 70)) conv=notrunc status=none
	expect 1 "$KEYS" verify-envelope bad.env --cert "$cert"
	output_has err "liaison-keys: bad.env: "
	head -c 100 "$env" > cut.env
	expect 1 "$KEYS" verify-envelope cut.env --cert "$cert"
	output_has err "liaison-keys: cut.env: input is truncated"
fi
printf 'garbage' > garbage.env
expect 1 "$KEYS" verify-envelope garbage.env --cert keys/ALPHA.pub
output_has err "liaison-keys: garbage.env: "
: > empty.env
expect 1 "$KEYS" verify-envelope empty.env --cert keys/ALPHA.pub
output_has err "liaison-keys: empty.env: input is empty"
expect 1 "$KEYS" verify-envelope nothere.env --cert keys/ALPHA.pub
output_has err "liaison-keys: nothere.env: "
expect 64 "$KEYS" verify-envelope garbage.env

# help and usage
for c in "" generate show verify verify-envelope; do
	expect 0 "$KEYS" $c --help
	output_has out "usage: liaison-keys"
done
expect 64 "$KEYS"
output_has err "usage: liaison-keys"
expect 64 "$KEYS" frobnicate
expect 64 "$KEYS" generate
expect 64 "$KEYS" generate A B
expect 64 "$KEYS" generate A -o
expect 64 "$KEYS" show
expect 64 "$KEYS" verify

#!/bin/bash
# liaison-keys on the golden vectors (tests/golden/): the certificates and
# the envelope verify; each one-bit forgery fails with its clear reason; an
# envelope over 1 MiB, which a node with a larger max_message accepts,
# verifies too, and a file beyond what any node accepts is refused.
set -u
KEYS="$BUILD/liaison-keys"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
G="$ROOT/tests/golden"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/liaison-golden.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect RC CMD... : runs CMD, keeps stdout/stderr in $tmp/out, $tmp/err
expect() {
	local want=$1; shift
	"$@" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	[ "$rc" -eq "$want" ] || fail "$* exited $rc, want $want: $(cat "$tmp/err")"
}
has() { grep -qF -- "$2" "$tmp/$1" || fail "$1 lacks '$2': $(cat "$tmp/$1")"; }
one_line() { [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "stderr is not one line: $(cat "$tmp/err")"; }

# the good vectors
for n in TEST-ALPHA TEST-BRAVO; do
	expect 0 "$KEYS" verify "$G/$n.pub"
	has out "good signature: node $n, fingerprint "
done
expect 0 "$KEYS" verify "$G/TEST-ALPHA.pub"
has out "fingerprint O4Z6-K75Y-BF2W-DSZN"
expect 0 "$KEYS" verify-envelope "$G/envelope.bin" --cert "$G/TEST-ALPHA.pub"
has out "sender: TEST-ALPHA"
has out "topic: golden/test"
has out "recipients: TEST-BRAVO, TEST-ALPHA"
has out "signature: good, by node TEST-ALPHA (fingerprint O4Z6-K75Y-BF2W-DSZN); ciphertext matches its hash"
expect 0 "$KEYS" verify-envelope - --cert "$G/TEST-ALPHA.pub" <"$G/envelope.bin"

# each forgery, with its reason
for f in TEST-ALPHA-forged-signature.pub TEST-ALPHA-forged-box-key.pub; do
	expect 1 "$KEYS" verify "$G/$f"
	has err "liaison-keys: $G/$f: signature does not verify"
	one_line
done
for f in envelope-forged-signature.bin:"signature does not verify" \
	envelope-forged-header.bin:"signature does not verify" \
	envelope-forged-ciphertext.bin:"ciphertext does not match its signed hash"; do
	file=${f%%:*} why=${f#*:}
	expect 1 "$KEYS" verify-envelope "$G/$file" --cert "$G/TEST-ALPHA.pub"
	has err "liaison-keys: $G/$file: $why"
	one_line
	[ -s "$tmp/out" ] && fail "$file: a forged header was printed: $(cat "$tmp/out")"
done
# the right envelope with the other node's certificate
expect 1 "$KEYS" verify-envelope "$G/envelope.bin" --cert "$G/TEST-BRAVO.pub"
has err "sent by 'TEST-ALPHA', but the certificate is for 'TEST-BRAVO'"
# a forged certificate is refused before the envelope is read
expect 1 "$KEYS" verify-envelope "$G/envelope.bin" --cert "$G/TEST-ALPHA-forged-signature.pub"
has err "TEST-ALPHA-forged-signature.pub: signature does not verify"

# sizes: 2 MiB and 16 MiB payloads (a node with max_message = 16M takes them)
for bytes in 2097152 16777216; do
	"$BUILD/tools/make_golden" big "$tmp/big.bin" "$bytes" || fail "make_golden big $bytes"
	expect 0 "$KEYS" verify-envelope "$tmp/big.bin" --cert "$G/TEST-ALPHA.pub"
	has out "signature: good, by node TEST-ALPHA"
	expect 0 "$KEYS" verify-envelope - --cert "$G/TEST-ALPHA.pub" <"$tmp/big.bin"
done
# and beyond the largest any node accepts (64 MiB + 64 KiB + 1 KiB)
truncate -s $(((64 << 20) + (65 << 10) + 1)) "$tmp/huge.bin" # sparse: nothing written
expect 1 "$KEYS" verify-envelope "$tmp/huge.bin" --cert "$G/TEST-ALPHA.pub"
has err "input exceeds its size limit"
one_line
rm -f "$tmp/big.bin" "$tmp/huge.bin"

[ "$fails" -eq 0 ] && echo "golden_keys: all checks passed"
exit $((fails > 0))

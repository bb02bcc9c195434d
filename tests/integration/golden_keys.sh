#!/bin/bash
# liaison-keys on the golden vectors (tests/golden/): the certificates and
# the envelopes (version 1, sealed by earlier liaison, and version 2) verify;
# each one-bit forgery fails with its clear reason; an
# envelope over 1 MiB, which a node with a larger max_message accepts,
# verifies too, and a file beyond what any node accepts is refused.
. "$(dirname "$0")/lib.sh"
G="$ROOT/tests/golden"
one_line() { [ "$(wc -l <"$T/err")" -eq 1 ] || fail "stderr is not one line: $(cat "$T/err")"; }

# the good vectors
for n in TEST-ALPHA TEST-BRAVO; do
	expect 0 "$KEYS" verify "$G/$n.pub"
	output_has out "good signature: node $n, fingerprint "
done
expect 0 "$KEYS" verify "$G/TEST-ALPHA.pub"
output_has out "fingerprint O4Z6-K75Y-BF2W-DSZN"
expect 0 "$KEYS" verify-envelope "$G/envelope.bin" --cert "$G/TEST-ALPHA.pub"
output_has out "sender: TEST-ALPHA"
output_has out "topic: golden/test"
output_has out "recipients: TEST-BRAVO, TEST-ALPHA"
output_has out "signature: good, by node TEST-ALPHA (fingerprint O4Z6-K75Y-BF2W-DSZN); ciphertext matches its hash"
expect 0 "$KEYS" verify-envelope - --cert "$G/TEST-ALPHA.pub" <"$G/envelope.bin"
# version 2: the sender's own copy is not carried, so it lists the recipient alone
expect 0 "$KEYS" verify-envelope "$G/envelope-v2.bin" --cert "$G/TEST-ALPHA.pub"
output_has out "sender: TEST-ALPHA"
output_has out "topic: golden/test"
output_has out "recipients: TEST-BRAVO"
output_has out "signature: good, by node TEST-ALPHA (fingerprint O4Z6-K75Y-BF2W-DSZN); ciphertext matches its hash"

# each forgery, with its reason
for f in TEST-ALPHA-forged-signature.pub TEST-ALPHA-forged-box-key.pub; do
	expect 1 "$KEYS" verify "$G/$f"
	output_has err "liaison-keys: $G/$f: signature does not verify"
	one_line
done
for f in envelope-forged-signature.bin:"signature does not verify" \
	envelope-forged-header.bin:"signature does not verify" \
	envelope-forged-ciphertext.bin:"ciphertext does not match its signed hash" \
	envelope-v2-forged-signature.bin:"signature does not verify" \
	envelope-v2-forged-header.bin:"signature does not verify" \
	envelope-v2-forged-ciphertext.bin:"signature does not verify" \
	envelope-v2-forged-recipient.bin:"signature does not verify" \
	envelope-v2-forged-stream.bin:"signature does not verify"; do
	file=${f%%:*} why=${f#*:}
	expect 1 "$KEYS" verify-envelope "$G/$file" --cert "$G/TEST-ALPHA.pub"
	output_has err "liaison-keys: $G/$file: $why"
	one_line
	[ -s "$T/out" ] && fail "$file: a forged header was printed: $(cat "$T/out")"
done
# the right envelope with the other node's certificate
expect 1 "$KEYS" verify-envelope "$G/envelope.bin" --cert "$G/TEST-BRAVO.pub"
output_has err "sent by 'TEST-ALPHA', but the certificate is for 'TEST-BRAVO'"
# a forged certificate is refused before the envelope is read
expect 1 "$KEYS" verify-envelope "$G/envelope.bin" --cert "$G/TEST-ALPHA-forged-signature.pub"
output_has err "TEST-ALPHA-forged-signature.pub: signature does not verify"

# sizes: 2 MiB and 16 MiB payloads (a node with max_message = 16M takes them)
for bytes in 2097152 16777216; do
	"$BUILD/tools/make_golden" big "$T/big.bin" "$bytes" || fail "make_golden big $bytes"
	expect 0 "$KEYS" verify-envelope "$T/big.bin" --cert "$G/TEST-ALPHA.pub"
	output_has out "signature: good, by node TEST-ALPHA"
	expect 0 "$KEYS" verify-envelope - --cert "$G/TEST-ALPHA.pub" <"$T/big.bin"
done
# and beyond the largest any node accepts (64 MiB + 64 KiB + 1 KiB)
truncate -s $(((64 << 20) + (65 << 10) + 1)) "$T/huge.bin" # sparse: nothing written
expect 1 "$KEYS" verify-envelope "$T/huge.bin" --cert "$G/TEST-ALPHA.pub"
output_has err "input exceeds its size limit"
one_line
rm -f "$T/big.bin" "$T/huge.bin"

/* Signed delivery receipts: a recipient node's Ed25519 signature over the
 * serialized DeliveryReceipt, under its own domain-separation prefix. */
#include <stdlib.h>
#include <string.h>
#include "envelope_priv.h"
#include "error.h"

int receipt_sign(const struct liaison_key *key, const Liaison__DeliveryReceipt *r, uint8_t **out,
		 size_t *out_len)
{
	uint8_t sig[ENVELOPE_SIG_LEN];
	if (!out || !out_len)
		return LIAISON_E_INVALID;
	*out = NULL;
	*out_len = 0;
	if (!key || !key->secret || !r || sodium_init() < 0)
		return LIAISON_E_INVALID;
	Liaison__DeliveryReceipt copy = *r;
	copy.version = RECEIPT_VERSION;
	size_t rlen = liaison__delivery_receipt__get_packed_size(&copy);
	uint8_t *rb = malloc(rlen ? rlen : 1);
	if (!rb)
		return LIAISON_E_NOMEM;
	liaison__delivery_receipt__pack(&copy, rb);
	int rc = envelope_sign_prefixed(sig, RECEIPT_SIGN_PREFIX, rb, rlen, key->secret->sign_sk);
	if (rc != LIAISON_OK)
		goto out;
	Liaison__SignedReceipt sr = LIAISON__SIGNED_RECEIPT__INIT;
	sr.receipt.data = rb;
	sr.receipt.len = rlen;
	sr.signature.data = sig;
	sr.signature.len = sizeof sig;
	size_t len = liaison__signed_receipt__get_packed_size(&sr);
	uint8_t *b = malloc(len);
	if (!b) {
		rc = LIAISON_E_NOMEM;
		goto out;
	}
	liaison__signed_receipt__pack(&sr, b);
	*out = b;
	*out_len = len;
out:
	free(rb);
	return rc;
}

int receipt_verify(const struct liaison_cert *signer, const Liaison__SignedReceipt *sr,
		   Liaison__DeliveryReceipt **out)
{
	if (!out)
		return LIAISON_E_INVALID;
	*out = NULL;
	if (!signer || !sr)
		return LIAISON_E_INVALID;
	if (sodium_init() < 0)
		return LIAISON_E_NOMEM;
	if (sr->signature.len != ENVELOPE_SIG_LEN || (sr->receipt.len && !sr->receipt.data))
		return LIAISON_E_PARSE;
	if (!envelope_verify_prefixed(sr->signature.data, RECEIPT_SIGN_PREFIX, sr->receipt.data,
				      sr->receipt.len, signer->sign_pk))
		return LIAISON_E_SIGNATURE;
	Liaison__DeliveryReceipt *r = liaison__delivery_receipt__unpack(NULL, sr->receipt.len, sr->receipt.data);
	if (!r)
		return LIAISON_E_PARSE;
	if (r->version != RECEIPT_VERSION) {
		liaison__delivery_receipt__free_unpacked(r, NULL);
		return LIAISON_E_VERSION;
	}
	*out = r;
	return LIAISON_OK;
}

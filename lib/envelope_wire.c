/* Envelope helpers: the protobuf wire walker that tells a truncated input
 * from a malformed one, key derivation, associated data, structural checks
 * and prefixed signatures. */
#include <stdlib.h>
#include <string.h>
#include "envelope_priv.h"
#include "error.h"

/* Reads a varint at *p; TRUNCATED if the buffer ends inside it. */
static int wire_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	uint64_t r = 0;
	for (int i = 0; i < 10; i++) {
		if (*p >= end)
			return LIAISON_E_TRUNCATED;
		uint8_t b = *(*p)++;
		r |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			*v = r;
			return LIAISON_OK;
		}
	}
	return LIAISON_E_PARSE; /* longer than any 64-bit varint */
}

int envelope_wire_check(const uint8_t *buf, size_t len)
{
	const uint8_t *p = buf, *end = buf + len;
	while (p < end) {
		uint64_t key, v;
		int rc = wire_varint(&p, end, &key);
		if (rc != LIAISON_OK)
			return rc;
		if ((key >> 3) == 0 || (key >> 3) > 536870911u)
			return LIAISON_E_PARSE;
		size_t left;
		switch (key & 7) {
		case 0: /* varint */
			if ((rc = wire_varint(&p, end, &v)) != LIAISON_OK)
				return rc;
			break;
		case 1: /* 64-bit */
		case 5: /* 32-bit */
			left = (size_t)(end - p);
			if (left < ((key & 7) == 1 ? 8u : 4u))
				return LIAISON_E_TRUNCATED;
			p += (key & 7) == 1 ? 8 : 4;
			break;
		case 2: /* length-delimited */
			if ((rc = wire_varint(&p, end, &v)) != LIAISON_OK)
				return rc;
			if (v > (uint64_t)(end - p))
				return LIAISON_E_TRUNCATED;
			p += v;
			break;
		default: /* groups (3, 4) are not proto3; 6 and 7 do not exist */
			return LIAISON_E_PARSE;
		}
	}
	return LIAISON_OK;
}

int envelope_derive_kek(uint8_t kek[ENVELOPE_KEY_LEN], const uint8_t pk[32], const uint8_t sk[32])
{
	return envelope_derive_kek_labeled(kek, pk, sk, WRAP_KDF_LABEL);
}

static size_t ad_build(uint8_t ad[ENVELOPE_AD_MAX], const char *prefix, const uint8_t *id, const char *node)
{
	size_t n = strlen(prefix) + 1;
	memcpy(ad, prefix, n);
	memcpy(ad + n, id, ENVELOPE_ID_LEN);
	n += ENVELOPE_ID_LEN;
	if (node) {
		size_t nl = strnlen(node, LIAISON_NAME_MAX);
		memcpy(ad + n, node, nl);
		n += nl;
	}
	return n;
}

size_t envelope_wrap_ad(uint8_t ad[ENVELOPE_AD_MAX], const uint8_t id[ENVELOPE_ID_LEN], const char *node)
{
	return ad_build(ad, WRAP_AD_PREFIX, id, node);
}

size_t envelope_content_ad(uint8_t ad[ENVELOPE_AD_MAX], const uint8_t id[ENVELOPE_ID_LEN])
{
	return ad_build(ad, CONTENT_AD_PREFIX, id, NULL);
}

size_t envelope_content_ad_v2(uint8_t ad[ENVELOPE_AD_MAX], const uint8_t id[ENVELOPE_ID_LEN])
{
	return ad_build(ad, CONTENT_AD_PREFIX_V2, id, NULL);
}

bool envelope_body_matches(Liaison__MessageType t, const Liaison__Payload *p)
{
	if (!p)
		return false;
	switch (t) {
	case LIAISON__MESSAGE_TYPE__SITREP:
		return p->body_case == LIAISON__PAYLOAD__BODY_SITREP && p->sitrep;
	case LIAISON__MESSAGE_TYPE__STATUS:
		return p->body_case == LIAISON__PAYLOAD__BODY_STATUS && p->status;
	case LIAISON__MESSAGE_TYPE__WARNING:
		return p->body_case == LIAISON__PAYLOAD__BODY_WARNING && p->warning;
	case LIAISON__MESSAGE_TYPE__INTEL:
		return p->body_case == LIAISON__PAYLOAD__BODY_INTEL && p->intel;
	case LIAISON__MESSAGE_TYPE__RECEIPT:
		return p->body_case == LIAISON__PAYLOAD__BODY_RECEIPT && p->receipt;
	default:
		return false;
	}
}

bool envelope_header_enums_valid(const Liaison__Header *h)
{
	if (h->type < LIAISON__MESSAGE_TYPE__SITREP || h->type > LIAISON__MESSAGE_TYPE__RECEIPT)
		return false;
	if ((int)h->precedence < 0 || h->precedence > LIAISON__PRECEDENCE__ROUTINE)
		return false;
	if (h->label) {
		if ((int)h->label->classification < 0 ||
		    h->label->classification > LIAISON__CLASSIFICATION__TOP_SECRET)
			return false;
		if ((int)h->label->tlp < 0 || h->label->tlp > LIAISON__TLP__TLP_RED)
			return false;
		for (size_t i = 0; i < h->label->n_caveats; i++)
			if (!h->label->caveats[i])
				return false;
	}
	if (h->n_references && !h->references)
		return false;
	for (size_t i = 0; i < h->n_references; i++) {
		const Liaison__Reference *r = h->references[i];
		if (!r || r->id.len != ENVELOPE_ID_LEN || (int)r->kind < 0 ||
		    r->kind > LIAISON__REFERENCE_KIND__CANCELS)
			return false;
	}
	return true;
}

/* Most headers fit on the stack; larger ones (hundreds of recipients) take
 * one temporary allocation. */
#define PREFIXED_STACK 4096

static uint8_t *prefixed(uint8_t *stackbuf, const char *prefix, const uint8_t *msg, size_t len, size_t *total)
{
	size_t pl = strlen(prefix) + 1;
	uint8_t *b = stackbuf;
	if (len > PREFIXED_STACK - pl && !(b = malloc(pl + len)))
		return NULL;
	memcpy(b, prefix, pl);
	if (len)
		memcpy(b + pl, msg, len);
	*total = pl + len;
	return b;
}

int envelope_sign_prefixed(uint8_t sig[ENVELOPE_SIG_LEN], const char *prefix, const uint8_t *msg,
			   size_t len, const uint8_t *sk)
{
	uint8_t stackbuf[PREFIXED_STACK];
	size_t total;
	uint8_t *b = prefixed(stackbuf, prefix, msg, len, &total);
	if (!b)
		return LIAISON_E_NOMEM;
	crypto_sign_detached(sig, NULL, b, total, sk);
	if (b != stackbuf)
		free(b);
	return LIAISON_OK;
}

bool envelope_verify_prefixed(const uint8_t *sig, const char *prefix, const uint8_t *msg,
			      size_t len, const uint8_t *pk)
{
	uint8_t stackbuf[PREFIXED_STACK];
	size_t total;
	uint8_t *b = prefixed(stackbuf, prefix, msg, len, &total);
	if (!b)
		return false;
	bool ok = crypto_sign_verify_detached(sig, b, total, pk) == 0;
	if (b != stackbuf)
		free(b);
	return ok;
}

/* Version 2 signs the ciphertext's hash without carrying it: the verifier
 * hashes the ciphertext it holds, so a changed ciphertext fails the
 * signature. The hash has a fixed length and comes first, so the signed
 * bytes split into hash and header one way only. envelope_seal builds the
 * same bytes in its own buffer. */
static void v2_signed_bytes(uint8_t *b, const uint8_t *header, size_t hlen, const uint8_t *ct, size_t ctlen)
{
	const size_t pl = sizeof ENVELOPE_SIGN_PREFIX;
	memcpy(b, ENVELOPE_SIGN_PREFIX, pl);
	crypto_generichash(b + pl, ENVELOPE_HASH_LEN, ct, ctlen, NULL, 0);
	memcpy(b + pl + ENVELOPE_HASH_LEN, header, hlen);
}

bool envelope_verify_v2(const uint8_t *sig, const uint8_t *header, size_t hlen, const uint8_t *ct, size_t ctlen,
			const uint8_t *pk)
{
	uint8_t stackbuf[PREFIXED_STACK];
	size_t total = sizeof ENVELOPE_SIGN_PREFIX + ENVELOPE_HASH_LEN + hlen;
	uint8_t *b = total <= sizeof stackbuf ? stackbuf : malloc(total);
	if (!b)
		return false;
	v2_signed_bytes(b, header, hlen, ct, ctlen);
	bool ok = crypto_sign_verify_detached(sig, b, total, pk) == 0;
	if (b != stackbuf)
		free(b);
	return ok;
}

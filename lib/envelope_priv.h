/* Internals shared by the envelope sealer, opener and receipts: domain
 * separation strings, key derivation and the header's structural checks. */
#ifndef LIAISON_ENVELOPE_PRIV_H
#define LIAISON_ENVELOPE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sodium.h>
#include "envelope.h"

#define ENVELOPE_VERSION_V1 1 /* opened, no longer sealed */
#define ENVELOPE_VERSION 2    /* what envelope_seal writes */
#define RECEIPT_VERSION 1
#define CONTENT_AD_PREFIX "liaison-content-v1" /* AD of the payload, with its NUL, then the id */
#define WRAP_AD_PREFIX "liaison-wrap-v1"       /* AD of a wrapped key, with its NUL, then id and node */
#define WRAP_KDF_LABEL "liaison-wrap-v1"       /* hashed (no NUL) under the X25519 shared key */
/* version 2 (envelope_keys.c): labels, each hashed with its NUL unless said */
#define CONTENT_AD_PREFIX_V2 "liaison-content-v2"     /* AD of the payload, then the id */
#define WRAP_KDF_LABEL_V2 "liaison-wrap-v2"           /* no NUL: kek under the X25519 shared key */
#define SELF_KDF_LABEL_V2 "liaison-self-v2"           /* no NUL: the sender's self key, likewise */
#define CONTENT_KEY_LABEL_V2 "liaison-content-key-v2" /* keyed by the self key, then the id */
#define CONTENT_NONCE_LABEL_V2 "liaison-content-nonce-v2" /* then the id */
#define WRAP_NONCE_LABEL_V2 "liaison-wrap-nonce-v2"   /* then id and node */

#define ENVELOPE_KEY_LEN crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define ENVELOPE_NONCE_LEN crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define ENVELOPE_TAG_LEN crypto_aead_xchacha20poly1305_ietf_ABYTES
#define ENVELOPE_HASH_LEN 32
#define ENVELOPE_EPOCH_KEY_LEN crypto_box_PUBLICKEYBYTES
#define ENVELOPE_WRAPPED_LEN (ENVELOPE_NONCE_LEN + ENVELOPE_KEY_LEN + ENVELOPE_TAG_LEN)
#define ENVELOPE_WRAPPED_LEN_V2 ENVELOPE_KEY_LEN /* XChaCha20 only: nonce derived, entry signed */
#define ENVELOPE_SIG_LEN crypto_sign_BYTES
/* AD buffers: the longest prefix, its NUL, an id and a node name. */
#define ENVELOPE_AD_MAX (sizeof CONTENT_AD_PREFIX + ENVELOPE_ID_LEN + LIAISON_NAME_MAX)

/* kek = BLAKE2b-256(WRAP_KDF_LABEL, key = X25519(sk, pk)); -1 if pk is a
 * low-order point. Wipes its intermediate shared key. */
int envelope_derive_kek(uint8_t kek[ENVELOPE_KEY_LEN], const uint8_t pk[32], const uint8_t sk[32]);
/* The same with another label (WRAP_KDF_LABEL_V2, SELF_KDF_LABEL_V2). */
int envelope_derive_kek_labeled(uint8_t kek[ENVELOPE_KEY_LEN], const uint8_t pk[32], const uint8_t sk[32],
				const char *label);

/* Version 2 derivations (envelope_keys.c, where their rationale is). */
void envelope_content_key_v2(uint8_t ck[ENVELOPE_KEY_LEN], const uint8_t self_key[ENVELOPE_KEY_LEN],
			     const uint8_t id[ENVELOPE_ID_LEN]);
void envelope_content_nonce_v2(uint8_t nonce[ENVELOPE_NONCE_LEN], const uint8_t id[ENVELOPE_ID_LEN]);
void envelope_wrap_nonce_v2(uint8_t nonce[ENVELOPE_NONCE_LEN], const uint8_t id[ENVELOPE_ID_LEN], const char *node);

/* Version-2 signed bytes: ENVELOPE_SIGN_PREFIX (with its NUL) ||
 * BLAKE2b-256(ciphertext) || header. Verifies sig; the hash is computed here. */
bool envelope_verify_v2(const uint8_t *sig, const uint8_t *header, size_t hlen, const uint8_t *ct, size_t ctlen,
			const uint8_t *pk);

/* Writes the wrap AD for id and node into ad; returns its length. */
size_t envelope_wrap_ad(uint8_t ad[ENVELOPE_AD_MAX], const uint8_t id[ENVELOPE_ID_LEN], const char *node);
/* Writes the content AD for id into ad; returns its length. */
size_t envelope_content_ad(uint8_t ad[ENVELOPE_AD_MAX], const uint8_t id[ENVELOPE_ID_LEN]);
/* The same for version 2 (CONTENT_AD_PREFIX_V2). */
size_t envelope_content_ad_v2(uint8_t ad[ENVELOPE_AD_MAX], const uint8_t id[ENVELOPE_ID_LEN]);

/* true if t is a known message type and body matches it. */
bool envelope_body_matches(Liaison__MessageType t, const Liaison__Payload *p);

/* Label, precedence and reference checks shared by seal (INVALID) and open
 * (PARSE): true if every enum value is known and every reference id has 16 bytes. */
bool envelope_header_enums_valid(const Liaison__Header *h);

/* Walks the top-level protobuf fields of buf: LIAISON_E_TRUNCATED if a
 * varint, fixed field or length runs past the end, LIAISON_E_PARSE for a
 * malformed key or wire type, LIAISON_OK otherwise. */
int envelope_wire_check(const uint8_t *buf, size_t len);

/* Ed25519 of prefix (with its NUL) || msg, detached. */
int envelope_sign_prefixed(uint8_t sig[ENVELOPE_SIG_LEN], const char *prefix, const uint8_t *msg,
			   size_t len, const uint8_t *sk);
bool envelope_verify_prefixed(const uint8_t *sig, const char *prefix, const uint8_t *msg,
			      size_t len, const uint8_t *pk);

#endif

/* The key schedule of version-2 envelopes: what version 1 carried on the
 * wire (the content nonce, each wrap nonce, the sender's own wrapped key)
 * is derived here instead, from the message id, the recipient's name and
 * the sender epoch's X25519 shared keys. Every derivation is BLAKE2b with a
 * label of its own, so no two of them can produce the same key or nonce
 * from the same inputs. */
#include <string.h>
#include "envelope_priv.h"

int envelope_derive_kek_labeled(uint8_t kek[ENVELOPE_KEY_LEN], const uint8_t pk[32], const uint8_t sk[32],
				const char *label)
{
	uint8_t shared[crypto_box_BEFORENMBYTES];
	int rc = crypto_box_beforenm(shared, pk, sk);
	if (rc == 0)
		crypto_generichash(kek, ENVELOPE_KEY_LEN, (const uint8_t *)label, strlen(label), shared,
				   sizeof shared);
	sodium_memzero(shared, sizeof shared);
	return rc == 0 ? 0 : -1;
}

/* BLAKE2b(key, label || NUL || id || extra), truncated to out_len. */
static void derive(uint8_t *out, size_t out_len, const uint8_t *key, size_t key_len, const char *label,
		   const uint8_t id[ENVELOPE_ID_LEN], const char *extra)
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, key, key_len, out_len);
	crypto_generichash_update(&st, (const uint8_t *)label, strlen(label) + 1);
	crypto_generichash_update(&st, id, ENVELOPE_ID_LEN);
	if (extra)
		crypto_generichash_update(&st, (const uint8_t *)extra, strnlen(extra, LIAISON_NAME_MAX));
	crypto_generichash_final(&st, out, out_len);
}

/* The content key. Why it is fresh for every message: it is a PRF (keyed
 * BLAKE2b) of the message id under the sender's self key, and the self key
 * exists for one epoch only (a new random epoch key pair at every rotation).
 * The sealer never seals one id twice in an epoch: its own ids are 128
 * random bits, and an id chosen by the caller starts a new epoch first
 * (envelope.c). So no two messages share a content key, and the content
 * nonce below may be derived from the id alone.
 *
 * Why derive it rather than draw it: the sender must open what it sent
 * (its store keeps the envelopes) without carrying a copy of the content key
 * wrapped for itself. The self key is X25519(epoch secret, sender's own box
 * key) on sealing and X25519(sender's box secret, epoch public key) on
 * opening, so the sender's long-term key (or, after a key rotation, the
 * former key it keeps) recomputes it from the envelope alone, exactly as a
 * recipient recomputes its wrapping key. Recipients learn the content key,
 * never the self key (a PRF output does not reveal its key). */
void envelope_content_key_v2(uint8_t ck[ENVELOPE_KEY_LEN], const uint8_t self_key[ENVELOPE_KEY_LEN],
			     const uint8_t id[ENVELOPE_ID_LEN])
{
	derive(ck, ENVELOPE_KEY_LEN, self_key, ENVELOPE_KEY_LEN, CONTENT_KEY_LABEL_V2, id, NULL);
}

/* The content nonce: the content key is used for one message only (above),
 * so any fixed nonce would be safe; deriving it from the id costs nothing
 * and keeps nonces distinct even across a (never expected) key repeat with
 * another id. */
void envelope_content_nonce_v2(uint8_t nonce[ENVELOPE_NONCE_LEN], const uint8_t id[ENVELOPE_ID_LEN])
{
	derive(nonce, ENVELOPE_NONCE_LEN, NULL, 0, CONTENT_NONCE_LABEL_V2, id, NULL);
}

/* A wrap nonce, for the content key of message id wrapped for node. Why no
 * nonce repeats under one wrapping key: that key belongs to one (sender
 * epoch, recipient key) pair, the recipient's node name is hashed in, and
 * the id does not repeat within an epoch (above). Even if it did, the
 * content key is a function of (epoch, id) too, so the same nonce would
 * encrypt the same key again: identical output, nothing learned. */
void envelope_wrap_nonce_v2(uint8_t nonce[ENVELOPE_NONCE_LEN], const uint8_t id[ENVELOPE_ID_LEN], const char *node)
{
	derive(nonce, ENVELOPE_NONCE_LEN, NULL, 0, WRAP_NONCE_LABEL_V2, id, node);
}

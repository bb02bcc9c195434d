/* Sealing envelopes (version 2): the sender's epoch key, its cache of
 * per-recipient wrapping keys, and envelope_seal.
 *
 * Cost model (see envelope.h): one X25519 per recipient per epoch (and one
 * for the sender's self key), then per message a random id, a derived
 * content key, one AEAD over the payload, 32 bytes of XChaCha20 per
 * recipient, a few BLAKE2b and one Ed25519 signature. Per message the only
 * heap allocation is the output; the header, plaintext and recipient tables
 * live in buffers the sealer keeps and reuses. */
#include <stdlib.h>
#include <string.h>
#include "envelope_priv.h"
#include "error.h"

/* Cached wrapping keys, open addressing on the recipient's public key (which
 * is uniformly random, so its first bytes are a good hash). */
#define KEK_SLOTS 512
#define KEK_MAX_FILL 384

struct kek_slot {
	uint8_t pk[crypto_box_PUBLICKEYBYTES];
	uint8_t kek[ENVELOPE_KEY_LEN];
	uint8_t used;
};

/* Everything secret the sealer holds, in one sodium_malloc'ed block. */
struct sealer_secret {
	uint8_t epoch_sk[crypto_box_SECRETKEYBYTES];
	/* the epoch's self key: content keys derive from it (envelope_keys.c) */
	uint8_t self_key[ENVELOPE_KEY_LEN];
	uint8_t ck[ENVELOPE_KEY_LEN]; /* the message's content key */
	struct kek_slot slots[KEK_SLOTS];
	size_t fill;
};

struct sealer {
	const struct liaison_key *key;
	uint8_t key_id[LIAISON_KEY_ID];
	uint32_t epoch_seconds, epoch_messages;
	bool epoch_live;
	int64_t epoch_start_ms;
	uint64_t epoch_sealed;
	uint8_t epoch_pk[crypto_box_PUBLICKEYBYTES];
	struct sealer_secret *sec;
	/* reused per message */
	Liaison__Recipient rcpt[ENVELOPE_MAX_RECIPIENTS];
	Liaison__Recipient *rcpt_ptr[ENVELOPE_MAX_RECIPIENTS];
	uint8_t wrapped[ENVELOPE_MAX_RECIPIENTS][ENVELOPE_WRAPPED_LEN_V2];
	uint8_t *hdr_buf; /* the signed bytes: prefix || ciphertext hash || packed header */
	size_t hdr_cap;
	uint8_t *body_buf; /* packed payload, encrypted in place */
	size_t body_cap;
};

struct sealer *sealer_new(const struct liaison_key *key, uint32_t epoch_seconds, uint32_t epoch_messages)
{
	if (!key || !key->secret || sodium_init() < 0)
		return NULL;
	struct sealer *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->sec = sodium_malloc(sizeof *s->sec);
	if (!s->sec) {
		free(s);
		return NULL;
	}
	sodium_memzero(s->sec, sizeof *s->sec);
	s->key = key;
	cert_key_id(&key->cert, s->key_id);
	s->epoch_seconds = epoch_seconds;
	s->epoch_messages = epoch_messages;
	return s;
}

void sealer_destroy(struct sealer **sp)
{
	if (!sp || !*sp)
		return;
	struct sealer *s = *sp;
	sodium_free(s->sec); /* wipes the epoch secret and the cached keys */
	free(s->hdr_buf);
	if (s->body_buf)
		sodium_memzero(s->body_buf, s->body_cap);
	free(s->body_buf);
	free(s);
	*sp = NULL;
}

/* A new epoch: the old secret and every key derived from it are wiped first,
 * which is what gives forward secrecy at epoch granularity. The self key is
 * the one the sender's own box key shares with the epoch key; -1 only if
 * the node's key is not a usable X25519 key. */
static int sealer_rotate(struct sealer *s, int64_t now_ms)
{
	sodium_memzero(s->sec, sizeof *s->sec);
	crypto_box_keypair(s->epoch_pk, s->sec->epoch_sk);
	if (envelope_derive_kek_labeled(s->sec->self_key, s->key->cert.box_pk, s->sec->epoch_sk,
					SELF_KDF_LABEL_V2) != 0) {
		s->epoch_live = false;
		return -1;
	}
	s->epoch_live = true;
	s->epoch_start_ms = now_ms;
	s->epoch_sealed = 0;
	return 0;
}

static bool sealer_epoch_over(const struct sealer *s, int64_t now_ms)
{
	if (!s->epoch_live || now_ms < s->epoch_start_ms)
		return true;
	if (s->epoch_messages && s->epoch_sealed >= s->epoch_messages)
		return true;
	return s->epoch_seconds && now_ms - s->epoch_start_ms >= (int64_t)s->epoch_seconds * 1000;
}

/* The wrapping key for a recipient in this epoch, derived once; NULL if pk
 * is not a usable X25519 key. */
static const uint8_t *sealer_kek(struct sealer *s, const uint8_t *pk)
{
	struct sealer_secret *sec = s->sec;
	size_t i = (((size_t)pk[0] << 8) | pk[1]) % KEK_SLOTS;
	for (size_t n = 0; n < KEK_SLOTS; n++, i = (i + 1) % KEK_SLOTS) {
		struct kek_slot *e = &sec->slots[i];
		if (!e->used)
			break;
		if (memcmp(e->pk, pk, sizeof e->pk) == 0)
			return e->kek;
	}
	if (sec->fill >= KEK_MAX_FILL) { /* more peers than slots: start over */
		sodium_memzero(sec->slots, sizeof sec->slots);
		sec->fill = 0;
		i = (((size_t)pk[0] << 8) | pk[1]) % KEK_SLOTS;
	}
	struct kek_slot *e = &sec->slots[i];
	if (envelope_derive_kek_labeled(e->kek, pk, sec->epoch_sk, WRAP_KDF_LABEL_V2) != 0) {
		sodium_memzero(e, sizeof *e);
		return NULL;
	}
	memcpy(e->pk, pk, sizeof e->pk);
	e->used = 1;
	sec->fill++;
	return e->kek;
}

static bool grow(uint8_t **buf, size_t *cap, size_t need, bool wipe)
{
	if (need <= *cap)
		return true;
	size_t n = *cap ? *cap : 4096;
	while (n < need)
		n *= 2;
	uint8_t *b = malloc(n);
	if (!b)
		return false;
	if (*buf && wipe)
		sodium_memzero(*buf, *cap);
	free(*buf);
	*buf = b;
	*cap = n;
	return true;
}

static int seal_check(const struct sealer *s, const Liaison__Header *hdr, const Liaison__Payload *payload,
		      const struct envelope_recipient *rcpts, size_t n)
{
	if (!hdr || !payload || !rcpts || n == 0 || n > ENVELOPE_MAX_RECIPIENTS)
		return LIAISON_E_INVALID;
	if (hdr->sender && hdr->sender[0] && strcmp(hdr->sender, s->key->cert.name) != 0)
		return LIAISON_E_INVALID;
	if (hdr->id.len != 0 && (hdr->id.len != ENVELOPE_ID_LEN || !hdr->id.data))
		return LIAISON_E_INVALID;
	if (!envelope_header_enums_valid(hdr) || !envelope_body_matches(hdr->type, payload))
		return LIAISON_E_INVALID;
	size_t others = 0;
	for (size_t i = 0; i < n; i++) {
		if (!liaison_name_valid(rcpts[i].node) || !rcpts[i].box_pk)
			return LIAISON_E_INVALID;
		for (size_t j = 0; j < i; j++)
			if (strcmp(rcpts[i].node, rcpts[j].node) == 0)
				return LIAISON_E_INVALID;
		if (strcmp(rcpts[i].node, s->key->cert.name) != 0)
			others++;
		else if (rcpts[i].stream_seq != 0 ||
			 memcmp(rcpts[i].box_pk, s->key->cert.box_pk, crypto_box_PUBLICKEYBYTES) != 0)
			return LIAISON_E_INVALID; /* the sender's own copy is not a stream position */
	}
	return others ? LIAISON_OK : LIAISON_E_INVALID;
}

/* The sender's own entry in rcpts (its name, stream 0) is the copy it keeps:
 * in version 2 it is not carried, since the sender derives the content key
 * from its self key (envelope_keys.c). */
int envelope_seal(struct sealer *s, const Liaison__Header *hdr, const Liaison__Payload *payload,
		  const struct envelope_recipient *rcpts, size_t n_rcpts, int64_t now_ms,
		  uint8_t **out, size_t *out_len, uint8_t id_out[ENVELOPE_ID_LEN])
{
	uint8_t nonce[ENVELOPE_NONCE_LEN], id[ENVELOPE_ID_LEN];
	uint8_t sig[ENVELOPE_SIG_LEN], ad[ENVELOPE_AD_MAX];
	size_t adlen, plen, hlen, n_wire = 0, sb = sizeof ENVELOPE_SIGN_PREFIX + ENVELOPE_HASH_LEN;
	unsigned long long clen;
	int rc;

	if (!s || !out || !out_len)
		return LIAISON_E_INVALID;
	*out = NULL;
	*out_len = 0;
	if ((rc = seal_check(s, hdr, payload, rcpts, n_rcpts)) != LIAISON_OK)
		return rc;
	/* An id the caller chose may repeat one sealed before: a new epoch
	 * first, so that (epoch, id), and with it the derived content key, is
	 * never used twice (envelope_keys.c). */
	bool chosen_id = hdr->id.len == ENVELOPE_ID_LEN;
	if ((chosen_id || sealer_epoch_over(s, now_ms)) && sealer_rotate(s, now_ms) != 0)
		return LIAISON_E_INVALID;
	if (chosen_id)
		memcpy(id, hdr->id.data, ENVELOPE_ID_LEN);
	else
		randombytes_buf(id, sizeof id);
	uint8_t *ck = s->sec->ck;
	envelope_content_key_v2(ck, s->sec->self_key, id);
	envelope_content_nonce_v2(nonce, id);

	/* The content key, encrypted for each recipient under the epoch's key
	 * with XChaCha20 and a nonce derived from the id and the recipient's
	 * name (envelope_keys.c). No tag: the entry is signed with the rest of
	 * the header, so nobody but the sender can change it, and a recipient
	 * that recovers a wrong key finds out from the payload's own tag. Moved
	 * to another message or entry, it decrypts to noise, as the id and the
	 * name select its keystream. */
	for (size_t i = 0; i < n_rcpts; i++) {
		if (strcmp(rcpts[i].node, s->key->cert.name) == 0)
			continue; /* the sender's own copy: derived, not carried */
		const uint8_t *kek = sealer_kek(s, rcpts[i].box_pk);
		if (!kek) {
			rc = LIAISON_E_INVALID;
			goto out;
		}
		uint8_t *w = s->wrapped[n_wire], wn[ENVELOPE_NONCE_LEN];
		envelope_wrap_nonce_v2(wn, id, rcpts[i].node);
		crypto_stream_xchacha20_xor(w, ck, ENVELOPE_KEY_LEN, wn, kek);
		Liaison__Recipient *r = &s->rcpt[n_wire];
		liaison__recipient__init(r);
		r->node = (char *)rcpts[i].node;
		r->stream_seq = rcpts[i].stream_seq;
		r->wrapped_key.data = w;
		r->wrapped_key.len = ENVELOPE_WRAPPED_LEN_V2;
		s->rcpt_ptr[n_wire++] = r;
	}

	/* Payload: packed and encrypted in place in the reused body buffer. */
	plen = liaison__payload__get_packed_size(payload);
	if (!grow(&s->body_buf, &s->body_cap, plen + ENVELOPE_TAG_LEN, true)) {
		rc = LIAISON_E_NOMEM;
		goto out;
	}
	liaison__payload__pack(payload, s->body_buf);
	adlen = envelope_content_ad_v2(ad, id);
	crypto_aead_xchacha20poly1305_ietf_encrypt(s->body_buf, &clen, s->body_buf, plen, ad, adlen, NULL,
						   nonce, ck);

	/* Header: the caller's fields plus what the sealer owns. No nonce and
	 * no ciphertext hash: both are recomputed by whoever opens it. */
	Liaison__Header h = *hdr;
	h.version = 0; /* Envelope.version and the signing prefix say it */
	h.id.data = id;
	h.id.len = sizeof id;
	h.sender = (char *)s->key->cert.name;
	h.sender_key_id.data = s->key_id;
	h.sender_key_id.len = sizeof s->key_id;
	h.epoch_key.data = s->epoch_pk;
	h.epoch_key.len = sizeof s->epoch_pk;
	h.nonce.data = NULL;
	h.nonce.len = 0;
	h.ciphertext_hash.data = NULL;
	h.ciphertext_hash.len = 0;
	h.n_recipients = n_wire;
	h.recipients = s->rcpt_ptr;
	if (!h.topic)
		h.topic = (char *)"";
	hlen = liaison__header__get_packed_size(&h);
	if (hlen > ENVELOPE_HEADER_MAX) {
		rc = LIAISON_E_TOO_LARGE;
		goto out;
	}
	if (!grow(&s->hdr_buf, &s->hdr_cap, sb + hlen, false)) {
		rc = LIAISON_E_NOMEM;
		goto out;
	}
	/* signed bytes as envelope_verify_v2 rebuilds them (envelope_wire.c) */
	memcpy(s->hdr_buf, ENVELOPE_SIGN_PREFIX, sizeof ENVELOPE_SIGN_PREFIX);
	crypto_generichash(s->hdr_buf + sizeof ENVELOPE_SIGN_PREFIX, ENVELOPE_HASH_LEN, s->body_buf, (size_t)clen,
			   NULL, 0);
	liaison__header__pack(&h, s->hdr_buf + sb);
	crypto_sign_detached(sig, NULL, s->hdr_buf, sb + hlen, s->key->secret->sign_sk);

	Liaison__Envelope env = LIAISON__ENVELOPE__INIT;
	env.version = ENVELOPE_VERSION;
	env.header.data = s->hdr_buf + sb;
	env.header.len = hlen;
	env.ciphertext.data = s->body_buf;
	env.ciphertext.len = (size_t)clen;
	env.signature.data = sig;
	env.signature.len = sizeof sig;
	size_t elen = liaison__envelope__get_packed_size(&env);
	uint8_t *e = malloc(elen);
	if (!e) {
		rc = LIAISON_E_NOMEM;
		goto out;
	}
	liaison__envelope__pack(&env, e);
	s->epoch_sealed++;
	*out = e;
	*out_len = elen;
	if (id_out)
		memcpy(id_out, id, sizeof id);
	rc = LIAISON_OK;
out:
	sodium_memzero(s->sec->ck, sizeof s->sec->ck);
	return rc;
}

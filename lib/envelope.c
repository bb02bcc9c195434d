/* Sealing envelopes: the sender's epoch key, its cache of per-recipient
 * wrapping keys, and envelope_seal.
 *
 * Cost model (see envelope.h): one X25519 per recipient per epoch, then per
 * message one random content key, one AEAD over the payload, one small AEAD
 * per recipient, one BLAKE2b and one Ed25519 signature. Per message the only
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
	/* a message's randomness: id, content key, content nonce, wrap nonces */
	uint8_t rnd[ENVELOPE_ID_LEN + ENVELOPE_KEY_LEN + ENVELOPE_NONCE_LEN +
		    ENVELOPE_MAX_RECIPIENTS * ENVELOPE_NONCE_LEN];
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
	uint8_t wrapped[ENVELOPE_MAX_RECIPIENTS][ENVELOPE_WRAPPED_LEN];
	uint8_t *hdr_buf; /* signing prefix || packed header */
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
 * which is what gives forward secrecy at epoch granularity. */
static void sealer_rotate(struct sealer *s, int64_t now_ms)
{
	sodium_memzero(s->sec, sizeof *s->sec);
	crypto_box_keypair(s->epoch_pk, s->sec->epoch_sk);
	s->epoch_live = true;
	s->epoch_start_ms = now_ms;
	s->epoch_sealed = 0;
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
	if (envelope_derive_kek(e->kek, pk, sec->epoch_sk) != 0) {
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
	for (size_t i = 0; i < n; i++) {
		if (!liaison_name_valid(rcpts[i].node) || !rcpts[i].box_pk)
			return LIAISON_E_INVALID;
		for (size_t j = 0; j < i; j++)
			if (strcmp(rcpts[i].node, rcpts[j].node) == 0)
				return LIAISON_E_INVALID;
	}
	return LIAISON_OK;
}

int envelope_seal(struct sealer *s, const Liaison__Header *hdr, const Liaison__Payload *payload,
		  const struct envelope_recipient *rcpts, size_t n_rcpts, int64_t now_ms,
		  uint8_t **out, size_t *out_len, uint8_t id_out[ENVELOPE_ID_LEN])
{
	uint8_t ck[ENVELOPE_KEY_LEN], nonce[ENVELOPE_NONCE_LEN], id[ENVELOPE_ID_LEN];
	uint8_t hash[ENVELOPE_HASH_LEN], sig[ENVELOPE_SIG_LEN], ad[ENVELOPE_AD_MAX];
	size_t adlen, plen, hlen, pl = sizeof ENVELOPE_SIGN_PREFIX;
	unsigned long long clen;
	int rc;

	if (!s || !out || !out_len)
		return LIAISON_E_INVALID;
	*out = NULL;
	*out_len = 0;
	if ((rc = seal_check(s, hdr, payload, rcpts, n_rcpts)) != LIAISON_OK)
		return rc;
	if (sealer_epoch_over(s, now_ms))
		sealer_rotate(s, now_ms);

	/* One system call for all of this message's randomness: a fresh seed
	 * expanded into the id, the content key and every nonce. */
	uint8_t seed[randombytes_SEEDBYTES], *rnd = s->sec->rnd;
	size_t rnd_len = sizeof id + sizeof ck + sizeof nonce + n_rcpts * ENVELOPE_NONCE_LEN;
	randombytes_buf(seed, sizeof seed);
	randombytes_buf_deterministic(rnd, rnd_len, seed);
	sodium_memzero(seed, sizeof seed);
	if (hdr->id.len == ENVELOPE_ID_LEN)
		memcpy(id, hdr->id.data, ENVELOPE_ID_LEN);
	else
		memcpy(id, rnd, sizeof id);
	memcpy(ck, rnd + sizeof id, sizeof ck);
	memcpy(nonce, rnd + sizeof id + sizeof ck, sizeof nonce);
	rnd += sizeof id + sizeof ck + sizeof nonce;

	/* The content key, wrapped for each recipient under the epoch's key;
	 * the AD names the message and the recipient so a wrapped key cannot be
	 * moved to another message or another recipient entry. */
	for (size_t i = 0; i < n_rcpts; i++) {
		const uint8_t *kek = sealer_kek(s, rcpts[i].box_pk);
		if (!kek) {
			rc = LIAISON_E_INVALID;
			goto out;
		}
		uint8_t *w = s->wrapped[i];
		memcpy(w, rnd + i * ENVELOPE_NONCE_LEN, ENVELOPE_NONCE_LEN);
		adlen = envelope_wrap_ad(ad, id, rcpts[i].node);
		crypto_aead_xchacha20poly1305_ietf_encrypt(w + ENVELOPE_NONCE_LEN, NULL, ck, sizeof ck, ad,
							   adlen, NULL, w, kek);
		Liaison__Recipient *r = &s->rcpt[i];
		liaison__recipient__init(r);
		r->node = (char *)rcpts[i].node;
		r->stream_seq = rcpts[i].stream_seq;
		r->wrapped_key.data = w;
		r->wrapped_key.len = ENVELOPE_WRAPPED_LEN;
		s->rcpt_ptr[i] = r;
	}

	/* Payload: packed and encrypted in place in the reused body buffer. */
	plen = liaison__payload__get_packed_size(payload);
	if (!grow(&s->body_buf, &s->body_cap, plen + ENVELOPE_TAG_LEN, true)) {
		rc = LIAISON_E_NOMEM;
		goto out;
	}
	liaison__payload__pack(payload, s->body_buf);
	adlen = envelope_content_ad(ad, id);
	crypto_aead_xchacha20poly1305_ietf_encrypt(s->body_buf, &clen, s->body_buf, plen, ad, adlen, NULL,
						   nonce, ck);
	crypto_generichash(hash, sizeof hash, s->body_buf, (size_t)clen, NULL, 0);

	/* Header: the caller's fields plus what the sealer owns. */
	Liaison__Header h = *hdr;
	h.version = ENVELOPE_VERSION;
	h.id.data = id;
	h.id.len = sizeof id;
	h.sender = (char *)s->key->cert.name;
	h.sender_key_id.data = s->key_id;
	h.sender_key_id.len = sizeof s->key_id;
	h.epoch_key.data = s->epoch_pk;
	h.epoch_key.len = sizeof s->epoch_pk;
	h.nonce.data = nonce;
	h.nonce.len = sizeof nonce;
	h.ciphertext_hash.data = hash;
	h.ciphertext_hash.len = sizeof hash;
	h.n_recipients = n_rcpts;
	h.recipients = s->rcpt_ptr;
	if (!h.topic)
		h.topic = (char *)"";
	hlen = liaison__header__get_packed_size(&h);
	if (hlen > ENVELOPE_HEADER_MAX) {
		rc = LIAISON_E_TOO_LARGE;
		goto out;
	}
	if (!grow(&s->hdr_buf, &s->hdr_cap, pl + hlen, false)) {
		rc = LIAISON_E_NOMEM;
		goto out;
	}
	memcpy(s->hdr_buf, ENVELOPE_SIGN_PREFIX, pl);
	liaison__header__pack(&h, s->hdr_buf + pl);
	crypto_sign_detached(sig, NULL, s->hdr_buf, pl + hlen, s->key->secret->sign_sk);

	Liaison__Envelope env = LIAISON__ENVELOPE__INIT;
	env.version = ENVELOPE_VERSION;
	env.header.data = s->hdr_buf + pl;
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
	sodium_memzero(ck, sizeof ck);
	sodium_memzero(s->sec->rnd, rnd_len);
	return rc;
}

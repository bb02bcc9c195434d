/* Opening and verifying envelopes of both versions: the checks of
 * envelope.h, in order, and the recipient's cache of wrapping keys per
 * sender epoch. Version 1 carries nonces, the ciphertext hash and the
 * sender's own wrapped key; version 2 derives them (envelope_keys.c). */
#include <stdlib.h>
#include <string.h>
#include "envelope_priv.h"
#include "error.h"
#include "zalloc.h"

/* Sender epochs seen recently; a node hears from a handful of peers, each
 * rotating hourly, so a small table replaced round-robin suffices. */
#define OPENER_SLOTS 64

struct opener_slot {
	uint8_t epoch_pk[ENVELOPE_EPOCH_KEY_LEN];
	uint8_t kek[ENVELOPE_KEY_LEN];
	uint8_t used; /* 0: free; else the KEK_* kind of key (each has its own KDF label) */
};

/* The kinds of key cached per sender epoch. */
enum { KEK_V1 = 1, KEK_V2 = 2, KEK_SELF_V2 = 3 };

struct opener_secret {
	struct opener_slot slots[OPENER_SLOTS];
};

struct opener {
	const struct liaison_key *key;
	struct opener_secret *sec; /* sodium_malloc'ed */
	size_t next;
	uint8_t *plain; /* reused plaintext buffer, wiped after each use */
	size_t plain_cap;
	int64_t skew_ms; /* clock disagreement allowed in the time checks */
};

struct opener *opener_new(const struct liaison_key *key)
{
	if (!key || !key->secret || sodium_init() < 0)
		return NULL;
	struct opener *o = calloc(1, sizeof *o);
	if (!o)
		return NULL;
	o->sec = sodium_malloc(sizeof *o->sec);
	if (!o->sec) {
		free(o);
		return NULL;
	}
	sodium_memzero(o->sec, sizeof *o->sec);
	o->key = key;
	o->skew_ms = ENVELOPE_DEFAULT_CLOCK_SKEW_MS;
	return o;
}

void opener_set_clock_skew(struct opener *o, int64_t skew_ms)
{
	if (o && skew_ms >= 0)
		o->skew_ms = skew_ms;
}

void opener_destroy(struct opener **op)
{
	if (!op || !*op)
		return;
	struct opener *o = *op;
	sodium_free(o->sec);
	if (o->plain)
		sodium_memzero(o->plain, o->plain_cap);
	free(o->plain);
	free(o);
	*op = NULL;
}

void opened_clear(struct opened *o)
{
	if (!o)
		return;
	if (o->payload)
		liaison__payload__free_unpacked(o->payload, &zalloc_protobuf);
	if (o->header)
		liaison__header__free_unpacked(o->header, NULL);
	if (o->envelope)
		liaison__envelope__free_unpacked(o->envelope, NULL);
	memset(o, 0, sizeof *o);
}

static bool names_unique(const Liaison__Header *h)
{
	for (size_t i = 0; i < h->n_recipients; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(h->recipients[i]->node, h->recipients[j]->node) == 0)
				return false;
	return true;
}

/* Structure of an unpacked header: sizes, names, enums. Version 2 carries
 * neither nonce nor ciphertext hash, and shorter wrapped keys. */
static bool header_well_formed(const Liaison__Header *h)
{
	bool v1 = h->version == ENVELOPE_VERSION_V1;
	size_t wrapped = v1 ? ENVELOPE_WRAPPED_LEN : ENVELOPE_WRAPPED_LEN_V2;
	if (h->id.len != ENVELOPE_ID_LEN || h->sender_key_id.len != LIAISON_KEY_ID ||
	    h->epoch_key.len != ENVELOPE_EPOCH_KEY_LEN)
		return false;
	if (v1 ? h->ciphertext_hash.len != ENVELOPE_HASH_LEN || h->nonce.len != ENVELOPE_NONCE_LEN
	       : h->ciphertext_hash.len != 0 || h->nonce.len != 0)
		return false;
	if (!liaison_name_valid(h->sender) || !envelope_header_enums_valid(h))
		return false;
	if (h->n_recipients == 0 || h->n_recipients > ENVELOPE_MAX_RECIPIENTS)
		return false;
	for (size_t i = 0; i < h->n_recipients; i++) {
		const Liaison__Recipient *r = h->recipients[i];
		if (!r || !liaison_name_valid(r->node) || r->wrapped_key.len != wrapped)
			return false;
	}
	return names_unique(h);
}

/* Size and parse checks shared by open and verify. */
static int parse_checks(const uint8_t *buf, size_t len, size_t max_len, struct opened *out)
{
	int rc;
	if (!buf || len == 0)
		return LIAISON_E_EMPTY;
	if (max_len == 0)
		max_len = ENVELOPE_DEFAULT_MAX_MESSAGE + ENVELOPE_HEADER_MAX;
	if (len > max_len)
		return LIAISON_E_TOO_LARGE;
	if ((rc = envelope_wire_check(buf, len)) != LIAISON_OK)
		return rc;
	Liaison__Envelope *env = liaison__envelope__unpack(NULL, len, buf);
	if (!env)
		return LIAISON_E_PARSE;
	out->envelope = env;
	if (env->version != ENVELOPE_VERSION && env->version != ENVELOPE_VERSION_V1)
		return LIAISON_E_VERSION;
	if (env->header.len == 0 || env->signature.len != ENVELOPE_SIG_LEN)
		return LIAISON_E_PARSE;
	if (env->header.len > ENVELOPE_HEADER_MAX)
		return LIAISON_E_PARSE;
	if ((rc = envelope_wire_check(env->header.data, env->header.len)) != LIAISON_OK)
		return rc;
	Liaison__Header *h = liaison__header__unpack(NULL, env->header.len, env->header.data);
	if (!h)
		return LIAISON_E_PARSE;
	out->header = h;
	/* version 1 repeats its version in the header; version 2 leaves it to
	 * the envelope and the signing prefix */
	if (h->version != (env->version == ENVELOPE_VERSION_V1 ? ENVELOPE_VERSION_V1 : 0))
		return LIAISON_E_VERSION;
	if (!header_well_formed(h))
		return LIAISON_E_PARSE;
	return LIAISON_OK;
}

/* Key id, signature and ciphertext hash against the sender's certificate.
 * Version 2 signs the hash it does not carry: a changed ciphertext fails
 * as a signature. */
static int envelope_check_sender(const struct opened *op, const struct liaison_cert *cert)
{
	const Liaison__Envelope *env = op->envelope;
	const Liaison__Header *h = op->header;
	uint8_t kid[LIAISON_KEY_ID], hash[ENVELOPE_HASH_LEN];
	cert_key_id(cert, kid);
	if (sodium_memcmp(kid, h->sender_key_id.data, sizeof kid) != 0)
		return LIAISON_E_WRONG_KEY;
	if (env->version != ENVELOPE_VERSION_V1)
		return envelope_verify_v2(env->signature.data, env->header.data, env->header.len,
					  env->ciphertext.data, env->ciphertext.len, cert->sign_pk)
			       ? LIAISON_OK
			       : LIAISON_E_SIGNATURE;
	if (!envelope_verify_prefixed(env->signature.data, ENVELOPE_SIGN_PREFIX_V1, env->header.data,
				      env->header.len, cert->sign_pk))
		return LIAISON_E_SIGNATURE;
	crypto_generichash(hash, sizeof hash, env->ciphertext.data, env->ciphertext.len, NULL, 0);
	if (sodium_memcmp(hash, h->ciphertext_hash.data, sizeof hash) != 0)
		return LIAISON_E_HASH;
	return LIAISON_OK;
}

int envelope_verify(const uint8_t *buf, size_t len, size_t max_len, const struct liaison_cert *sender,
		    struct opened *out)
{
	if (!out)
		return LIAISON_E_INVALID;
	memset(out, 0, sizeof *out);
	if (!sender)
		return LIAISON_E_INVALID;
	if (sodium_init() < 0)
		return LIAISON_E_NOMEM;
	int rc = parse_checks(buf, len, max_len, out);
	if (rc == LIAISON_OK && strcmp(out->header->sender, sender->name) != 0)
		rc = LIAISON_E_UNKNOWN_SENDER;
	if (rc == LIAISON_OK)
		rc = envelope_check_sender(out, sender);
	if (rc != LIAISON_OK)
		opened_clear(out);
	return rc;
}

/* The wrapping key for a sender epoch, from the cache or derived; only keys
 * under which a payload opened are cached (see decrypt_payload). */
static int opener_kek(struct opener *o, int kind, const uint8_t *epoch_pk, uint8_t kek[ENVELOPE_KEY_LEN],
		      bool *cached)
{
	for (size_t i = 0; i < OPENER_SLOTS; i++) {
		struct opener_slot *e = &o->sec->slots[i];
		if (e->used == kind && memcmp(e->epoch_pk, epoch_pk, ENVELOPE_EPOCH_KEY_LEN) == 0) {
			memcpy(kek, e->kek, ENVELOPE_KEY_LEN);
			*cached = true;
			return LIAISON_OK;
		}
	}
	*cached = false;
	const char *label = kind == KEK_V1 ? WRAP_KDF_LABEL : kind == KEK_V2 ? WRAP_KDF_LABEL_V2 : SELF_KDF_LABEL_V2;
	return envelope_derive_kek_labeled(kek, epoch_pk, o->key->secret->box_sk, label) == 0 ? LIAISON_OK
												: LIAISON_E_DECRYPT;
}

static void opener_remember(struct opener *o, int kind, const uint8_t *epoch_pk,
			    const uint8_t kek[ENVELOPE_KEY_LEN])
{
	struct opener_slot *e = &o->sec->slots[o->next];
	o->next = (o->next + 1) % OPENER_SLOTS;
	memcpy(e->epoch_pk, epoch_pk, ENVELOPE_EPOCH_KEY_LEN);
	memcpy(e->kek, kek, ENVELOPE_KEY_LEN);
	e->used = (uint8_t)kind;
}

/* The wrapping key (or, for the node's own messages, the self key) in the
 * sender's epoch, and whether it came from the cache; the caller remembers
 * it once the payload opened. */
struct kek_use {
	uint8_t kek[ENVELOPE_KEY_LEN];
	int kind; /* KEK_*; 0: nothing to remember */
	bool cached;
};

/* The content key of a version-1 envelope: nonce || AEAD in the entry. */
static int unwrap_v1(struct opener *o, const Liaison__Header *h, const Liaison__Recipient *me,
		     uint8_t ck[ENVELOPE_KEY_LEN], struct kek_use *k)
{
	uint8_t ad[ENVELOPE_AD_MAX];
	unsigned long long n;
	int rc = opener_kek(o, KEK_V1, h->epoch_key.data, k->kek, &k->cached);
	if (rc != LIAISON_OK)
		return rc;
	k->kind = KEK_V1;
	size_t adlen = envelope_wrap_ad(ad, h->id.data, me->node);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(ck, &n, NULL, me->wrapped_key.data + ENVELOPE_NONCE_LEN,
						       ENVELOPE_WRAPPED_LEN - ENVELOPE_NONCE_LEN, ad, adlen,
						       me->wrapped_key.data, k->kek) != 0 ||
	    n != ENVELOPE_KEY_LEN)
		return LIAISON_E_DECRYPT;
	return LIAISON_OK;
}

/* The content key of a version-2 envelope: XChaCha20 of it in the entry
 * under a derived nonce, or, for the sender's own message (me NULL), derived
 * from the self key its box secret shares with the epoch key. No tag here:
 * the entry is signed, and a wrong key (a former key tried, say) yields a
 * content key under which the payload's own tag fails. */
static int unwrap_v2(struct opener *o, const Liaison__Header *h, const Liaison__Recipient *me,
		     uint8_t ck[ENVELOPE_KEY_LEN], struct kek_use *k)
{
	uint8_t nonce[ENVELOPE_NONCE_LEN];
	int rc = opener_kek(o, me ? KEK_V2 : KEK_SELF_V2, h->epoch_key.data, k->kek, &k->cached);
	if (rc != LIAISON_OK)
		return rc;
	k->kind = me ? KEK_V2 : KEK_SELF_V2;
	if (!me) {
		envelope_content_key_v2(ck, k->kek, h->id.data);
		return LIAISON_OK;
	}
	envelope_wrap_nonce_v2(nonce, h->id.data, me->node);
	crypto_stream_xchacha20_xor(ck, me->wrapped_key.data, ENVELOPE_KEY_LEN, nonce, k->kek);
	return LIAISON_OK;
}

/* Recovers the content key (see unwrap_v1, unwrap_v2), then decrypts and
 * parses the payload into out->payload. */
static int decrypt_payload(struct opener *o, const Liaison__Recipient *me, struct opened *out)
{
	const Liaison__Header *h = out->header;
	const Liaison__Envelope *env = out->envelope;
	bool v1 = env->version == ENVELOPE_VERSION_V1;
	uint8_t ck[ENVELOPE_KEY_LEN], ad[ENVELOPE_AD_MAX], nonce[ENVELOPE_NONCE_LEN];
	struct kek_use k = { .kind = 0 };
	unsigned long long n;
	size_t adlen;
	int rc = v1 ? unwrap_v1(o, h, me, ck, &k) : unwrap_v2(o, h, me, ck, &k);
	if (rc != LIAISON_OK)
		goto out;
	if (env->ciphertext.len < ENVELOPE_TAG_LEN) {
		rc = LIAISON_E_DECRYPT;
		goto out;
	}
	size_t plen = env->ciphertext.len - ENVELOPE_TAG_LEN;
	if (o->plain_cap < plen + 1) {
		size_t cap = o->plain_cap ? o->plain_cap : 4096;
		while (cap < plen + 1)
			cap *= 2;
		uint8_t *b = malloc(cap);
		if (!b) {
			rc = LIAISON_E_NOMEM;
			goto out;
		}
		if (o->plain)
			sodium_memzero(o->plain, o->plain_cap);
		free(o->plain);
		o->plain = b;
		o->plain_cap = cap;
	}
	if (v1) {
		adlen = envelope_content_ad(ad, h->id.data);
		memcpy(nonce, h->nonce.data, sizeof nonce);
	} else {
		adlen = envelope_content_ad_v2(ad, h->id.data);
		envelope_content_nonce_v2(nonce, h->id.data);
	}
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(o->plain, &n, NULL, env->ciphertext.data,
						       env->ciphertext.len, ad, adlen, nonce, ck) != 0) {
		rc = LIAISON_E_DECRYPT;
		goto out;
	}
	/* only keys under which a payload opened are cached */
	if (k.kind && !k.cached)
		opener_remember(o, k.kind, h->epoch_key.data, k.kek);
	/* the payload is plaintext: its blocks are wiped when freed (opened_clear) */
	out->payload = liaison__payload__unpack(&zalloc_protobuf, (size_t)n, o->plain);
	sodium_memzero(o->plain, (size_t)n);
	rc = envelope_body_matches(h->type, out->payload) ? LIAISON_OK : LIAISON_E_PARSE;
out:
	sodium_memzero(ck, sizeof ck);
	sodium_memzero(k.kek, sizeof k.kek);
	return rc;
}

int envelope_parse(const uint8_t *buf, size_t len, size_t max_len, struct opened *out)
{
	if (!out)
		return LIAISON_E_INVALID;
	memset(out, 0, sizeof *out);
	int rc = parse_checks(buf, len, max_len, out);
	if (rc != LIAISON_OK)
		opened_clear(out);
	return rc;
}

int envelope_open_header(const uint8_t *buf, size_t len, size_t max_len, cert_lookup_fn lookup, void *ctx,
			 struct opened *out)
{
	if (!out)
		return LIAISON_E_INVALID;
	memset(out, 0, sizeof *out);
	if (!lookup)
		return LIAISON_E_INVALID;
	if (sodium_init() < 0)
		return LIAISON_E_NOMEM;
	int rc = parse_checks(buf, len, max_len, out);
	if (rc != LIAISON_OK)
		goto out;
	const char *sender = out->header->sender;
	const struct liaison_cert *cert = lookup(ctx, sender);
	if (!cert || strcmp(cert->name, sender) != 0) {
		rc = LIAISON_E_UNKNOWN_SENDER;
		goto out;
	}
	rc = envelope_check_sender(out, cert);
out:
	if (rc != LIAISON_OK)
		opened_clear(out);
	return rc;
}

int envelope_decrypt(struct opener *o, struct opened *out, int64_t now_ms)
{
	if (!o || !out || !out->envelope || !out->header || out->payload)
		return LIAISON_E_INVALID;
	const Liaison__Header *h = out->header;
	const Liaison__Recipient *me = NULL;
	for (size_t i = 0; i < h->n_recipients && !me; i++)
		if (strcmp(h->recipients[i]->node, o->key->cert.name) == 0)
			me = h->recipients[i];
	if (!me && out->envelope->version == ENVELOPE_VERSION_V1)
		return LIAISON_E_NOT_RECIPIENT;
	if (!me) {
		/* Version 2 carries no entry for the sender's own copy: this node
		 * opens its own message with the key it was sealed under, which
		 * the key id names (after a key rotation, a former key: DECRYPT
		 * tells the caller to try the next). */
		uint8_t kid[LIAISON_KEY_ID];
		if (strcmp(h->sender, o->key->cert.name) != 0)
			return LIAISON_E_NOT_RECIPIENT;
		cert_key_id(&o->key->cert, kid);
		if (sodium_memcmp(kid, h->sender_key_id.data, sizeof kid) != 0)
			return LIAISON_E_DECRYPT;
	}
	int rc = decrypt_payload(o, me, out);
	/* Two nodes' clocks disagree by minutes: allowing the skew both ways
	 * keeps a receiver whose clock runs ahead from refusing (and so
	 * consuming the stream position of) a message that is still valid,
	 * while a message stamped beyond it is refused with its own code. */
	if (rc == LIAISON_OK && now_ms != 0 && h->created > now_ms + o->skew_ms)
		rc = LIAISON_E_FUTURE;
	else if (rc == LIAISON_OK && now_ms != 0 && h->expires != 0 && h->expires + o->skew_ms < now_ms)
		rc = LIAISON_E_EXPIRED;
	if (rc != LIAISON_OK && out->payload) {
		liaison__payload__free_unpacked(out->payload, &zalloc_protobuf);
		out->payload = NULL;
	}
	return rc;
}

int envelope_open(struct opener *o, const uint8_t *buf, size_t len, size_t max_len, cert_lookup_fn lookup,
		  void *ctx, int64_t now_ms, struct opened *out)
{
	if (!out)
		return LIAISON_E_INVALID;
	memset(out, 0, sizeof *out);
	if (!o || !lookup)
		return LIAISON_E_INVALID;
	int rc = envelope_open_header(buf, len, max_len, lookup, ctx, out);
	if (rc == LIAISON_OK && (rc = envelope_decrypt(o, out, now_ms)) != LIAISON_OK)
		opened_clear(out);
	return rc;
}

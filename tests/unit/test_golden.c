/* Golden vectors (tests/golden/, made by tests/tools/make_golden): the
 * committed key, certificate, envelopes (version 1 and version 2) and
 * receipt verify; each one-bit forgery fails with its own error; signatures
 * re-create byte for byte; and the fingerprint, key id, every signature, the
 * ciphertext hash and each envelope version's key wrapping, key derivation
 * and encryption are recomputed here from the layouts in
 * docs/architecture.md ("Signed bytes") with libsodium alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <sodium.h>
#include "envelope.h"
#include "error.h"
#include "keyfile.h"

static char tmp[64];

static const char *golden_dir(void)
{
	const char *d = getenv("GOLDEN_DIR");
	return d && *d ? d : "tests/golden";
}

static char *golden(const char *file)
{
	static char p[4][512];
	static int k;
	k = (k + 1) % 4;
	snprintf(p[k], sizeof p[k], "%s/%s", golden_dir(), file);
	return p[k];
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	uint8_t *b = malloc(1 << 16);
	assert_non_null(b);
	*len = fread(b, 1, 1 << 16, f);
	assert_true(*len < (1 << 16));
	fclose(f);
	return b;
}

/* Git keeps no 0600 mode: key files are read from a private copy. */
static int load_key(const char *file, struct liaison_key **out)
{
	char path[512];
	size_t len;
	uint8_t *b = slurp(golden(file), &len);
	snprintf(path, sizeof path, "%s/%s", tmp, file);
	unlink(path);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, len, f), len);
	fclose(f);
	assert_int_equal(chmod(path, 0600), 0);
	free(b);
	return key_load(path, out);
}

static int setup(void **state)
{
	(void)state;
	strcpy(tmp, "/tmp/liaison-golden.XXXXXX");
	return sodium_init() >= 0 && mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	return system(cmd);
}

/* ---------------------------------------------------------------- keys and certificates */

static void test_certificates(void **state)
{
	(void)state;
	struct liaison_cert a, b;
	assert_int_equal(cert_load(golden("TEST-ALPHA.pub"), &a), LIAISON_OK);
	assert_int_equal(cert_load(golden("TEST-BRAVO.pub"), &b), LIAISON_OK);
	assert_string_equal(a.name, "TEST-ALPHA");
	assert_int_equal(a.kind, CERT_NODE);
	assert_int_equal(a.created, 1800000000);
	assert_int_equal(cert_load(golden("TEST-ALPHA-forged-signature.pub"), &b), LIAISON_E_SIGNATURE);
	assert_int_equal(cert_load(golden("TEST-ALPHA-forged-box-key.pub"), &b), LIAISON_E_SIGNATURE);
}

static void test_keys(void **state)
{
	(void)state;
	struct liaison_key *k = NULL;
	struct liaison_cert c;
	assert_int_equal(load_key("TEST-ALPHA.key", &k), LIAISON_OK);
	assert_int_equal(cert_load(golden("TEST-ALPHA.pub"), &c), LIAISON_OK);
	assert_memory_equal(k->cert.sign_pk, c.sign_pk, LIAISON_SIGN_PK);
	assert_memory_equal(k->cert.box_pk, c.box_pk, LIAISON_BOX_PK);
	/* Ed25519 is deterministic: the committed self-signature comes out again */
	struct liaison_cert again = k->cert;
	memset(again.sig, 0, sizeof again.sig);
	cert_sign(&again, k->secret->sign_sk);
	assert_memory_equal(again.sig, c.sig, LIAISON_SIG);
	key_destroy(&k);
	assert_int_equal(load_key("TEST-BRAVO.key", &k), LIAISON_OK);
	key_destroy(&k);
	assert_int_equal(load_key("TEST-BRAVO-forged-secret.key", &k), LIAISON_E_SIGNATURE);
	assert_null(k);
}

/* RFC 4648 base32 of the first 10 bytes, in groups of four joined by '-'. */
static void base32_groups(const uint8_t h[10], char out[20])
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	size_t o = 0;
	for (int d = 0; d < 16; d++) {
		int bit = d * 5, v = 0;
		for (int i = 0; i < 5; i++, bit++)
			v = (v << 1) | ((h[bit / 8] >> (7 - bit % 8)) & 1);
		if (d && d % 4 == 0)
			out[o++] = '-';
		out[o++] = alphabet[v];
	}
	out[o] = '\0';
}

static void test_fingerprint_and_key_id_from_the_docs(void **state)
{
	(void)state;
	struct liaison_cert c;
	static const char prefix[] = "liaison-fingerprint-v1"; /* hashed with its NUL */
	uint8_t in[sizeof prefix + 64], h[32], kid[LIAISON_KEY_ID];
	char fp[LIAISON_FINGERPRINT_LEN], mine[20], line[128];
	assert_int_equal(cert_load(golden("TEST-ALPHA.pub"), &c), LIAISON_OK);
	memcpy(in, prefix, sizeof prefix);
	memcpy(in + sizeof prefix, c.sign_pk, 32);
	memcpy(in + sizeof prefix + 32, c.box_pk, 32);
	crypto_generichash(h, sizeof h, in, sizeof in, NULL, 0);
	base32_groups(h, mine);
	cert_fingerprint(&c, fp);
	assert_string_equal(mine, fp);
	/* the one the file's comment line shows */
	FILE *f = fopen(golden("TEST-ALPHA.pub"), "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof line, f));
	fclose(f);
	assert_non_null(strstr(line, mine));
	cert_key_id(&c, kid);
	assert_memory_equal(kid, h, LIAISON_KEY_ID);
}

static void test_cert_signature_from_the_docs(void **state)
{
	(void)state;
	struct liaison_cert c;
	uint8_t m[200];
	size_t n = 0, nl;
	assert_int_equal(cert_load(golden("TEST-BRAVO.pub"), &c), LIAISON_OK);
	memcpy(m, "liaison-cert-v1", 16); /* with its NUL */
	n = 16;
	nl = strlen(c.name);
	memcpy(m + n, c.name, nl + 1); /* the name and a NUL */
	n += nl + 1;
	m[n++] = 0; /* kind: 0 node, 1 client */
	for (int i = 7; i >= 0; i--)
		m[n++] = (uint8_t)((uint64_t)c.created >> (8 * i)); /* seconds, big-endian */
	memcpy(m + n, c.sign_pk, 32);
	n += 32;
	memcpy(m + n, c.box_pk, 32);
	n += 32;
	assert_int_equal(crypto_sign_verify_detached(c.sig, m, n, c.sign_pk), 0);
	m[20] ^= 1;
	assert_int_not_equal(crypto_sign_verify_detached(c.sig, m, n, c.sign_pk), 0);
}

/* ---------------------------------------------------------------- envelopes */

static const struct liaison_cert *lookup_cert;
static const struct liaison_cert *lookup(void *ctx, const char *name)
{
	(void)ctx;
	return strcmp(name, lookup_cert->name) == 0 ? lookup_cert : NULL;
}

/* Version 1: sealed by earlier liaison, still opened. */
static void test_envelope(void **state)
{
	(void)state;
	struct liaison_cert a, b;
	struct liaison_key *kb = NULL, *ka = NULL;
	struct opened op;
	size_t len;
	uint8_t *env = slurp(golden("envelope.bin"), &len);
	assert_int_equal(cert_load(golden("TEST-ALPHA.pub"), &a), LIAISON_OK);
	assert_int_equal(cert_load(golden("TEST-BRAVO.pub"), &b), LIAISON_OK);
	assert_int_equal(envelope_verify(env, len, 0, &a, &op), LIAISON_OK);
	assert_string_equal(op.header->sender, "TEST-ALPHA");
	assert_string_equal(op.header->topic, "golden/test");
	assert_int_equal(op.header->type, LIAISON__MESSAGE_TYPE__SITREP);
	assert_int_equal(op.header->label->classification, LIAISON__CLASSIFICATION__RESTRICTED);
	opened_clear(&op);
	assert_int_equal(envelope_verify(env, len, 0, &b, &op), LIAISON_E_UNKNOWN_SENDER);

	/* the recipient opens it; so does the sender's own copy */
	assert_int_equal(load_key("TEST-BRAVO.key", &kb), LIAISON_OK);
	assert_int_equal(load_key("TEST-ALPHA.key", &ka), LIAISON_OK);
	lookup_cert = &a;
	for (int i = 0; i < 2; i++) {
		struct opener *o = opener_new(i ? ka : kb);
		assert_non_null(o);
		assert_int_equal(envelope_open(o, env, len, 0, lookup, NULL, 0, &op), LIAISON_OK);
		assert_string_equal(op.payload->sitrep->title, "Golden vector");
		opened_clear(&op);
		opener_destroy(&o);
	}
	key_destroy(&ka);
	key_destroy(&kb);
	free(env);
}

static void test_envelope_forgeries(void **state)
{
	(void)state;
	static const struct {
		const char *file;
		int err;
	} forged[] = {
		{ "envelope-forged-signature.bin", LIAISON_E_SIGNATURE },
		{ "envelope-forged-header.bin", LIAISON_E_SIGNATURE },
		{ "envelope-forged-ciphertext.bin", LIAISON_E_HASH },
	};
	struct liaison_cert a;
	struct opened op;
	size_t len, glen;
	assert_int_equal(cert_load(golden("TEST-ALPHA.pub"), &a), LIAISON_OK);
	uint8_t *good = slurp(golden("envelope.bin"), &glen);
	for (size_t i = 0; i < sizeof forged / sizeof forged[0]; i++) {
		uint8_t *env = slurp(golden(forged[i].file), &len);
		/* one bit, exactly */
		assert_int_equal(len, glen);
		int bits = 0;
		for (size_t j = 0; j < len; j++)
			bits += __builtin_popcount(env[j] ^ good[j]);
		assert_int_equal(bits, 1);
		assert_int_equal(envelope_verify(env, len, 0, &a, &op), forged[i].err);
		assert_null(op.header);
		free(env);
	}
	free(good);
}

static size_t prefixed(uint8_t *out, const char *prefix, const uint8_t *msg, size_t len)
{
	size_t pl = strlen(prefix) + 1;
	memcpy(out, prefix, pl);
	memcpy(out + pl, msg, len);
	return pl + len;
}

static void test_envelope_from_the_docs(void **state)
{
	(void)state;
	struct liaison_cert a;
	struct liaison_key *ka = NULL, *kb = NULL;
	size_t len;
	uint8_t *env = slurp(golden("envelope.bin"), &len);
	assert_int_equal(cert_load(golden("TEST-ALPHA.pub"), &a), LIAISON_OK);
	Liaison__Envelope *e = liaison__envelope__unpack(NULL, len, env);
	assert_non_null(e);
	Liaison__Header *h = liaison__header__unpack(NULL, e->header.len, e->header.data);
	assert_non_null(h);

	/* signature: Ed25519 over "liaison-envelope-v1\0" || the header bytes as carried */
	uint8_t *m = malloc(64 + e->header.len), sig[64];
	size_t n = prefixed(m, "liaison-envelope-v1", e->header.data, e->header.len);
	assert_int_equal(e->signature.len, 64);
	assert_int_equal(crypto_sign_verify_detached(e->signature.data, m, n, a.sign_pk), 0);
	/* and it is deterministic: the sender's key signs the same bytes again */
	assert_int_equal(load_key("TEST-ALPHA.key", &ka), LIAISON_OK);
	crypto_sign_detached(sig, NULL, m, n, ka->secret->sign_sk);
	assert_memory_equal(sig, e->signature.data, 64);
	free(m);

	/* ciphertext hash: unkeyed BLAKE2b-256 of the ciphertext field */
	uint8_t hash[32];
	crypto_generichash(hash, sizeof hash, e->ciphertext.data, e->ciphertext.len, NULL, 0);
	assert_int_equal(h->ciphertext_hash.len, 32);
	assert_memory_equal(hash, h->ciphertext_hash.data, 32);

	/* key id: the first 8 bytes of the fingerprint hash */
	uint8_t kid[LIAISON_KEY_ID];
	cert_key_id(&a, kid);
	assert_memory_equal(kid, h->sender_key_id.data, LIAISON_KEY_ID);

	/* opening by hand: kek = BLAKE2b-256(key = crypto_box_beforenm(epoch pk,
	 * recipient sk), message = "liaison-wrap-v1"); the wrapped key is nonce ||
	 * XChaCha20-Poly1305 with AD "liaison-wrap-v1\0" || id || node name; the
	 * payload is XChaCha20-Poly1305 under it, AD "liaison-content-v1\0" || id. */
	assert_int_equal(load_key("TEST-BRAVO.key", &kb), LIAISON_OK);
	const Liaison__Recipient *me = NULL;
	for (size_t i = 0; i < h->n_recipients; i++)
		if (strcmp(h->recipients[i]->node, "TEST-BRAVO") == 0)
			me = h->recipients[i];
	assert_non_null(me);
	assert_int_equal(me->stream_seq, 1);
	uint8_t shared[32], kek[32], ck[32], ad[128];
	assert_int_equal(crypto_box_beforenm(shared, h->epoch_key.data, kb->secret->box_sk), 0);
	crypto_generichash(kek, 32, (const uint8_t *)"liaison-wrap-v1", 15, shared, 32);
	uint8_t idnode[64];
	memcpy(idnode, h->id.data, 16);
	memcpy(idnode + 16, "TEST-BRAVO", 10);
	size_t adlen = prefixed(ad, "liaison-wrap-v1", idnode, 26);
	unsigned long long cklen;
	assert_int_equal(me->wrapped_key.len, 24 + 32 + 16);
	assert_int_equal(crypto_aead_xchacha20poly1305_ietf_decrypt(ck, &cklen, NULL, me->wrapped_key.data + 24, 48,
								    ad, adlen, me->wrapped_key.data, kek),
			 0);
	adlen = prefixed(ad, "liaison-content-v1", h->id.data, 16);
	uint8_t *plain = malloc(e->ciphertext.len);
	unsigned long long plen;
	assert_int_equal(crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &plen, NULL, e->ciphertext.data,
								    e->ciphertext.len, ad, adlen, h->nonce.data, ck),
			 0);
	Liaison__Payload *p = liaison__payload__unpack(NULL, (size_t)plen, plain);
	assert_non_null(p);
	assert_int_equal(p->body_case, LIAISON__PAYLOAD__BODY_SITREP);
	assert_string_equal(p->sitrep->title, "Golden vector");
	liaison__payload__free_unpacked(p, NULL);
	free(plain);
	key_destroy(&ka);
	key_destroy(&kb);
	liaison__header__free_unpacked(h, NULL);
	liaison__envelope__free_unpacked(e, NULL);
	free(env);
}

/* Version 2: what liaison seals now. */
static void test_envelope_v2(void **state)
{
	(void)state;
	struct liaison_cert a, b;
	struct liaison_key *kb = NULL, *ka = NULL;
	struct opened op;
	size_t len;
	uint8_t *env = slurp(golden("envelope-v2.bin"), &len);
	assert_int_equal(cert_load(golden("TEST-ALPHA.pub"), &a), LIAISON_OK);
	assert_int_equal(cert_load(golden("TEST-BRAVO.pub"), &b), LIAISON_OK);
	assert_int_equal(envelope_verify(env, len, 0, &a, &op), LIAISON_OK);
	assert_int_equal(op.envelope->version, 2);
	assert_int_equal(op.header->version, 0);
	assert_string_equal(op.header->topic, "golden/test");
	/* the sender's own copy is not carried: one entry, the recipient's */
	assert_int_equal(op.header->n_recipients, 1);
	assert_string_equal(op.header->recipients[0]->node, "TEST-BRAVO");
	assert_int_equal(op.header->recipients[0]->stream_seq, 1);
	assert_int_equal(op.header->nonce.len, 0);
	assert_int_equal(op.header->ciphertext_hash.len, 0);
	opened_clear(&op);
	assert_int_equal(envelope_verify(env, len, 0, &b, &op), LIAISON_E_UNKNOWN_SENDER);

	/* the recipient opens it; so does the sender, from its key alone */
	assert_int_equal(load_key("TEST-BRAVO.key", &kb), LIAISON_OK);
	assert_int_equal(load_key("TEST-ALPHA.key", &ka), LIAISON_OK);
	lookup_cert = &a;
	for (int i = 0; i < 2; i++) {
		struct opener *o = opener_new(i ? ka : kb);
		assert_non_null(o);
		assert_int_equal(envelope_open(o, env, len, 0, lookup, NULL, 0, &op), LIAISON_OK);
		assert_string_equal(op.payload->sitrep->title, "Golden vector");
		opened_clear(&op);
		opener_destroy(&o);
	}
	key_destroy(&ka);
	key_destroy(&kb);
	free(env);
}

static void test_envelope_v2_forgeries(void **state)
{
	(void)state;
	/* every one is a signature failure: the ciphertext's hash is signed,
	 * not carried */
	static const char *forged[] = {
		"envelope-v2-forged-signature.bin", "envelope-v2-forged-header.bin",
		"envelope-v2-forged-ciphertext.bin", "envelope-v2-forged-recipient.bin",
		"envelope-v2-forged-stream.bin",
	};
	struct liaison_cert a;
	struct opened op;
	size_t len, glen;
	assert_int_equal(cert_load(golden("TEST-ALPHA.pub"), &a), LIAISON_OK);
	uint8_t *good = slurp(golden("envelope-v2.bin"), &glen);
	for (size_t i = 0; i < sizeof forged / sizeof forged[0]; i++) {
		uint8_t *env = slurp(golden(forged[i]), &len);
		assert_int_equal(len, glen);
		int bits = 0;
		for (size_t j = 0; j < len; j++)
			bits += __builtin_popcount(env[j] ^ good[j]);
		assert_int_equal(bits, 1);
		assert_int_equal(envelope_verify(env, len, 0, &a, &op), LIAISON_E_SIGNATURE);
		assert_null(op.header);
		free(env);
	}
	free(good);
}

/* BLAKE2b(key, label || NUL || id || extra) */
static void v2_derive(uint8_t *out, size_t out_len, const uint8_t *key, const char *label, const uint8_t *id,
		      const char *extra)
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, key, key ? 32 : 0, out_len);
	crypto_generichash_update(&st, (const uint8_t *)label, strlen(label) + 1);
	crypto_generichash_update(&st, id, 16);
	if (extra)
		crypto_generichash_update(&st, (const uint8_t *)extra, strlen(extra));
	crypto_generichash_final(&st, out, out_len);
}

static void test_envelope_v2_from_the_docs(void **state)
{
	(void)state;
	struct liaison_cert a;
	struct liaison_key *ka = NULL, *kb = NULL;
	size_t len;
	uint8_t *env = slurp(golden("envelope-v2.bin"), &len);
	assert_int_equal(cert_load(golden("TEST-ALPHA.pub"), &a), LIAISON_OK);
	Liaison__Envelope *e = liaison__envelope__unpack(NULL, len, env);
	assert_non_null(e);
	Liaison__Header *h = liaison__header__unpack(NULL, e->header.len, e->header.data);
	assert_non_null(h);

	/* signature: Ed25519 over "liaison-envelope-v2\0" || BLAKE2b-256(ciphertext)
	 * || the header bytes as carried */
	static const char prefix[] = "liaison-envelope-v2";
	uint8_t *m = malloc(sizeof prefix + 32 + e->header.len), sig[64];
	memcpy(m, prefix, sizeof prefix);
	crypto_generichash(m + sizeof prefix, 32, e->ciphertext.data, e->ciphertext.len, NULL, 0);
	memcpy(m + sizeof prefix + 32, e->header.data, e->header.len);
	size_t n = sizeof prefix + 32 + e->header.len;
	assert_int_equal(crypto_sign_verify_detached(e->signature.data, m, n, a.sign_pk), 0);
	assert_int_equal(load_key("TEST-ALPHA.key", &ka), LIAISON_OK);
	crypto_sign_detached(sig, NULL, m, n, ka->secret->sign_sk);
	assert_memory_equal(sig, e->signature.data, 64);
	free(m);

	/* the recipient: kek = BLAKE2b-256(key = X25519(recipient sk, epoch pk),
	 * message = "liaison-wrap-v2"); the content key is XChaCha20 of its 32
	 * bytes under kek, nonce = BLAKE2b-192("liaison-wrap-nonce-v2\0" || id
	 * || node name) */
	assert_int_equal(load_key("TEST-BRAVO.key", &kb), LIAISON_OK);
	const Liaison__Recipient *me = h->recipients[0];
	assert_string_equal(me->node, "TEST-BRAVO");
	assert_int_equal(me->wrapped_key.len, 32);
	uint8_t shared[32], kek[32], ck[32], wn[24];
	assert_int_equal(crypto_box_beforenm(shared, h->epoch_key.data, kb->secret->box_sk), 0);
	crypto_generichash(kek, 32, (const uint8_t *)"liaison-wrap-v2", 15, shared, 32);
	v2_derive(wn, 24, NULL, "liaison-wrap-nonce-v2", h->id.data, "TEST-BRAVO");
	crypto_stream_xchacha20_xor(ck, me->wrapped_key.data, 32, wn, kek);

	/* the sender: self = BLAKE2b-256(key = X25519(sender sk, epoch pk),
	 * message = "liaison-self-v2"), content key = BLAKE2b-256(key = self,
	 * "liaison-content-key-v2\0" || id): the same key */
	uint8_t self[32], ck2[32];
	assert_int_equal(crypto_box_beforenm(shared, h->epoch_key.data, ka->secret->box_sk), 0);
	crypto_generichash(self, 32, (const uint8_t *)"liaison-self-v2", 15, shared, 32);
	v2_derive(ck2, 32, self, "liaison-content-key-v2", h->id.data, NULL);
	assert_memory_equal(ck, ck2, 32);

	/* payload: XChaCha20-Poly1305, nonce = BLAKE2b-192("liaison-content-nonce-v2\0"
	 * || id), AD "liaison-content-v2\0" || id */
	uint8_t cn[24], ad[64];
	v2_derive(cn, 24, NULL, "liaison-content-nonce-v2", h->id.data, NULL);
	size_t adlen = prefixed(ad, "liaison-content-v2", h->id.data, 16);
	uint8_t *plain = malloc(e->ciphertext.len);
	unsigned long long plen;
	assert_int_equal(crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &plen, NULL, e->ciphertext.data,
								    e->ciphertext.len, ad, adlen, cn, ck),
			 0);
	Liaison__Payload *p = liaison__payload__unpack(NULL, (size_t)plen, plain);
	assert_non_null(p);
	assert_string_equal(p->sitrep->title, "Golden vector");
	liaison__payload__free_unpacked(p, NULL);
	free(plain);
	key_destroy(&ka);
	key_destroy(&kb);
	liaison__header__free_unpacked(h, NULL);
	liaison__envelope__free_unpacked(e, NULL);
	free(env);
}

/* ---------------------------------------------------------------- receipts */

static int verify_receipt_file(const char *file, const struct liaison_cert *signer, Liaison__DeliveryReceipt **out)
{
	size_t len;
	uint8_t *b = slurp(golden(file), &len);
	Liaison__SignedReceipt *sr = liaison__signed_receipt__unpack(NULL, len, b);
	assert_non_null(sr);
	int rc = receipt_verify(signer, sr, out);
	liaison__signed_receipt__free_unpacked(sr, NULL);
	free(b);
	return rc;
}

static void test_receipt(void **state)
{
	(void)state;
	struct liaison_cert a, b;
	struct liaison_key *kb = NULL;
	Liaison__DeliveryReceipt *r = NULL;
	assert_int_equal(cert_load(golden("TEST-ALPHA.pub"), &a), LIAISON_OK);
	assert_int_equal(cert_load(golden("TEST-BRAVO.pub"), &b), LIAISON_OK);
	assert_int_equal(verify_receipt_file("receipt.bin", &b, &r), LIAISON_OK);
	assert_string_equal(r->recipient, "TEST-BRAVO");
	assert_int_equal(r->n_message_ids, 1);

	/* it names the golden envelope */
	size_t len;
	struct opened op;
	uint8_t *env = slurp(golden("envelope-v2.bin"), &len);
	assert_int_equal(envelope_verify(env, len, 0, &a, &op), LIAISON_OK);
	assert_memory_equal(r->message_ids[0].data, op.header->id.data, 16);
	opened_clear(&op);
	free(env);

	/* signing is deterministic: the same receipt signs to the same bytes */
	uint8_t *again, *committed = slurp(golden("receipt.bin"), &len);
	size_t again_len;
	assert_int_equal(load_key("TEST-BRAVO.key", &kb), LIAISON_OK);
	assert_int_equal(receipt_sign(kb, r, &again, &again_len), LIAISON_OK);
	assert_int_equal(again_len, len);
	assert_memory_equal(again, committed, len);
	free(again);
	liaison__delivery_receipt__free_unpacked(r, NULL);
	r = NULL;

	/* by hand: Ed25519 over "liaison-receipt-v1\0" || the receipt bytes */
	Liaison__SignedReceipt *sr = liaison__signed_receipt__unpack(NULL, len, committed);
	assert_non_null(sr);
	uint8_t *m = malloc(32 + sr->receipt.len);
	size_t n = prefixed(m, "liaison-receipt-v1", sr->receipt.data, sr->receipt.len);
	assert_int_equal(crypto_sign_verify_detached(sr->signature.data, m, n, b.sign_pk), 0);
	free(m);
	liaison__signed_receipt__free_unpacked(sr, NULL);
	free(committed);
	key_destroy(&kb);

	/* forgeries, and the wrong signer */
	assert_int_equal(verify_receipt_file("receipt-forged-body.bin", &b, &r), LIAISON_E_SIGNATURE);
	assert_null(r);
	assert_int_equal(verify_receipt_file("receipt-forged-signature.bin", &b, &r), LIAISON_E_SIGNATURE);
	assert_null(r);
	assert_int_equal(verify_receipt_file("receipt.bin", &a, &r), LIAISON_E_SIGNATURE);
	assert_null(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_certificates),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_fingerprint_and_key_id_from_the_docs),
		cmocka_unit_test(test_cert_signature_from_the_docs),
		cmocka_unit_test(test_envelope),
		cmocka_unit_test(test_envelope_forgeries),
		cmocka_unit_test(test_envelope_from_the_docs),
		cmocka_unit_test(test_envelope_v2),
		cmocka_unit_test(test_envelope_v2_forgeries),
		cmocka_unit_test(test_envelope_v2_from_the_docs),
		cmocka_unit_test(test_receipt),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

/* Version-2 envelopes: what they cost on the wire (at most 250 bytes beyond
 * the payload for one recipient), that the sender opens its own messages
 * with no copy carried for it (also with a former key after a key
 * rotation), that a chosen id never reuses a content key, that a forgery of
 * any signed field is refused, and that the derived nonces differ. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "envelope_priv.h"
#include "error.h"

#define NOW 1800000000000LL
#define MAX_OVERHEAD_ONE 250

static struct liaison_key *hq, *hq_new, *peer[3];

static int setup(void **state)
{
	(void)state;
	static const char *names[3] = { "field-1", "field-2", "field-3" };
	if (sodium_init() < 0 || key_generate("hq-north", CERT_NODE, &hq) != LIAISON_OK ||
	    key_generate("hq-north", CERT_NODE, &hq_new) != LIAISON_OK)
		return -1;
	for (int i = 0; i < 3; i++)
		if (key_generate(names[i], CERT_NODE, &peer[i]) != LIAISON_OK)
			return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	key_destroy(&hq);
	key_destroy(&hq_new);
	for (int i = 0; i < 3; i++)
		key_destroy(&peer[i]);
	return 0;
}

/* The sender's certificate for its messages: the current or the former one. */
static const struct liaison_cert *lookup_cert;
static const struct liaison_cert *lookup(void *ctx, const char *name)
{
	(void)ctx;
	return strcmp(name, lookup_cert->name) == 0 ? lookup_cert : NULL;
}

static Liaison__SecurityLabel label = LIAISON__SECURITY_LABEL__INIT;
static Liaison__StatusUpdate st = LIAISON__STATUS_UPDATE__INIT;
static Liaison__SituationReport sr = LIAISON__SITUATION_REPORT__INIT;
static char summary[1025];

/* What liaisond fills in for a message with a topic, a label and an expiry. */
static void make_header(Liaison__Header *h, const struct liaison_key *from, Liaison__MessageType t)
{
	liaison__header__init(h);
	label.classification = LIAISON__CLASSIFICATION__RESTRICTED;
	label.tlp = LIAISON__TLP__TLP_AMBER;
	h->sender = (char *)from->cert.name;
	h->sequence = 1042;
	h->created = NOW;
	h->expires = NOW + 86400000;
	h->type = t;
	h->topic = "ops/status";
	h->precedence = LIAISON__PRECEDENCE__PRIORITY;
	h->label = &label;
}

static void make_status(Liaison__Payload *p)
{
	liaison__payload__init(p);
	st.unit = "Field hospital";
	st.status = "DEGRADED";
	st.readiness_percent = 70;
	p->body_case = LIAISON__PAYLOAD__BODY_STATUS;
	p->status = &st;
}

static void make_kib(Liaison__Payload *p)
{
	liaison__payload__init(p);
	memset(summary, 'x', 1024);
	summary[1024] = '\0';
	sr.title = "Daily";
	sr.summary = summary;
	p->body_case = LIAISON__PAYLOAD__BODY_SITREP;
	p->sitrep = &sr;
}

/* Seals p from `from` to the first n peers, plus the sender's own copy as
 * the node asks for it (its name, stream 0); returns the envelope's length. */
static size_t seal_to(struct sealer *s, const struct liaison_key *from, const Liaison__Payload *p,
		      Liaison__MessageType t, size_t n, uint8_t **out, uint8_t id[ENVELOPE_ID_LEN])
{
	Liaison__Header h;
	struct envelope_recipient r[4] = { { from->cert.name, from->cert.box_pk, 0 } };
	for (size_t i = 0; i < n; i++)
		r[i + 1] = (struct envelope_recipient){ peer[i]->cert.name, peer[i]->cert.box_pk, 1000 + i };
	make_header(&h, from, t);
	size_t len;
	assert_int_equal(envelope_seal(s, &h, p, r, n + 1, NOW, out, &len, id), LIAISON_OK);
	return len;
}

static size_t overhead(struct sealer *s, const Liaison__Payload *p, Liaison__MessageType t, size_t n)
{
	uint8_t *env;
	size_t len = seal_to(s, hq, p, t, n, &env, NULL);
	free(env);
	return len - liaison__payload__get_packed_size(p);
}

static void test_overhead(void **state)
{
	(void)state;
	struct sealer *s = sealer_new(hq, 3600, 100000);
	Liaison__Payload status, kib;
	make_status(&status);
	make_kib(&kib);
	size_t one_short = overhead(s, &status, LIAISON__MESSAGE_TYPE__STATUS, 1);
	size_t one_kib = overhead(s, &kib, LIAISON__MESSAGE_TYPE__SITREP, 1);
	size_t three_short = overhead(s, &status, LIAISON__MESSAGE_TYPE__STATUS, 3);
	if (one_short > MAX_OVERHEAD_ONE || one_kib > MAX_OVERHEAD_ONE)
		fail_msg("one recipient: %zu and %zu bytes beyond the payload, more than %d", one_short, one_kib,
			 MAX_OVERHEAD_ONE);
	/* each further recipient costs its entry alone: name, stream, 32 bytes */
	size_t per = (three_short - one_short) / 2;
	if (per > 2 + (2 + 7) + 3 + (2 + ENVELOPE_KEY_LEN))
		fail_msg("%zu bytes per further recipient", per);
	sealer_destroy(&s);
}

/* The wire form: no entry for the sender, no nonce, no ciphertext hash, no
 * header version; 32-byte entries. */
static void test_wire_form(void **state)
{
	(void)state;
	struct sealer *s = sealer_new(hq, 3600, 100000);
	Liaison__Payload p;
	make_status(&p);
	uint8_t *env;
	size_t len = seal_to(s, hq, &p, LIAISON__MESSAGE_TYPE__STATUS, 2, &env, NULL);
	struct opened v;
	assert_int_equal(envelope_verify(env, len, 0, &hq->cert, &v), LIAISON_OK);
	assert_int_equal(v.envelope->version, 2);
	assert_int_equal(v.header->version, 0);
	assert_int_equal(v.header->nonce.len, 0);
	assert_int_equal(v.header->ciphertext_hash.len, 0);
	assert_int_equal(v.header->n_recipients, 2);
	for (size_t i = 0; i < 2; i++) {
		assert_string_equal(v.header->recipients[i]->node, peer[i]->cert.name);
		assert_int_equal(v.header->recipients[i]->stream_seq, 1000 + i);
		assert_int_equal(v.header->recipients[i]->wrapped_key.len, 32);
	}
	opened_clear(&v);
	free(env);
	sealer_destroy(&s);
}

static int open_with(const struct liaison_key *k, const struct liaison_cert *sender_cert, const uint8_t *env,
		     size_t len)
{
	struct opener *o = opener_new(k);
	struct opened op;
	lookup_cert = sender_cert;
	int rc = envelope_open(o, env, len, 0, lookup, NULL, NOW, &op);
	if (rc == LIAISON_OK) {
		assert_int_equal(op.payload->body_case, LIAISON__PAYLOAD__BODY_STATUS);
		assert_string_equal(op.payload->status->unit, "Field hospital");
	}
	opened_clear(&op);
	opener_destroy(&o);
	return rc;
}

static void test_sender_opens_own(void **state)
{
	(void)state;
	struct sealer *s = sealer_new(hq, 3600, 100000);
	Liaison__Payload p;
	make_status(&p);
	uint8_t *env;
	size_t len = seal_to(s, hq, &p, LIAISON__MESSAGE_TYPE__STATUS, 1, &env, NULL);
	assert_int_equal(open_with(peer[0], &hq->cert, env, len), LIAISON_OK);
	assert_int_equal(open_with(hq, &hq->cert, env, len), LIAISON_OK);
	assert_int_equal(open_with(peer[1], &hq->cert, env, len), LIAISON_E_NOT_RECIPIENT);
	/* the opener caches the wrapping key: a second message of the epoch */
	struct opener *o = opener_new(hq);
	for (int i = 0; i < 3; i++) {
		struct opened op;
		lookup_cert = &hq->cert;
		assert_int_equal(envelope_open(o, env, len, 0, lookup, NULL, NOW, &op), LIAISON_OK);
		opened_clear(&op);
	}
	opener_destroy(&o);
	free(env);

	/* also when the caller does not name the sender among the recipients */
	Liaison__Header h;
	make_header(&h, hq, LIAISON__MESSAGE_TYPE__STATUS);
	struct envelope_recipient r = { peer[2]->cert.name, peer[2]->cert.box_pk, 7 };
	assert_int_equal(envelope_seal(s, &h, &p, &r, 1, NOW, &env, &len, NULL), LIAISON_OK);
	assert_int_equal(open_with(hq, &hq->cert, env, len), LIAISON_OK);
	assert_int_equal(open_with(peer[2], &hq->cert, env, len), LIAISON_OK);
	free(env);
	sealer_destroy(&s);
}

/* After a key rotation (same name, new keys: rotate.c), the node opens what
 * its former key sealed with that key (keyring.c tries former keys on
 * DECRYPT), and the former key does not open what the new one sealed. */
static void test_sender_after_rotation(void **state)
{
	(void)state;
	Liaison__Payload p;
	make_status(&p);
	uint8_t *old_env, *new_env;
	struct sealer *s = sealer_new(hq, 3600, 100000);
	size_t old_len = seal_to(s, hq, &p, LIAISON__MESSAGE_TYPE__STATUS, 1, &old_env, NULL);
	sealer_destroy(&s);
	s = sealer_new(hq_new, 3600, 100000);
	size_t new_len = seal_to(s, hq_new, &p, LIAISON__MESSAGE_TYPE__STATUS, 1, &new_env, NULL);
	sealer_destroy(&s);

	/* the node's current key first, then its former one, as keyring_decrypt */
	struct opener *cur = opener_new(hq_new), *former = opener_new(hq);
	struct opened op;
	lookup_cert = &hq->cert;
	assert_int_equal(envelope_open_header(old_env, old_len, 0, lookup, NULL, &op), LIAISON_OK);
	assert_int_equal(envelope_decrypt(cur, &op, NOW), LIAISON_E_DECRYPT);
	assert_null(op.payload);
	assert_int_equal(envelope_decrypt(former, &op, NOW), LIAISON_OK);
	assert_string_equal(op.payload->status->status, "DEGRADED");
	opened_clear(&op);
	lookup_cert = &hq_new->cert;
	assert_int_equal(envelope_open_header(new_env, new_len, 0, lookup, NULL, &op), LIAISON_OK);
	assert_int_equal(envelope_decrypt(former, &op, NOW), LIAISON_E_DECRYPT);
	assert_int_equal(envelope_decrypt(cur, &op, NOW), LIAISON_OK);
	opened_clear(&op);
	/* the peer opens both, each with its sender's certificate */
	assert_int_equal(open_with(peer[0], &hq->cert, old_env, old_len), LIAISON_OK);
	assert_int_equal(open_with(peer[0], &hq_new->cert, new_env, new_len), LIAISON_OK);
	opener_destroy(&cur);
	opener_destroy(&former);
	free(old_env);
	free(new_env);
}

/* A chosen id, sealed twice: each time a new epoch, so the content key
 * (a function of epoch and id) differs and nothing is encrypted twice under
 * one key and nonce. */
static void test_chosen_id_new_epoch(void **state)
{
	(void)state;
	struct sealer *s = sealer_new(hq, 3600, 100000);
	Liaison__Payload p;
	make_status(&p);
	uint8_t *env[3], fixed[16] = { 7, 7, 7 }, got[16];
	size_t len[3];
	struct opened v[3];
	for (int i = 0; i < 3; i++) {
		Liaison__Header h;
		make_header(&h, hq, LIAISON__MESSAGE_TYPE__STATUS);
		if (i < 2) {
			h.id.data = fixed;
			h.id.len = 16;
		}
		struct envelope_recipient r = { peer[0]->cert.name, peer[0]->cert.box_pk, 1 };
		assert_int_equal(envelope_seal(s, &h, &p, &r, 1, NOW, &env[i], &len[i], got), LIAISON_OK);
		assert_int_equal(envelope_verify(env[i], len[i], 0, &hq->cert, &v[i]), LIAISON_OK);
		assert_int_equal(open_with(peer[0], &hq->cert, env[i], len[i]), LIAISON_OK);
		assert_int_equal(open_with(hq, &hq->cert, env[i], len[i]), LIAISON_OK);
	}
	assert_memory_equal(v[0].header->id.data, v[1].header->id.data, 16);
	assert_memory_not_equal(v[0].header->epoch_key.data, v[1].header->epoch_key.data, 32);
	assert_memory_not_equal(v[0].envelope->ciphertext.data, v[1].envelope->ciphertext.data,
				v[0].envelope->ciphertext.len);
	/* a random id continues the chosen id's epoch */
	assert_memory_equal(v[1].header->epoch_key.data, v[2].header->epoch_key.data, 32);
	for (int i = 0; i < 3; i++) {
		opened_clear(&v[i]);
		free(env[i]);
	}
	sealer_destroy(&s);
}

/* Each signed field changed in place, the signature left as it was. */
static uint8_t *repacked(const uint8_t *env, size_t len, int field, size_t *out_len)
{
	Liaison__Envelope *e = liaison__envelope__unpack(NULL, len, env);
	Liaison__Header *h = liaison__header__unpack(NULL, e->header.len, e->header.data);
	assert_non_null(e);
	assert_non_null(h);
	switch (field) {
	case 0: h->sender[0] ^= 0x20; break;                 /* origin */
	case 1: h->sequence++; break;
	case 2: h->created++; break;
	case 3: h->expires += 1000; break;
	case 4: h->topic[0] ^= 0x01; break;
	case 5: h->precedence = LIAISON__PRECEDENCE__FLASH; break;
	case 6: h->label->classification = LIAISON__CLASSIFICATION__UNCLASSIFIED; break;
	case 7: h->label->tlp = LIAISON__TLP__TLP_CLEAR; break;
	case 8: h->recipients[0]->node[6] ^= 0x04; break;    /* field-1 -> field-5 */
	case 9: h->recipients[0]->stream_seq++; break;
	case 10: h->recipients[0]->wrapped_key.data[0] ^= 1; break;
	case 11: h->epoch_key.data[0] ^= 1; break;
	case 12: h->id.data[0] ^= 1; break;
	case 13: h->type = LIAISON__MESSAGE_TYPE__STATUS; h->sender_key_id.data[0] ^= 1; break;
	case 14: e->ciphertext.data[e->ciphertext.len - 1] ^= 1; break;
	case 15: e->signature.data[3] ^= 1; break;
	default: fail();
	}
	free(e->header.data);
	e->header.len = liaison__header__get_packed_size(h);
	e->header.data = malloc(e->header.len);
	liaison__header__pack(h, e->header.data);
	*out_len = liaison__envelope__get_packed_size(e);
	uint8_t *b = malloc(*out_len);
	liaison__envelope__pack(e, b);
	liaison__header__free_unpacked(h, NULL);
	liaison__envelope__free_unpacked(e, NULL);
	return b;
}

static void test_signed_fields_forged(void **state)
{
	(void)state;
	struct sealer *s = sealer_new(hq, 3600, 100000);
	Liaison__Payload p;
	make_status(&p);
	uint8_t *env;
	size_t len = seal_to(s, hq, &p, LIAISON__MESSAGE_TYPE__STATUS, 2, &env, NULL);
	for (int f = 0; f < 16; f++) {
		size_t flen;
		uint8_t *b = repacked(env, len, f, &flen);
		struct opened v;
		int want = f == 0 ? LIAISON_E_UNKNOWN_SENDER : f == 13 ? LIAISON_E_WRONG_KEY : LIAISON_E_SIGNATURE;
		int rc = envelope_verify(b, flen, 0, &hq->cert, &v);
		if (rc != want)
			fail_msg("field %d: got %s, want %s", f, liaison_strerror(rc), liaison_strerror(want));
		assert_null(v.header);
		/* and with a certificate found by whatever name it claims */
		lookup_cert = &hq->cert;
		assert_int_not_equal(open_with(peer[0], &hq->cert, b, flen), LIAISON_OK);
		assert_int_not_equal(open_with(hq, &hq->cert, b, flen), LIAISON_OK);
		free(b);
	}
	assert_int_equal(open_with(peer[0], &hq->cert, env, len), LIAISON_OK);
	free(env);
	sealer_destroy(&s);
}

/* The derived nonces: distinct per recipient name and per id, and none of
 * them the content nonce. */
static void test_derived_nonces(void **state)
{
	(void)state;
	uint8_t id[2][16] = { { 1 }, { 2 } }, n[6][24];
	envelope_wrap_nonce_v2(n[0], id[0], "field-1");
	envelope_wrap_nonce_v2(n[1], id[0], "field-2");
	envelope_wrap_nonce_v2(n[2], id[1], "field-1");
	envelope_content_nonce_v2(n[3], id[0]);
	envelope_content_nonce_v2(n[4], id[1]);
	envelope_wrap_nonce_v2(n[5], id[0], "field-1");
	assert_memory_equal(n[0], n[5], 24);
	for (int i = 0; i < 5; i++)
		for (int j = 0; j < i; j++)
			assert_memory_not_equal(n[i], n[j], 24);
	/* content keys: per self key and per id */
	uint8_t k1[32] = { 1 }, k2[32] = { 2 }, ck[3][32];
	envelope_content_key_v2(ck[0], k1, id[0]);
	envelope_content_key_v2(ck[1], k1, id[1]);
	envelope_content_key_v2(ck[2], k2, id[0]);
	assert_memory_not_equal(ck[0], ck[1], 32);
	assert_memory_not_equal(ck[0], ck[2], 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_overhead),
		cmocka_unit_test(test_wire_form),
		cmocka_unit_test(test_sender_opens_own),
		cmocka_unit_test(test_sender_after_rotation),
		cmocka_unit_test(test_chosen_id_new_epoch),
		cmocka_unit_test(test_signed_fields_forged),
		cmocka_unit_test(test_derived_nonces),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

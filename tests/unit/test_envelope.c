/* Sealed envelopes: round trips, every single-byte change, truncation,
 * each check's own error code, epoch rotation and signed receipts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>
#include "envelope.h"
#include "error.h"
#include "zalloc.h"

#define NODES 50
#define NOW 1800000000000LL

static struct liaison_key *sender, *nodes[NODES], *impostor;

static const struct liaison_cert *lookup(void *ctx, const char *name)
{
	(void)ctx;
	if (strcmp(name, sender->cert.name) == 0)
		return &sender->cert;
	for (int i = 0; i < NODES; i++)
		if (strcmp(name, nodes[i]->cert.name) == 0)
			return &nodes[i]->cert;
	return NULL;
}

static const struct liaison_cert *lookup_none(void *ctx, const char *name)
{
	(void)ctx, (void)name;
	return NULL;
}

static const struct liaison_cert *lookup_impostor(void *ctx, const char *name)
{
	(void)ctx, (void)name;
	return &impostor->cert;
}

static int setup(void **state)
{
	(void)state;
	char name[16];
	if (key_generate("ALPHA", CERT_NODE, &sender) != LIAISON_OK)
		return -1;
	if (key_generate("ALPHA", CERT_NODE, &impostor) != LIAISON_OK)
		return -1;
	for (int i = 0; i < NODES; i++) {
		snprintf(name, sizeof name, "N%02d", i);
		if (key_generate(name, CERT_NODE, &nodes[i]) != LIAISON_OK)
			return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	key_destroy(&sender);
	key_destroy(&impostor);
	for (int i = 0; i < NODES; i++)
		key_destroy(&nodes[i]);
	return 0;
}

/* ------------------------------------------------------------ payloads */

static Liaison__Period period = LIAISON__PERIOD__INIT;
static Liaison__SituationReport sitrep = LIAISON__SITUATION_REPORT__INIT;
static Liaison__StatusUpdate status = LIAISON__STATUS_UPDATE__INIT;
static Liaison__Point pts[4] = { LIAISON__POINT__INIT, LIAISON__POINT__INIT, LIAISON__POINT__INIT,
				 LIAISON__POINT__INIT };
static Liaison__Point *pt_ptrs[4] = { &pts[0], &pts[1], &pts[2], &pts[3] };
static Liaison__Polygon poly = LIAISON__POLYGON__INIT;
static Liaison__Polygon *polys[1] = { &poly };
static Liaison__Circle circle = LIAISON__CIRCLE__INIT;
static Liaison__Circle *circles[1] = { &circle };
static char *geocodes[2] = { "EMMA_ID=1234", "FIPS6=US" };
static Liaison__Area areas[2] = { LIAISON__AREA__INIT, LIAISON__AREA__INIT };
static Liaison__Area *area_ptrs[2] = { &areas[0], &areas[1] };
static Liaison__EarlyWarning warning = LIAISON__EARLY_WARNING__INIT;
static Liaison__IntelligenceReport intel = LIAISON__INTELLIGENCE_REPORT__INIT;
static uint8_t rid[3][16] = { { 1 }, { 2 }, { 3 } };
static ProtobufCBinaryData rids[3] = { { 16, rid[0] }, { 16, rid[1] }, { 16, rid[2] } };
static Liaison__DeliveryReceipt receipt = LIAISON__DELIVERY_RECEIPT__INIT;

static void make_payload(Liaison__MessageType t, Liaison__Payload *p)
{
	liaison__payload__init(p);
	switch (t) {
	case LIAISON__MESSAGE_TYPE__SITREP:
		period.from = "2026-11-27T00:00:00Z";
		period.to = "2026-11-27T12:00:00Z";
		sitrep.reporting_unit = "1st Engineer Company";
		sitrep.location = "Sector North";
		sitrep.period = &period;
		sitrep.title = "Daily SITREP";
		sitrep.summary = "Bridge at grid 123456 repaired.";
		sitrep.situation = "Calm.";
		sitrep.requests = "Fuel, 2000 l.";
		p->body_case = LIAISON__PAYLOAD__BODY_SITREP;
		p->sitrep = &sitrep;
		break;
	case LIAISON__MESSAGE_TYPE__STATUS:
		status.unit = "Field hospital";
		status.title = "Status";
		status.status = "DEGRADED";
		status.readiness_percent = 70;
		p->body_case = LIAISON__PAYLOAD__BODY_STATUS;
		p->status = &status;
		break;
	case LIAISON__MESSAGE_TYPE__WARNING:
		for (int i = 0; i < 4; i++) {
			pts[i].latitude = 45.0 + (i == 1 || i == 2);
			pts[i].longitude = 7.0 + (i == 2);
		}
		pts[3] = pts[0];
		poly.n_points = 4;
		poly.points = pt_ptrs;
		circle.latitude = 45.5;
		circle.longitude = 7.25;
		circle.radius_km = 12.5;
		areas[0].description = "Valley";
		areas[0].n_polygons = 1;
		areas[0].polygons = polys;
		areas[0].n_circles = 1;
		areas[0].circles = circles;
		areas[1].description = "District";
		areas[1].n_geocodes = 2;
		areas[1].geocodes = geocodes;
		warning.category = "Geo";
		warning.event = "Flood";
		warning.urgency = "Immediate";
		warning.severity = "Severe";
		warning.certainty = "Likely";
		warning.headline = "Flash flood";
		warning.n_areas = 2;
		warning.areas = area_ptrs;
		warning.msg_type = "Alert";
		p->body_case = LIAISON__PAYLOAD__BODY_WARNING;
		p->warning = &warning;
		break;
	case LIAISON__MESSAGE_TYPE__INTEL:
		intel.title = "Convoy sighted";
		intel.source_reliability = "B";
		intel.information_credibility = "2";
		intel.body = "Twelve trucks heading south.";
		p->body_case = LIAISON__PAYLOAD__BODY_INTEL;
		p->intel = &intel;
		break;
	default:
		receipt.version = 1;
		receipt.recipient = "N00";
		receipt.received = NOW;
		receipt.n_message_ids = 3;
		receipt.message_ids = rids;
		p->body_case = LIAISON__PAYLOAD__BODY_RECEIPT;
		p->receipt = &receipt;
		break;
	}
}

static Liaison__SecurityLabel label = LIAISON__SECURITY_LABEL__INIT;
static char *caveats[1] = { "REL TO ALPHA, N00" };
static Liaison__Reference ref = LIAISON__REFERENCE__INIT;
static Liaison__Reference *refs[1] = { &ref };

static void make_header(Liaison__Header *h, Liaison__MessageType t)
{
	liaison__header__init(h);
	h->sender = "ALPHA";
	h->sequence = 42;
	h->created = NOW;
	h->expires = NOW + 3600000;
	h->type = t;
	h->topic = "ops/north";
	h->precedence = LIAISON__PRECEDENCE__IMMEDIATE;
	label.classification = LIAISON__CLASSIFICATION__RESTRICTED;
	label.tlp = LIAISON__TLP__TLP_AMBER;
	label.n_caveats = 1;
	label.caveats = caveats;
	h->label = &label;
	ref.id.data = rid[0];
	ref.id.len = 16;
	ref.kind = LIAISON__REFERENCE_KIND__UPDATES;
	h->n_references = 1;
	h->references = refs;
}

static struct envelope_recipient rcpts[NODES];

static void make_rcpts(size_t n)
{
	for (size_t i = 0; i < n; i++) {
		rcpts[i].node = nodes[i]->cert.name;
		rcpts[i].box_pk = nodes[i]->cert.box_pk;
		rcpts[i].stream_seq = 100 + i;
	}
}

/* Seals a sitrep from ALPHA to the first n nodes. */
static void seal_sitrep(struct sealer *s, size_t n, int64_t now, uint8_t **out, size_t *len)
{
	Liaison__Header h;
	Liaison__Payload p;
	make_header(&h, LIAISON__MESSAGE_TYPE__SITREP);
	make_payload(LIAISON__MESSAGE_TYPE__SITREP, &p);
	make_rcpts(n);
	assert_int_equal(envelope_seal(s, &h, &p, rcpts, n, now, out, len, NULL), LIAISON_OK);
}

static int open_skewed(int node, const uint8_t *buf, size_t len, int64_t now, int64_t skew)
{
	struct opener *o = opener_new(nodes[node]);
	struct opened op;
	assert_non_null(o);
	if (skew >= 0)
		opener_set_clock_skew(o, skew);
	int rc = envelope_open(o, buf, len, 0, lookup, NULL, now, &op);
	if (rc == LIAISON_OK)
		opened_clear(&op);
	else
		assert_null(op.envelope), assert_null(op.header), assert_null(op.payload);
	opener_destroy(&o);
	return rc;
}

static int open_as(int node, const uint8_t *buf, size_t len, int64_t now)
{
	return open_skewed(node, buf, len, now, -1);
}

static void assert_same_payload(const Liaison__Payload *a, const Liaison__Payload *b)
{
	size_t la = liaison__payload__get_packed_size(a), lb = liaison__payload__get_packed_size(b);
	assert_int_equal(la, lb);
	uint8_t *ba = malloc(la + 1), *bb = malloc(lb + 1);
	liaison__payload__pack(a, ba);
	liaison__payload__pack(b, bb);
	assert_memory_equal(ba, bb, la);
	free(ba);
	free(bb);
}

/* ------------------------------------------------------------ tests */

/* The opened payload is plaintext: it is unpacked with the wiping
 * allocator, so that opened_clear wipes every block of it. */
static void test_opened_payload_wiping_allocator(void **state)
{
	(void)state;
	struct sealer *s = sealer_new(sender, 3600, 1000);
	struct opener *o = opener_new(nodes[0]);
	uint8_t *buf;
	size_t len;
	struct opened op;
	assert_non_null(s);
	assert_non_null(o);
	seal_sitrep(s, 1, NOW, &buf, &len);
	assert_int_equal(envelope_open(o, buf, len, 0, lookup, NULL, NOW, &op), LIAISON_OK);
	assert_int_equal(op.payload->body_case, LIAISON__PAYLOAD__BODY_SITREP);
	assert_int_equal(zalloc_size(op.payload), sizeof(Liaison__Payload));
	assert_int_equal(zalloc_size(op.payload->sitrep), sizeof(Liaison__SituationReport));
	assert_int_equal(zalloc_size(op.payload->sitrep->title), strlen(op.payload->sitrep->title) + 1);
	opened_clear(&op);
	assert_null(op.payload);
	free(buf);
	opener_destroy(&o);
	sealer_destroy(&s);
}

static void round_trip(size_t n)
{
	static const Liaison__MessageType types[] = {
		LIAISON__MESSAGE_TYPE__SITREP, LIAISON__MESSAGE_TYPE__STATUS, LIAISON__MESSAGE_TYPE__WARNING,
		LIAISON__MESSAGE_TYPE__INTEL, LIAISON__MESSAGE_TYPE__RECEIPT,
	};
	struct sealer *s = sealer_new(sender, 3600, 1000);
	assert_non_null(s);
	make_rcpts(n);
	for (size_t t = 0; t < sizeof types / sizeof *types; t++) {
		Liaison__Header h;
		Liaison__Payload p;
		uint8_t *buf, id[ENVELOPE_ID_LEN];
		size_t len;
		make_header(&h, types[t]);
		make_payload(types[t], &p);
		assert_int_equal(envelope_seal(s, &h, &p, rcpts, n, NOW, &buf, &len, id), LIAISON_OK);
		for (size_t r = 0; r < n; r++) {
			struct opener *o = opener_new(nodes[r]);
			struct opened op;
			assert_int_equal(envelope_open(o, buf, len, 0, lookup, NULL, NOW, &op), LIAISON_OK);
			const Liaison__Header *g = op.header;
			assert_memory_equal(g->id.data, id, ENVELOPE_ID_LEN);
			assert_string_equal(g->sender, "ALPHA");
			assert_int_equal(g->sequence, 42);
			assert_int_equal(g->created, NOW);
			assert_int_equal(g->expires, NOW + 3600000);
			assert_int_equal(g->type, types[t]);
			assert_string_equal(g->topic, "ops/north");
			assert_int_equal(g->precedence, LIAISON__PRECEDENCE__IMMEDIATE);
			assert_int_equal(g->label->classification, LIAISON__CLASSIFICATION__RESTRICTED);
			assert_int_equal(g->label->tlp, LIAISON__TLP__TLP_AMBER);
			assert_int_equal(g->label->n_caveats, 1);
			assert_string_equal(g->label->caveats[0], caveats[0]);
			assert_int_equal(g->n_references, 1);
			assert_memory_equal(g->references[0]->id.data, rid[0], 16);
			assert_int_equal(g->n_recipients, n);
			for (size_t k = 0; k < n; k++) {
				assert_string_equal(g->recipients[k]->node, rcpts[k].node);
				assert_int_equal(g->recipients[k]->stream_seq, rcpts[k].stream_seq);
			}
			assert_int_equal(op.payload->body_case, (int)types[t]);
			assert_same_payload(op.payload, &p);
			opened_clear(&op);
			opener_destroy(&o);
		}
		/* offline verification agrees and the envelope repacks to the same bytes */
		struct opened v;
		assert_int_equal(envelope_verify(buf, len, 0, &sender->cert, &v), LIAISON_OK);
		assert_null(v.payload);
		size_t l2 = liaison__envelope__get_packed_size(v.envelope);
		assert_int_equal(l2, len);
		uint8_t *b2 = malloc(l2);
		liaison__envelope__pack(v.envelope, b2);
		assert_memory_equal(b2, buf, len);
		free(b2);
		opened_clear(&v);
		free(buf);
	}
	sealer_destroy(&s);
	assert_null(s);
}

static void test_round_trip_1(void **state) { (void)state; round_trip(1); }
static void test_round_trip_2(void **state) { (void)state; round_trip(2); }
static void test_round_trip_50(void **state) { (void)state; round_trip(50); }

static void test_every_byte_change_rejected(void **state)
{
	(void)state;
	struct sealer *s = sealer_new(sender, 3600, 1000);
	uint8_t *buf;
	size_t len;
	seal_sitrep(s, 2, NOW, &buf, &len);
	assert_int_equal(open_as(1, buf, len, NOW), LIAISON_OK);
	static const uint8_t flips[] = { 0x01, 0x80 };
	for (size_t i = 0; i < len; i++) {
		for (size_t f = 0; f < sizeof flips; f++) {
			buf[i] ^= flips[f];
			struct opened v;
			int rc = open_as(1, buf, len, NOW);
			if (rc == LIAISON_OK)
				fail_msg("change 0x%02x at %zu of %zu accepted", flips[f], i, len);
			assert_int_not_equal(envelope_verify(buf, len, 0, &sender->cert, &v), LIAISON_OK);
			buf[i] ^= flips[f];
		}
	}
	free(buf);
	sealer_destroy(&s);
}

/* Ends of the top-level fields of a well-formed message. */
static size_t field_ends(const uint8_t *b, size_t len, size_t *ends, size_t max)
{
	size_t p = 0, n = 0;
	while (p < len && n < max) {
		uint64_t key = 0, v = 0;
		int sh = 0;
		do key |= (uint64_t)(b[p] & 0x7f) << sh, sh += 7; while (b[p++] & 0x80);
		sh = 0;
		do v |= (uint64_t)(b[p] & 0x7f) << sh, sh += 7; while (b[p++] & 0x80);
		if ((key & 7) == 2)
			p += v;
		ends[n++] = p;
	}
	return n;
}

static void test_truncated(void **state)
{
	(void)state;
	struct sealer *s = sealer_new(sender, 3600, 1000);
	uint8_t *buf;
	size_t len, ends[16];
	seal_sitrep(s, 3, NOW, &buf, &len);
	size_t n = field_ends(buf, len, ends, 16);
	assert_int_equal(n, 4);
	assert_int_equal(ends[n - 1], len);
	int at_boundary = 0;
	for (size_t cut = 1; cut < len; cut++) {
		bool boundary = false;
		for (size_t k = 0; k < n; k++)
			boundary |= ends[k] == cut;
		/* a private copy, so ASan catches any read past the cut */
		uint8_t *c = malloc(cut);
		memcpy(c, buf, cut);
		int rc = open_as(0, c, cut, NOW);
		struct opened v;
		int vrc = envelope_verify(c, cut, 0, &sender->cert, &v);
		free(c);
		if (boundary) {
			at_boundary++;
			assert_int_not_equal(rc, LIAISON_OK);
			assert_int_not_equal(vrc, LIAISON_OK);
		} else {
			assert_int_equal(rc, LIAISON_E_TRUNCATED);
			assert_int_equal(vrc, LIAISON_E_TRUNCATED);
		}
	}
	assert_int_equal(at_boundary, 3);
	free(buf);
	sealer_destroy(&s);
}

static void test_sizes(void **state)
{
	(void)state;
	struct sealer *s = sealer_new(sender, 3600, 1000);
	struct opener *o = opener_new(nodes[0]);
	struct opened op;
	uint8_t *buf;
	size_t len;
	seal_sitrep(s, 1, NOW, &buf, &len);
	assert_int_equal(envelope_open(o, buf, 0, 0, lookup, NULL, NOW, &op), LIAISON_E_EMPTY);
	assert_int_equal(envelope_open(o, buf, len, len - 1, lookup, NULL, NOW, &op), LIAISON_E_TOO_LARGE);
	assert_int_equal(envelope_open(o, buf, len, len, lookup, NULL, NOW, &op), LIAISON_OK);
	opened_clear(&op);
	assert_int_equal(envelope_verify(buf, 0, 0, &sender->cert, &op), LIAISON_E_EMPTY);
	assert_int_equal(envelope_verify(buf, len, len - 1, &sender->cert, &op), LIAISON_E_TOO_LARGE);
	uint8_t garbage[64];
	memset(garbage, 0xff, sizeof garbage);
	assert_int_equal(envelope_open(o, garbage, sizeof garbage, 0, lookup, NULL, NOW, &op), LIAISON_E_PARSE);
	free(buf);
	opener_destroy(&o);
	sealer_destroy(&s);
}

static void test_not_recipient(void **state)
{
	(void)state;
	struct sealer *s = sealer_new(sender, 3600, 1000);
	uint8_t *buf;
	size_t len;
	seal_sitrep(s, 2, NOW, &buf, &len);
	assert_int_equal(open_as(0, buf, len, NOW), LIAISON_OK);
	assert_int_equal(open_as(1, buf, len, NOW), LIAISON_OK);
	assert_int_equal(open_as(2, buf, len, NOW), LIAISON_E_NOT_RECIPIENT);
	free(buf);
	sealer_destroy(&s);
}

/* Finds needle in the buffer, for targeted damage. */
static size_t find(const uint8_t *b, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(b + i, needle, n) == 0)
			return i;
	fail_msg("'%s' not found", needle);
	return 0;
}

static void test_sender_checks(void **state)
{
	(void)state;
	struct sealer *s = sealer_new(sender, 3600, 1000);
	struct opener *o = opener_new(nodes[0]);
	struct opened op;
	uint8_t *buf;
	size_t len, ends[4];
	seal_sitrep(s, 1, NOW, &buf, &len);
	assert_int_equal(envelope_open(o, buf, len, 0, lookup_none, NULL, NOW, &op), LIAISON_E_UNKNOWN_SENDER);
	assert_int_equal(envelope_open(o, buf, len, 0, lookup_impostor, NULL, NOW, &op), LIAISON_E_WRONG_KEY);
	assert_int_equal(envelope_verify(buf, len, 0, &impostor->cert, &op), LIAISON_E_WRONG_KEY);
	assert_int_equal(envelope_verify(buf, len, 0, &nodes[0]->cert, &op), LIAISON_E_UNKNOWN_SENDER);
	/* a changed topic keeps the header well-formed but breaks the signature */
	size_t at = find(buf, len, "ops/north");
	buf[at] = 'x';
	assert_int_equal(envelope_open(o, buf, len, 0, lookup, NULL, NOW, &op), LIAISON_E_SIGNATURE);
	assert_int_equal(envelope_verify(buf, len, 0, &sender->cert, &op), LIAISON_E_SIGNATURE);
	buf[at] = 'o';
	/* a changed ciphertext byte: its hash is signed (not carried), so the
	 * signature no longer holds */
	field_ends(buf, len, ends, 4);
	buf[ends[2] - 1] ^= 0x01;
	assert_int_equal(envelope_open(o, buf, len, 0, lookup, NULL, NOW, &op), LIAISON_E_SIGNATURE);
	assert_int_equal(envelope_verify(buf, len, 0, &sender->cert, &op), LIAISON_E_SIGNATURE);
	buf[ends[2] - 1] ^= 0x01;
	assert_int_equal(envelope_open(o, buf, len, 0, lookup, NULL, NOW, &op), LIAISON_OK);
	opened_clear(&op);
	free(buf);
	opener_destroy(&o);
	sealer_destroy(&s);
}

static size_t saved_n;

/* Changes the header with fn and signs it again with the sender's key
 * (version 2: prefix || BLAKE2b-256(ciphertext) || header), so the checks
 * after the signature can be reached with bad content. */
static void resign(uint8_t **buf, size_t *len, void (*fn)(Liaison__Header *, Liaison__Envelope *))
{
	Liaison__Envelope *env = liaison__envelope__unpack(NULL, *len, *buf);
	Liaison__Header *h = liaison__header__unpack(NULL, env->header.len, env->header.data);
	assert_non_null(env);
	assert_non_null(h);
	fn(h, env);
	const size_t pl = sizeof ENVELOPE_SIGN_PREFIX + 32;
	size_t hl = liaison__header__get_packed_size(h);
	uint8_t *hb = malloc(pl + hl);
	memcpy(hb, ENVELOPE_SIGN_PREFIX, sizeof ENVELOPE_SIGN_PREFIX);
	crypto_generichash(hb + sizeof ENVELOPE_SIGN_PREFIX, 32, env->ciphertext.data, env->ciphertext.len, NULL, 0);
	liaison__header__pack(h, hb + pl);
	crypto_sign_detached(env->signature.data, NULL, hb, pl + hl, sender->secret->sign_sk);
	free(env->header.data);
	env->header.data = malloc(hl);
	memcpy(env->header.data, hb + pl, hl);
	env->header.len = hl;
	free(hb);
	free(*buf);
	*len = liaison__envelope__get_packed_size(env);
	*buf = malloc(*len);
	liaison__envelope__pack(env, *buf);
	if (h->n_recipients == 0)
		h->n_recipients = saved_n; /* so that all of them are freed */
	liaison__header__free_unpacked(h, NULL);
	liaison__envelope__free_unpacked(env, NULL);
}

static void bad_wrap(Liaison__Header *h, Liaison__Envelope *e) { (void)e; h->recipients[0]->wrapped_key.data[30] ^= 1; }
static void bad_epoch(Liaison__Header *h, Liaison__Envelope *e) { (void)e; h->epoch_key.data[3] ^= 1; }
/* version 2 derives the nonce and signs the hash: carrying either is malformed */
static void add_nonce(Liaison__Header *h, Liaison__Envelope *e) { (void)e; h->nonce.data = calloc(1, 24); h->nonce.len = 24; }
static void add_hash(Liaison__Header *h, Liaison__Envelope *e) { (void)e; h->ciphertext_hash.data = calloc(1, 32); h->ciphertext_hash.len = 32; }
static void swap_names(Liaison__Header *h, Liaison__Envelope *e)
{
	(void)e;
	char *t = h->recipients[0]->node;
	h->recipients[0]->node = h->recipients[1]->node;
	h->recipients[1]->node = t;
}
static void bad_type(Liaison__Header *h, Liaison__Envelope *e) { (void)e; h->type = LIAISON__MESSAGE_TYPE__INTEL; }
static void bad_version(Liaison__Header *h, Liaison__Envelope *e) { (void)e; h->version = 2; }
static void bad_enum(Liaison__Header *h, Liaison__Envelope *e) { (void)e; h->precedence = 9; }
static void bad_id(Liaison__Header *h, Liaison__Envelope *e) { (void)e; h->id.len = 15; }
static void dup_name(Liaison__Header *h, Liaison__Envelope *e) { (void)e; strcpy(h->recipients[1]->node, h->recipients[0]->node); }
static void no_rcpts(Liaison__Header *h, Liaison__Envelope *e) { (void)e; saved_n = h->n_recipients; h->n_recipients = 0; }
static void bad_sender(Liaison__Header *h, Liaison__Envelope *e) { (void)e; h->sender[2] = ' '; }
static void env_version(Liaison__Header *h, Liaison__Envelope *e) { (void)h; e->version = 3; }
/* a version-2 header claimed as version 1: its header version is absent */
static void env_v1(Liaison__Header *h, Liaison__Envelope *e) { (void)h; e->version = 1; }
static void short_sig(Liaison__Header *h, Liaison__Envelope *e) { (void)h; e->signature.len = 63; }

static void test_checks_after_signature(void **state)
{
	(void)state;
	static const struct {
		void (*fn)(Liaison__Header *, Liaison__Envelope *);
		int want;
	} cases[] = {
		{ bad_wrap, LIAISON_E_DECRYPT },      { bad_epoch, LIAISON_E_DECRYPT },
		{ add_nonce, LIAISON_E_PARSE },       { swap_names, LIAISON_E_DECRYPT },
		{ add_hash, LIAISON_E_PARSE },        { env_v1, LIAISON_E_VERSION },
		{ bad_type, LIAISON_E_PARSE },        { bad_version, LIAISON_E_VERSION },
		{ bad_enum, LIAISON_E_PARSE },        { bad_id, LIAISON_E_PARSE },
		{ dup_name, LIAISON_E_PARSE },        { no_rcpts, LIAISON_E_PARSE },
		{ bad_sender, LIAISON_E_PARSE },      { env_version, LIAISON_E_VERSION },
		{ short_sig, LIAISON_E_PARSE },
	};
	struct sealer *s = sealer_new(sender, 3600, 1000);
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		uint8_t *buf;
		size_t len;
		seal_sitrep(s, 2, NOW, &buf, &len);
		resign(&buf, &len, cases[i].fn);
		int rc = open_as(0, buf, len, NOW);
		if (rc != cases[i].want)
			fail_msg("case %zu: got %s, want %s", i, liaison_strerror(rc), liaison_strerror(cases[i].want));
		free(buf);
	}
	sealer_destroy(&s);
}

static void test_expired(void **state)
{
	(void)state;
	struct sealer *s = sealer_new(sender, 3600, 1000);
	uint8_t *buf;
	size_t len;
	seal_sitrep(s, 1, NOW, &buf, &len); /* expires NOW + 1 h */
	const int64_t skew = ENVELOPE_DEFAULT_CLOCK_SKEW_MS;
	/* by default a receiver's clock may run 15 minutes ahead of the sender's */
	assert_int_equal(open_as(0, buf, len, NOW + 3600000 + skew), LIAISON_OK);
	assert_int_equal(open_as(0, buf, len, NOW + 3600001 + skew), LIAISON_E_EXPIRED);
	/* or behind: created up to the skew after now */
	assert_int_equal(open_as(0, buf, len, NOW - skew), LIAISON_OK);
	assert_int_equal(open_as(0, buf, len, NOW - skew - 1), LIAISON_E_FUTURE);
	/* the skew is the opener's setting */
	assert_int_equal(open_skewed(0, buf, len, NOW + 3600000, 0), LIAISON_OK);
	assert_int_equal(open_skewed(0, buf, len, NOW + 3600001, 0), LIAISON_E_EXPIRED);
	assert_int_equal(open_skewed(0, buf, len, NOW - 1, 0), LIAISON_E_FUTURE);
	assert_int_equal(open_skewed(0, buf, len, NOW + 3600000 + 86400000, 86400000), LIAISON_OK);
	/* now 0: no time check at all */
	assert_int_equal(open_skewed(0, buf, len, 0, 0), LIAISON_OK);
	free(buf);
	sealer_destroy(&s);
}

static void epoch_of(const uint8_t *buf, size_t len, uint8_t out[32])
{
	struct opened v;
	assert_int_equal(envelope_verify(buf, len, 0, &sender->cert, &v), LIAISON_OK);
	assert_int_equal(v.header->epoch_key.len, 32);
	memcpy(out, v.header->epoch_key.data, 32);
	opened_clear(&v);
}

static void test_epoch_rotation(void **state)
{
	(void)state;
	struct sealer *s = sealer_new(sender, 60, 3);
	uint8_t *buf[6], ek[6][32];
	size_t len[6];
	int64_t when[6] = { NOW, NOW + 1, NOW + 2, NOW + 3, NOW + 59999, NOW + 60003 };
	for (int i = 0; i < 6; i++) {
		seal_sitrep(s, 2, when[i], &buf[i], &len[i]);
		epoch_of(buf[i], len[i], ek[i]);
	}
	/* three messages per epoch, then by time: 0-2 | 3,4 | 5 */
	assert_memory_equal(ek[0], ek[1], 32);
	assert_memory_equal(ek[0], ek[2], 32);
	assert_memory_not_equal(ek[2], ek[3], 32);
	assert_memory_equal(ek[3], ek[4], 32);
	assert_memory_not_equal(ek[4], ek[5], 32);
	/* one opener opens old and new epochs, in any order */
	struct opener *o = opener_new(nodes[1]);
	for (int k = 0; k < 2; k++)
		for (int i = 5; i >= 0; i--) {
			struct opened op;
			assert_int_equal(envelope_open(o, buf[i], len[i], 0, lookup, NULL, NOW, &op), LIAISON_OK);
			opened_clear(&op);
		}
	opener_destroy(&o);
	for (int i = 0; i < 6; i++)
		free(buf[i]);
	sealer_destroy(&s);
}

static void test_seal_invalid(void **state)
{
	(void)state;
	struct sealer *s = sealer_new(sender, 3600, 1000);
	Liaison__Header h;
	Liaison__Payload p;
	uint8_t *buf = (uint8_t *)"x";
	size_t len = 7;
	make_header(&h, LIAISON__MESSAGE_TYPE__SITREP);
	make_payload(LIAISON__MESSAGE_TYPE__SITREP, &p);
	make_rcpts(3);
	assert_int_equal(envelope_seal(s, &h, &p, rcpts, 0, NOW, &buf, &len, NULL), LIAISON_E_INVALID);
	assert_null(buf);
	assert_int_equal(len, 0);
	assert_int_equal(envelope_seal(s, &h, &p, rcpts, ENVELOPE_MAX_RECIPIENTS + 1, NOW, &buf, &len, NULL),
			 LIAISON_E_INVALID);
	rcpts[2].node = rcpts[0].node;
	assert_int_equal(envelope_seal(s, &h, &p, rcpts, 3, NOW, &buf, &len, NULL), LIAISON_E_INVALID);
	rcpts[2].node = "bad name";
	assert_int_equal(envelope_seal(s, &h, &p, rcpts, 3, NOW, &buf, &len, NULL), LIAISON_E_INVALID);
	/* the sender's own copy is stream 0 under its own key, and not all */
	rcpts[2] = (struct envelope_recipient){ sender->cert.name, sender->cert.box_pk, 0 };
	assert_int_equal(envelope_seal(s, &h, &p, &rcpts[2], 1, NOW, &buf, &len, NULL), LIAISON_E_INVALID);
	rcpts[2].stream_seq = 5;
	assert_int_equal(envelope_seal(s, &h, &p, rcpts, 3, NOW, &buf, &len, NULL), LIAISON_E_INVALID);
	rcpts[2] = (struct envelope_recipient){ sender->cert.name, nodes[2]->cert.box_pk, 0 };
	assert_int_equal(envelope_seal(s, &h, &p, rcpts, 3, NOW, &buf, &len, NULL), LIAISON_E_INVALID);
	assert_null(buf);
	make_rcpts(3);
	h.type = LIAISON__MESSAGE_TYPE__STATUS;
	assert_int_equal(envelope_seal(s, &h, &p, rcpts, 3, NOW, &buf, &len, NULL), LIAISON_E_INVALID);
	h.type = LIAISON__MESSAGE_TYPE__TYPE_UNSET;
	assert_int_equal(envelope_seal(s, &h, &p, rcpts, 3, NOW, &buf, &len, NULL), LIAISON_E_INVALID);
	h.type = LIAISON__MESSAGE_TYPE__SITREP;
	h.sender = "BRAVO";
	assert_int_equal(envelope_seal(s, &h, &p, rcpts, 3, NOW, &buf, &len, NULL), LIAISON_E_INVALID);
	h.sender = NULL; /* defaults to the key's name */
	uint8_t fixed[16] = { 9, 9, 9 }, got[16];
	h.id.data = fixed;
	h.id.len = 16;
	assert_int_equal(envelope_seal(s, &h, &p, rcpts, 3, NOW, &buf, &len, got), LIAISON_OK);
	assert_memory_equal(got, fixed, 16);
	assert_int_equal(open_as(2, buf, len, NOW), LIAISON_OK);
	free(buf);
	sealer_destroy(&s);
}

static void test_receipts(void **state)
{
	(void)state;
	Liaison__Payload p;
	make_payload(LIAISON__MESSAGE_TYPE__RECEIPT, &p);
	uint8_t *buf;
	size_t len;
	assert_int_equal(receipt_sign(nodes[0], &receipt, &buf, &len), LIAISON_OK);
	Liaison__SignedReceipt *sr = liaison__signed_receipt__unpack(NULL, len, buf);
	assert_non_null(sr);
	Liaison__DeliveryReceipt *r = NULL;
	assert_int_equal(receipt_verify(&nodes[0]->cert, sr, &r), LIAISON_OK);
	assert_string_equal(r->recipient, "N00");
	assert_int_equal(r->received, NOW);
	assert_int_equal(r->n_message_ids, 3);
	for (int i = 0; i < 3; i++)
		assert_memory_equal(r->message_ids[i].data, rid[i], 16);
	liaison__delivery_receipt__free_unpacked(r, NULL);
	/* another node's certificate */
	assert_int_equal(receipt_verify(&nodes[1]->cert, sr, &r), LIAISON_E_SIGNATURE);
	assert_null(r);
	/* any changed byte of the receipt */
	for (size_t i = 0; i < sr->receipt.len; i++) {
		sr->receipt.data[i] ^= 0x01;
		assert_int_equal(receipt_verify(&nodes[0]->cert, sr, &r), LIAISON_E_SIGNATURE);
		sr->receipt.data[i] ^= 0x01;
	}
	sr->signature.data[5] ^= 0x10;
	assert_int_equal(receipt_verify(&nodes[0]->cert, sr, &r), LIAISON_E_SIGNATURE);
	sr->signature.len = 10;
	assert_int_equal(receipt_verify(&nodes[0]->cert, sr, &r), LIAISON_E_PARSE);
	liaison__signed_receipt__free_unpacked(sr, NULL);
	free(buf);
}

static void test_open_in_steps(void **state)
{
	(void)state;
	struct sealer *s = sealer_new(sender, 3600, 1000);
	struct opener *o0 = opener_new(nodes[0]), *o5 = opener_new(nodes[5]);
	struct opened op;
	uint8_t *buf;
	size_t len;
	seal_sitrep(s, 2, NOW, &buf, &len);
	assert_int_equal(envelope_open_header(buf, len, 0, lookup, NULL, &op), LIAISON_OK);
	assert_null(op.payload);
	/* not a recipient: the header stays for the caller to report */
	assert_int_equal(envelope_decrypt(o5, &op, NOW), LIAISON_E_NOT_RECIPIENT);
	assert_non_null(op.header);
	assert_null(op.payload);
	assert_int_equal(envelope_decrypt(o0, &op, NOW + 3600001 + ENVELOPE_DEFAULT_CLOCK_SKEW_MS), LIAISON_E_EXPIRED);
	assert_non_null(op.header);
	assert_null(op.payload);
	assert_int_equal(envelope_decrypt(o0, &op, NOW), LIAISON_OK);
	assert_int_equal(op.payload->body_case, LIAISON__PAYLOAD__BODY_SITREP);
	opened_clear(&op);
	assert_int_equal(envelope_open_header(buf, len, 0, lookup_impostor, NULL, &op), LIAISON_E_WRONG_KEY);
	assert_null(op.envelope);
	assert_null(op.header);
	/* parse only: a re-signed-by-nobody header still parses, and decrypts
	 * with now 0 (no expiry check) */
	size_t at = find(buf, len, "ops/north");
	buf[at] = 'x';
	assert_int_equal(envelope_open_header(buf, len, 0, lookup, NULL, &op), LIAISON_E_SIGNATURE);
	assert_int_equal(envelope_parse(buf, len, 0, &op), LIAISON_OK);
	assert_int_equal(envelope_decrypt(o0, &op, 0), LIAISON_OK);
	opened_clear(&op);
	assert_int_equal(envelope_parse(buf, len - 1, 0, &op), LIAISON_E_TRUNCATED);
	assert_null(op.envelope);
	free(buf);
	opener_destroy(&o0);
	opener_destroy(&o5);
	sealer_destroy(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opened_payload_wiping_allocator),
		cmocka_unit_test(test_round_trip_1),
		cmocka_unit_test(test_round_trip_2),
		cmocka_unit_test(test_round_trip_50),
		cmocka_unit_test(test_every_byte_change_rejected),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_not_recipient),
		cmocka_unit_test(test_sender_checks),
		cmocka_unit_test(test_checks_after_signature),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_epoch_rotation),
		cmocka_unit_test(test_seal_invalid),
		cmocka_unit_test(test_receipts),
		cmocka_unit_test(test_open_in_steps),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

/* Writes liaison's golden vectors (tests/golden/): two TEST-ONLY node keys
 * derived from fixed seeds, their certificates, a version-2 envelope sealed
 * from one to the other, a delivery receipt for it signed by the recipient,
 * and one-bit forgeries of each. The committed files are what the tests
 * read; this program documents how they were made and can make them again
 * (keys and certificates come out identical; the envelope differs, since
 * sealing draws a fresh id and epoch key, and so does the receipt naming
 * it). The version-1 envelope files (envelope.bin, envelope-forged-*.bin)
 * were made by earlier liaison, which sealed version 1; they are kept as
 * they are, since nodes still open version 1, and this program leaves them.
 *
 *   make_golden DIR              writes the vectors into DIR (replacing them)
 *   make_golden big FILE BYTES   seals an envelope with a BYTES-long payload
 *                                from TEST-ALPHA to TEST-BRAVO into FILE
 *
 * The keys: Ed25519 seed = BLAKE2b-256("liaison-golden-test-v1\0" || name ||
 * "\0sign"), X25519 secret = BLAKE2b-256(... "\0box"), clamped; created
 * 2027-01-15T08:00:00Z. They are public: never use them for a real node. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include "envelope.h"
#include "error.h"
#include "keyfile.h"

#define GOLDEN_CREATED 1800000000LL /* 2027-01-15T08:00:00Z */
#define GOLDEN_NOW_MS (GOLDEN_CREATED * 1000 + 60000)
#define TEST_ONLY "# TEST ONLY: a published key of liaison's test suite (tests/golden); never use it for a real node\n"

static void die(const char *what, int rc)
{
	fprintf(stderr, "make_golden: %s: %s\n", what, rc == LIAISON_E_IO ? strerror(errno) : liaison_strerror(rc));
	exit(1);
}

static void derive(uint8_t out[32], const char *name, const char *use)
{
	crypto_generichash_state st;
	static const char label[] = "liaison-golden-test-v1";
	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const uint8_t *)label, sizeof label);
	crypto_generichash_update(&st, (const uint8_t *)name, strlen(name) + 1);
	crypto_generichash_update(&st, (const uint8_t *)use, strlen(use));
	crypto_generichash_final(&st, out, 32);
}

static struct liaison_key *golden_key(const char *name)
{
	uint8_t seed[32];
	struct liaison_key *k = calloc(1, sizeof *k);
	if (!k || !(k->secret = sodium_malloc(sizeof *k->secret)))
		die(name, LIAISON_E_NOMEM);
	snprintf(k->cert.name, sizeof k->cert.name, "%s", name);
	k->cert.kind = CERT_NODE;
	k->cert.created = GOLDEN_CREATED;
	derive(seed, name, "sign");
	crypto_sign_seed_keypair(k->cert.sign_pk, k->secret->sign_sk, seed);
	derive(k->secret->box_sk, name, "box");
	k->secret->box_sk[0] &= 248; /* stored clamped, as key_load requires */
	k->secret->box_sk[31] &= 127;
	k->secret->box_sk[31] |= 64;
	crypto_scalarmult_base(k->cert.box_pk, k->secret->box_sk);
	cert_sign(&k->cert, k->secret->sign_sk);
	sodium_memzero(seed, sizeof seed);
	return k;
}

static char *path_in(const char *dir, const char *file)
{
	char *p;
	if (asprintf(&p, "%s/%s", dir, file) < 0)
		die(file, LIAISON_E_NOMEM);
	return p;
}

static void write_bytes(const char *dir, const char *file, const void *data, size_t len)
{
	char *path = path_in(dir, file);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		die(path, LIAISON_E_IO);
	free(path);
}

static void append_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "a");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		die(path, LIAISON_E_IO);
}

static void write_key_files(const char *dir, const struct liaison_key *k)
{
	char file[128];
	snprintf(file, sizeof file, "%s.key", k->cert.name);
	char *kp = path_in(dir, file);
	unlink(kp);
	int rc = key_write(k, kp);
	if (rc != LIAISON_OK)
		die(kp, rc);
	append_text(kp, TEST_ONLY);
	snprintf(file, sizeof file, "%s.pub", k->cert.name);
	char *cp = path_in(dir, file);
	unlink(cp);
	if ((rc = cert_write(&k->cert, cp)) != LIAISON_OK)
		die(cp, rc);
	append_text(cp, TEST_ONLY);
	free(kp);
	free(cp);
}

/* A certificate file whose fields are c's (one bit changed by the caller),
 * the text re-encoded so that it still parses and only the self-signature
 * can catch the change. */
static void write_cert_text(const char *dir, const char *file, const struct liaison_cert *c)
{
	char *text = cert_format(c);
	if (!text)
		die(file, LIAISON_E_NOMEM);
	write_bytes(dir, file, text, strlen(text));
	free(text);
	char *path = path_in(dir, file);
	append_text(path, TEST_ONLY);
	free(path);
}

static uint8_t *find(uint8_t *buf, size_t len, const void *needle, size_t nlen, const char *what)
{
	uint8_t *p = memmem(buf, len, needle, nlen);
	if (!p)
		die(what, LIAISON_E_PARSE);
	return p;
}

/* Writes buf with the bit of mask at p flipped, and restores buf. */
static void write_flipped(const char *dir, const char *file, uint8_t *buf, size_t len, uint8_t *p, uint8_t mask)
{
	*p ^= mask;
	write_bytes(dir, file, buf, len);
	*p ^= mask;
}

static int seal(const struct liaison_key *from, const struct liaison_key *to, const char *summary,
		uint8_t **out, size_t *len, uint8_t id[ENVELOPE_ID_LEN])
{
	struct sealer *s = sealer_new(from, 3600, 1000);
	if (!s)
		return LIAISON_E_NOMEM;
	char *caveats[] = { "REL TO TEST-ALPHA, TEST-BRAVO" };
	Liaison__SecurityLabel label = LIAISON__SECURITY_LABEL__INIT;
	label.classification = LIAISON__CLASSIFICATION__RESTRICTED;
	label.tlp = LIAISON__TLP__TLP_AMBER;
	label.caveats = caveats;
	label.n_caveats = 1;
	Liaison__SituationReport sitrep = LIAISON__SITUATION_REPORT__INIT;
	sitrep.title = "Golden vector";
	sitrep.summary = (char *)summary;
	Liaison__Payload p = LIAISON__PAYLOAD__INIT;
	p.body_case = LIAISON__PAYLOAD__BODY_SITREP;
	p.sitrep = &sitrep;
	Liaison__Header h = LIAISON__HEADER__INIT;
	h.sender = (char *)from->cert.name;
	h.sequence = 1;
	h.created = GOLDEN_NOW_MS;
	h.expires = 0; /* never: the vector stays valid */
	h.type = LIAISON__MESSAGE_TYPE__SITREP;
	h.topic = "golden/test";
	h.precedence = LIAISON__PRECEDENCE__ROUTINE;
	h.label = &label;
	struct envelope_recipient r[2] = {
		{ to->cert.name, to->cert.box_pk, 1 },
		{ from->cert.name, from->cert.box_pk, 0 }, /* the sender keeps a readable copy */
	};
	int rc = envelope_seal(s, &h, &p, r, 2, GOLDEN_NOW_MS, out, len, id);
	sealer_destroy(&s);
	return rc;
}

static int make_big(const char *file, const char *bytes)
{
	char *end;
	errno = 0;
	unsigned long long n = strtoull(bytes, &end, 10);
	if (errno || *end || n == 0 || n > ((size_t)1 << 30)) {
		fprintf(stderr, "make_golden: '%s' is not a size in bytes\n", bytes);
		return 64;
	}
	struct liaison_key *a = golden_key("TEST-ALPHA"), *b = golden_key("TEST-BRAVO");
	char *summary = malloc(n + 1);
	if (!summary)
		die(file, LIAISON_E_NOMEM);
	memset(summary, 'x', n);
	summary[n] = '\0';
	uint8_t *env, id[ENVELOPE_ID_LEN];
	size_t len;
	int rc = seal(a, b, summary, &env, &len, id);
	if (rc != LIAISON_OK)
		die(file, rc);
	FILE *f = fopen(file, "wb");
	if (!f || fwrite(env, 1, len, f) != len || fclose(f) != 0)
		die(file, LIAISON_E_IO);
	free(env);
	free(summary);
	key_destroy(&a);
	key_destroy(&b);
	return 0;
}

int main(int argc, char **argv)
{
	if (sodium_init() < 0)
		return 1;
	if (argc == 4 && strcmp(argv[1], "big") == 0)
		return make_big(argv[2], argv[3]);
	if (argc != 2) {
		fprintf(stderr, "usage: make_golden DIR\n       make_golden big FILE BYTES\n");
		return 64;
	}
	const char *dir = argv[1];
	struct liaison_key *a = golden_key("TEST-ALPHA"), *b = golden_key("TEST-BRAVO");
	write_key_files(dir, a);
	write_key_files(dir, b);

	/* certificate forgeries: the self-signature, and a key it covers */
	struct liaison_cert forged = a->cert;
	forged.sig[0] ^= 0x01;
	write_cert_text(dir, "TEST-ALPHA-forged-signature.pub", &forged);
	forged = a->cert;
	forged.box_pk[0] ^= 0x01;
	write_cert_text(dir, "TEST-ALPHA-forged-box-key.pub", &forged);

	/* a secret key file whose X25519 secret is one bit off its certificate */
	struct liaison_key bad = { b->cert, sodium_malloc(sizeof *b->secret) };
	if (!bad.secret)
		die("key", LIAISON_E_NOMEM);
	memcpy(bad.secret, b->secret, sizeof *b->secret);
	bad.secret->box_sk[1] ^= 0x01;
	char *bp = path_in(dir, "TEST-BRAVO-forged-secret.key");
	unlink(bp);
	int rc = key_write(&bad, bp);
	if (rc != LIAISON_OK)
		die(bp, rc);
	append_text(bp, TEST_ONLY);
	free(bp);
	sodium_free(bad.secret);

	/* the envelope, and one bit of each of its parts */
	uint8_t *env, id[ENVELOPE_ID_LEN];
	size_t len;
	if ((rc = seal(a, b, "Bridge at Km 12 repaired; route BLUE open.", &env, &len, id)) != LIAISON_OK)
		die("envelope", rc);
	write_bytes(dir, "envelope-v2.bin", env, len);
	Liaison__Envelope *e = liaison__envelope__unpack(NULL, len, env);
	if (!e)
		die("envelope", LIAISON_E_PARSE);
	uint8_t *sig = find(env, len, e->signature.data, e->signature.len, "signature");
	uint8_t *hdr = find(env, len, e->header.data, e->header.len, "header");
	uint8_t *ct = find(env, len, e->ciphertext.data, e->ciphertext.len, "ciphertext");
	uint8_t *topic = find(hdr, e->header.len, "golden/test", 11, "topic");
	/* the recipient entry: node "TEST-BRAVO" (field 1), then stream_seq 1 (field 2) */
	static const uint8_t entry[] = { 0x0a, 10, 'T', 'E', 'S', 'T', '-', 'B', 'R', 'A', 'V', 'O', 0x10, 0x01 };
	uint8_t *rcpt = find(hdr, e->header.len, entry, sizeof entry, "recipient");
	write_flipped(dir, "envelope-v2-forged-signature.bin", env, len, sig + 10, 0x04);
	write_flipped(dir, "envelope-v2-forged-header.bin", env, len, topic, 0x01); /* "golden" -> "folden" */
	write_flipped(dir, "envelope-v2-forged-ciphertext.bin", env, len, ct + e->ciphertext.len / 2, 0x80);
	write_flipped(dir, "envelope-v2-forged-recipient.bin", env, len, rcpt + 7, 0x01); /* "BRAVO" -> "CRAVO" */
	write_flipped(dir, "envelope-v2-forged-stream.bin", env, len, rcpt + 13, 0x02); /* stream 1 -> 3 */
	liaison__envelope__free_unpacked(e, NULL);

	/* the recipient's receipt for it, and one bit of its body and signature */
	ProtobufCBinaryData ids[] = { { ENVELOPE_ID_LEN, id } };
	Liaison__DeliveryReceipt dr = LIAISON__DELIVERY_RECEIPT__INIT;
	dr.version = 1;
	dr.recipient = (char *)b->cert.name;
	dr.received = GOLDEN_NOW_MS + 250;
	dr.message_ids = ids;
	dr.n_message_ids = 1;
	uint8_t *rb;
	size_t rlen;
	if ((rc = receipt_sign(b, &dr, &rb, &rlen)) != LIAISON_OK)
		die("receipt", rc);
	write_bytes(dir, "receipt.bin", rb, rlen);
	Liaison__SignedReceipt *sr = liaison__signed_receipt__unpack(NULL, rlen, rb);
	if (!sr)
		die("receipt", LIAISON_E_PARSE);
	uint8_t *rsig = find(rb, rlen, sr->signature.data, sr->signature.len, "receipt signature");
	uint8_t *rname = find(rb, rlen, "TEST-BRAVO", 10, "receipt recipient");
	write_flipped(dir, "receipt-forged-body.bin", rb, rlen, rname + 5, 0x01); /* "BRAVO" -> "CRAVO" */
	write_flipped(dir, "receipt-forged-signature.bin", rb, rlen, rsig + 40, 0x10);
	liaison__signed_receipt__free_unpacked(sr, NULL);
	free(rb);
	free(env);
	key_destroy(&a);
	key_destroy(&b);
	return 0;
}

/* libFuzzer target: arbitrary bytes into envelope_open and envelope_verify,
 * as a node receives them from a peer.
 *
 * The keys are derived from fixed seeds so that the committed seed corpus
 * (tests/fuzz/corpus/envelope/, valid envelopes from ALPHA to BRAVO) passes
 * every check and the fuzzer starts deep inside the opener. Each input is
 * opened as BRAVO (a recipient) and as ALPHA (the sender's own copy, which
 * version 2 derives rather than carries). Built with -DFUZZ_MAKE_SEEDS this
 * file is instead the small program that wrote those seeds (version 2, the
 * *-v2 files; the others are version-1 envelopes from earlier liaison):
 *   fuzz_envelope_seeds CORPUS_DIR CERT_FILE */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "envelope.h"
#include "error.h"
#include "keyfile.h"

#include "fixed_keys.h"

static struct liaison_key alpha, bravo, charlie;
static struct opener *opener, *own;

static const struct liaison_cert *lookup(void *ctx, const char *name)
{
	(void)ctx;
	if (strcmp(name, "ALPHA") == 0)
		return &alpha.cert;
	if (strcmp(name, "CHARLIE") == 0)
		return &charlie.cert;
	return NULL;
}

static void setup(void)
{
	if (sodium_init() < 0)
		abort();
	fixed_key(&alpha, "ALPHA", 0xa1);
	fixed_key(&bravo, "BRAVO", 0xb2);
	fixed_key(&charlie, "CHARLIE", 0xc3);
	opener = opener_new(&bravo);
	own = opener_new(&alpha);
	if (!opener || !own)
		abort();
}

#ifndef FUZZ_MAKE_SEEDS

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	setup();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct opened op;
	/* a private copy, so that reads past the end are caught exactly */
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (envelope_open(opener, copy, size, 0, lookup, NULL, NOW, &op) == LIAISON_OK) {
		if (!op.envelope || !op.header || !op.payload)
			abort();
		opened_clear(&op);
	} else if (op.envelope || op.header || op.payload)
		abort(); /* a failed open must leave nothing behind */
	if (envelope_open(own, copy, size, 0, lookup, NULL, NOW, &op) == LIAISON_OK) {
		if (!op.envelope || !op.header || !op.payload)
			abort();
		opened_clear(&op);
	} else if (op.envelope || op.header || op.payload)
		abort();
	if (envelope_verify(copy, size, 0, &alpha.cert, &op) == LIAISON_OK)
		opened_clear(&op);
	free(copy);
	return 0;
}

#else

#include "seed_file.h"

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s CORPUS_DIR CERT_FILE\n", argv[0]);
		return 64;
	}
	setup();
	struct sealer *s = sealer_new(&alpha, 3600, 1000);
	struct envelope_recipient r[2] = {
		{ "BRAVO", bravo.cert.box_pk, 7 },
		{ "CHARLIE", charlie.cert.box_pk, 3 },
	};
	Liaison__SecurityLabel label = LIAISON__SECURITY_LABEL__INIT;
	char *caveats[] = { "REL TO ALPHA, BRAVO, CHARLIE" };
	label.classification = LIAISON__CLASSIFICATION__RESTRICTED;
	label.tlp = LIAISON__TLP__TLP_AMBER;
	label.n_caveats = 1;
	label.caveats = caveats;
	uint8_t refid[16] = { 0x42 };
	Liaison__Reference ref = LIAISON__REFERENCE__INIT, *refs[] = { &ref };
	ref.id.data = refid;
	ref.id.len = 16;
	ref.kind = LIAISON__REFERENCE_KIND__UPDATES;

	Liaison__SituationReport sitrep = LIAISON__SITUATION_REPORT__INIT;
	sitrep.title = "Daily SITREP";
	sitrep.summary = "Bridge repaired; route open.";
	Liaison__StatusUpdate status = LIAISON__STATUS_UPDATE__INIT;
	status.unit = "Field hospital";
	status.status = "DEGRADED";
	status.readiness_percent = 70;
	Liaison__Point pts[4] = { LIAISON__POINT__INIT, LIAISON__POINT__INIT, LIAISON__POINT__INIT,
				  LIAISON__POINT__INIT };
	Liaison__Point *pp[4] = { &pts[0], &pts[1], &pts[2], &pts[3] };
	pts[1].latitude = 1, pts[2].latitude = 1, pts[2].longitude = 1;
	Liaison__Polygon poly = LIAISON__POLYGON__INIT, *polys[] = { &poly };
	poly.n_points = 4;
	poly.points = pp;
	Liaison__Area area = LIAISON__AREA__INIT, *areas[] = { &area };
	area.description = "Valley";
	area.n_polygons = 1;
	area.polygons = polys;
	Liaison__EarlyWarning warning = LIAISON__EARLY_WARNING__INIT;
	warning.event = "Flood";
	warning.severity = "Severe";
	warning.n_areas = 1;
	warning.areas = areas;
	Liaison__IntelligenceReport intel = LIAISON__INTELLIGENCE_REPORT__INIT;
	intel.title = "Convoy";
	intel.source_reliability = "B";
	intel.information_credibility = "2";
	ProtobufCBinaryData ids[] = { { 16, refid } };
	Liaison__DeliveryReceipt receipt = LIAISON__DELIVERY_RECEIPT__INIT;
	receipt.version = 1;
	receipt.recipient = "BRAVO";
	receipt.n_message_ids = 1;
	receipt.message_ids = ids;

	static const char *names[] = { "sitrep-v2", "status-v2", "warning-v2", "intel-v2", "receipt-v2" };
	for (int t = 1; t <= 5; t++) {
		Liaison__Header h = LIAISON__HEADER__INIT;
		Liaison__Payload p = LIAISON__PAYLOAD__INIT;
		h.sender = "ALPHA";
		h.sequence = (uint64_t)t;
		h.created = NOW - 1000;
		h.expires = t == 3 ? NOW + 3600000 : 0;
		h.type = (Liaison__MessageType)t;
		h.topic = "ops/north";
		h.precedence = t == 3 ? LIAISON__PRECEDENCE__FLASH : LIAISON__PRECEDENCE__ROUTINE;
		h.label = &label;
		if (t == 1) {
			h.n_references = 1;
			h.references = refs;
		}
		p.body_case = (Liaison__Payload__BodyCase)t;
		switch (t) {
		case 1: p.sitrep = &sitrep; break;
		case 2: p.status = &status; break;
		case 3: p.warning = &warning; break;
		case 4: p.intel = &intel; break;
		default: p.receipt = &receipt; break;
		}
		uint8_t *buf;
		size_t len;
		int rc = envelope_seal(s, &h, &p, r, t == 2 ? 1 : 2, NOW - 1000, &buf, &len, NULL);
		struct opened op;
		if (rc != LIAISON_OK || envelope_open(opener, buf, len, 0, lookup, NULL, NOW, &op) != LIAISON_OK) {
			fprintf(stderr, "seed %s does not open\n", names[t - 1]);
			return 1;
		}
		opened_clear(&op);
		if (envelope_open(own, buf, len, 0, lookup, NULL, NOW, &op) != LIAISON_OK) {
			fprintf(stderr, "seed %s does not open as its sender\n", names[t - 1]);
			return 1;
		}
		opened_clear(&op);
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", argv[1], names[t - 1]);
		seed_write_file(path, buf, len);
		free(buf);
	}
	char *text = cert_format(&alpha.cert);
	seed_write_file(argv[2], text, strlen(text));
	free(text);
	sealer_destroy(&s);
	opener_destroy(&opener);
	opener_destroy(&own);
	return 0;
}

#endif

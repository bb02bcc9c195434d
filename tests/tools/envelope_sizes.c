/* Prints what sealing costs on the wire: for a short status and a 1 KiB
 * sitrep, to one and to three recipients, the envelope's length, the
 * plaintext payload's packed size and the difference (the envelope's
 * overhead). The header is what liaisond fills in for a message sent with
 * a topic, a label and an expiry; the sender keeps its own copy, as the
 * node does (api_send.c). Keys are generated afresh; sizes do not depend
 * on them.
 *
 *   envelope_sizes        prints the table */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "envelope.h"
#include "error.h"
#include "keyfile.h"

#define CREATED_MS 1800000000000LL

static struct liaison_key *make_key(const char *name)
{
	struct liaison_key *k = NULL;
	if (key_generate(name, CERT_NODE, &k) != LIAISON_OK) {
		fprintf(stderr, "envelope_sizes: cannot make a key\n");
		exit(1);
	}
	return k;
}

static void measure(struct sealer *s, struct liaison_key *from, struct liaison_key **to, size_t n_to,
		    const Liaison__Payload *p, Liaison__MessageType type, const char *what)
{
	Liaison__SecurityLabel label = LIAISON__SECURITY_LABEL__INIT;
	label.classification = LIAISON__CLASSIFICATION__RESTRICTED;
	label.tlp = LIAISON__TLP__TLP_AMBER;
	Liaison__Header h = LIAISON__HEADER__INIT;
	h.sender = from->cert.name;
	h.sequence = 1042;
	h.created = CREATED_MS;
	h.expires = CREATED_MS + 86400000;
	h.type = type;
	h.topic = "ops/status";
	h.precedence = LIAISON__PRECEDENCE__PRIORITY;
	h.label = &label;
	struct envelope_recipient r[4] = { { from->cert.name, from->cert.box_pk, 0 } };
	for (size_t i = 0; i < n_to; i++)
		r[i + 1] = (struct envelope_recipient){ to[i]->cert.name, to[i]->cert.box_pk, 1000 + i };
	uint8_t *env;
	size_t len, plen = liaison__payload__get_packed_size(p);
	int rc = envelope_seal(s, &h, p, r, n_to + 1, CREATED_MS, &env, &len, NULL);
	if (rc != LIAISON_OK) {
		fprintf(stderr, "envelope_sizes: seal: %s\n", liaison_strerror(rc));
		exit(1);
	}
	printf("%-14s %10zu %9zu %9zu %9zu\n", what, n_to, len, plen, len - plen);
	free(env);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	struct liaison_key *from = make_key("hq-north"), *to[3] = { make_key("field-1"), make_key("field-2"),
								      make_key("field-3") };
	struct sealer *s = sealer_new(from, 3600, 100000);
	if (!s)
		return 1;
	Liaison__StatusUpdate st = LIAISON__STATUS_UPDATE__INIT;
	st.unit = "Field hospital";
	st.status = "DEGRADED";
	st.readiness_percent = 70;
	Liaison__Payload status = LIAISON__PAYLOAD__INIT;
	status.body_case = LIAISON__PAYLOAD__BODY_STATUS;
	status.status = &st;
	char summary[1025];
	memset(summary, 'x', 1024);
	summary[1024] = '\0';
	Liaison__SituationReport sr = LIAISON__SITUATION_REPORT__INIT;
	sr.title = "Daily";
	sr.summary = summary;
	Liaison__Payload big = LIAISON__PAYLOAD__INIT;
	big.body_case = LIAISON__PAYLOAD__BODY_SITREP;
	big.sitrep = &sr;
	printf("%-14s %10s %9s %9s %9s\n", "payload", "recipients", "envelope", "plaintext", "overhead");
	for (size_t n = 1; n <= 3; n += 2) {
		measure(s, from, to, n, &status, LIAISON__MESSAGE_TYPE__STATUS, "short status");
		measure(s, from, to, n, &big, LIAISON__MESSAGE_TYPE__SITREP, "1 KiB sitrep");
	}
	sealer_destroy(&s);
	key_destroy(&from);
	for (int i = 0; i < 3; i++)
		key_destroy(&to[i]);
	return 0;
}

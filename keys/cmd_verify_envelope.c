/* liaison-keys verify-envelope FILE --cert SENDER.pub: checks a sealed
 * envelope offline (signature, ciphertext against its signed hash) and
 * prints its header. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmds.h"
#include "envelope.h"
#include "error.h"
#include "hexid.h"
#include "keyfile.h"
#include "labels.h"
#include "textsafe.h"
#include "timefmt.h"

static const char usage[] = "verify-envelope FILE --cert SENDER.pub";
static const char help[] =
	"Checks a sealed envelope (FILE, or - for stdin) against its sender's\n"
	"certificate: the signature over the header, and the ciphertext against\n"
	"its signed hash. Prints the header; exits 0 only if both hold. The\n"
	"payload stays sealed: only its recipients can open it.\n";

/* Whatever some node could accept: its max_message may be set up to 64M. */
#define ENVELOPE_MAX ENVELOPE_MAX_ANY_NODE

/* Reads all of f, up to ENVELOPE_MAX + 1 bytes (so an oversized file is
 * reported as such). Caller frees. */
static uint8_t *read_all(FILE *f, size_t *len)
{
	size_t cap = 65536, n = 0;
	uint8_t *b = malloc(cap);
	while (b) {
		n += fread(b + n, 1, cap - n, f);
		if (n < cap || n > ENVELOPE_MAX)
			break;
		uint8_t *nb = realloc(b, cap * 2);
		if (!nb) {
			free(b);
			return NULL;
		}
		b = nb;
		cap *= 2;
	}
	if (b && ferror(f)) {
		free(b);
		return NULL;
	}
	*len = n;
	return b;
}

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

static void print_header(const Liaison__Header *h)
{
	char hex[HEXID_LEN], t[TIME_ISO_LEN];
	hexid_format(h->id.data, hex);
	printf("id: %s\nsender: %s\nsequence: %" PRIu64 "\n", hex, h->sender, h->sequence);
	time_format_iso(h->created, t);
	printf("created: %s\n", t);
	if (h->expires) {
		time_format_iso(h->expires, t);
		printf("expires: %s\n", t);
	} else
		printf("expires: never\n");
	/* the topic and caveats are the sender's text: escaped (textsafe.h) */
	char *topic = textsafe_dup(h->topic, 0);
	printf("type: %s\ntopic: %s\n", or_dash(label_type_name(h->type)), topic ? or_dash(topic) : "?");
	free(topic);
	printf("precedence: %s\n",
	       h->precedence ? or_dash(label_precedence_name(h->precedence)) : "default for its type");
	Liaison__Classification c = h->label ? h->label->classification : LIAISON__CLASSIFICATION__CLASSIFICATION_UNSET;
	printf("label: %s", or_dash(label_classification_name(c)));
	if (h->label && h->label->tlp)
		printf(", TLP:%s", or_dash(label_tlp_name(h->label->tlp)));
	for (size_t i = 0; h->label && i < h->label->n_caveats; i++) {
		char *cv = textsafe_dup(h->label->caveats[i], 0);
		printf(", %s", cv ? cv : "?");
		free(cv);
	}
	printf("\nrecipients:");
	for (size_t i = 0; i < h->n_recipients; i++)
		printf("%s %s", i ? "," : "", h->recipients[i]->node);
	printf("\nreferences:");
	if (!h->n_references)
		printf(" none");
	for (size_t i = 0; i < h->n_references; i++) {
		hexid_format(h->references[i]->id.data, hex);
		printf("%s %s %s", i ? "," : "",
		       h->references[i]->kind == LIAISON__REFERENCE_KIND__CANCELS ? "cancels" : "updates", hex);
	}
	printf("\n");
}

int cmd_verify_envelope(int argc, char **argv)
{
	const char *file = NULL, *certpath = NULL;
	struct liaison_cert cert;
	struct opened op = { 0 };
	uint8_t *buf = NULL;
	size_t len = 0;
	int ret = 1, rc;

	for (int i = 1; i < argc; i++) {
		if (keys_is_help(argv[i]))
			return keys_usage(usage, help, 1);
		if (strcmp(argv[i], "--cert") == 0) {
			if (++i >= argc || certpath)
				return keys_usage(usage, NULL, 0);
			certpath = argv[i];
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "%s: verify-envelope: unknown option '%s'\n", KEYS_PROG, argv[i]);
			return keys_usage(usage, NULL, 0);
		} else if (file)
			return keys_usage(usage, NULL, 0);
		else
			file = argv[i];
	}
	if (!file || !certpath)
		return keys_usage(usage, NULL, 0);
	if ((rc = cert_load(certpath, &cert)) != LIAISON_OK)
		return keys_fail(certpath, rc);

	FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "rb");
	if (!f)
		return keys_fail(file, LIAISON_E_IO);
	buf = read_all(f, &len);
	int e = errno;
	if (f != stdin)
		fclose(f);
	if (!buf) {
		errno = e ? e : ENOMEM;
		return keys_fail(file, LIAISON_E_IO);
	}
	if ((rc = envelope_verify(buf, len, ENVELOPE_MAX, &cert, &op)) != LIAISON_OK) {
		struct opened peek = { 0 };
		/* name the signer the envelope claims, so the wrong certificate is obvious */
		if (rc == LIAISON_E_UNKNOWN_SENDER && envelope_parse(buf, len, ENVELOPE_MAX, &peek) == LIAISON_OK)
			fprintf(stderr, "liaison-keys: %s: sent by '%s', but the certificate is for '%s'\n", file,
				peek.header->sender, cert.name);
		else
			keys_fail(file, rc);
		opened_clear(&peek);
		goto out;
	}
	print_header(op.header);
	char fp[LIAISON_FINGERPRINT_LEN];
	cert_fingerprint(&cert, fp);
	printf("signature: good, by %s %s (fingerprint %s); ciphertext matches its hash\n",
	       cert_kind_name(cert.kind), cert.name, fp);
	ret = 0;
out:
	opened_clear(&op);
	free(buf);
	return ret;
}

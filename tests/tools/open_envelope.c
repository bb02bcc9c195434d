/* open_envelope: tries to open a sealed envelope file with a node's key, as
 * that node would (sender's certificate pinned, no expiry check). On success
 * prints "ok" and the payload as one JSON object, exit 0; on failure prints
 * the error's symbolic name and description, exit 1; bad usage exits 64.
 * usage: open_envelope NODE.key SENDER.pub ENVELOPE */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "envelope.h"
#include "error.h"
#include "keyfile.h"
#include "pbjson.h"

#define MAX_ENVELOPE (ENVELOPE_DEFAULT_MAX_MESSAGE + ENVELOPE_HEADER_MAX)

static const char *const err_names[LIAISON_E_COUNT] = {
	"OK", "NOMEM", "IO", "EMPTY", "TOO_LARGE", "TRUNCATED", "PARSE", "VERSION",
	"UNKNOWN_SENDER", "WRONG_KEY", "SIGNATURE", "HASH", "NOT_RECIPIENT", "DECRYPT",
	"EXPIRED", "REPLAY", "PERM", "EXISTS", "NAME", "KIND", "INVALID",
};

static const char *err_name(int rc)
{
	return rc >= 0 && rc < LIAISON_E_COUNT && err_names[rc] ? err_names[rc] : "UNKNOWN";
}

static const struct liaison_cert *lookup(void *ctx, const char *name)
{
	const struct liaison_cert *c = ctx;
	return strcmp(c->name, name) == 0 ? c : NULL;
}

/* Reads a whole file, at most MAX_ENVELOPE + 1 bytes; caller frees. */
static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	uint8_t *buf = malloc(MAX_ENVELOPE + 1);
	if (buf)
		*len = fread(buf, 1, MAX_ENVELOPE + 1, f);
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	struct liaison_key *key = NULL;
	struct liaison_cert sender;
	struct opened o = { 0 };
	size_t len = 0;
	int rc;

	if (argc != 4) {
		fprintf(stderr, "usage: open_envelope NODE.key SENDER.pub ENVELOPE\n");
		return 64;
	}
	if ((rc = key_load(argv[1], &key)) != LIAISON_OK) {
		fprintf(stderr, "%s: %s\n", argv[1], liaison_strerror(rc));
		return 64;
	}
	if ((rc = cert_load(argv[2], &sender)) != LIAISON_OK) {
		fprintf(stderr, "%s: %s\n", argv[2], liaison_strerror(rc));
		key_destroy(&key);
		return 64;
	}
	uint8_t *buf = read_file(argv[3], &len);
	if (!buf) {
		perror(argv[3]);
		key_destroy(&key);
		return 64;
	}
	struct opener *op = opener_new(key);
	rc = op ? envelope_open(op, buf, len, MAX_ENVELOPE, lookup, &sender, 0, &o) : LIAISON_E_NOMEM;
	if (rc == LIAISON_OK) {
		json_t *j = pbjson_from_message(&o.payload->base);
		char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
		printf("ok %s\n", s ? s : "{}");
		free(s);
		json_decref(j);
	} else {
		printf("%s: %s\n", err_name(rc), liaison_strerror(rc));
	}
	opened_clear(&o);
	opener_destroy(&op);
	free(buf);
	key_destroy(&key);
	return rc == LIAISON_OK ? 0 : 1;
}

/* libFuzzer target: arbitrary bytes as a certificate file (NAME.pub), through
 * cert_parse, which cert_load runs on a file's contents. A certificate that
 * parses must format to text that parses back to the same certificate (one
 * canonical spelling per value).
 *
 * Seed corpus: tests/fuzz/corpus/cert/ (node and client certificates, made
 * with liaison-keys, and near misses). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "error.h"
#include "keyfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_cert(const struct liaison_cert *a, const struct liaison_cert *b)
{
	return strcmp(a->name, b->name) == 0 && a->kind == b->kind && a->created == b->created &&
	       memcmp(a->sign_pk, b->sign_pk, sizeof a->sign_pk) == 0 &&
	       memcmp(a->box_pk, b->box_pk, sizeof a->box_pk) == 0 && memcmp(a->sig, b->sig, sizeof a->sig) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct liaison_cert c, again;
	/* a private copy, so that reads past the end are caught exactly */
	char *copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (cert_parse(copy, size, &c) == LIAISON_OK) {
		if (!cert_verify(&c))
			abort();
		char *text = cert_format(&c);
		if (!text || cert_parse(text, strlen(text), &again) != LIAISON_OK || !same_cert(&c, &again))
			abort();
		free(text);
	}
	free(copy);
	return 0;
}

/* libFuzzer target: arbitrary bytes as a CAP document, as `send warning
 * --cap` takes it from an alerting system. Whatever imports must export in
 * both forms (the original, and generated from the fields), the generated
 * one must validate, import again and carry the same identifier and number
 * of info blocks; nothing may crash, leak or read outside its buffers, and
 * nothing outside the document is ever loaded.
 *
 * The seed corpus (tests/fuzz/corpus/cap/) holds the sample alerts of
 * tests/data/cap and hostile documents (entities, DOCTYPEs, deep nesting). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cap.h"
#include "error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cap_schema *schema;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Liaison__EarlyWarning *w = NULL, *again = NULL;
	char err[512], *out = NULL;
	size_t len = 0;

	if (!schema && cap_schema_load(NULL, &schema, err, sizeof(err)) != LIAISON_OK) {
		fprintf(stderr, "fuzz_cap: %s\n", err);
		abort();
	}
	if (cap_import(schema, data, size, &w, err, sizeof(err)) != LIAISON_OK)
		return 0;
	if (cap_export(w, NULL, &out, &len, err, sizeof(err)) != LIAISON_OK)
		abort();
	free(out);
	if (cap_export_fields(w, NULL, &out, &len, err, sizeof(err)) != LIAISON_OK)
		abort();
	/* the generated form is valid CAP whenever the input was, except where a
	 * value the schema leaves free does not survive (a polygon's numbers
	 * print again in their shortest form, which still validates) */
	if (cap_import(schema, (const uint8_t *)out, len, &again, err, sizeof(err)) != LIAISON_OK) {
		fprintf(stderr, "fuzz_cap: the generated export does not import: %s\n%s\n", err, out);
		abort();
	}
	if (strcmp(again->cap_identifier, w->cap_identifier) || again->n_cap_info != w->n_cap_info)
		abort();
	(void)cap_precedence(w);
	int64_t ms;
	(void)cap_expires_ms(w, &ms);
	liaison__early_warning__free_unpacked(again, NULL);
	liaison__early_warning__free_unpacked(w, NULL);
	free(out);
	return 0;
}

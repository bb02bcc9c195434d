/* A stored warning as one CAP 1.2 document: the imported alert as it came,
 * or one generated from a warning written in liaison; checked against the
 * schema before it is printed. */
#include <stdlib.h>
#include <string.h>

#include "cap.h"
#include "client.h"
#include "error.h"
#include "hexid.h"
#include "pbjson.h"

/* "released through liaison to BRAVO, CHARLIE" */
static char *restriction_of(const Liaison__Message *m)
{
	static const char lead[] = "released through liaison to ";
	size_t len = sizeof(lead) + 16;
	char *s;
	for (size_t i = 0; i < m->n_to; i++)
		len += strlen(m->to[i]) + 2;
	if (!(s = malloc(len)))
		return NULL;
	strcpy(s, lead);
	for (size_t i = 0; i < m->n_to; i++) {
		if (i)
			strcat(s, ", ");
		strcat(s, m->to[i]);
	}
	if (m->n_to == 0)
		strcat(s, "its recipients");
	return s;
}

int render_message_cap(FILE *out, const Liaison__Message *m, bool feed)
{
	char hex[HEXID_LEN], err[512];
	const struct cap_schema *sc;
	struct cap_origin o;
	char *doc = NULL, *restriction;
	size_t len = 0;
	int r;

	hexid_format(m->id.len == 16 ? m->id.data : (const uint8_t *)"\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
		     hex);
	if (!m->payload || m->payload->body_case != LIAISON__PAYLOAD__BODY_WARNING) {
		client_err("%s: not a warning; only warnings have a CAP form", hex);
		return CLIENT_EX_FAIL;
	}
	if (!(sc = client_cap_schema(err, sizeof(err)))) {
		client_err("%s", err);
		return CLIENT_EX_CONFIG;
	}
	if (!(restriction = restriction_of(m))) {
		client_err("out of memory");
		return CLIENT_EX_FAIL;
	}
	o = (struct cap_origin){ hex, m->from, m->created, restriction };
	r = cap_export(m->payload->warning, &o, &doc, &len, err, sizeof(err));
	free(restriction);
	if (r == LIAISON_OK && (r = cap_validate(sc, (uint8_t *)doc, len, err, sizeof(err))) != LIAISON_OK) {
		client_err("%s: its CAP form does not validate: %s", hex, err);
		free(doc);
		return CLIENT_EX_FAIL;
	}
	if (r != LIAISON_OK) {
		client_err("%s: %s", hex, err);
		return CLIENT_EX_FAIL;
	}
	/* The document as it is; in a feed each ends in a newline, so that the
	 * next one's declaration starts a line. */
	r = fwrite(doc, 1, len, out) == len &&
		    (!feed || len == 0 || doc[len - 1] == '\n' || fputc('\n', out) != EOF)
		    ? 0 : CLIENT_EX_FAIL;
	free(doc);
	if (r || fflush(out) != 0) {
		client_err("cannot write the CAP document");
		return CLIENT_EX_FAIL;
	}
	return 0;
}

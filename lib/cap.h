/* CAP 1.2 (OASIS Common Alerting Protocol, ITU-T X.1303): untrusted XML in,
 * schema validation, the mapping to and from an EarlyWarning payload. */
#ifndef LIAISON_CAP_H
#define LIAISON_CAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "liaison.pb-c.h"

#define CAP_NS "urn:oasis:names:tc:emergency:cap:1.2"
/* Bounds on an untrusted document: bytes, and element nesting (a CAP alert
 * nests 4 deep, an enveloped XML signature a few more). */
#define CAP_MAX_BYTES (1024 * 1024)
#define CAP_MAX_DEPTH 24
/* Where the schema is looked for: $LIAISON_CAP_SCHEMA, then the source tree
 * (a build run from it), then the installed copy. */
#define CAP_SCHEMA_ENV "LIAISON_CAP_SCHEMA"
#ifndef CAP_SCHEMA_SOURCE
#define CAP_SCHEMA_SOURCE "data/cap/CAP-v1.2.xsd"
#endif
#ifndef CAP_SCHEMA_INSTALLED
#define CAP_SCHEMA_INSTALLED "/usr/local/share/liaison/CAP-v1.2.xsd"
#endif

/* Error codes of this module, beside liaison_err's LIAISON_OK/E_NOMEM/
 * E_TOO_LARGE/E_PARSE/E_IO: the message buffer always says what and where. */
enum cap_err {
	CAP_E_INVALID = 100, /* the document does not validate against the schema */
	CAP_E_REFUSED,       /* a DOCTYPE, an entity, too deep, or not UTF-8 */
	CAP_E_CONTENT,       /* valid XML, but a value CAP defines is malformed (polygon, circle, time) */
};

struct cap_schema;

/* Loads the schema from path, or when path is NULL from the first of the
 * places above that exists. Returns LIAISON_OK with *out (cap_schema_destroy),
 * or an error with "FILE: why" in err. */
int cap_schema_load(const char *path, struct cap_schema **out, char *err, size_t errlen);
/* Accepts NULL; clears the pointer. */
void cap_schema_destroy(struct cap_schema **s);
/* The file the schema was read from. */
const char *cap_schema_file(const struct cap_schema *s);

/* Validates a CAP document. Parsing refuses a DOCTYPE (so no entity can be
 * declared, internal or external), never touches the network and stops at
 * CAP_MAX_DEPTH. On failure err holds one line: "line N: element 'urgency':
 * [facet 'enumeration'] ...". */
int cap_validate(const struct cap_schema *s, const uint8_t *xml, size_t len, char *err,
		 size_t errlen);

/* Validates and maps a CAP document into a new EarlyWarning: every element of
 * the CAP namespace into fields, the document itself into cap_xml. Caller
 * frees with liaison__early_warning__free_unpacked(w, NULL). Nothing is
 * allocated on failure. */
int cap_import(const struct cap_schema *s, const uint8_t *xml, size_t len,
	       Liaison__EarlyWarning **out, char *err, size_t errlen);

/* What a warning written in liaison lacks to be an alert: its message id,
 * node, creation time and recipients. */
struct cap_origin {
	const char *identifier; /* e.g. the message id in hex */
	const char *sender;     /* the originating node */
	int64_t sent_ms;        /* creation time, unix ms */
	const char *restriction; /* NULL: scope Public; else scope Restricted with this text */
};

/* A CAP document for w, starting with its <?xml declaration: the imported
 * document (cap_xml) as it was, else one generated from the fields. Caller
 * frees *out. */
int cap_export(const Liaison__EarlyWarning *w, const struct cap_origin *o, char **out,
	       size_t *len, char *err, size_t errlen);
/* Generates from the fields even when cap_xml is set (tests compare the two). */
int cap_export_fields(const Liaison__EarlyWarning *w, const struct cap_origin *o, char **out,
		      size_t *len, char *err, size_t errlen);

/* Checks the CAP words and forms of a warning built from JSON or arguments:
 * urgency, severity, certainty, category, msg_type, onset/expires times,
 * polygons (4 points or more, closed), circles. */
int cap_warning_check(const Liaison__EarlyWarning *w, char *err, size_t errlen);

/* Precedence from urgency and severity of an imported alert (the table in
 * liaison(1)): the highest over the info blocks; PRECEDENCE_UNSET when there
 * is none (a native warning keeps the type's default, FLASH). */
Liaison__Precedence cap_precedence(const Liaison__EarlyWarning *w);
/* Expiry (unix ms) from <expires>: the latest over the info blocks; 0 (never)
 * when a block has none. False if an <expires> cannot be read. */
bool cap_expires_ms(const Liaison__EarlyWarning *w, int64_t *out);

/* Splits one CAP reference "sender,identifier,sent" (sender and identifier
 * may not hold commas or spaces). Pointers into a copy in buf. */
bool cap_reference_split(const char *ref, char *buf, size_t buflen, const char **sender,
			 const char **identifier, const char **sent);

#endif

/* CAP documents as untrusted XML: a parser that refuses DTDs, entities, the
 * network and deep nesting, the schema, and validation with errors that name
 * the element and the rule. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlschemas.h>

#include "cap.h"
#include "cap_priv.h"
#include "error.h"

struct cap_schema {
	xmlSchemaPtr schema;
	char *file;
};

void cap_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Nothing outside the document is ever loaded: not a DTD, not an entity, not
 * a schemaLocation. libxml2's loader is process-wide; liaison loads the
 * schema from memory, so refusing every external load costs nothing. */
static xmlParserInputPtr deny_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	(void)url;
	(void)id;
	(void)ctxt;
	return NULL;
}

/* libxml2 reports some errors (encoding conversion, I/O) to its generic
 * handler, which prints to stderr; the library never prints: every error
 * that matters comes back through the parser context or the validator. */
static void silent(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static void cap_xml_init(void)
{
	static bool done;
	if (done)
		return;
	xmlInitParser();
	xmlSetExternalEntityLoader(deny_loader);
	xmlSetGenericErrorFunc(NULL, silent);
	done = true;
}

/* "{urn:...cap:1.2}urgency" reads better as "urgency". */
static void strip_ns(char *s)
{
	static const char ns[] = "{" CAP_NS "}";
	char *p;
	while ((p = strstr(s, ns)))
		memmove(p, p + sizeof(ns) - 1, strlen(p + sizeof(ns) - 1) + 1);
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

static void record_error(char *err, size_t errlen, const xmlError *e, const char *fallback)
{
	char msg[512];
	if (!e || !e->message) {
		cap_errf(err, errlen, "%s", fallback);
		return;
	}
	snprintf(msg, sizeof(msg), "%s", e->message);
	strip_ns(msg);
	if (e->line > 0)
		cap_errf(err, errlen, "line %d: %s", e->line, msg);
	else
		cap_errf(err, errlen, "%s", msg);
}

/* ---------------------------------------------------------------- parsing */

struct guard {
	startElementNsSAX2Func start;
	bool doctype, too_deep;
	int line;
};

/* The parser's user data is its context: the guard rides in ctxt->_private. */
static void guard_doctype(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct guard *g = ctxt->_private;
	(void)name;
	(void)ext;
	(void)sys;
	g->doctype = true;
	g->line = xmlSAX2GetLineNumber(ctx);
	xmlStopParser(ctxt);
}

static void guard_entity(void *ctx, const xmlChar *name, int type, const xmlChar *pub,
			 const xmlChar *sys, xmlChar *content)
{
	(void)name;
	(void)type;
	(void)pub;
	(void)sys;
	(void)content;
	guard_doctype(ctx, NULL, NULL, NULL);
}

static void guard_start(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri,
			int nns, const xmlChar **ns, int nattr, int ndef, const xmlChar **attrs)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct guard *g = ctxt->_private;
	if (ctxt->nameNr > CAP_MAX_DEPTH) {
		g->too_deep = true;
		g->line = xmlSAX2GetLineNumber(ctx);
		xmlStopParser(ctxt);
		return;
	}
	g->start(ctx, local, prefix, uri, nns, ns, nattr, ndef, attrs);
}

int cap_parse(const uint8_t *xml, size_t len, xmlDocPtr *out, char *err, size_t errlen)
{
	xmlParserCtxtPtr ctxt;
	struct guard g = { 0 };
	xmlDocPtr doc;
	int ret;

	*out = NULL;
	cap_xml_init();
	if (len == 0) {
		cap_errf(err, errlen, "empty document");
		return LIAISON_E_EMPTY;
	}
	if (len > CAP_MAX_BYTES) {
		cap_errf(err, errlen, "document of %zu bytes exceeds the limit of %d", len, CAP_MAX_BYTES);
		return LIAISON_E_TOO_LARGE;
	}
	ctxt = xmlCreateMemoryParserCtxt((const char *)xml, (int)len);
	if (!ctxt) {
		cap_errf(err, errlen, "out of memory");
		return LIAISON_E_NOMEM;
	}
	/* No XML_PARSE_NOENT (entities are never substituted), no DTDLOAD or
	 * DTDATTR; NONET besides the loader above. A DOCTYPE stops the parse
	 * before any declaration in it is acted on. */
	xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
					XML_PARSE_NOCDATA);
	ctxt->_private = &g;
	g.start = ctxt->sax->startElementNs;
	ctxt->sax->startElementNs = guard_start;
	ctxt->sax->internalSubset = guard_doctype;
	ctxt->sax->externalSubset = guard_doctype;
	ctxt->sax->entityDecl = guard_entity;
	xmlParseDocument(ctxt);
	doc = ctxt->myDoc;
	if (g.doctype) {
		cap_errf(err, errlen, "line %d: a DOCTYPE is not allowed in a CAP alert "
			 "(no DTD, no entity declarations)", g.line);
		ret = CAP_E_REFUSED;
	} else if (g.too_deep) {
		cap_errf(err, errlen, "line %d: elements nest deeper than %d", g.line, CAP_MAX_DEPTH);
		ret = CAP_E_REFUSED;
	} else if (!ctxt->wellFormed || !doc) {
		record_error(err, errlen, &ctxt->lastError, "not well-formed XML");
		ret = LIAISON_E_PARSE;
	} else if (doc->encoding && strcasecmp((const char *)doc->encoding, "UTF-8") &&
		   strcasecmp((const char *)doc->encoding, "US-ASCII")) {
		cap_errf(err, errlen, "encoding %s: CAP alerts are accepted in UTF-8 only",
			 (const char *)doc->encoding);
		ret = CAP_E_REFUSED;
	} else {
		ret = LIAISON_OK;
	}
	if (ret != LIAISON_OK) {
		if (doc)
			xmlFreeDoc(doc);
		doc = NULL;
	}
	ctxt->myDoc = NULL;
	ctxt->_private = NULL;
	xmlFreeParserCtxt(ctxt);
	*out = doc;
	return ret;
}

/* ---------------------------------------------------------------- schema */

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && n <= CAP_MAX_BYTES &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1))) {
		if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else {
			*len = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

static void schema_error(void *ctx, xmlErrorPtr e)
{
	char **slot = ctx;
	if (!*slot && e && e->message)
		*slot = strdup(e->message);
}

int cap_schema_load(const char *path, struct cap_schema **out, char *err, size_t errlen)
{
	const char *env = getenv(CAP_SCHEMA_ENV);
	const char *tries[3] = { path, NULL, NULL };
	xmlSchemaParserCtxtPtr pc;
	struct cap_schema *s;
	char *buf = NULL, *why = NULL;
	size_t len = 0;
	const char *used = NULL;

	*out = NULL;
	cap_xml_init();
	if (!path) {
		tries[0] = env && *env ? env : NULL;
		tries[1] = CAP_SCHEMA_SOURCE;
		tries[2] = CAP_SCHEMA_INSTALLED;
	}
	for (int i = 0; i < 3 && !buf; i++) {
		if (!tries[i])
			continue;
		used = tries[i];
		buf = read_file(used, &len);
		if (path || (i == 0 && env && *env))
			break; /* a path named explicitly is the only one tried */
	}
	if (!buf) {
		cap_errf(err, errlen, "%s: cannot read the CAP 1.2 schema (set %s)",
			 used ? used : CAP_SCHEMA_INSTALLED, CAP_SCHEMA_ENV);
		return LIAISON_E_IO;
	}
	pc = xmlSchemaNewMemParserCtxt(buf, (int)len);
	if (!pc) {
		free(buf);
		cap_errf(err, errlen, "out of memory");
		return LIAISON_E_NOMEM;
	}
	xmlSchemaSetParserStructuredErrors(pc, schema_error, &why);
	s = calloc(1, sizeof(*s));
	if (s) {
		s->schema = xmlSchemaParse(pc);
		s->file = strdup(used);
	}
	xmlSchemaFreeParserCtxt(pc);
	free(buf);
	if (!s || !s->schema || !s->file) {
		if (why)
			strip_ns(why);
		cap_errf(err, errlen, "%s: %s", used, !s ? "out of memory" : why ? why : "not a schema");
		free(why);
		cap_schema_destroy(&s);
		return LIAISON_E_PARSE;
	}
	free(why);
	*out = s;
	return LIAISON_OK;
}

void cap_schema_destroy(struct cap_schema **s)
{
	if (!s || !*s)
		return;
	if ((*s)->schema)
		xmlSchemaFree((*s)->schema);
	free((*s)->file);
	free(*s);
	*s = NULL;
}

const char *cap_schema_file(const struct cap_schema *s)
{
	return s->file;
}

/* ---------------------------------------------------------------- validation */

struct first_error {
	char *err;
	size_t errlen;
	bool set;
};

static void validity_error(void *ctx, xmlErrorPtr e)
{
	struct first_error *fe = ctx;
	if (fe->set)
		return;
	fe->set = true;
	record_error(fe->err, fe->errlen, e, "does not validate");
}

int cap_validate_doc(const struct cap_schema *s, xmlDocPtr doc, char *err, size_t errlen)
{
	struct first_error fe = { err, errlen, false };
	xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(s->schema);
	int r;
	if (!vc) {
		cap_errf(err, errlen, "out of memory");
		return LIAISON_E_NOMEM;
	}
	xmlSchemaSetValidStructuredErrors(vc, validity_error, &fe);
	r = xmlSchemaValidateDoc(vc, doc);
	xmlSchemaFreeValidCtxt(vc);
	if (r != 0) {
		if (!fe.set)
			cap_errf(err, errlen, "does not validate against the CAP 1.2 schema");
		return CAP_E_INVALID;
	}
	return LIAISON_OK;
}

int cap_validate(const struct cap_schema *s, const uint8_t *xml, size_t len, char *err,
		 size_t errlen)
{
	xmlDocPtr doc;
	int r = cap_parse(xml, len, &doc, err, errlen);
	if (r != LIAISON_OK)
		return r;
	r = cap_validate_doc(s, doc, err, errlen);
	xmlFreeDoc(doc);
	return r;
}

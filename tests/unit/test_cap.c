/* Unit tests for CAP 1.2: every sample alert in tests/data/cap imports,
 * exports as the original and, generated from the fields alone, validates and
 * equals the original element by element; a native warning exports valid
 * CAP; hostile and invalid documents are refused with errors that say why. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "cap.h"
#include "error.h"
#include "timefmt.h"

#define DATA "tests/data/cap"

static const char head[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

static struct cap_schema *schema;

static int setup(void **state)
{
	char err[256];
	(void)state;
	if (cap_schema_load(NULL, &schema, err, sizeof(err)) != LIAISON_OK) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cap_schema_destroy(&schema);
	assert_null(schema);
	cap_schema_destroy(NULL);
	return 0;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = malloc(2 * 1024 * 1024);
	assert_non_null(f);
	assert_non_null(buf);
	*len = fread(buf, 1, 2 * 1024 * 1024, f);
	fclose(f);
	return buf;
}

/* ---------------------------------------------------------------- element comparison */

static bool is_cap(const xmlNode *n)
{
	return n->type == XML_ELEMENT_NODE && n->ns &&
	       strcmp((const char *)n->ns->href, CAP_NS) == 0;
}

static bool has_element_children(const xmlNode *n)
{
	for (const xmlNode *c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return true;
	return false;
}

static char *text(const xmlNode *n)
{
	xmlChar *t = xmlNodeGetContent(n);
	char *s = strdup(t ? (const char *)t : "");
	xmlFree(t);
	return s;
}

/* Empty leaves carry nothing (<note/>): compared as absent. */
static const xmlNode *next_cap(const xmlNode *n)
{
	for (; n; n = n->next) {
		if (!is_cap(n))
			continue;
		if (!has_element_children(n)) {
			char *t = text(n);
			bool empty = !t[0];
			free(t);
			if (empty)
				continue;
		}
		return n;
	}
	return NULL;
}

/* Numbers of a polygon or circle, in order. */
static size_t numbers(const char *s, double *out, size_t max)
{
	size_t n = 0;
	char *end;
	while (*s && n < max) {
		if (*s == ',' || *s == ' ' || *s == '\n' || *s == '\t' || *s == '\r') {
			s++;
			continue;
		}
		out[n++] = strtod(s, &end);
		assert_true(end != s);
		s = end;
	}
	return n;
}

static void squeeze(char *s)
{
	char *w = s;
	bool space = false;
	for (char *r = s; *r; r++) {
		if (*r == ' ' || *r == '\n' || *r == '\t' || *r == '\r') {
			space = w != s;
			continue;
		}
		if (space)
			*w++ = ' ';
		space = false;
		*w++ = *r;
	}
	*w = '\0';
}

struct tally {
	size_t elements;
	char names[1024];
};

static void note_name(struct tally *t, const char *name)
{
	char key[64];
	snprintf(key, sizeof(key), " %s,", name);
	if (!strstr(t->names, key) && strlen(t->names) + strlen(key) < sizeof(t->names))
		strcat(t->names, key);
}

/* a (the original) and b (generated) hold the same CAP elements and values. */
static void compare(const char *file, const xmlNode *a, const xmlNode *b, struct tally *t)
{
	const xmlNode *x = next_cap(a->children), *y = next_cap(b->children);
	for (; x || y; x = next_cap(x->next), y = next_cap(y->next)) {
		if (!x || !y)
			fail_msg("%s: <%s> has %s element <%s>", file, (const char *)a->name,
				 x ? "an original" : "a generated", (const char *)(x ? x : y)->name);
		if (strcmp((const char *)x->name, (const char *)y->name))
			fail_msg("%s: line %ld: <%s> where <%s> was", file, xmlGetLineNo(x),
				 (const char *)y->name, (const char *)x->name);
		t->elements++;
		note_name(t, (const char *)x->name);
		if (has_element_children(x) || has_element_children(y)) {
			compare(file, x, y, t);
			continue;
		}
		char *u = text(x), *v = text(y);
		if (!strcmp((const char *)x->name, "polygon") || !strcmp((const char *)x->name, "circle")) {
			double p[4096], q[4096];
			size_t n = numbers(u, p, 4096), m = numbers(v, q, 4096);
			assert_int_equal(n, m);
			for (size_t i = 0; i < n; i++)
				if (p[i] != q[i])
					fail_msg("%s: <%s> number %zu: %s vs %s", file, (const char *)x->name, i, u, v);
		} else {
			if (!strcmp((const char *)x->name, "references")) {
				squeeze(u);
				squeeze(v);
			}
			if (strcmp(u, v))
				fail_msg("%s: line %ld: <%s> '%s' exported as '%s'", file, xmlGetLineNo(x),
					 (const char *)x->name, u, v);
		}
		free(u);
		free(v);
	}
}

static size_t count_info(const xmlNode *root)
{
	size_t n = 0;
	for (const xmlNode *c = root->children; c; c = c->next)
		if (is_cap(c) && !strcmp((const char *)c->name, "info"))
			n++;
	return n;
}

static void round_trip_file(const char *name)
{
	char path[512], err[512] = "";
	size_t len, out_len;
	uint8_t *xml;
	char *out;
	Liaison__EarlyWarning *w;
	struct tally t = { 0, "" };

	snprintf(path, sizeof(path), DATA "/%s", name);
	xml = slurp(path, &len);
	if (cap_import(schema, xml, len, &w, err, sizeof(err)) != LIAISON_OK)
		fail_msg("%s: %s", name, err);

	/* exported as imported: the very bytes (after a declaration, for the one
	 * sample that has none of its own) */
	assert_int_equal(cap_export(w, NULL, &out, &out_len, err, sizeof(err)), LIAISON_OK);
	assert_memory_equal(out, "<?xml", 5);
	size_t d = memcmp(xml, "<?xml", 5) == 0 ? 0 : strlen(head);
	assert_int_equal(out_len, d + len);
	assert_memory_equal(out, head, d);
	assert_memory_equal(out + d, xml, len);
	assert_int_equal(cap_validate(schema, (uint8_t *)out, out_len, err, sizeof(err)), LIAISON_OK);
	free(out);

	/* generated from the fields alone: valid, and equal element by element */
	assert_int_equal(cap_export_fields(w, NULL, &out, &out_len, err, sizeof(err)), LIAISON_OK);
	assert_memory_equal(out, "<?xml", 5);
	if (cap_validate(schema, (uint8_t *)out, out_len, err, sizeof(err)) != LIAISON_OK)
		fail_msg("%s: generated export does not validate: %s\n%s", name, err, out);
	xmlDocPtr a = xmlReadMemory((const char *)xml, (int)len, NULL, NULL, XML_PARSE_NONET);
	xmlDocPtr b = xmlReadMemory(out, (int)out_len, NULL, NULL, XML_PARSE_NONET);
	assert_non_null(a);
	assert_non_null(b);
	compare(name, xmlDocGetRootElement(a), xmlDocGetRootElement(b), &t);
	assert_int_equal(w->n_cap_info, count_info(xmlDocGetRootElement(a)));
	printf("[ CAP      ] %s: %zu elements equal:%s\n", name, t.elements, t.names);
	xmlFreeDoc(a);
	xmlFreeDoc(b);
	free(out);

	/* the mirror of the first info block for every other reader */
	assert_true(w->cap_identifier[0] && w->cap_sender[0] && w->cap_sent[0] && w->msg_type[0]);
	if (w->n_cap_info) {
		assert_string_equal(w->event, w->cap_info[0]->event);
		assert_string_equal(w->urgency, w->cap_info[0]->urgency);
		assert_true(cap_precedence(w) >= LIAISON__PRECEDENCE__FLASH &&
			    cap_precedence(w) <= LIAISON__PRECEDENCE__ROUTINE);
	}
	assert_int_equal(cap_warning_check(w, err, sizeof(err)), LIAISON_OK);
	liaison__early_warning__free_unpacked(w, NULL);
	free(xml);
}

static void test_samples_round_trip(void **state)
{
	DIR *d = opendir(DATA);
	struct dirent *e;
	int n = 0;
	(void)state;
	assert_non_null(d);
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l > 4 && !strcmp(e->d_name + l - 4, ".xml")) {
			round_trip_file(e->d_name);
			n++;
		}
	}
	closedir(d);
	assert_int_equal(n, 10);
}

/* What the importer put where, for two alerts read by eye. */
static void test_sample_fields(void **state)
{
	char err[512];
	size_t len;
	uint8_t *xml = slurp(DATA "/oasis-example2.xml", &len);
	Liaison__EarlyWarning *w;
	int64_t ms;
	(void)state;

	assert_int_equal(cap_import(schema, xml, len, &w, err, sizeof(err)), LIAISON_OK);
	assert_string_equal(w->cap_identifier, "KSTO1055887203");
	assert_string_equal(w->cap_sender, "KSTO@NWS.NOAA.GOV");
	assert_string_equal(w->cap_sent, "2003-06-17T14:57:00-07:00");
	assert_string_equal(w->msg_type, "Alert");
	assert_string_equal(w->cap_scope, "Public");
	assert_int_equal(w->n_cap_info, 1);
	Liaison__CapInfo *i = w->cap_info[0];
	assert_string_equal(i->categories[0], "Met");
	assert_string_equal(i->response_types[0], "Shelter");
	assert_string_equal(i->event_codes[0]->value_name, "SAME");
	assert_string_equal(i->event_codes[0]->value, "SVR");
	assert_string_equal(w->headline, "SEVERE THUNDERSTORM WARNING");
	assert_int_equal(i->n_areas, 1);
	assert_int_equal(i->areas[0]->n_polygons, 1);
	assert_int_equal(i->areas[0]->polygons[0]->n_points, 5);
	assert_true(i->areas[0]->polygons[0]->points[1]->longitude == -119.95);
	assert_int_equal(i->areas[0]->n_geocodes, 3);
	assert_string_equal(i->areas[0]->geocodes[2], "SAME=006003");
	/* Immediate and Severe: FLASH; expires 16:00 at -07:00 */
	assert_int_equal(cap_precedence(w), LIAISON__PRECEDENCE__FLASH);
	assert_true(cap_expires_ms(w, &ms));
	assert_true(ms == 1055890800000LL);
	liaison__early_warning__free_unpacked(w, NULL);
	free(xml);

	xml = slurp(DATA "/eccc-snowfall-warning-update-references-polygons-signed-2013-01-24.xml", &len);
	assert_int_equal(cap_import(schema, xml, len, &w, err, sizeof(err)), LIAISON_OK);
	assert_string_equal(w->msg_type, "Update");
	assert_int_equal(w->n_references, 9);
	const char *snd, *id, *sent;
	char buf[256];
	assert_true(cap_reference_split(w->references[0], buf, sizeof(buf), &snd, &id, &sent));
	assert_string_equal(snd, "cap-pac@ec.gc.ca");
	assert_string_equal(id, "2.49.0.1.124.726d2331.2013");
	assert_string_equal(sent, "2013-01-23T21:31:00-00:00");
	assert_int_equal(w->n_cap_codes, 3);
	assert_true(w->n_cap_info >= 2); /* English and French */
	assert_int_equal(cap_precedence(w), LIAISON__PRECEDENCE__PRIORITY); /* Future, Moderate */
	assert_false(cap_reference_split("a,b", buf, sizeof(buf), &snd, &id, &sent));
	assert_false(cap_reference_split("a,b,c,d", buf, sizeof(buf), &snd, &id, &sent));
	liaison__early_warning__free_unpacked(w, NULL);
	free(xml);
}

/* A warning written in liaison exports as valid CAP from its fields. */
static void test_native_export(void **state)
{
	Liaison__EarlyWarning w = LIAISON__EARLY_WARNING__INIT, *back;
	Liaison__Area area = LIAISON__AREA__INIT, *areap = &area;
	Liaison__Polygon poly = LIAISON__POLYGON__INIT, *polyp = &poly;
	Liaison__Point pts[4] = { LIAISON__POINT__INIT, LIAISON__POINT__INIT, LIAISON__POINT__INIT,
				  LIAISON__POINT__INIT };
	Liaison__Point *ptp[4] = { &pts[0], &pts[1], &pts[2], &pts[3] };
	struct cap_origin o = { "0123456789abcdef0123456789abcdef", "ALPHA", 1795000000000LL,
				"released to BRAVO, CHARLIE" };
	char *out, err[512];
	size_t len;
	(void)state;

	pts[0].latitude = pts[3].latitude = 45.5, pts[0].longitude = pts[3].longitude = 7.25;
	pts[1].latitude = 45.75, pts[1].longitude = 7.25;
	pts[2].latitude = 45.75, pts[2].longitude = 7.5;
	poly.n_points = 4, poly.points = ptp;
	area.description = "Sector 4 & the <river> bank";
	area.n_polygons = 1, area.polygons = &polyp;
	w.headline = "River rising";
	w.description = "Evacuate sector 4";
	w.urgency = "Immediate";
	w.n_areas = 1, w.areas = &areap;
	assert_int_equal(cap_warning_check(&w, err, sizeof(err)), LIAISON_OK);
	assert_int_equal(cap_export(&w, &o, &out, &len, err, sizeof(err)), LIAISON_OK);
	assert_memory_equal(out, "<?xml", 5);
	if (cap_validate(schema, (uint8_t *)out, len, err, sizeof(err)) != LIAISON_OK)
		fail_msg("%s\n%s", err, out);
	assert_int_equal(cap_import(schema, (uint8_t *)out, len, &back, err, sizeof(err)), LIAISON_OK);
	assert_string_equal(back->cap_identifier, o.identifier);
	assert_string_equal(back->cap_sender, "ALPHA");
	assert_string_equal(back->cap_sent, "2026-11-18T11:06:40+00:00");
	assert_string_equal(back->cap_status, "Actual");
	assert_string_equal(back->msg_type, "Alert");
	assert_string_equal(back->cap_scope, "Restricted");
	assert_string_equal(back->cap_restriction, o.restriction);
	assert_string_equal(back->headline, "River rising");
	assert_string_equal(back->description, "Evacuate sector 4");
	assert_string_equal(back->urgency, "Immediate");
	assert_string_equal(back->severity, "Unknown");
	assert_string_equal(back->cap_info[0]->areas[0]->description, area.description);
	assert_true(back->cap_info[0]->areas[0]->polygons[0]->points[2]->longitude == 7.5);
	liaison__early_warning__free_unpacked(back, NULL);
	free(out);

	/* the checks a warning from JSON or arguments goes through */
	w.urgency = "soon";
	assert_int_equal(cap_warning_check(&w, err, sizeof(err)), CAP_E_CONTENT);
	assert_non_null(strstr(err, "field 'urgency': 'soon'"));
	w.urgency = "Immediate";
	poly.n_points = 3;
	assert_int_equal(cap_warning_check(&w, err, sizeof(err)), CAP_E_CONTENT);
	assert_non_null(strstr(err, "polygon 1"));
	poly.n_points = 4;
	w.expires = "tomorrow";
	assert_int_equal(cap_warning_check(&w, err, sizeof(err)), CAP_E_CONTENT);
	assert_non_null(strstr(err, "field 'expires'"));
}

/* ---------------------------------------------------------------- refusals */

static const char good_alert[] =
	"<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\n"
	"  <identifier>T-1</identifier>\n"
	"  <sender>test@example.org</sender>\n"
	"  <sent>2026-11-27T19:55:00+00:00</sent>\n"
	"  <status>Actual</status>\n"
	"  <msgType>Alert</msgType>\n"
	"  <scope>Public</scope>\n"
	"  <info>\n"
	"    <category>Met</category>\n"
	"    <event>Flood</event>\n"
	"    <urgency>%s</urgency>\n"
	"    <severity>Severe</severity>\n"
	"    <certainty>Observed</certainty>\n"
	"    <headline>%s</headline>\n"
	"    <area><areaDesc>Valley</areaDesc><polygon>%s</polygon></area>\n"
	"  </info>\n"
	"</alert>\n";

static int import_text(const char *doc, char *err, size_t errlen)
{
	Liaison__EarlyWarning *w = (void *)1;
	int r = cap_import(schema, (const uint8_t *)doc, strlen(doc), &w, err, errlen);
	if (r == LIAISON_OK)
		liaison__early_warning__free_unpacked(w, NULL);
	else
		assert_null(w);
	return r;
}

static char *alert(const char *prolog, const char *urgency, const char *headline, const char *poly)
{
	char *s = malloc(8192);
	int n = snprintf(s, 8192, "%s%s", head, prolog);
	snprintf(s + n, 8192 - (size_t)n, good_alert, urgency, headline, poly);
	return s;
}

#define POLY "38.47,-120.14 38.34,-119.95 38.52,-119.74 38.47,-120.14"

static void test_refusals(void **state)
{
	char err[512], *doc;
	(void)state;

	doc = alert("", "Immediate", "ok", POLY);
	assert_int_equal(import_text(doc, err, sizeof(err)), LIAISON_OK);
	free(doc);

	/* a missing required element: <sender> */
	doc = alert("", "Immediate", "ok", POLY);
	char *s = strstr(doc, "  <sender>");
	memmove(s, strstr(s, "</sender>\n") + 10, strlen(strstr(s, "</sender>\n") + 10) + 1);
	assert_int_equal(import_text(doc, err, sizeof(err)), CAP_E_INVALID);
	assert_non_null(strstr(err, "line 4: Element 'sent': This element is not expected. Expected is ( sender )"));
	free(doc);

	/* a bad enumeration value */
	doc = alert("", "Soon", "ok", POLY);
	assert_int_equal(import_text(doc, err, sizeof(err)), CAP_E_INVALID);
	assert_non_null(strstr(err, "Element 'urgency'"));
	assert_non_null(strstr(err, "'Soon'"));
	assert_non_null(strstr(err, "enumeration"));
	free(doc);

	/* malformed polygons: valid to the schema (a string), not to CAP */
	doc = alert("", "Immediate", "ok", "38.47,-120.14 38.34,-119.95 38.47,-120.14");
	assert_int_equal(import_text(doc, err, sizeof(err)), CAP_E_CONTENT);
	assert_non_null(strstr(err, "info 1, area 1, polygon 1: 3 points"));
	free(doc);
	doc = alert("", "Immediate", "ok", "38.47,-120.14 38.34,-119.95 38.52,-119.74 38.0,-120.14");
	assert_int_equal(import_text(doc, err, sizeof(err)), CAP_E_CONTENT);
	assert_non_null(strstr(err, "not closed"));
	free(doc);
	doc = alert("", "Immediate", "ok", "38.47;-120.14 38.34,-119.95 38.52,-119.74 38.47,-120.14");
	assert_int_equal(import_text(doc, err, sizeof(err)), CAP_E_CONTENT);
	assert_non_null(strstr(err, "point 1"));
	free(doc);
	doc = alert("", "Immediate", "ok", "98.47,-120.14 38.34,-119.95 38.52,-119.74 98.47,-120.14");
	assert_int_equal(import_text(doc, err, sizeof(err)), CAP_E_CONTENT);
	free(doc);

	/* billion laughs: refused at the DOCTYPE, nothing expanded */
	doc = alert("<!DOCTYPE alert [\n"
		    " <!ENTITY a \"ha\">\n"
		    " <!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
		    " <!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
		    " <!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n"
		    " <!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">\n"
		    " <!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">\n"
		    " <!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">\n"
		    " <!ENTITY h \"&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;\">\n"
		    " <!ENTITY i \"&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;\">\n"
		    "]>\n", "Immediate", "&i;", POLY);
	assert_int_equal(import_text(doc, err, sizeof(err)), CAP_E_REFUSED);
	assert_non_null(strstr(err, "line 2: a DOCTYPE is not allowed"));
	free(doc);

	/* an external entity */
	doc = alert("<!DOCTYPE alert [ <!ENTITY xxe SYSTEM \"file:///etc/passwd\"> ]>\n", "Immediate",
		    "&xxe;", POLY);
	assert_int_equal(import_text(doc, err, sizeof(err)), CAP_E_REFUSED);
	assert_non_null(strstr(err, "DOCTYPE is not allowed"));
	assert_null(strstr(err, "root:"));
	free(doc);
	/* an external DTD */
	doc = alert("<!DOCTYPE alert SYSTEM \"http://127.0.0.1:9/cap.dtd\">\n", "Immediate", "ok", POLY);
	assert_int_equal(import_text(doc, err, sizeof(err)), CAP_E_REFUSED);
	free(doc);
	/* an undeclared entity is not well-formed */
	doc = alert("", "Immediate", "&xxe;", POLY);
	assert_int_equal(import_text(doc, err, sizeof(err)), LIAISON_E_PARSE);
	assert_non_null(strstr(err, "xxe"));
	free(doc);

	/* too deep, too large, not XML, not CAP */
	size_t depth = 5000, n = 0;
	doc = malloc(depth * 7 + 64);
	n += (size_t)sprintf(doc, "%s", head);
	for (size_t k = 0; k < depth; k++)
		n += (size_t)sprintf(doc + n, "<a>");
	assert_int_equal(import_text(doc, err, sizeof(err)), CAP_E_REFUSED);
	assert_non_null(strstr(err, "deeper than"));
	free(doc);
	doc = calloc(1, CAP_MAX_BYTES + 2);
	memset(doc, ' ', CAP_MAX_BYTES + 1);
	assert_int_equal(import_text(doc, err, sizeof(err)), LIAISON_E_TOO_LARGE);
	free(doc);
	assert_int_equal(import_text("<alert", err, sizeof(err)), LIAISON_E_PARSE);
	assert_int_equal(import_text("", err, sizeof(err)), LIAISON_E_EMPTY);
	assert_int_equal(import_text("<alert xmlns=\"urn:other\"/>", err, sizeof(err)), CAP_E_INVALID);
	assert_non_null(strstr(err, "No matching global declaration"));
}

static void test_schema_paths(void **state)
{
	struct cap_schema *s = (void *)1;
	char err[256];
	(void)state;
	assert_int_equal(cap_schema_load("/nonexistent/CAP.xsd", &s, err, sizeof(err)), LIAISON_E_IO);
	assert_null(s);
	assert_non_null(strstr(err, "/nonexistent/CAP.xsd"));
	assert_int_equal(cap_schema_load(DATA "/oasis-example1.xml", &s, err, sizeof(err)),
			 LIAISON_E_PARSE);
	assert_null(s);
	setenv(CAP_SCHEMA_ENV, "data/cap/CAP-v1.2.xsd", 1);
	assert_int_equal(cap_schema_load(NULL, &s, err, sizeof(err)), LIAISON_OK);
	assert_string_equal(cap_schema_file(s), "data/cap/CAP-v1.2.xsd");
	cap_schema_destroy(&s);
	setenv(CAP_SCHEMA_ENV, "/nonexistent.xsd", 1);
	assert_int_equal(cap_schema_load(NULL, &s, err, sizeof(err)), LIAISON_E_IO);
	unsetenv(CAP_SCHEMA_ENV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_samples_round_trip),
		cmocka_unit_test(test_sample_fields),
		cmocka_unit_test(test_native_export),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_schema_paths),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

/* CAP 1.2 in: a validated document mapped element by element into an
 * EarlyWarning (lib/cap_fields.c says which element goes where). */
#include <stdlib.h>
#include <string.h>
#include <libxml/tree.h>

#include "cap.h"
#include "cap_priv.h"
#include "error.h"

#define FIELD(msg, off, type) ((type *)((char *)(msg) + (off)))

struct import {
	char *err;
	size_t errlen;
	char path[96]; /* where we are, for content errors: "info 1, area 2" */
};

static bool is_cap(const xmlNode *n)
{
	return n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       strcmp((const char *)n->ns->href, CAP_NS) == 0;
}

/* The element's text, malloc'ed. */
static char *text_of(const xmlNode *n)
{
	xmlChar *t = xmlNodeGetContent(n);
	char *s = strdup(t ? (const char *)t : "");
	xmlFree(t);
	return s;
}

static bool set_string(char **slot, char *s)
{
	if (!s)
		return false;
	if (*slot && *slot != protobuf_c_empty_string)
		free(*slot);
	*slot = s;
	return true;
}

/* Appends p to a repeated field of pointers. */
static bool push(void *msg, const struct cap_field *f, void *p)
{
	void ***arr = FIELD(msg, f->off, void **);
	size_t *n = FIELD(msg, f->count_off, size_t);
	void **a = realloc(*arr, (*n + 1) * sizeof(*a));
	if (!a)
		return false;
	*arr = a;
	a[(*n)++] = p;
	return true;
}

static bool push_string(char ***arr, size_t *n, char *s)
{
	char **a;
	if (!s)
		return false;
	a = realloc(*arr, (*n + 1) * sizeof(*a));
	if (!a) {
		free(s);
		return false;
	}
	*arr = a;
	a[(*n)++] = s;
	return true;
}

static int import_children(struct import *im, const xmlNode *parent, void *msg,
			   const struct cap_field *tab, size_t ntab);

/* <valueName> and <value> of an eventCode, parameter or geocode. */
static bool value_pair(const xmlNode *n, char **name, char **value)
{
	*name = *value = NULL;
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (!is_cap(c))
			continue;
		if (!strcmp((const char *)c->name, "valueName") && !*name)
			*name = text_of(c);
		else if (!strcmp((const char *)c->name, "value") && !*value)
			*value = text_of(c);
	}
	if (!*name)
		*name = strdup("");
	if (!*value)
		*value = strdup("");
	if (!*name || !*value) {
		free(*name);
		free(*value);
		return false;
	}
	return true;
}

#define NOMEM(im) (cap_errf((im)->err, (im)->errlen, "out of memory"), LIAISON_E_NOMEM)

/* The element n, for field f of msg. */
static int import_one(struct import *im, const xmlNode *n, void *msg, const struct cap_field *f,
		      size_t nth)
{
	char *text, why[128];
	size_t plen = strlen(im->path);
	int r = LIAISON_OK;

	switch (f->kind) {
	case CAP_STR:
		return set_string(FIELD(msg, f->off, char *), text_of(n)) ? LIAISON_OK : NOMEM(im);
	case CAP_STRS:
		return push_string(FIELD(msg, f->off, char **), FIELD(msg, f->count_off, size_t),
				   text_of(n)) ? LIAISON_OK : NOMEM(im);
	case CAP_WORDS: {
		char *save = NULL, *tok;
		if (!(text = text_of(n)))
			return NOMEM(im);
		for (tok = strtok_r(text, " \t\r\n", &save); tok; tok = strtok_r(NULL, " \t\r\n", &save))
			if (!push_string(FIELD(msg, f->off, char **), FIELD(msg, f->count_off, size_t),
					 strdup(tok))) {
				free(text);
				return NOMEM(im);
			}
		free(text);
		return LIAISON_OK;
	}
	case CAP_GEOCODES: {
		char *name, *value, *s;
		if (!value_pair(n, &name, &value))
			return NOMEM(im);
		s = malloc(strlen(name) + strlen(value) + 2);
		if (s)
			sprintf(s, "%s=%s", name, value);
		free(name);
		free(value);
		return push_string(FIELD(msg, f->off, char **), FIELD(msg, f->count_off, size_t), s)
			       ? LIAISON_OK : NOMEM(im);
	}
	case CAP_VALUES: {
		Liaison__CapValue *v = malloc(sizeof(*v));
		if (!v)
			return NOMEM(im);
		liaison__cap_value__init(v);
		if (!value_pair(n, &v->value_name, &v->value)) {
			free(v);
			return NOMEM(im);
		}
		if (!push(msg, f, v)) {
			liaison__cap_value__free_unpacked(v, NULL);
			return NOMEM(im);
		}
		return LIAISON_OK;
	}
	case CAP_POLYGONS:
	case CAP_CIRCLES: {
		bool poly = f->kind == CAP_POLYGONS, ok;
		void *p = malloc(poly ? sizeof(Liaison__Polygon) : sizeof(Liaison__Circle));
		if (!p || !(text = text_of(n))) {
			free(p);
			return NOMEM(im);
		}
		if (poly) {
			liaison__polygon__init(p);
			ok = cap_polygon_parse(text, p, why, sizeof(why));
		} else {
			liaison__circle__init(p);
			ok = cap_circle_parse(text, p, why, sizeof(why));
		}
		free(text);
		if (!ok) {
			cap_errf(im->err, im->errlen, "line %d: %s%s%s %zu: %s", (int)xmlGetLineNo(n),
				 im->path, im->path[0] ? ", " : "", f->name, nth, why);
			protobuf_c_message_free_unpacked(p, NULL);
			return CAP_E_CONTENT;
		}
		if (!push(msg, f, p)) {
			protobuf_c_message_free_unpacked(p, NULL);
			return NOMEM(im);
		}
		return LIAISON_OK;
	}
	case CAP_RESOURCES:
	case CAP_AREAS:
	case CAP_INFOS: {
		const struct cap_field *tab;
		size_t ntab, size;
		void (*init)(void *);
		switch (f->kind) {
		case CAP_RESOURCES:
			tab = cap_resource_fields, ntab = cap_resource_nfields;
			size = sizeof(Liaison__CapResource), init = (void (*)(void *))liaison__cap_resource__init;
			break;
		case CAP_AREAS:
			tab = cap_area_fields, ntab = cap_area_nfields;
			size = sizeof(Liaison__Area), init = (void (*)(void *))liaison__area__init;
			break;
		default:
			tab = cap_info_fields, ntab = cap_info_nfields;
			size = sizeof(Liaison__CapInfo), init = (void (*)(void *))liaison__cap_info__init;
			break;
		}
		void *child = malloc(size);
		if (!child)
			return NOMEM(im);
		init(child);
		if (!push(msg, f, child)) {
			protobuf_c_message_free_unpacked(child, NULL);
			return NOMEM(im);
		}
		snprintf(im->path + plen, sizeof(im->path) - plen, "%s%s %zu", plen ? ", " : "",
			 f->name, nth);
		r = import_children(im, n, child, tab, ntab);
		im->path[plen] = '\0';
		return r;
	}
	}
	return LIAISON_OK;
}

static int import_children(struct import *im, const xmlNode *parent, void *msg,
			   const struct cap_field *tab, size_t ntab)
{
	size_t counts[32] = { 0 };
	for (const xmlNode *c = parent->children; c; c = c->next) {
		if (!is_cap(c))
			continue; /* <Signature> and other namespaces live on in cap_xml */
		for (size_t i = 0; i < ntab && i < 32; i++) {
			if (strcmp((const char *)c->name, tab[i].name))
				continue;
			int r = import_one(im, c, msg, &tab[i], ++counts[i]);
			if (r != LIAISON_OK)
				return r;
			break;
		}
	}
	return LIAISON_OK;
}

static bool mirror(char **slot, const char *s)
{
	return !s || !*s || set_string(slot, strdup(s));
}

/* Fields 1-12 repeat the first <info> so that every reader of a warning
 * (query's listing, get's text form, subscribers without --cap) sees it. */
static bool mirror_first_info(Liaison__EarlyWarning *w)
{
	const Liaison__CapInfo *i;
	if (w->n_cap_info == 0)
		return true;
	i = w->cap_info[0];
	return mirror(&w->category, i->n_categories ? i->categories[0] : NULL) &&
	       mirror(&w->event, i->event) && mirror(&w->urgency, i->urgency) &&
	       mirror(&w->severity, i->severity) && mirror(&w->certainty, i->certainty) &&
	       mirror(&w->headline, i->headline) && mirror(&w->description, i->description) &&
	       mirror(&w->instruction, i->instruction) && mirror(&w->onset, i->onset) &&
	       mirror(&w->expires, i->expires) && mirror(&w->sender_name, i->sender_name);
}

int cap_import(const struct cap_schema *s, const uint8_t *xml, size_t len,
	       Liaison__EarlyWarning **out, char *err, size_t errlen)
{
	struct import im = { err, errlen, "" };
	Liaison__EarlyWarning *w = NULL;
	xmlDocPtr doc;
	int r;

	*out = NULL;
	r = cap_parse(xml, len, &doc, err, errlen);
	if (r != LIAISON_OK)
		return r;
	r = cap_validate_doc(s, doc, err, errlen);
	if (r != LIAISON_OK)
		goto out;
	w = malloc(sizeof(*w));
	if (!w) {
		r = NOMEM(&im);
		goto out;
	}
	liaison__early_warning__init(w);
	r = import_children(&im, xmlDocGetRootElement(doc), w, cap_alert_fields, cap_alert_nfields);
	if (r != LIAISON_OK)
		goto out;
	if (!mirror_first_info(w) || !(w->cap_xml.data = malloc(len))) {
		r = NOMEM(&im);
		goto out;
	}
	memcpy(w->cap_xml.data, xml, len);
	w->cap_xml.len = len;
	*out = w;
	w = NULL;
out:
	if (w)
		liaison__early_warning__free_unpacked(w, NULL);
	xmlFreeDoc(doc);
	return r;
}

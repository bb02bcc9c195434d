/* CAP 1.2 out: the imported document as it was, or one written from an
 * EarlyWarning's fields by the element tables of lib/cap_fields.c. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libxml/xmlwriter.h>

#include "cap.h"
#include "cap_priv.h"
#include "error.h"

#define CFIELD(msg, off, type) ((type const *)((const char *)(msg) + (off)))
#define X(s) ((const xmlChar *)(s))

static int write_children(xmlTextWriterPtr w, const void *msg, const struct cap_field *tab,
			  size_t ntab);

static int write_text(xmlTextWriterPtr w, const char *name, const char *text)
{
	return xmlTextWriterWriteElement(w, X(name), X(text ? text : "")) < 0 ? -1 : 0;
}

static int write_pair(xmlTextWriterPtr w, const char *name, const char *vname, const char *value)
{
	if (xmlTextWriterStartElement(w, X(name)) < 0 || write_text(w, "valueName", vname) ||
	    write_text(w, "value", value) || xmlTextWriterEndElement(w) < 0)
		return -1;
	return 0;
}

static void point_text(double lat, double lon, char *out, size_t outlen)
{
	char a[32], b[32];
	cap_number_format(lat, a, sizeof(a));
	cap_number_format(lon, b, sizeof(b));
	snprintf(out, outlen, "%s,%s", a, b);
}

static int write_polygon(xmlTextWriterPtr w, const Liaison__Polygon *p)
{
	size_t cap = p->n_points * 52 + 1, n = 0;
	char *s = malloc(cap);
	int r;
	if (!s)
		return -1;
	s[0] = '\0';
	/* a point prints in at most 2 * 24 + 2 bytes ("%.17g" of a double is 24) */
	for (size_t i = 0; i < p->n_points && n < cap; i++) {
		char pt[80];
		point_text(p->points[i]->latitude, p->points[i]->longitude, pt, sizeof(pt));
		n += (size_t)snprintf(s + n, cap - n, "%s%s", i ? " " : "", pt);
	}
	r = write_text(w, "polygon", s);
	free(s);
	return r;
}

static int write_one(xmlTextWriterPtr w, const void *msg, const struct cap_field *f)
{
	size_t n = f->count_off ? *CFIELD(msg, f->count_off, size_t) : 0;
	char buf[160];

	switch (f->kind) {
	case CAP_STR: {
		const char *s = *CFIELD(msg, f->off, char *);
		if ((!s || !*s) && !f->required)
			return 0;
		return write_text(w, f->name, s);
	}
	case CAP_STRS: {
		char *const *a = *CFIELD(msg, f->off, char **);
		for (size_t i = 0; i < n; i++)
			if (write_text(w, f->name, a[i]))
				return -1;
		return 0;
	}
	case CAP_WORDS: {
		char *const *a = *CFIELD(msg, f->off, char **);
		size_t len = 1, k = 0;
		char *s;
		int r;
		if (n == 0)
			return 0;
		for (size_t i = 0; i < n; i++)
			len += strlen(a[i]) + 1;
		if (!(s = malloc(len)))
			return -1;
		for (size_t i = 0; i < n; i++)
			k += (size_t)snprintf(s + k, len - k, "%s%s", i ? " " : "", a[i]);
		r = write_text(w, f->name, s);
		free(s);
		return r;
	}
	case CAP_VALUES: {
		Liaison__CapValue *const *a = *CFIELD(msg, f->off, Liaison__CapValue **);
		for (size_t i = 0; i < n; i++)
			if (write_pair(w, f->name, a[i]->value_name, a[i]->value))
				return -1;
		return 0;
	}
	case CAP_GEOCODES: {
		char *const *a = *CFIELD(msg, f->off, char **);
		for (size_t i = 0; i < n; i++) {
			const char *eq = strchr(a[i], '=');
			char *name = strndup(a[i], eq ? (size_t)(eq - a[i]) : strlen(a[i]));
			int r = name ? write_pair(w, f->name, name, eq ? eq + 1 : "") : -1;
			free(name);
			if (r)
				return -1;
		}
		return 0;
	}
	case CAP_POLYGONS: {
		Liaison__Polygon *const *a = *CFIELD(msg, f->off, Liaison__Polygon **);
		for (size_t i = 0; i < n; i++)
			if (write_polygon(w, a[i]))
				return -1;
		return 0;
	}
	case CAP_CIRCLES: {
		Liaison__Circle *const *a = *CFIELD(msg, f->off, Liaison__Circle **);
		for (size_t i = 0; i < n; i++) {
			char pt[80], r[32];
			point_text(a[i]->latitude, a[i]->longitude, pt, sizeof(pt));
			cap_number_format(a[i]->radius_km, r, sizeof(r));
			snprintf(buf, sizeof(buf), "%s %s", pt, r);
			if (write_text(w, f->name, buf))
				return -1;
		}
		return 0;
	}
	case CAP_RESOURCES:
	case CAP_AREAS:
	case CAP_INFOS: {
		void *const *a = *CFIELD(msg, f->off, void **);
		const struct cap_field *tab = f->kind == CAP_RESOURCES ? cap_resource_fields
					      : f->kind == CAP_AREAS ? cap_area_fields : cap_info_fields;
		size_t ntab = f->kind == CAP_RESOURCES ? cap_resource_nfields
			      : f->kind == CAP_AREAS ? cap_area_nfields : cap_info_nfields;
		for (size_t i = 0; i < n; i++)
			if (xmlTextWriterStartElement(w, X(f->name)) < 0 ||
			    write_children(w, a[i], tab, ntab) || xmlTextWriterEndElement(w) < 0)
				return -1;
		return 0;
	}
	}
	return 0;
}

static int write_children(xmlTextWriterPtr w, const void *msg, const struct cap_field *tab,
			  size_t ntab)
{
	for (size_t i = 0; i < ntab; i++)
		if (write_one(w, msg, &tab[i]))
			return -1;
	return 0;
}

static int write_alert(const Liaison__EarlyWarning *a, char **out, size_t *len, char *err,
		       size_t errlen)
{
	xmlBufferPtr buf = xmlBufferCreate();
	xmlTextWriterPtr w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
	int ok = w && xmlTextWriterSetIndent(w, 1) == 0 &&
		 xmlTextWriterSetIndentString(w, X("  ")) == 0 &&
		 xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) >= 0 &&
		 xmlTextWriterStartElement(w, X("alert")) >= 0 &&
		 xmlTextWriterWriteAttribute(w, X("xmlns"), X(CAP_NS)) >= 0 &&
		 write_children(w, a, cap_alert_fields, cap_alert_nfields) == 0 &&
		 xmlTextWriterEndDocument(w) >= 0;
	if (w)
		xmlFreeTextWriter(w); /* flushes into buf */
	if (ok && (*out = malloc((size_t)xmlBufferLength(buf) + 1))) {
		*len = (size_t)xmlBufferLength(buf);
		memcpy(*out, xmlBufferContent(buf), *len);
		(*out)[*len] = '\0';
	} else {
		ok = 0;
	}
	if (buf)
		xmlBufferFree(buf);
	if (!ok) {
		cap_errf(err, errlen, "cannot write the CAP document (out of memory?)");
		return LIAISON_E_NOMEM;
	}
	return LIAISON_OK;
}

static const char *or(const char *s, const char *dflt)
{
	return s && *s ? s : dflt;
}

int cap_export_fields(const Liaison__EarlyWarning *w, const struct cap_origin *o, char **out,
		      size_t *len, char *err, size_t errlen)
{
	Liaison__EarlyWarning a = *w;
	Liaison__CapInfo info = LIAISON__CAP_INFO__INIT, *infop = &info;
	char sent[40] = "";
	char *category;
	struct tm tm;
	time_t t;

	*out = NULL;
	if (w->cap_sent[0])
		return write_alert(w, out, len, err, errlen); /* imported: every field is there */

	/* A warning written in liaison: the alert block from its message, one
	 * <info> from fields 1-12. The casts only lend strings for writing. */
	t = (time_t)((o && o->sent_ms > 0 ? o->sent_ms : 0) / 1000);
	if (gmtime_r(&t, &tm))
		strftime(sent, sizeof(sent), "%Y-%m-%dT%H:%M:%S+00:00", &tm);
	a.cap_identifier = (char *)or(o ? o->identifier : NULL, "unknown");
	a.cap_sender = (char *)or(o ? o->sender : NULL, "unknown");
	a.cap_sent = sent;
	a.cap_status = "Actual";
	a.msg_type = (char *)or(w->msg_type, "Alert");
	a.cap_source = "liaison";
	a.cap_scope = o && o->restriction ? "Restricted" : "Public";
	a.cap_restriction = o && o->restriction ? (char *)o->restriction : "";
	category = (char *)or(w->category, "Other");
	info.n_categories = 1;
	info.categories = &category;
	info.event = (char *)or(w->event, or(w->headline, "warning"));
	info.urgency = (char *)or(w->urgency, "Unknown");
	info.severity = (char *)or(w->severity, "Unknown");
	info.certainty = (char *)or(w->certainty, "Unknown");
	info.onset = w->onset;
	info.expires = w->expires;
	info.sender_name = w->sender_name;
	info.headline = w->headline;
	info.description = w->description;
	info.instruction = w->instruction;
	info.n_areas = w->n_areas;
	info.areas = w->areas;
	a.n_cap_info = 1;
	a.cap_info = &infop;
	return write_alert(&a, out, len, err, errlen);
}

int cap_export(const Liaison__EarlyWarning *w, const struct cap_origin *o, char **out,
	       size_t *len, char *err, size_t errlen)
{
	static const char decl[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
	const uint8_t *x = w->cap_xml.data;
	size_t n = w->cap_xml.len, d;

	if (n == 0)
		return cap_export_fields(w, o, out, len, err, errlen);
	/* The original, byte for byte: an enveloped XML signature still verifies.
	 * A document without its own declaration gets one (it was UTF-8). */
	d = n >= 5 && memcmp(x, "<?xml", 5) == 0 ? 0 : sizeof(decl) - 1;
	if (!(*out = malloc(d + n + 1))) {
		cap_errf(err, errlen, "out of memory");
		return LIAISON_E_NOMEM;
	}
	memcpy(*out, decl, d);
	memcpy(*out + d, x, n);
	(*out)[d + n] = '\0';
	*len = d + n;
	return LIAISON_OK;
}

/* What the CAP modules share and nobody else needs. */
#ifndef LIAISON_CAP_PRIV_H
#define LIAISON_CAP_PRIV_H

#include <libxml/tree.h>
#include "cap.h"

/* How one CAP element maps into a protobuf-c message: the tables below list
 * each parent's children in the schema's order, so the importer reads and the
 * exporter writes by the same list. */
enum cap_kind {
	CAP_STR,       /* char *: text */
	CAP_STRS,      /* repeated string: one element each */
	CAP_WORDS,     /* repeated string: one element, space-separated (references) */
	CAP_VALUES,    /* repeated CapValue: <valueName>, <value> */
	CAP_GEOCODES,  /* repeated string "valueName=value" */
	CAP_POLYGONS,  /* repeated Polygon */
	CAP_CIRCLES,   /* repeated Circle */
	CAP_RESOURCES, /* repeated CapResource */
	CAP_AREAS,     /* repeated Area */
	CAP_INFOS,     /* repeated CapInfo */
};

struct cap_field {
	const char *name; /* local name in the CAP namespace */
	enum cap_kind kind;
	bool required;    /* written even when empty */
	size_t off;       /* the field; for repeated ones the array */
	size_t count_off; /* repeated: the count */
};

extern const struct cap_field cap_alert_fields[], cap_info_fields[], cap_area_fields[],
	cap_resource_fields[];
extern const size_t cap_alert_nfields, cap_info_nfields, cap_area_nfields, cap_resource_nfields;

void cap_errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Parses untrusted bytes under the rules of cap.h into *out (xmlFreeDoc). */
int cap_parse(const uint8_t *xml, size_t len, xmlDocPtr *out, char *err, size_t errlen);
int cap_validate_doc(const struct cap_schema *s, xmlDocPtr doc, char *err, size_t errlen);

/* "lat,lon lat,lon ..." into a polygon (closed, 4 points or more); false with
 * why in err. */
bool cap_polygon_parse(const char *text, Liaison__Polygon *p, char *err, size_t errlen);
/* "lat,lon radius" into a circle. */
bool cap_circle_parse(const char *text, Liaison__Circle *c, char *err, size_t errlen);
/* The shortest text of d that reads back as d. */
void cap_number_format(double d, char *out, size_t outlen);
/* A CAP dateTime: "2003-06-17T14:57:00-07:00" (no Z, no fraction). */
bool cap_datetime_valid(const char *s);

#endif

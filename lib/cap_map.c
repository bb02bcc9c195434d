/* CAP values liaison reads: polygons, circles, dateTimes, references, and
 * the mapping of urgency, severity and <expires> to precedence and expiry. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cap.h"
#include "cap_priv.h"
#include "error.h"
#include "timefmt.h"

#define CAP_MAX_POINTS 10000

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

/* A WGS 84 "lat,lon" at *p. */
static bool read_point(const char **p, double *lat, double *lon)
{
	char *end;
	*lat = strtod(*p, &end);
	if (end == *p || *end != ',')
		return false;
	*p = end + 1;
	*lon = strtod(*p, &end);
	if (end == *p || !isfinite(*lat) || !isfinite(*lon) || fabs(*lat) > 90 || fabs(*lon) > 180)
		return false;
	*p = end;
	return true;
}

bool cap_polygon_parse(const char *text, Liaison__Polygon *poly, char *err, size_t errlen)
{
	const char *p = skip_space(text);
	size_t n = 0;
	while (*p) {
		double lat, lon;
		if (!read_point(&p, &lat, &lon)) {
			cap_errf(err, errlen, "point %zu is not \"latitude,longitude\" in range", n + 1);
			return false;
		}
		if (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') {
			cap_errf(err, errlen, "point %zu: points are separated by spaces", n + 1);
			return false;
		}
		if (n == CAP_MAX_POINTS) {
			cap_errf(err, errlen, "more than %d points", CAP_MAX_POINTS);
			return false;
		}
		Liaison__Point **a = realloc(poly->points, (n + 1) * sizeof(*a));
		if (!a || !(a[n] = malloc(sizeof(**a)))) {
			if (a)
				poly->points = a;
			cap_errf(err, errlen, "out of memory");
			return false;
		}
		poly->points = a;
		liaison__point__init(a[n]);
		a[n]->latitude = lat;
		a[n]->longitude = lon;
		poly->n_points = ++n;
		p = skip_space(p);
	}
	if (n < 4) {
		cap_errf(err, errlen, "%zu points; a polygon has at least 4", n);
		return false;
	}
	if (poly->points[0]->latitude != poly->points[n - 1]->latitude ||
	    poly->points[0]->longitude != poly->points[n - 1]->longitude) {
		cap_errf(err, errlen, "not closed: the last point must repeat the first");
		return false;
	}
	return true;
}

bool cap_circle_parse(const char *text, Liaison__Circle *c, char *err, size_t errlen)
{
	const char *p = skip_space(text);
	char *end;
	if (!read_point(&p, &c->latitude, &c->longitude) || (*p != ' ' && *p != '\t')) {
		cap_errf(err, errlen, "expected \"latitude,longitude radius\"");
		return false;
	}
	p = skip_space(p);
	c->radius_km = strtod(p, &end);
	if (end == p || *skip_space(end) || !isfinite(c->radius_km) || c->radius_km < 0) {
		cap_errf(err, errlen, "the radius is not a distance in kilometres");
		return false;
	}
	return true;
}

void cap_number_format(double d, char *out, size_t outlen)
{
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(out, outlen, "%.*g", prec, d);
		if (strtod(out, NULL) == d)
			return;
	}
}

bool cap_datetime_valid(const char *s)
{
	static const char form[] = "dddd-dd-ddTdd:dd:dd+dd:dd";
	int64_t ms;
	if (!s || strlen(s) != sizeof(form) - 1)
		return false;
	for (size_t i = 0; form[i]; i++) {
		if (form[i] == 'd' ? !isdigit((unsigned char)s[i])
		    : form[i] == '+' ? (s[i] != '+' && s[i] != '-') : s[i] != form[i])
			return false;
	}
	return time_parse_instant(s, 0, &ms);
}

bool cap_reference_split(const char *ref, char *buf, size_t buflen, const char **sender,
			 const char **identifier, const char **sent)
{
	char *a, *b;
	if (!ref || strlen(ref) >= buflen)
		return false;
	strcpy(buf, ref);
	if (!(a = strchr(buf, ',')) || !(b = strchr(a + 1, ',')) || strchr(b + 1, ','))
		return false;
	*a = *b = '\0';
	*sender = buf;
	*identifier = a + 1;
	*sent = b + 1;
	return **sender && **identifier && **sent;
}

/* ---------------------------------------------------------------- mapping */

/* The precedence table (liaison(1), docs/architecture.md):
 *
 *   urgency \ severity   Extreme    Severe     Moderate   Minor/Unknown
 *   Immediate            FLASH      FLASH      IMMEDIATE  IMMEDIATE
 *   Expected             IMMEDIATE  IMMEDIATE  PRIORITY   PRIORITY
 *   Future               PRIORITY   PRIORITY   PRIORITY   ROUTINE
 *   Past, Unknown        ROUTINE    ROUTINE    ROUTINE    ROUTINE
 */
static Liaison__Precedence precedence_of(const char *urgency, const char *severity)
{
	bool grave = severity && (!strcmp(severity, "Extreme") || !strcmp(severity, "Severe"));
	bool moderate = severity && !strcmp(severity, "Moderate");
	if (!urgency)
		return LIAISON__PRECEDENCE__ROUTINE;
	if (!strcmp(urgency, "Immediate"))
		return grave ? LIAISON__PRECEDENCE__FLASH : LIAISON__PRECEDENCE__IMMEDIATE;
	if (!strcmp(urgency, "Expected"))
		return grave ? LIAISON__PRECEDENCE__IMMEDIATE : LIAISON__PRECEDENCE__PRIORITY;
	if (!strcmp(urgency, "Future"))
		return grave || moderate ? LIAISON__PRECEDENCE__PRIORITY : LIAISON__PRECEDENCE__ROUTINE;
	return LIAISON__PRECEDENCE__ROUTINE;
}

Liaison__Precedence cap_precedence(const Liaison__EarlyWarning *w)
{
	Liaison__Precedence best = LIAISON__PRECEDENCE__PRECEDENCE_UNSET, p;
	for (size_t i = 0; i < w->n_cap_info; i++) {
		p = precedence_of(w->cap_info[i]->urgency, w->cap_info[i]->severity);
		if (best == LIAISON__PRECEDENCE__PRECEDENCE_UNSET || p < best)
			best = p;
	}
	return best;
}

bool cap_expires_ms(const Liaison__EarlyWarning *w, int64_t *out)
{
	int64_t latest = 0, t;
	*out = 0;
	for (size_t i = 0; i < w->n_cap_info; i++) {
		const char *e = w->cap_info[i]->expires;
		if (!e || !*e)
			return true; /* a block without <expires> never expires */
		if (!time_parse_instant(e, 0, &t))
			return false;
		if (t > latest)
			latest = t;
	}
	*out = latest;
	return true;
}

/* ---------------------------------------------------------------- checks */

static bool one_of(const char *v, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(v, *set))
			return true;
	return false;
}

static const char *const categories[] = { "Geo", "Met", "Safety", "Security", "Rescue", "Fire",
	"Health", "Env", "Transport", "Infra", "CBRNE", "Other", NULL };
static const char *const urgencies[] = { "Immediate", "Expected", "Future", "Past", "Unknown", NULL };
static const char *const severities[] = { "Extreme", "Severe", "Moderate", "Minor", "Unknown", NULL };
static const char *const certainties[] = { "Observed", "Likely", "Possible", "Unlikely", "Unknown", NULL };
static const char *const msg_types[] = { "Alert", "Update", "Cancel", "Ack", "Error", NULL };

static int check_word(const char *field, const char *v, const char *const *set, char *err,
		      size_t errlen)
{
	size_t n = 0;
	char list[160] = "";
	if (!v || !*v || one_of(v, set))
		return LIAISON_OK;
	for (const char *const *s = set; *s; s++)
		n += (size_t)snprintf(list + n, n < sizeof(list) ? sizeof(list) - n : 0, "%s%s",
				      s == set ? "" : ", ", *s);
	cap_errf(err, errlen, "field '%s': '%s' is not one of %s", field, v, list);
	return CAP_E_CONTENT;
}

int cap_warning_check(const Liaison__EarlyWarning *w, char *err, size_t errlen)
{
	int r;
	if ((r = check_word("category", w->category, categories, err, errlen)) ||
	    (r = check_word("urgency", w->urgency, urgencies, err, errlen)) ||
	    (r = check_word("severity", w->severity, severities, err, errlen)) ||
	    (r = check_word("certainty", w->certainty, certainties, err, errlen)) ||
	    (r = check_word("msg_type", w->msg_type, msg_types, err, errlen)))
		return r;
	if (w->onset[0] && !cap_datetime_valid(w->onset)) {
		cap_errf(err, errlen, "field 'onset': '%s' is not a CAP time such as "
			 "2026-11-27T19:55:00+00:00", w->onset);
		return CAP_E_CONTENT;
	}
	if (w->expires[0] && !cap_datetime_valid(w->expires)) {
		cap_errf(err, errlen, "field 'expires': '%s' is not a CAP time such as "
			 "2026-11-27T19:55:00+00:00", w->expires);
		return CAP_E_CONTENT;
	}
	for (size_t i = 0; i < w->n_areas; i++) {
		const Liaison__Area *a = w->areas[i];
		for (size_t k = 0; k < a->n_polygons; k++) {
			const Liaison__Polygon *p = a->polygons[k];
			if (p->n_points < 4 || p->points[0]->latitude != p->points[p->n_points - 1]->latitude ||
			    p->points[0]->longitude != p->points[p->n_points - 1]->longitude) {
				cap_errf(err, errlen, "field 'areas': area %zu, polygon %zu: at least 4 "
					 "points, the last repeating the first", i + 1, k + 1);
				return CAP_E_CONTENT;
			}
			for (size_t q = 0; q < p->n_points; q++)
				if (!(fabs(p->points[q]->latitude) <= 90 && fabs(p->points[q]->longitude) <= 180)) {
					cap_errf(err, errlen, "field 'areas': area %zu, polygon %zu, point %zu: "
						 "out of range", i + 1, k + 1, q + 1);
					return CAP_E_CONTENT;
				}
		}
		for (size_t k = 0; k < a->n_circles; k++) {
			const Liaison__Circle *c = a->circles[k];
			if (!(fabs(c->latitude) <= 90 && fabs(c->longitude) <= 180 && c->radius_km >= 0)) {
				cap_errf(err, errlen, "field 'areas': area %zu, circle %zu: out of range",
					 i + 1, k + 1);
				return CAP_E_CONTENT;
			}
		}
	}
	return LIAISON_OK;
}

/* Times: unix milliseconds inside liaison; ISO 8601 instants and spans for people. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "timefmt.h"

int64_t time_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Spans: a positive integer and a unit. *out_ms is unchanged on failure. */
bool time_parse_span(const char *s, int64_t *out_ms)
{
	static const struct {
		const char *unit;
		int64_t ms;
	} units[] = {
		{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}, {"w", 604800000},
	};
	if (!s || !isdigit((unsigned char)*s))
		return false;
	int64_t n = 0;
	for (; isdigit((unsigned char)*s); s++) {
		int d = *s - '0';
		if (n > (INT64_MAX - d) / 10)
			return false;
		n = n * 10 + d;
	}
	if (n <= 0)
		return false;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(s, units[i].unit) != 0)
			continue;
		if (n > INT64_MAX / units[i].ms)
			return false;
		*out_ms = n * units[i].ms;
		return true;
	}
	return false;
}

/* Reads exactly n digits at *p into *out and advances *p. */
static bool digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static int days_in_month(int year, int month)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	return month == 2 && leap ? 29 : days[month - 1];
}

/* "YYYY-MM-DD", or that with "THH:MM[:SS[.fraction]]" and "Z", "+HH:MM",
 * "-HH:MM", "+HHMM" or "-HHMM". A time of day needs a zone. */
static bool parse_iso(const char *s, int64_t *out_ms)
{
	int year, mon, day, hour = 0, min = 0, sec = 0, ms = 0;
	int64_t offset_s = 0;
	const char *p = s;

	if (!digits(&p, 4, &year) || *p++ != '-' || !digits(&p, 2, &mon) || *p++ != '-' ||
	    !digits(&p, 2, &day))
		return false;
	if (mon < 1 || mon > 12 || day < 1 || day > days_in_month(year, mon))
		return false;
	if (*p == 'T' || *p == 't') {
		p++;
		if (!digits(&p, 2, &hour) || *p++ != ':' || !digits(&p, 2, &min))
			return false;
		if (*p == ':') {
			p++;
			if (!digits(&p, 2, &sec))
				return false;
			if (*p == '.' || *p == ',') {
				p++;
				if (!isdigit((unsigned char)*p))
					return false;
				int scale = 100;
				for (; isdigit((unsigned char)*p); p++) {
					ms += (*p - '0') * scale;
					scale /= 10;
				}
			}
		}
		if (hour > 23 || min > 59 || sec > 59)
			return false;
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int sign = *p++ == '-' ? -1 : 1, oh, om;
			if (!digits(&p, 2, &oh))
				return false;
			if (*p == ':')
				p++;
			if (!digits(&p, 2, &om) || oh > 23 || om > 59)
				return false;
			offset_s = sign * (int64_t)(oh * 3600 + om * 60);
		} else {
			return false;
		}
	}
	if (*p != '\0')
		return false;

	struct tm tm = {0};
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	time_t t = timegm(&tm);
	*out_ms = ((int64_t)t - offset_s) * 1000 + ms;
	return true;
}

/* *out_ms is unchanged on failure, as for the deadline below. */
bool time_parse_instant(const char *s, int64_t now_ms, int64_t *out_ms)
{
	int64_t span;
	if (!s)
		return false;
	if (time_parse_span(s, &span)) {
		if (now_ms < INT64_MIN + span)
			return false;
		*out_ms = now_ms - span;
		return true;
	}
	return parse_iso(s, out_ms);
}

bool time_parse_deadline(const char *s, int64_t now_ms, int64_t *out_ms)
{
	int64_t span;
	if (!s)
		return false;
	if (time_parse_span(s, &span)) {
		if (now_ms > INT64_MAX - span)
			return false;
		*out_ms = now_ms + span;
		return true;
	}
	return parse_iso(s, out_ms);
}

void time_format_iso(int64_t ms, char out[TIME_ISO_LEN])
{
	int64_t secs = ms / 1000, frac = ms % 1000;
	if (frac < 0) {
		frac += 1000;
		secs -= 1;
	}
	time_t t = (time_t)secs;
	struct tm tm;
	if (!gmtime_r(&t, &tm)) {
		snprintf(out, TIME_ISO_LEN, "invalid");
		return;
	}
	int n = snprintf(out, TIME_ISO_LEN, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (n < 0 || n >= TIME_ISO_LEN - 6)
		return;
	if (frac)
		snprintf(out + n, TIME_ISO_LEN - n, ".%03dZ", (int)frac);
	else
		snprintf(out + n, TIME_ISO_LEN - n, "Z");
}

void time_format_span(int64_t ms, char *out, size_t len)
{
	long long s = ms > 0 ? ms / 1000 : 0;
	if (s < 60)
		snprintf(out, len, "%llds", s);
	else if (s < 3600)
		snprintf(out, len, "%lldm%02llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(out, len, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(out, len, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
}

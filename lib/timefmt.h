/* Times: unix milliseconds inside liaison, ISO 8601 (UTC) and spans for people. */
#ifndef LIAISON_TIMEFMT_H
#define LIAISON_TIMEFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TIME_ISO_LEN 32

int64_t time_now_ms(void);      /* wall clock */
int64_t time_mono_ms(void);     /* monotonic clock, for timers */

/* A span "90s", "30m", "2h", "7d" (also "500ms", "1w"); false if malformed. */
bool time_parse_span(const char *s, int64_t *out_ms);
/* TIME: an ISO 8601 instant ("2026-11-27T19:55:00Z", "...+02:00", "2026-11-27")
 * or a span back from now_ms. */
bool time_parse_instant(const char *s, int64_t now_ms, int64_t *out_ms);
/* DURATION: a span forward from now_ms, or an ISO 8601 instant. */
bool time_parse_deadline(const char *s, int64_t now_ms, int64_t *out_ms);
/* "2026-11-27T19:55:00.123Z" (milliseconds only when not zero). */
void time_format_iso(int64_t ms, char out[TIME_ISO_LEN]);
/* A span for people, two units at most: "12s", "4m12s", "3h05m", "2d04h"
 * (a negative span is "0s"). */
void time_format_span(int64_t ms, char *out, size_t len);

#endif

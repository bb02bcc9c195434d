/* Bounded logging for what a peer or a fault can repeat at will: per
 * source (a peer's name, "store"), at most LOGRATE_LINES lines a minute; the
 * first line left out says so, and once the minute is over one line gives
 * the count of those left out. */
#ifndef LIAISOND_LOGRATE_H
#define LIAISOND_LOGRATE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "log.h"
#include "timefmt.h"

#define LOGRATE_LINES 30
#define LOGRATE_WINDOW_MS 60000

/* Whether a line from source may be logged now (monotonic ms); counts it. */
bool lograte_allow(const char *source, int64_t now_mono);
/* Logs the count of lines left out for each source whose minute is over;
 * call from a periodic timer. */
void lograte_flush(int64_t now_mono);

/* Lines about a peer are limited per peer; the source reads "peer NAME". */
#define log_peer_limited(name, level, ...)                                  \
	do {                                                                \
		char src_[80];                                              \
		snprintf(src_, sizeof(src_), "peer %s", (name));            \
		log_limited(src_, (level), __VA_ARGS__);                    \
	} while (0)

#define log_limited(source, level, ...)                          \
	do {                                                     \
		if (lograte_allow((source), time_mono_ms()))     \
			log_msg((level), __VA_ARGS__);           \
	} while (0)

#endif

/* Rate-limited logging per source (lograte.h): a small table of sources,
 * each with its own one-minute window. Sources are peer names and a few
 * fixed words, so 64 slots hold them; when more appear, the slot idle
 * longest is reused. */
#include <stdio.h>
#include <string.h>
#include "lograte.h"

#define LOGRATE_SLOTS 64

struct lograte_slot {
	char source[64];
	int64_t window_start, last_used;
	unsigned logged, dropped;
};

static struct lograte_slot slots[LOGRATE_SLOTS];

static void summarize(struct lograte_slot *s)
{
	if (s->dropped)
		log_msg(LOG_WARN, "%s: %u more lines like these were left out in the last minute", s->source,
			s->dropped);
	s->dropped = 0;
	s->logged = 0;
}

static struct lograte_slot *slot_for(const char *source, int64_t now)
{
	struct lograte_slot *idle = &slots[0];
	for (size_t i = 0; i < LOGRATE_SLOTS; i++) {
		if (slots[i].source[0] && !strncmp(slots[i].source, source, sizeof(slots[i].source) - 1))
			return &slots[i];
		if (!slots[i].source[0] || (idle->source[0] && slots[i].last_used < idle->last_used))
			idle = &slots[i];
	}
	if (idle->source[0])
		summarize(idle);
	memset(idle, 0, sizeof(*idle));
	snprintf(idle->source, sizeof(idle->source), "%s", source);
	idle->window_start = now;
	return idle;
}

bool lograte_allow(const char *source, int64_t now)
{
	struct lograte_slot *s = slot_for(source, now);
	s->last_used = now;
	if (now - s->window_start >= LOGRATE_WINDOW_MS) {
		summarize(s);
		s->window_start = now;
	}
	if (s->logged < LOGRATE_LINES) {
		s->logged++;
		return true;
	}
	if (s->dropped++ == 0)
		log_msg(LOG_WARN, "%s: more than %d lines a minute: the rest of this minute's are left out",
			s->source, LOGRATE_LINES);
	return false;
}

void lograte_flush(int64_t now)
{
	for (size_t i = 0; i < LOGRATE_SLOTS; i++) {
		struct lograte_slot *s = &slots[i];
		if (s->source[0] && s->dropped && now - s->window_start >= LOGRATE_WINDOW_MS) {
			summarize(s);
			s->window_start = now;
		}
	}
}

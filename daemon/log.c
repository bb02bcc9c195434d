/* liaisond's log to stderr. Lines carry text from peers (names, topics,
 * reasons), so each is escaped (textsafe.h) before it is written: nothing a
 * peer sends can start a new line or drive a terminal or a log viewer. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "log.h"
#include "textsafe.h"

static enum log_level current = LOG_INFO;
static bool journal;

void log_set_level(enum log_level level) { current = level; }
void log_set_journal(bool on) { journal = on; }

static const char *const names[] = { "error", "warn", "info", "debug" };
static const int syslog_prio[] = { 3, 4, 6, 7 };

bool log_parse_level(const char *s, enum log_level *out)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i])) {
			*out = (enum log_level)i;
			return true;
		}
	return false;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (level > current)
		return;
	char line[1024], safe[2048];
	va_list ap;
	va_start(ap, fmt);
	int len = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	/* vsnprintf may have cut a character in two: escaped as its bytes */
	textsafe_escape(safe, sizeof(safe), line, strlen(line), 0);
	if (journal)
		fprintf(stderr, "<%d>%s\n", syslog_prio[level], safe);
	else
		fprintf(stderr, "liaisond: %s: %s\n", names[level], safe);
}

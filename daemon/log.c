/* liaisond's log to stderr. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "log.h"

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
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (journal)
		fprintf(stderr, "<%d>%s\n", syslog_prio[level], line);
	else
		fprintf(stderr, "liaisond: %s: %s\n", names[level], line);
}

/* liaisond's log to stderr: under journald a "<N>" priority prefix (journald
 * adds its own timestamps), otherwise a UTC timestamp and the level. Lines
 * carry text from peers (names, topics, reasons), so each is escaped
 * (textsafe.h) before it is written: nothing a peer sends can start a new
 * line or drive a terminal or a log viewer. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
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

/* systemd sets $JOURNAL_STREAM to "DEV:INODE" of the stream it connected
 * to stderr; a child whose stderr was redirected elsewhere inherits the
 * variable, so only a match with stderr's own device and inode counts. */
bool log_stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char tail;
	if (!js || sscanf(js, "%llu:%llu%c", &dev, &ino, &tail) != 2 || fstat(2, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
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
	if (journal) {
		fprintf(stderr, "<%d>%s\n", syslog_prio[level], safe);
		return;
	}
	struct timespec ts;
	struct tm tm;
	char stamp[32] = "";
	clock_gettime(CLOCK_REALTIME, &ts);
	if (gmtime_r(&ts.tv_sec, &tm))
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ liaisond: %s: %s\n", stamp, ts.tv_nsec / 1000000, names[level], safe);
}

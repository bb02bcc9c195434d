/* liaisond's log: one line per event on stderr, with a level. Under
 * journald the "<N>" prefix lets it keep the priority; elsewhere each line
 * starts with a UTC timestamp ("2026-12-02T05:57:18.123Z liaisond: info: ..."). */
#ifndef LIAISOND_LOG_H
#define LIAISOND_LOG_H

#include <stdbool.h>

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

void log_set_level(enum log_level level);
void log_set_journal(bool on);
/* True when stderr is the journal stream systemd connected ($JOURNAL_STREAM
 * names stderr's device and inode). */
bool log_stderr_is_journal(void);
/* "error" | "warn" | "info" | "debug"; false if unknown */
bool log_parse_level(const char *s, enum log_level *out);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif

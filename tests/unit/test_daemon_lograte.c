/* Unit tests for the daemon's log: rate limits per source and the lines
 * that say what was left out; every line escaped. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"
#include "lograte.h"

static char logpath[] = "/tmp/liaison-lograte-XXXXXX";
static int saved_stderr = -1;

/* The log written since the last call (stderr goes to a file). */
static char *log_text(void)
{
	static char buf[16384];
	static long seen;
	fflush(stderr);
	FILE *f = fopen(logpath, "r");
	assert_non_null(f);
	fseek(f, seen, SEEK_SET);
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	seen += (long)n;
	fclose(f);
	return buf;
}

static size_t count_lines(const char *s, const char *needle)
{
	size_t n = 0;
	for (const char *p = s; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static int setup(void **state)
{
	(void)state;
	int fd = mkstemp(logpath);
	saved_stderr = dup(2);
	if (fd < 0 || saved_stderr < 0 || !freopen(logpath, "w", stderr))
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	/* cmocka reports on stderr: give it back */
	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	unlink(logpath);
	return 0;
}

static void test_limit_and_summary(void **state)
{
	(void)state;
	int64_t t = 1000000;
	for (int i = 0; i < LOGRATE_LINES; i++)
		assert_true(lograte_allow("peer R", t + i));
	assert_string_equal(log_text(), "");
	/* the first one left out says so, once */
	assert_false(lograte_allow("peer R", t + 100));
	assert_false(lograte_allow("peer R", t + 101));
	assert_false(lograte_allow("peer R", t + 102));
	char *out = log_text();
	assert_int_equal(count_lines(out, "\n"), 1);
	assert_non_null(strstr(out, "peer R: more than 30 lines a minute"));
	/* another source is not affected */
	assert_true(lograte_allow("peer S", t + 200));
	/* before the minute is over nothing is summarized */
	lograte_flush(t + LOGRATE_WINDOW_MS - 1);
	assert_string_equal(log_text(), "");
	/* after it, one line with the number left out, and lines pass again */
	lograte_flush(t + LOGRATE_WINDOW_MS);
	out = log_text();
	assert_non_null(strstr(out, "peer R: 3 more lines like these were left out in the last minute"));
	assert_int_equal(count_lines(out, "\n"), 1);
	assert_true(lograte_allow("peer R", t + LOGRATE_WINDOW_MS + 1));
	/* a new minute reached by a line (no flush) also summarizes first */
	int64_t t2 = t + 10 * LOGRATE_WINDOW_MS;
	for (int i = 0; i < LOGRATE_LINES + 5; i++)
		lograte_allow("peer T", t2);
	log_text();
	assert_true(lograte_allow("peer T", t2 + LOGRATE_WINDOW_MS));
	assert_non_null(strstr(log_text(), "peer T: 5 more lines like these"));
}

static void test_lines_escaped(void **state)
{
	(void)state;
	log_msg(LOG_WARN, "topic %s", "ok\x1b]0;owned\a\nforged line");
	char *out = log_text();
	const char *want = "liaisond: warn: topic ok\\x1b]0;owned\\x07\\x0aforged line\n";
	/* after the timestamp, one line */
	assert_true(strlen(out) > strlen(want));
	assert_string_equal(out + strlen(out) - strlen(want), want);
	assert_int_equal(count_lines(out, "\n"), 1);
	assert_null(strchr(out, '\x1b'));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limit_and_summary),
		cmocka_unit_test(test_lines_escaped),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

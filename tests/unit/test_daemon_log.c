/* Unit tests for liaisond's log: journald is recognised only when
 * $JOURNAL_STREAM names stderr itself, and lines carry a priority prefix
 * there and a UTC timestamp elsewhere. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

static char path[] = "/tmp/liaison-log-test.XXXXXX";
static int saved_stderr = -1;

/* Points stderr at a fresh file; returns its "DEV:INODE". */
static void stderr_to_file(char *stream, size_t len)
{
	struct stat st;
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	fflush(stderr);
	saved_stderr = dup(2);
	assert_true(dup2(fd, 2) == 2);
	close(fd);
	assert_int_equal(fstat(2, &st), 0);
	snprintf(stream, len, "%llu:%llu", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
}

/* Restores stderr; returns what was written to the file (caller frees). */
static char *stderr_back(void)
{
	char *buf = calloc(1, 4096);
	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, 4095, f);
	buf[n] = '\0';
	fclose(f);
	unlink(path);
	strcpy(path + strlen(path) - 6, "XXXXXX");
	return buf;
}

static void test_journal_detection(void **state)
{
	char stream[64], other[80];
	(void)state;
	stderr_to_file(stream, sizeof(stream));
	unsetenv("JOURNAL_STREAM");
	bool none = log_stderr_is_journal();
	setenv("JOURNAL_STREAM", stream, 1);
	bool match = log_stderr_is_journal();
	/* inherited by a child whose stderr went elsewhere */
	snprintf(other, sizeof(other), "%s1", stream);
	setenv("JOURNAL_STREAM", other, 1);
	bool mismatch = log_stderr_is_journal();
	setenv("JOURNAL_STREAM", "garbage", 1);
	bool garbage = log_stderr_is_journal();
	unsetenv("JOURNAL_STREAM");
	free(stderr_back());
	assert_false(none);
	assert_true(match);
	assert_false(mismatch);
	assert_false(garbage);
}

static void test_line_forms(void **state)
{
	char stream[64];
	regex_t re;
	(void)state;
	stderr_to_file(stream, sizeof(stream));
	log_set_journal(true);
	log_info("to the journal %d", 1);
	log_warn("warned");
	log_set_journal(false);
	log_info("plain %s", "line");
	log_set_level(LOG_WARN);
	log_info("not shown");
	log_set_level(LOG_INFO);
	char *out = stderr_back();
	assert_non_null(strstr(out, "<6>to the journal 1\n<4>warned\n"));
	assert_null(strstr(out, "not shown"));
	assert_int_equal(regcomp(&re, "\n20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\\.[0-9]{3}Z "
				      "liaisond: info: plain line\n$",
				 REG_EXTENDED),
			 0);
	int rc = regexec(&re, out, 0, NULL, 0);
	regfree(&re);
	if (rc != 0)
		fail_msg("log output: %s", out);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_journal_detection),
		cmocka_unit_test(test_line_forms),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

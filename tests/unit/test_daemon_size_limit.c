/* The largest max_message a node's configuration takes is the bound that
 * offline tools use for "what some node could accept"
 * (ENVELOPE_MAX_MESSAGE_LIMIT, lib/envelope.h): if the two drift apart,
 * liaison-keys verify-envelope refuses envelopes that a node stores. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "config.h"
#include "envelope.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/liaison-size-limit.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd);
}

/* Loads a minimal configuration with the given max_message; 0 if it loads. */
static int load_with(const char *max_message, size_t *got)
{
	char path[128], err[512];
	snprintf(path, sizeof path, "%s/liaisond.conf", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "[node]\nname = ALPHA\nkey = ALPHA.key\nlisten = tcp://127.0.0.1:7600\n"
		   "api = tcp://127.0.0.1:7700\ndata_dir = %s\nmax_message = %s\n",
		dir, max_message);
	fclose(f);
	struct config *c = NULL;
	int rc = config_load(path, &c, err, sizeof err);
	if (rc == 0)
		*got = c->max_message;
	config_free(&c);
	return rc;
}

static void test_largest_max_message_is_the_library_bound(void **state)
{
	(void)state;
	char text[32];
	size_t got = 0;
	snprintf(text, sizeof text, "%zu", (size_t)ENVELOPE_MAX_MESSAGE_LIMIT);
	assert_int_equal(load_with(text, &got), 0);
	assert_int_equal(got, ENVELOPE_MAX_MESSAGE_LIMIT);
	snprintf(text, sizeof text, "%zu", (size_t)ENVELOPE_MAX_MESSAGE_LIMIT + 1);
	assert_int_not_equal(load_with(text, &got), 0);
	/* the node's envelope bound for it (max_message + header + framing) */
	assert_true(got + ENVELOPE_HEADER_MAX + 1024 <= ENVELOPE_MAX_ANY_NODE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_largest_max_message_is_the_library_bound),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

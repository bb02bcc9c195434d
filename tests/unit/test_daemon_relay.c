/* Unit tests for relaying's small parts: the per-origin rate limit (a
 * burst, then the steady rate, each origin on its own) and exact names in
 * a hop's list. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "relay.h"

static void test_rate_burst_then_held(void **state)
{
	(void)state;
	struct node *n = calloc(1, sizeof(*n));
	assert_non_null(n);
	int taken = 0;
	while (taken < 10000 && relay_rate_take(n, "ALPHA"))
		taken++;
	/* the burst, plus what the steady rate refilled meanwhile (well under 100) */
	assert_true(taken >= 4000 && taken < 4100);
	assert_false(relay_rate_take(n, "ALPHA"));
	/* another origin has a bucket of its own */
	assert_true(relay_rate_take(n, "BRAVO"));
	free(n);
}

static void test_rate_many_origins(void **state)
{
	(void)state;
	struct node *n = calloc(1, sizeof(*n));
	assert_non_null(n);
	char name[16];
	/* more origins than buckets: the oldest is reused, never a crash or a refusal */
	for (int i = 0; i < 3 * RELAY_ORIGINS; i++) {
		snprintf(name, sizeof(name), "N%d", i);
		assert_true(relay_rate_take(n, name));
	}
	free(n);
}

static void test_names(void **state)
{
	(void)state;
	assert_true(relay_names_has("C", "C"));
	assert_true(relay_names_has("CC,C", "C"));
	assert_true(relay_names_has("A,C,D", "C"));
	assert_false(relay_names_has("CC", "C"));
	assert_false(relay_names_has("CHARLIE,XC", "C"));
	assert_false(relay_names_has("", "C"));
	assert_false(relay_names_has("C", ""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_burst_then_held),
		cmocka_unit_test(test_rate_many_origins),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

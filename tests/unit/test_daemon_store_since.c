/* Unit tests for the store's time-bounded reads: store_pos_at and a query
 * with `since` start at the first message received at or after the time,
 * see every later one, and nothing before it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"

static char dir[] = "/tmp/liaison-store-test.XXXXXX";

/* Stores message i (id i, sequence i) received at `received`. */
static void put(struct store *s, int i, int64_t received)
{
	uint8_t id[16] = { 0 }, env[32];
	id[0] = (uint8_t)i;
	id[15] = 0x5a;
	memset(env, i, sizeof(env));
	Liaison__Header h = LIAISON__HEADER__INIT;
	h.id.data = id;
	h.id.len = 16;
	h.sender = "alpha";
	h.sequence = (uint64_t)i;
	h.type = 1;
	h.topic = "t";
	h.precedence = 4;
	int64_t pos = 0;
	assert_int_equal(store_put_message(s, &h, env, sizeof(env), received, &pos), 0);
	assert_int_equal(pos, i);
}

static int collect(void *ctx, const struct stored_msg *m)
{
	char *out = ctx;
	size_t len = strlen(out);
	snprintf(out + len, 64 - len, "%lld,", (long long)m->pos);
	return 0;
}

static struct store *fresh(void)
{
	char err[256];
	assert_non_null(mkdtemp(dir));
	struct store *s = store_open(dir, false, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(store_begin(s), 0);
	/* received times 100, 200, ..., 500 at positions 1..5 */
	for (int i = 1; i <= 5; i++)
		put(s, i, 100 * i);
	assert_int_equal(store_commit(s), 0);
	return s;
}

static void cleanup(struct store **s)
{
	char cmd[128];
	store_close(s);
	assert_null(*s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	strcpy(dir, "/tmp/liaison-store-test.XXXXXX");
}

static void pos_at_finds_the_first_received_since(void **state)
{
	(void)state;
	struct store *s = fresh();
	assert_int_equal(store_pos_at(s, 50), 0);   /* everything */
	assert_int_equal(store_pos_at(s, 100), 0);  /* received exactly at t counts */
	assert_int_equal(store_pos_at(s, 250), 2);  /* 3, 4, 5 are after */
	assert_int_equal(store_pos_at(s, 500), 4);
	assert_int_equal(store_pos_at(s, 501), 5);  /* nothing since: the newest */
	cleanup(&s);
}

static void query_since_returns_exactly_the_window(void **state)
{
	(void)state;
	struct store *s = fresh();
	char out[64] = "";
	struct store_filter f = { .since = 250 };
	assert_int_equal(store_query(s, &f, collect, out), 3);
	assert_string_equal(out, "3,4,5,");

	/* with a cursor past the window's start, the cursor wins */
	out[0] = 0;
	f.after = 4;
	assert_int_equal(store_query(s, &f, collect, out), 1);
	assert_string_equal(out, "5,");

	/* the newest two since 150, still oldest first */
	out[0] = 0;
	struct store_filter g = { .since = 150, .limit = 2, .newest = true };
	assert_int_equal(store_query(s, &g, collect, out), 2);
	assert_string_equal(out, "4,5,");

	/* a window with nothing in it */
	out[0] = 0;
	struct store_filter none = { .since = 900 };
	assert_int_equal(store_query(s, &none, collect, out), 0);
	assert_string_equal(out, "");
	cleanup(&s);
}

static void query_since_keeps_a_message_whose_clock_stepped_back(void **state)
{
	(void)state;
	struct store *s = fresh();
	/* position 6 received at 300 although 5 was received at 500: the
	 * window since 250 still holds 3, 4, 5 and 6 */
	assert_int_equal(store_begin(s), 0);
	put(s, 6, 300);
	assert_int_equal(store_commit(s), 0);
	char out[64] = "";
	struct store_filter f = { .since = 250 };
	assert_int_equal(store_query(s, &f, collect, out), 4);
	assert_string_equal(out, "3,4,5,6,");
	cleanup(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pos_at_finds_the_first_received_since),
		cmocka_unit_test(query_since_returns_exactly_the_window),
		cmocka_unit_test(query_since_keeps_a_message_whose_clock_stepped_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

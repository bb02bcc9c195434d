/* Unit tests for a link's delivery rate and the batch budget it sets:
 * conservative on a new connection, half a second of bytes on a slow link,
 * the ceiling on a fast one, and no shrinking from a short queue. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "link_rate.h"

#define CEILING (2 * 1024 * 1024)

/* Sends one batch of bytes on lane 3 at t and has the peer acknowledge it at ack. */
static void batch(struct link_rate *r, uint64_t *seq, int64_t t, size_t bytes, size_t budget, int64_t ack)
{
	uint64_t top[LANES] = {0, 0, 0, ++*seq};
	link_rate_sent(r, t, bytes, budget, top);
	link_rate_acked(r, ack, top, top);
}

static void test_new_connection(void **state)
{
	(void)state;
	struct link_rate r;
	link_rate_reset(&r);
	assert_int_equal(link_rate_budget(&r, CEILING), LINK_RATE_INITIAL);
}

static void test_slow_link(void **state)
{
	(void)state;
	struct link_rate r;
	uint64_t seq = 0;
	int64_t t = 1000;
	link_rate_reset(&r);
	/* 64 kbit/s: 8000 bytes a second; full batches, back to back */
	for (int i = 0; i < 20; i++) {
		size_t budget = link_rate_budget(&r, CEILING);
		batch(&r, &seq, t, budget, budget, t + (int64_t)budget * 1000 / 8000);
		t += (int64_t)budget * 1000 / 8000;
	}
	size_t b = link_rate_budget(&r, CEILING);
	assert_true(b >= LINK_RATE_FLOOR && b <= 4500);
}

static void test_fast_link(void **state)
{
	(void)state;
	struct link_rate r;
	uint64_t seq = 0;
	link_rate_reset(&r);
	/* loopback: the first small batch is acknowledged within 2 ms */
	batch(&r, &seq, 1000, LINK_RATE_INITIAL, LINK_RATE_INITIAL, 1002);
	assert_true(link_rate_budget(&r, CEILING) >= 1024 * 1024);
	batch(&r, &seq, 1010, 200000, link_rate_budget(&r, CEILING), 1020);
	assert_int_equal(link_rate_budget(&r, CEILING), CEILING);
	assert_int_equal(link_rate_budget(&r, 1000), 1000); /* never above the ceiling */
}

static void test_short_queue_does_not_shrink(void **state)
{
	(void)state;
	struct link_rate r;
	uint64_t seq = 0;
	link_rate_reset(&r);
	batch(&r, &seq, 1000, 100000, LINK_RATE_INITIAL, 1100); /* 1 MB/s */
	size_t before = link_rate_budget(&r, CEILING);
	/* one envelope at a time, each waiting a round trip of 200 ms */
	for (int i = 0; i < 10; i++)
		batch(&r, &seq, 2000 + i * 1000, 500, before, 2200 + i * 1000);
	assert_int_equal(link_rate_budget(&r, CEILING), before);
	/* a full batch that crossed slowly does shrink it */
	batch(&r, &seq, 20000, before, before, 25000);
	assert_true(link_rate_budget(&r, CEILING) < before);
}

static void test_acks_together(void **state)
{
	(void)state;
	struct link_rate r;
	uint64_t t1[LANES] = {0, 0, 0, 1}, t2[LANES] = {0, 0, 0, 2};
	link_rate_reset(&r);
	link_rate_sent(&r, 0, 8000, 8000, t1);
	link_rate_acked(&r, 1000, t1, t1); /* 8000 bytes/s */
	/* two more at 8000 bytes/s whose acks the peer sent together */
	link_rate_sent(&r, 1000, 8000, 8000, (uint64_t[LANES]){0, 0, 0, 2});
	link_rate_sent(&r, 1000, 8000, 8000, (uint64_t[LANES]){0, 0, 0, 3});
	link_rate_acked(&r, 3000, t2, (uint64_t[LANES]){0, 0, 0, 3});
	link_rate_acked(&r, 3001, (uint64_t[LANES]){0, 0, 0, 3}, (uint64_t[LANES]){0, 0, 0, 3});
	assert_true(r.bps < 1.5 * 8000 + 1);
}

static void test_pipelined_and_rewound(void **state)
{
	(void)state;
	struct link_rate r;
	link_rate_reset(&r);
	uint64_t t1[LANES] = {0, 0, 0, 1}, t2[LANES] = {0, 0, 0, 2}, none[LANES] = {0};
	/* two batches of 8000 bytes sent together, acknowledged a second
	 * apart: the second is timed from the first ack, not from its send */
	link_rate_sent(&r, 0, 8000, 8000, t1);
	link_rate_sent(&r, 0, 8000, 8000, t2);
	link_rate_acked(&r, 1000, t1, t2);
	link_rate_acked(&r, 2000, t2, t2);
	assert_int_equal(r.samples, 2);
	assert_true(r.bps > 7900 && r.bps < 8100);
	/* rewound before its ack: not timed */
	link_rate_sent(&r, 3000, 8000, 8000, (uint64_t[LANES]){0, 0, 0, 3});
	link_rate_acked(&r, 3100, t2, t2);
	assert_int_equal(r.n_out, 0);
	assert_int_equal(r.samples, 2);
	/* a restated peer: nothing in flight is timed */
	link_rate_sent(&r, 4000, 8000, 8000, (uint64_t[LANES]){0, 0, 0, 3});
	link_rate_forget(&r);
	link_rate_acked(&r, 4100, (uint64_t[LANES]){0, 0, 0, 3}, none);
	assert_int_equal(r.samples, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_connection),
		cmocka_unit_test(test_slow_link),
		cmocka_unit_test(test_fast_link),
		cmocka_unit_test(test_short_queue_does_not_shrink),
		cmocka_unit_test(test_acks_together),
		cmocka_unit_test(test_pipelined_and_rewound),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

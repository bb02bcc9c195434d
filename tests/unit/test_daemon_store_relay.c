/* Unit tests for the store's relay items: once an item is settled (every
 * next hop holds it) its rows go, but the link's stream positions do not
 * start over, also after the store is closed and opened again. */
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

static char dir[] = "/tmp/liaison-relay-test.XXXXXX";

static struct store *open_store(void)
{
	char err[256];
	struct store *s = store_open(dir, false, err, sizeof(err));
	assert_non_null(s);
	return s;
}

/* Keeps relay item i and queues it on the link to C at position seq. */
static void carry(struct store *s, int i, uint64_t seq)
{
	uint8_t id[16] = { 0 }, blob[24];
	id[0] = (uint8_t)i;
	memset(blob, i, sizeof(blob));
	struct relay_item it = { .origin = "A", .kind = RELAY_ENVELOPE, .received = 1000, .blob = blob,
				 .len = sizeof(blob) };
	memcpy(it.id, id, 16);
	int64_t rpos = 0;
	assert_int_equal(store_relay_put(s, &it, &rpos), 0);
	assert_true(rpos > 0);
	assert_int_equal(store_add_hop(s, -rpos, "C", 3, seq, "C"), 0);
}

/* C holds item i: its row is delivered and the item settled. */
static void held(struct store *s, int i)
{
	uint8_t id[16] = { 0 };
	id[0] = (uint8_t)i;
	assert_int_equal(store_set_recipient_state(s, id, "C", RCPT_DELIVERED, 2000, 0), 1); /* one row settled */
	assert_int_equal(store_relay_settle(s, id), 0);
}

static void settled_items_keep_the_link_position(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(dir));
	struct store *s = open_store();
	assert_int_equal(store_begin(s), 0);
	for (int i = 1; i <= 3; i++)
		carry(s, i, (uint64_t)i);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_relay_count(s), 3);
	assert_int_equal(store_max_stream_seq(s, "C", 3), 3);

	/* 2 and 3 held first: 1 still waits, the mark is 3 all the same */
	assert_int_equal(store_begin(s), 0);
	held(s, 3);
	held(s, 2);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_relay_count(s), 1);
	assert_int_equal(store_max_stream_seq(s, "C", 3), 3);
	assert_int_equal(store_first_pending(s, "C", 3), 1);

	assert_int_equal(store_begin(s), 0);
	held(s, 1);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_relay_count(s), 0);
	assert_int_equal(store_first_pending(s, "C", 3), 0);
	store_close(&s);
	assert_null(s);

	/* opened again with nothing left: numbering goes on after 3 */
	s = open_store();
	assert_int_equal(store_max_stream_seq(s, "C", 3), 3);
	assert_int_equal(store_max_stream_seq(s, "C", 0), 0); /* other lanes untouched */
	assert_int_equal(store_max_stream_seq(s, "B", 3), 0); /* and other links */
	assert_int_equal(store_begin(s), 0);
	carry(s, 4, store_max_stream_seq(s, "C", 3) + 1);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_max_stream_seq(s, "C", 3), 4);
	store_close(&s);

	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(settled_items_keep_the_link_position),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

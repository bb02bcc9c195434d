/* The size contract's arithmetic and the send-time refusal: what a peer's
 * stated envelope limit allows, and the words a client gets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../../daemon/peer_limits.h"

static void test_format(void **state)
{
	char b[32];
	(void)state;
	limits_format(10000000, b, sizeof(b));
	assert_string_equal(b, "9.5 MiB");
	limits_format(1024 * 1024, b, sizeof(b));
	assert_string_equal(b, "1.0 MiB");
	limits_format(16 * 1024 * 1024, b, sizeof(b));
	assert_string_equal(b, "16.0 MiB");
	limits_format(2048, b, sizeof(b));
	assert_string_equal(b, "2.0 KiB");
	limits_format(512, b, sizeof(b));
	assert_string_equal(b, "512 bytes");
}

static void test_arithmetic(void **state)
{
	(void)state;
	for (uint64_t m = 1; m <= 64u << 20; m *= 7)
		assert_int_equal(limits_message_for(limits_envelope_for(m)), m);
	assert_int_equal(limits_message_for(100), 0); /* a nonsense statement allows nothing */
	uint64_t env = limits_envelope_for(1 << 20);
	/* a frame takes a full batch and one more envelope, with room to spare */
	assert_true(limits_frame_for(env) >= BATCH_MAX_BYTES + env + 4096);
	assert_true(env + FRAME_SLACK <= limits_frame_for(env));
}

static void test_check_send(void **state)
{
	struct config conf = {.max_message = 16 << 20};
	struct node n = {.conf = &conf};
	struct link bravo = {.name = "BRAVO", .max_envelope = limits_envelope_for(1 << 20)};
	struct link charlie = {.name = "CHARLIE", .max_envelope = limits_envelope_for(4 << 20)};
	struct link *only_b[] = {&bravo}, *only_c[] = {&charlie}, *both[] = {&charlie, &bravo};
	char why[256] = "";
	(void)state;

	assert_true(limits_check_send(&n, only_b, 1, 1 << 20, why, sizeof(why)));
	assert_false(limits_check_send(&n, only_b, 1, 10000000, why, sizeof(why)));
	assert_string_equal(why, "message of 9.5 MiB exceeds BRAVO's limit of 1.0 MiB (this node's limit is 16.0 MiB)");
	assert_true(limits_check_send(&n, only_c, 1, 3000000, why, sizeof(why)));
	/* one recipient that cannot take it refuses the whole send */
	assert_false(limits_check_send(&n, both, 2, 3000000, why, sizeof(why)));
	assert_string_equal(why, "message of 2.9 MiB exceeds BRAVO's limit of 1.0 MiB (this node's limit is 16.0 MiB): "
				 "nothing was sent to anyone");
	assert_true(limits_check_send(&n, both, 2, (1 << 20) + 0, why, sizeof(why)));
	assert_false(limits_check_send(&n, both, 2, (1 << 20) + 1, why, sizeof(why)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_arithmetic),
		cmocka_unit_test(test_check_send),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for the wiping allocator: blocks keep malloc's alignment and
 * their size, and protobuf-c unpacks and frees through it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdalign.h>
#include <string.h>
#include <sodium.h>

#include "zalloc.h"
#include "liaison.pb-c.h"

static void test_blocks(void **state)
{
	(void)state;
	for (size_t size = 0; size < 5000; size += 97) {
		uint8_t *p = zalloc(size);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % alignof(max_align_t), 0);
		assert_int_equal(zalloc_size(p), size);
		memset(p, 0xa5, size);
		zfree(p);
	}
	assert_null(zalloc(SIZE_MAX - 4));
	zfree(NULL);
	zfree_len(NULL, 10);
	uint8_t *q = malloc(64);
	assert_non_null(q);
	zfree_len(q, 64);
}

static void test_protobuf_round_trip(void **state)
{
	(void)state;
	Liaison__Payload p = LIAISON__PAYLOAD__INIT;
	Liaison__StatusUpdate st = LIAISON__STATUS_UPDATE__INIT;
	char body[3000];
	memset(body, 'x', sizeof body - 1);
	body[sizeof body - 1] = '\0';
	st.title = "plaintext title";
	st.body = body;
	p.body_case = LIAISON__PAYLOAD__BODY_STATUS;
	p.status = &st;
	size_t len = liaison__payload__get_packed_size(&p);
	uint8_t *buf = zalloc(len);
	assert_non_null(buf);
	liaison__payload__pack(&p, buf);
	Liaison__Payload *u = liaison__payload__unpack(&zalloc_protobuf, len, buf);
	zfree(buf);
	assert_non_null(u);
	assert_int_equal(u->body_case, LIAISON__PAYLOAD__BODY_STATUS);
	assert_string_equal(u->status->title, "plaintext title");
	assert_string_equal(u->status->body, body);
	liaison__payload__free_unpacked(u, &zalloc_protobuf);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocks),
		cmocka_unit_test(test_protobuf_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

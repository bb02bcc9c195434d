/* Unit tests for times: spans, ISO 8601 instants and their formatting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "timefmt.h"

/* 2026-11-27T19:55:00Z */
#define T0 INT64_C(1795809300000)

static void test_spans(void **state)
{
	(void)state;
	int64_t ms = -1;
	assert_true(time_parse_span("500ms", &ms));
	assert_int_equal(ms, 500);
	assert_true(time_parse_span("90s", &ms));
	assert_int_equal(ms, 90000);
	assert_true(time_parse_span("30m", &ms));
	assert_int_equal(ms, 1800000);
	assert_true(time_parse_span("2h", &ms));
	assert_int_equal(ms, 7200000);
	assert_true(time_parse_span("7d", &ms));
	assert_int_equal(ms, INT64_C(604800000));
	assert_true(time_parse_span("1w", &ms));
	assert_int_equal(ms, INT64_C(604800000));
}

static void test_bad_spans(void **state)
{
	(void)state;
	int64_t ms = 42;
	const char *bad[] = {"", "s", "10", "-5m", "+5m", "0s", "5x", "5 m", " 5m", "5m ",
			     "5mm", "1.5h", "5M", "99999999999999999999s", "9223372036854775807w",
			     "9223372036854775807s", NULL};
	for (int i = 0; bad[i]; i++) {
		assert_false(time_parse_span(bad[i], &ms));
		assert_int_equal(ms, 42);
	}
	assert_false(time_parse_span(NULL, &ms));
	assert_true(time_parse_span("9223372036854775807ms", &ms));
	assert_int_equal(ms, INT64_MAX);
}

static void test_iso(void **state)
{
	(void)state;
	int64_t ms = 0;
	assert_true(time_parse_instant("2026-11-27T19:55:00Z", 0, &ms));
	assert_int_equal(ms, T0);
	assert_true(time_parse_instant("2026-11-27T21:55:00+02:00", 0, &ms));
	assert_int_equal(ms, T0);
	assert_true(time_parse_instant("2026-11-27T14:25:00-0530", 0, &ms));
	assert_int_equal(ms, T0);
	assert_true(time_parse_instant("2026-11-27T19:55:00.250Z", 0, &ms));
	assert_int_equal(ms, T0 + 250);
	assert_true(time_parse_instant("2026-11-27T19:55:00.5Z", 0, &ms));
	assert_int_equal(ms, T0 + 500);
	assert_true(time_parse_instant("2026-11-27T19:55:00.123456789Z", 0, &ms));
	assert_int_equal(ms, T0 + 123);
	assert_true(time_parse_instant("2026-11-27T19:55Z", 0, &ms));
	assert_int_equal(ms, T0);
	assert_true(time_parse_instant("2026-11-27", 0, &ms));
	assert_int_equal(ms, T0 - (19 * 3600 + 55 * 60) * INT64_C(1000));
	assert_true(time_parse_instant("1970-01-01T00:00:00Z", 0, &ms));
	assert_int_equal(ms, 0);
	assert_true(time_parse_instant("2024-02-29", 0, &ms));
	assert_true(time_parse_deadline("2026-11-27T19:55:00Z", 5, &ms));
	assert_int_equal(ms, T0);
}

static void test_bad_iso(void **state)
{
	(void)state;
	int64_t ms = 7;
	const char *bad[] = {"2026-11-27T19:55:00", "2026-11-27T19:55:00Zjunk", "2026-13-01",
			     "2026-00-10", "2026-02-29", "2026-04-31", "2026-11-27T24:00:00Z",
			     "2026-11-27T19:60:00Z", "2026-11-27T19:55:61Z", "2026-11-27T19:55:00+2:00",
			     "2026-11-27T19:55:00+24:00", "2026-11-27T19:55:00.Z", "26-11-27",
			     "2026/11/27", "2026-11-27 ", "yesterday", "2026-11-27T", "", NULL};
	for (int i = 0; bad[i]; i++) {
		assert_false(time_parse_instant(bad[i], T0, &ms));
		assert_int_equal(ms, 7);
	}
}

static void test_relative(void **state)
{
	(void)state;
	int64_t ms = 0;
	assert_true(time_parse_instant("2h", T0, &ms));
	assert_int_equal(ms, T0 - 7200000);
	assert_true(time_parse_deadline("2h", T0, &ms));
	assert_int_equal(ms, T0 + 7200000);
	assert_false(time_parse_deadline("9223372036854775807ms", T0, &ms));
	assert_false(time_parse_instant("9223372036854775807ms", -T0, &ms));
	assert_false(time_parse_deadline("soon", T0, &ms));
}

static void test_format(void **state)
{
	(void)state;
	char buf[TIME_ISO_LEN];
	time_format_iso(T0, buf);
	assert_string_equal(buf, "2026-11-27T19:55:00Z");
	time_format_iso(T0 + 123, buf);
	assert_string_equal(buf, "2026-11-27T19:55:00.123Z");
	time_format_iso(0, buf);
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	time_format_iso(-1, buf);
	assert_string_equal(buf, "1969-12-31T23:59:59.999Z");
	/* round trip */
	int64_t ms = 0;
	time_format_iso(T0 + 7, buf);
	assert_true(time_parse_instant(buf, 0, &ms));
	assert_int_equal(ms, T0 + 7);
}

static void test_clocks(void **state)
{
	(void)state;
	int64_t now = time_now_ms();
	assert_true(now > T0 - INT64_C(5) * 365 * 86400000); /* after 2021 */
	int64_t a = time_mono_ms(), b = time_mono_ms();
	assert_true(b >= a);
}

static void test_format_span(void **state)
{
	(void)state;
	static const struct { int64_t ms; const char *text; } cases[] = {
		{ -5000, "0s" }, { 0, "0s" }, { 12999, "12s" }, { 252000, "4m12s" },
		{ 3600000, "1h00m" }, { 11100000, "3h05m" }, { 187200000, "2d04h" },
	};
	char buf[32];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		time_format_span(cases[i].ms, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].text);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spans),    cmocka_unit_test(test_bad_spans),
		cmocka_unit_test(test_iso),      cmocka_unit_test(test_bad_iso),
		cmocka_unit_test(test_relative), cmocka_unit_test(test_format),
		cmocka_unit_test(test_clocks),   cmocka_unit_test(test_format_span),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

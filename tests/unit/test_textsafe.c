/* Unit tests for textsafe: every single byte, UTF-8 edge cases, the
 * multi-line flag, cutting, repair, and JSON that stays the same value. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "labels.h"
#include "textsafe.h"

static char *esc(const char *s, size_t len, unsigned flags)
{
	static char buf[512];
	size_t need = textsafe_escape(buf, sizeof buf, s, len, flags);
	assert_true(need < sizeof buf);
	assert_int_equal(strlen(buf), need);
	return buf;
}

/* No byte below 0x20 (but \n and \t when allowed), no DEL, no byte >= 0x80
 * that is not part of valid UTF-8 survives. */
static void assert_safe(const char *out, unsigned flags)
{
	for (const unsigned char *p = (const unsigned char *)out; *p; p++) {
		if ((flags & TEXTSAFE_MULTILINE) && (*p == '\n' || *p == '\t'))
			continue;
		assert_true(*p >= 0x20 && *p != 0x7f);
	}
}

static void test_every_byte(void **state)
{
	(void)state;
	for (int b = 0; b < 256; b++) {
		char in[1] = { (char)b }, want[8];
		for (unsigned flags = 0; flags <= TEXTSAFE_MULTILINE; flags++) {
			const char *out = esc(in, 1, flags);
			assert_safe(out, flags);
			bool kept = (b >= 0x20 && b < 0x7f) || ((flags & TEXTSAFE_MULTILINE) && (b == '\n' || b == '\t'));
			if (kept) {
				assert_int_equal(strlen(out), 1);
				assert_int_equal((unsigned char)out[0], b);
			} else {
				/* controls, DEL and a lone byte >= 0x80 (never valid UTF-8 alone) */
				snprintf(want, sizeof want, "\\x%02x", b);
				assert_string_equal(out, want);
			}
			assert_int_equal(textsafe_is_clean(in, 1, flags), kept);
		}
	}
	/* NUL inside the given length is escaped, not an end */
	assert_string_equal(esc("a\0b", 3, 0), "a\\x00b");
}

static void test_sequences(void **state)
{
	(void)state;
	assert_string_equal(esc("\x1b[2J", 4, 0), "\\x1b[2J");
	assert_string_equal(esc("\x1b]0;owned\a", 10, 0), "\\x1b]0;owned\\x07");
	assert_string_equal(esc("a\nb\tc\rd", 7, 0), "a\\x0ab\\x09c\\x0dd");
	assert_string_equal(esc("a\nb\tc\rd", 7, TEXTSAFE_MULTILINE), "a\nb\tc\\x0dd");
	/* valid UTF-8 passes: 2, 3 and 4 bytes, the largest code point */
	assert_string_equal(esc("caf\xc3\xa9", 5, 0), "caf\xc3\xa9");
	assert_string_equal(esc("\xe6\x97\xa5\xe6\x9c\xac", 6, 0), "\xe6\x97\xa5\xe6\x9c\xac");
	assert_string_equal(esc("\xf0\x9f\x9a\x92", 4, 0), "\xf0\x9f\x9a\x92");
	assert_string_equal(esc("\xf4\x8f\xbf\xbf", 4, 0), "\xf4\x8f\xbf\xbf");
	assert_string_equal(esc("\xc2\xa0", 2, 0), "\xc2\xa0"); /* U+00A0 is past C1 */
	/* C1 controls as UTF-8, line and paragraph separators, bidi controls */
	assert_string_equal(esc("\xc2\x80", 2, 0), "\\u0080");
	assert_string_equal(esc("\xc2\x9b" "2J", 4, 0), "\\u009b2J");
	assert_string_equal(esc("\xc2\x9f", 2, TEXTSAFE_MULTILINE), "\\u009f");
	assert_string_equal(esc("\xe2\x80\xa8\xe2\x80\xa9", 6, TEXTSAFE_MULTILINE), "\\u2028\\u2029");
	assert_string_equal(esc("\xe2\x80\xae" "abc", 6, 0), "\\u202eabc");
	assert_string_equal(esc("\xe2\x81\xa6", 3, 0), "\\u2066");
	assert_string_equal(esc("\xe2\x80\x8f", 3, 0), "\xe2\x80\x8f"); /* RLM stays */
	/* invalid: overlong, surrogate, beyond U+10FFFF, stray continuation, cut short */
	assert_string_equal(esc("\xc0\x80", 2, 0), "\\xc0\\x80");
	assert_string_equal(esc("\xc1\xbf", 2, 0), "\\xc1\\xbf");
	assert_string_equal(esc("\xe0\x80\x80", 3, 0), "\\xe0\\x80\\x80");
	assert_string_equal(esc("\xf0\x80\x80\x80", 4, 0), "\\xf0\\x80\\x80\\x80");
	assert_string_equal(esc("\xed\xa0\x80", 3, 0), "\\xed\\xa0\\x80");
	assert_string_equal(esc("\xf4\x90\x80\x80", 4, 0), "\\xf4\\x90\\x80\\x80");
	assert_string_equal(esc("\xf5\x80\x80\x80", 4, 0), "\\xf5\\x80\\x80\\x80");
	assert_string_equal(esc("\x80" "a", 2, 0), "\\x80a");
	assert_string_equal(esc("\xe6\x97", 2, 0), "\\xe6\\x97");
	assert_string_equal(esc("\xe6\x97" "a", 3, 0), "\\xe6\\x97a");
	assert_string_equal(esc("\xf0\x9f\x9a", 3, 0), "\\xf0\\x9f\\x9a");
	/* an invalid byte does not swallow the valid character after it */
	assert_string_equal(esc("\xff\xc3\xa9", 3, 0), "\\xff\xc3\xa9");
	assert_false(textsafe_is_clean("\xc2\x9b", 2, TEXTSAFE_MULTILINE));
	assert_true(textsafe_is_clean("plain text\n", 11, TEXTSAFE_MULTILINE));
	assert_false(textsafe_is_clean("plain text\n", 11, 0));
}

static void test_cut(void **state)
{
	(void)state;
	char buf[8];
	/* "ab\x1b" needs 6; in 5 bytes the escape does not fit and is left out whole */
	assert_int_equal(textsafe_escape(buf, 5, "ab\x1b", 3, 0), 6);
	assert_string_equal(buf, "ab");
	assert_int_equal(textsafe_escape(buf, 7, "ab\x1b", 3, 0), 6);
	assert_string_equal(buf, "ab\\x1b");
	/* a multi-byte character is never split */
	assert_int_equal(textsafe_escape(buf, 4, "a\xe6\x97\xa5", 4, 0), 4);
	assert_string_equal(buf, "a");
	/* nothing after a cut, even what would fit */
	assert_int_equal(textsafe_escape(buf, 4, "ab\x1b" "c", 4, 0), 7);
	assert_string_equal(buf, "ab");
	assert_int_equal(textsafe_escape(NULL, 0, "\x1b", 1, 0), 4);
	char *d = textsafe_dup("x\x1b[31my", 0);
	assert_non_null(d);
	assert_string_equal(d, "x\\x1b[31my");
	free(d);
	d = textsafe_dup(NULL, 0);
	assert_string_equal(d, "");
	free(d);
}

static void test_repair(void **state)
{
	(void)state;
	char *r = textsafe_utf8_repair("a\xff" "b\xc3\xa9\xe6\x97", 7);
	assert_string_equal(r, "a\xef\xbf\xbd" "b\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd");
	free(r);
	r = textsafe_utf8_repair("\x1b[2J", 4); /* controls are valid UTF-8: left for the JSON encoder */
	assert_string_equal(r, "\x1b[2J");
	free(r);
}

/* Every string textsafe_json rewrites still parses to the same value, and
 * the text holds no raw control or C1 character. */
static void test_json(void **state)
{
	(void)state;
	const char *samples[] = {
		"\x1b[2J\x1b]0;owned\a", "del\x7f", "c1 \xc2\x9b" "31m", "sep\xe2\x80\xa8para\xe2\x80\xa9",
		"bidi \xe2\x80\xae" "gnp.exe", "caf\xc3\xa9 \xf0\x9f\x9a\x92", "tab\tnl\n",
	};
	for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
		json_t *o = json_pack("{s:s}", "title", samples[i]);
		assert_non_null(o);
		char *dumped = json_dumps(o, JSON_COMPACT);
		char *safe = textsafe_json(dumped);
		assert_non_null(safe);
		for (const unsigned char *p = (const unsigned char *)safe; *p; p++) {
			assert_true(*p >= 0x20 && *p != 0x7f);
			if (p[0] == 0xc2)
				assert_true(p[1] >= 0xa0);
			if (p[0] == 0xe2 && p[1] == 0x80)
				assert_true(p[2] < 0xa8 || p[2] > 0xae);
		}
		json_error_t err;
		json_t *back = json_loads(safe, 0, &err);
		assert_non_null(back);
		assert_string_equal(json_string_value(json_object_get(back, "title")), samples[i]);
		json_decref(back);
		json_decref(o);
		free(dumped);
		free(safe);
	}
	/* invalid UTF-8 never passes through raw */
	char *s = textsafe_json("\"a\xff\"");
	assert_string_equal(s, "\"a\xef\xbf\xbd\"");
	free(s);
}

static void test_topics(void **state)
{
	(void)state;
	size_t at = 99;
	assert_true(label_topic_valid("", NULL));
	assert_true(label_topic_valid("region.north/sector-7:a_b", NULL));
	assert_false(label_topic_valid("a b", &at));
	assert_int_equal(at, 1);
	assert_false(label_topic_valid("ok\x1b[2J", &at));
	assert_int_equal(at, 2);
	assert_false(label_topic_valid("caf\xc3\xa9", &at));
	assert_int_equal(at, 3);
	assert_false(label_topic_valid("a*", &at));
	char longest[LABEL_TOPIC_MAX + 2];
	memset(longest, 'a', sizeof longest);
	longest[LABEL_TOPIC_MAX] = '\0';
	assert_true(label_topic_valid(longest, NULL));
	longest[LABEL_TOPIC_MAX] = 'a';
	longest[LABEL_TOPIC_MAX + 1] = '\0';
	assert_false(label_topic_valid(longest, &at));
	assert_int_equal(at, LABEL_TOPIC_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_byte), cmocka_unit_test(test_sequences), cmocka_unit_test(test_cut),
		cmocka_unit_test(test_repair),     cmocka_unit_test(test_json),      cmocka_unit_test(test_topics),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for label names: types, precedences, classifications, TLP. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "labels.h"

static void test_types(void **state)
{
	(void)state;
	Liaison__MessageType t = LIAISON__MESSAGE_TYPE__TYPE_UNSET;
	const char *names[] = {"sitrep", "status", "warning", "intel", "receipt"};
	for (int i = 0; i < 5; i++) {
		assert_true(label_type_parse(names[i], &t));
		assert_int_equal(t, i + 1);
		assert_string_equal(label_type_name(t), names[i]);
	}
	assert_true(label_type_parse("SitRep", &t));
	assert_int_equal(t, LIAISON__MESSAGE_TYPE__SITREP);
	t = LIAISON__MESSAGE_TYPE__INTEL;
	assert_false(label_type_parse("sitreps", &t));
	assert_false(label_type_parse("", &t));
	assert_false(label_type_parse(NULL, &t));
	assert_int_equal(t, LIAISON__MESSAGE_TYPE__INTEL); /* unchanged on failure */
	assert_string_equal(label_type_name(LIAISON__MESSAGE_TYPE__TYPE_UNSET), "");
	assert_string_equal(label_type_name((Liaison__MessageType)99), "");
}

static void test_precedence(void **state)
{
	(void)state;
	Liaison__Precedence p = LIAISON__PRECEDENCE__PRECEDENCE_UNSET;
	assert_true(label_precedence_parse("flash", &p));
	assert_int_equal(p, LIAISON__PRECEDENCE__FLASH);
	assert_string_equal(label_precedence_name(p), "FLASH");
	assert_true(label_precedence_parse("Immediate", &p));
	assert_string_equal(label_precedence_name(p), "IMMEDIATE");
	assert_true(label_precedence_parse("PRIORITY", &p));
	assert_int_equal(p, LIAISON__PRECEDENCE__PRIORITY);
	assert_true(label_precedence_parse("routine", &p));
	assert_string_equal(label_precedence_name(p), "ROUTINE");
	assert_false(label_precedence_parse("urgent", &p));
	assert_false(label_precedence_parse("flash ", &p));
	assert_int_equal(p, LIAISON__PRECEDENCE__ROUTINE);
	assert_string_equal(label_precedence_name(LIAISON__PRECEDENCE__PRECEDENCE_UNSET), "");
	assert_int_equal(label_default_precedence(LIAISON__MESSAGE_TYPE__WARNING),
			 LIAISON__PRECEDENCE__FLASH);
	assert_int_equal(label_default_precedence(LIAISON__MESSAGE_TYPE__SITREP),
			 LIAISON__PRECEDENCE__ROUTINE);
	assert_int_equal(label_default_precedence(LIAISON__MESSAGE_TYPE__INTEL),
			 LIAISON__PRECEDENCE__ROUTINE);
}

static void test_classification(void **state)
{
	(void)state;
	Liaison__Classification c = LIAISON__CLASSIFICATION__CLASSIFICATION_UNSET;
	const char *names[] = {"UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL", "SECRET", "TOP_SECRET"};
	for (int i = 0; i < 5; i++) {
		assert_true(label_classification_parse(names[i], &c));
		assert_int_equal(c, i + 1);
		assert_string_equal(label_classification_name(c), names[i]);
	}
	assert_true(label_classification_parse("restricted", &c));
	assert_int_equal(c, LIAISON__CLASSIFICATION__RESTRICTED);
	assert_true(label_classification_parse("top secret", &c));
	assert_int_equal(c, LIAISON__CLASSIFICATION__TOP_SECRET);
	c = LIAISON__CLASSIFICATION__SECRET;
	assert_true(label_classification_parse("Top-Secret", &c));
	assert_int_equal(c, LIAISON__CLASSIFICATION__TOP_SECRET);
	assert_false(label_classification_parse("COSMIC", &c));
	assert_false(label_classification_parse("TOPSECRET", &c));
	assert_int_equal(c, LIAISON__CLASSIFICATION__TOP_SECRET);
	assert_string_equal(
		label_classification_name(LIAISON__CLASSIFICATION__CLASSIFICATION_UNSET),
		"UNCLASSIFIED");
	/* levels order as the enum values do */
	assert_true(LIAISON__CLASSIFICATION__RESTRICTED < LIAISON__CLASSIFICATION__SECRET);
}

static void test_tlp(void **state)
{
	(void)state;
	Liaison__Tlp t = LIAISON__TLP__TLP_UNSET;
	const char *names[] = {"CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"};
	for (int i = 0; i < 5; i++) {
		assert_true(label_tlp_parse(names[i], &t));
		assert_int_equal(t, i + 1);
		assert_string_equal(label_tlp_name(t), names[i]);
	}
	assert_true(label_tlp_parse("tlp:amber+strict", &t));
	assert_int_equal(t, LIAISON__TLP__TLP_AMBER_STRICT);
	assert_true(label_tlp_parse("TLP:GREEN", &t));
	assert_int_equal(t, LIAISON__TLP__TLP_GREEN);
	assert_false(label_tlp_parse("WHITE", &t));
	assert_false(label_tlp_parse("TLP:", &t));
	assert_false(label_tlp_parse("TLP:TLP:RED", &t));
	assert_false(label_tlp_parse("AMBER STRICT", &t));
	assert_int_equal(t, LIAISON__TLP__TLP_GREEN);
	assert_string_equal(label_tlp_name(LIAISON__TLP__TLP_UNSET), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_classification),
		cmocka_unit_test(test_tlp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

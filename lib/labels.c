/* Names of message types, precedences, classifications and TLP markings. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <stddef.h>

#include "labels.h"
#include "textsafe.h"

struct label_name {
	const char *name;
	int value;
};

static const struct label_name types[] = {
	{"sitrep", LIAISON__MESSAGE_TYPE__SITREP},   {"status", LIAISON__MESSAGE_TYPE__STATUS},
	{"warning", LIAISON__MESSAGE_TYPE__WARNING}, {"intel", LIAISON__MESSAGE_TYPE__INTEL},
	{"receipt", LIAISON__MESSAGE_TYPE__RECEIPT}, {NULL, 0},
};

static const struct label_name precedences[] = {
	{"FLASH", LIAISON__PRECEDENCE__FLASH},       {"IMMEDIATE", LIAISON__PRECEDENCE__IMMEDIATE},
	{"PRIORITY", LIAISON__PRECEDENCE__PRIORITY}, {"ROUTINE", LIAISON__PRECEDENCE__ROUTINE},
	{NULL, 0},
};

/* The first name of each value is the one printed; later ones only parse. */
static const struct label_name classifications[] = {
	{"UNCLASSIFIED", LIAISON__CLASSIFICATION__UNCLASSIFIED},
	{"RESTRICTED", LIAISON__CLASSIFICATION__RESTRICTED},
	{"CONFIDENTIAL", LIAISON__CLASSIFICATION__CONFIDENTIAL},
	{"SECRET", LIAISON__CLASSIFICATION__SECRET},
	{"TOP_SECRET", LIAISON__CLASSIFICATION__TOP_SECRET},
	{"TOP SECRET", LIAISON__CLASSIFICATION__TOP_SECRET},
	{"TOP-SECRET", LIAISON__CLASSIFICATION__TOP_SECRET},
	{NULL, 0},
};

/* TLP 2.0 only: the retired WHITE is not accepted. */
static const struct label_name tlps[] = {
	{"CLEAR", LIAISON__TLP__TLP_CLEAR}, {"GREEN", LIAISON__TLP__TLP_GREEN},
	{"AMBER", LIAISON__TLP__TLP_AMBER}, {"AMBER+STRICT", LIAISON__TLP__TLP_AMBER_STRICT},
	{"RED", LIAISON__TLP__TLP_RED},     {NULL, 0},
};

static bool lookup(const struct label_name *table, const char *s, int *out)
{
	if (!s)
		return false;
	for (; table->name; table++) {
		if (strcasecmp(table->name, s) == 0) {
			*out = table->value;
			return true;
		}
	}
	return false;
}

static const char *name_of(const struct label_name *table, int value)
{
	for (; table->name; table++)
		if (table->value == value)
			return table->name;
	return "";
}

/* Each parser leaves *out unchanged on failure. */
bool label_type_parse(const char *s, Liaison__MessageType *out)
{
	int v;
	if (!lookup(types, s, &v))
		return false;
	*out = (Liaison__MessageType)v;
	return true;
}

const char *label_type_name(Liaison__MessageType t)
{
	return name_of(types, (int)t);
}

bool label_precedence_parse(const char *s, Liaison__Precedence *out)
{
	int v;
	if (!lookup(precedences, s, &v))
		return false;
	*out = (Liaison__Precedence)v;
	return true;
}

const char *label_precedence_name(Liaison__Precedence p)
{
	return name_of(precedences, (int)p);
}

Liaison__Precedence label_default_precedence(Liaison__MessageType t)
{
	return t == LIAISON__MESSAGE_TYPE__WARNING ? LIAISON__PRECEDENCE__FLASH
						   : LIAISON__PRECEDENCE__ROUTINE;
}

bool label_classification_parse(const char *s, Liaison__Classification *out)
{
	int v;
	if (!lookup(classifications, s, &v))
		return false;
	*out = (Liaison__Classification)v;
	return true;
}

/* An unset classification is treated, and printed, as UNCLASSIFIED. */
const char *label_classification_name(Liaison__Classification c)
{
	if (c == LIAISON__CLASSIFICATION__CLASSIFICATION_UNSET)
		return "UNCLASSIFIED";
	return name_of(classifications, (int)c);
}

bool label_tlp_parse(const char *s, Liaison__Tlp *out)
{
	int v;
	if (s && strncasecmp(s, "TLP:", 4) == 0)
		s += 4;
	if (!lookup(tlps, s, &v))
		return false;
	*out = (Liaison__Tlp)v;
	return true;
}

const char *label_tlp_name(Liaison__Tlp t)
{
	return name_of(tlps, (int)t);
}

bool label_topic_valid(const char *t, size_t *bad_at)
{
	size_t i = 0;
	for (; t[i]; i++) {
		char c = t[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
			  c == '_' || c == '-' || c == '/' || c == ':';
		if (!ok || i >= LABEL_TOPIC_MAX) {
			if (bad_at)
				*bad_at = i;
			return false;
		}
	}
	return true;
}

void label_topic_explain(const char *t, size_t bad_at, char *out, size_t len)
{
	size_t tlen = strlen(t);
	if (bad_at >= LABEL_TOPIC_MAX || bad_at >= tlen) {
		snprintf(out, len, "topic is longer than %d bytes", LABEL_TOPIC_MAX);
		return;
	}
	/* the whole character (a multi-byte one too), shown escaped */
	size_t n = 1;
	while (n < 4 && bad_at + n < tlen && ((unsigned char)t[bad_at + n] & 0xc0) == 0x80)
		n++;
	char shown[24];
	textsafe_escape(shown, sizeof shown, t + bad_at, n, 0);
	snprintf(out, len, "topic has '%s' at offset %zu: only %s are allowed", shown, bad_at, LABEL_TOPIC_ALPHABET);
}

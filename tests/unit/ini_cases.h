/* Broken configuration lines that liaisond and liaison must refuse with the
 * same "FILE:LINE: message": test_daemon_config.c and test_client_args.c
 * both run every case, each after its own one-line section header
 * ("[node]" or "[client]"), and compare what follows FILE exactly. */
#ifndef LIAISON_TEST_INI_CASES_H
#define LIAISON_TEST_INI_CASES_H

#include <stddef.h>

struct ini_case {
	const char *text; /* the lines after the header */
	size_t len;       /* bytes of text (it may hold a NUL) */
	const char *want; /* ":LINE: message" */
};

#define INI_CASE(t, w) {t, sizeof(t) - 1, w}
#define INI_LONG_VALUE                                                                             \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static const struct ini_case ini_cases[] = {
	INI_CASE("key = a.key\nkey = b.key\n", ":3: duplicate key 'key' (first at line 2)"),
	INI_CASE("key = a.key ; the first\n\n  key = b.key # again\n", ":4: duplicate key 'key' (first at line 2)"),
	INI_CASE("key =\n", ":2: key 'key' has no value"),
	INI_CASE("key = ; only a comment\n", ":2: key 'key' has no value"),
	INI_CASE("this is not ini\n", ":2: expected '[section]' or 'key = value'"),
	INI_CASE("= value\n", ":2: expected '[section]' or 'key = value'"),
	INI_CASE("key: a.key\n", ":2: expected '[section]' or 'key = value'"),
	INI_CASE("\n[client\n", ":3: section header lacks its closing ']'"),
	INI_CASE("[client] x\n", ":2: unexpected text after the section header"),
	INI_CASE("key = a\x01.key\n", ":2: line contains a control character (0x01)"),
	INI_CASE("; a comment\x1b[2J\n", ":2: line contains a control character (0x1b)"),
	INI_CASE("key = a\0.key\n", ":2: line contains a NUL byte"),
	INI_CASE("key = a\r.key\r\n", ":2: line contains a control character (0x0d)"),
	INI_CASE("key = " INI_LONG_VALUE "\n", ":2: line too long (at most 197 characters)"),
};

#endif

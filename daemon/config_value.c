/* Values in liaisond's configuration: roles, sizes, endpoints. */
#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include "config.h"
#include "config_value.h"

const char *role_name(enum role r)
{
	switch (r) {
	case ROLE_READER:
		return "reader";
	case ROLE_OFFICER:
		return "officer";
	case ROLE_ADMIN:
		return "admin";
	}
	return "unknown";
}

bool config_role_parse(const char *s, enum role *out)
{
	for (int r = ROLE_READER; r <= ROLE_ADMIN; r++) {
		if (strcmp(s, role_name((enum role)r)) == 0) {
			*out = (enum role)r;
			return true;
		}
	}
	return false;
}

/* Digits with an optional K, M or G (powers of 1024), optionally followed
 * by "B" or "iB". *out is unchanged on failure. */
bool config_parse_size(const char *s, size_t *out)
{
	if (!s || !isdigit((unsigned char)*s))
		return false;
	size_t n = 0;
	for (; isdigit((unsigned char)*s); s++) {
		size_t d = (size_t)(*s - '0');
		if (n > (SIZE_MAX - d) / 10)
			return false;
		n = n * 10 + d;
	}
	size_t mult = 1;
	switch (toupper((unsigned char)*s)) {
	case 'K':
		mult = (size_t)1 << 10;
		s++;
		break;
	case 'M':
		mult = (size_t)1 << 20;
		s++;
		break;
	case 'G':
		mult = (size_t)1 << 30;
		s++;
		break;
	}
	if (mult > 1 && (*s == 'i' || *s == 'I') && (s[1] == 'B' || s[1] == 'b'))
		s += 2;
	else if (mult > 1 && (*s == 'B' || *s == 'b'))
		s++;
	if (*s != '\0' || (n && n > SIZE_MAX / mult))
		return false;
	*out = n * mult;
	return true;
}

static bool host_valid(const char *h, size_t len)
{
	if (len == 0)
		return false;
	if (len == 1 && h[0] == '*')
		return true;
	if (h[0] == '[') {
		if (len < 3 || h[len - 1] != ']')
			return false;
		for (size_t i = 1; i < len - 1; i++)
			if (!isxdigit((unsigned char)h[i]) && h[i] != ':' && h[i] != '.')
				return false;
		return true;
	}
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)h[i]) && h[i] != '.' && h[i] != '-' && h[i] != '_')
			return false;
	return h[0] != '.' && h[0] != '-';
}

bool config_endpoint_valid(const char *e, bool ipc_ok)
{
	if (ipc_ok && strncmp(e, "ipc://", 6) == 0) {
		const char *path = e + 6;
		if (!*path)
			return false;
		for (; *path; path++)
			if (isspace((unsigned char)*path) || iscntrl((unsigned char)*path))
				return false;
		return true;
	}
	if (strncmp(e, "tcp://", 6) != 0)
		return false;
	const char *host = e + 6, *colon = strrchr(host, ':');
	if (!colon || !host_valid(host, (size_t)(colon - host)))
		return false;
	const char *port = colon + 1;
	if (!*port || strlen(port) > 5)
		return false;
	long v = 0;
	for (const char *q = port; *q; q++) {
		if (!isdigit((unsigned char)*q))
			return false;
		v = v * 10 + (*q - '0');
	}
	return v >= 1 && v <= 65535;
}

/* Message ids as hex. */
#include <string.h>
#include <sodium.h>
#include "hexid.h"

void hexid_format(const uint8_t id[16], char out[HEXID_LEN])
{
	sodium_bin2hex(out, HEXID_LEN, id, 16);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool hexid_parse(const char *s, uint8_t out[16], size_t *ndigits)
{
	size_t n = strlen(s);
	if (n == 0 || n > 32)
		return false;
	memset(out, 0, 16);
	for (size_t i = 0; i < n; i++) {
		int v = hexval(s[i]);
		if (v < 0)
			return false;
		out[i / 2] |= (uint8_t)(i % 2 ? v : v << 4);
	}
	*ndigits = n;
	return true;
}

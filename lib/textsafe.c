/* Escaping text for terminals and logs (textsafe.h): a strict UTF-8 decoder
 * and one rule for which characters show as escapes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "textsafe.h"

/* Length (1-4) of the valid UTF-8 sequence at s, with its code point in
 * *cp; 0 when s[0] starts no valid sequence (stray continuation byte,
 * overlong form, surrogate, beyond U+10FFFF, or cut short). */
static size_t utf8_next(const unsigned char *s, size_t len, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, v = c & 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, v = c & 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, v = c & 0x07, min = 0x10000;
	else
		return 0;
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

/* Code points above ASCII that show as \uXXXX. */
static bool cp_escaped(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

static bool byte_escaped(unsigned char c, unsigned flags)
{
	if ((flags & TEXTSAFE_MULTILINE) && (c == '\n' || c == '\t'))
		return false;
	return c < 0x20 || c == 0x7f;
}

/* The next unit of s: either n raw bytes to copy, or an escape in esc.
 * Returns the number of input bytes it covers. */
static size_t next_unit(const unsigned char *s, size_t len, unsigned flags, char esc[8], size_t *esc_len)
{
	uint32_t cp;
	size_t n = utf8_next(s, len, &cp);
	*esc_len = 0;
	if (n == 0) {
		*esc_len = (size_t)snprintf(esc, 8, "\\x%02x", s[0]);
		return 1;
	}
	if (n == 1 && byte_escaped(s[0], flags))
		*esc_len = (size_t)snprintf(esc, 8, "\\x%02x", s[0]);
	else if (n > 1 && cp_escaped(cp))
		*esc_len = (size_t)snprintf(esc, 8, "\\u%04x", (unsigned)cp);
	return n;
}

size_t textsafe_escape(char *out, size_t cap, const char *s, size_t len, unsigned flags)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t need = 0, used = 0;
	bool full = false;
	char esc[8];
	while (len) {
		size_t esc_len, n = next_unit(p, len, flags, esc, &esc_len);
		const char *src = esc_len ? esc : (const char *)p;
		size_t w = esc_len ? esc_len : n;
		if (!full && cap && used + w < cap) {
			memcpy(out + used, src, w);
			used += w;
		} else {
			full = true; /* cut between units, never inside one */
		}
		need += w;
		p += n;
		len -= n;
	}
	if (cap)
		out[used] = '\0';
	return need;
}

char *textsafe_dup(const char *s, unsigned flags)
{
	if (!s)
		s = "";
	size_t len = strlen(s), need = textsafe_escape(NULL, 0, s, len, flags);
	char *out = malloc(need + 1);
	if (out)
		textsafe_escape(out, need + 1, s, len, flags);
	return out;
}

bool textsafe_is_clean(const char *s, size_t len, unsigned flags)
{
	const unsigned char *p = (const unsigned char *)s;
	char esc[8];
	while (len) {
		size_t esc_len, n = next_unit(p, len, flags, esc, &esc_len);
		if (esc_len)
			return false;
		p += n;
		len -= n;
	}
	return true;
}

char *textsafe_utf8_repair(const char *s, size_t len)
{
	/* each bad byte grows to the 3 bytes of U+FFFD at most */
	char *out = malloc(len * 3 + 1), *o = out;
	const unsigned char *p = (const unsigned char *)s;
	if (!out)
		return NULL;
	while (len) {
		uint32_t cp;
		size_t n = utf8_next(p, len, &cp);
		if (n == 0) {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			n = 1;
		} else {
			memcpy(o, p, n);
			o += n;
		}
		p += n;
		len -= n;
	}
	*o = '\0';
	return out;
}

char *textsafe_json(const char *json)
{
	size_t len = strlen(json);
	/* a character of 1-3 bytes becomes a 6-byte escape at most */
	char *out = malloc(len * 6 + 1), *o = out;
	const unsigned char *p = (const unsigned char *)json;
	if (!out)
		return NULL;
	while (len) {
		uint32_t cp;
		size_t n = utf8_next(p, len, &cp);
		if (n == 0) { /* not jansson's output; never pass a raw invalid byte on */
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			n = 1;
		} else if (cp == 0x7f || cp_escaped(cp)) {
			/* outside strings jansson writes only ASCII structure, so any such
			 * character is inside a string, where \uXXXX means the same */
			o += sprintf(o, "\\u%04x", (unsigned)cp);
		} else {
			memcpy(o, p, n);
			o += n;
		}
		p += n;
		len -= n;
	}
	*o = '\0';
	return out;
}

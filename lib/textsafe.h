/* Text from elsewhere made safe to show: a partner's titles, bodies and
 * topics reach terminals and logs, and must not drive them (ESC and other
 * control sequences, C1 controls, bidirectional overrides, invalid UTF-8).
 *
 * What is escaped, and how it shows:
 *   C0 controls (0x00-0x1f) and DEL   \x1b, \x7f   (\n and \t kept with TEXTSAFE_MULTILINE)
 *   C1 controls U+0080-U+009F          \u009b
 *   U+2028, U+2029 (line breaks)       \u2028
 *   bidirectional embeddings, overrides and isolates
 *   (U+202A-U+202E, U+2066-U+2069)     \u202e
 *   each byte of invalid UTF-8         \xff
 * Everything else, including valid non-ASCII text, passes unchanged. A
 * backslash is not escaped: the output is for reading, not for parsing back. */
#ifndef LIAISON_TEXTSAFE_H
#define LIAISON_TEXTSAFE_H

#include <stdbool.h>
#include <stddef.h>

#define TEXTSAFE_MULTILINE 1u /* keep newlines and tabs (text blocks); else they are escaped */

/* Escapes len bytes of s into out, which holds cap bytes; the result is
 * always NUL-terminated when cap > 0 and is cut only between whole
 * characters or escapes. Returns the length the whole escaped text needs
 * (without the NUL), as snprintf does. */
size_t textsafe_escape(char *out, size_t cap, const char *s, size_t len, unsigned flags);

/* The escaped form of the string s, malloc'ed (caller frees); NULL when out
 * of memory. */
char *textsafe_dup(const char *s, unsigned flags);

/* True when s holds nothing textsafe_escape would change. */
bool textsafe_is_clean(const char *s, size_t len, unsigned flags);

/* A copy of len bytes of s that is valid UTF-8: each byte of an invalid
 * sequence becomes U+FFFD. Malloc'ed (caller frees); NULL when out of memory. */
char *textsafe_utf8_repair(const char *s, size_t len);

/* JSON text as jansson writes it, with the characters jansson leaves raw
 * but a terminal may act on (DEL, C1 controls, U+2028, U+2029 and the
 * bidirectional controls above) written as \u escapes: the same JSON value,
 * safe to print. json must be valid UTF-8 (jansson's output is). Malloc'ed
 * (caller frees); NULL when out of memory. */
char *textsafe_json(const char *json);

#endif

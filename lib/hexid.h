/* Message ids as people see them: 32 lower-case hex digits. */
#ifndef LIAISON_HEXID_H
#define LIAISON_HEXID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HEXID_LEN 33 /* 32 digits and NUL */

void hexid_format(const uint8_t id[16], char out[HEXID_LEN]);
/* Parses 1..32 hex digits into out (left-aligned) and sets *ndigits to the
 * number of hex digits given (a prefix); false if not hex or too long. */
bool hexid_parse(const char *s, uint8_t out[16], size_t *ndigits);

#endif

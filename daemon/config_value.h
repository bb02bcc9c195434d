/* Checks of single values in liaisond's configuration (see config_value.c). */
#ifndef LIAISOND_CONFIG_VALUE_H
#define LIAISOND_CONFIG_VALUE_H

#include <stdbool.h>
#include "config.h"

/* "reader" | "officer" | "admin"; false (out unchanged) otherwise. */
bool config_role_parse(const char *s, enum role *out);
/* tcp://HOST:PORT with HOST a name, an IPv4 address, '*' or [IPv6], PORT
 * 1..65535; or, if ipc_ok, ipc://PATH without blanks or control characters. */
bool config_endpoint_valid(const char *e, bool ipc_ok);

#endif

/* Global options and the small argument parsers every command shares. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "textsafe.h"
#include "hexid.h"

void client_init(struct client *cl)
{
	memset(cl, 0, sizeof(*cl));
	cl->timeout_s = CLIENT_DEFAULT_TIMEOUT_S;
	cl->out = stdout;
	cl->in = stdin;
}

void client_err(const char *fmt, ...)
{
	/* errors quote what users typed and what the node says, which may
	 * carry a partner's text: one line, escaped (textsafe.h) */
	va_list ap;
	char *line = NULL, *safe = NULL;
	va_start(ap, fmt);
	int n = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (n >= 0)
		safe = textsafe_dup(line, 0);
	fprintf(stderr, "liaison: %s\n", safe ? safe : "out of memory");
	free(safe);
	free(line);
}

int client_global_opt(struct client *cl, int c, const char *arg)
{
	char *end;
	double t;

	switch (c) {
	case 'c':
		cl->conf_path = arg;
		return 1;
	case OPT_API:
		cl->api = arg;
		return 1;
	case OPT_NODE_CERT:
		cl->node_cert = arg;
		return 1;
	case OPT_KEY:
		cl->key = arg;
		return 1;
	case OPT_TIMEOUT:
		errno = 0;
		t = strtod(arg, &end);
		if (errno || end == arg || *end || !(t > 0) || t > 86400) {
			client_err("--timeout '%s': expected seconds, more than 0", arg);
			return -1;
		}
		cl->timeout_s = t;
		return 1;
	default:
		return 0;
	}
}

int client_usage_error(const char *usage)
{
	/* the usage lines up to the first blank line */
	const char *end = strstr(usage, "\n\n");
	fprintf(stderr, "%.*s\n", end ? (int)(end - usage) : (int)strlen(usage), usage);
	return CLIENT_EX_USAGE;
}

int client_bad_option(int argc, char **argv, const char *usage)
{
	if (optopt > ' ' && optopt < 0x7f)
		client_err("option '-%c' is unknown or needs a value", optopt);
	else if (optind > 0 && optind <= argc)
		client_err("option '%s' is unknown or needs a value", argv[optind - 1]);
	else
		client_err("bad option");
	return client_usage_error(usage);
}

bool client_parse_count(const char *s, bool allow_zero, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > UINT32_MAX || (!allow_zero && v == 0))
		return false;
	*out = (uint32_t)v;
	return true;
}

bool client_parse_id(const char *s, bool whole, uint8_t out[16], size_t *len, uint32_t *ndigits)
{
	size_t nd = 0;

	if (!hexid_parse(s, out, &nd) || nd < 8 || (whole && nd != 32)) {
		client_err("'%s': expected a message id (%s hex digits)", s,
			   whole ? "32" : "at least 8");
		return false;
	}
	/* an odd last digit is the high half of one more byte: "abc" is
	 * 0xab 0xc0 and 3 digits, so that it matches ids starting "abc" */
	*len = (nd + 1) / 2;
	if (ndigits)
		*ndigits = (uint32_t)nd;
	return true;
}

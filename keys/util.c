/* Shared by liaison-keys subcommands: one-line errors and usage. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cmds.h"
#include "error.h"

int keys_fail(const char *file, int err)
{
	if (err == LIAISON_E_IO)
		fprintf(stderr, "%s: %s: %s\n", KEYS_PROG, file, strerror(errno));
	else
		fprintf(stderr, "%s: %s: %s\n", KEYS_PROG, file, liaison_strerror(err));
	return 1;
}

int keys_usage(const char *usage, const char *help, int to_stdout)
{
	FILE *f = to_stdout ? stdout : stderr;
	fprintf(f, "usage: %s %s\n", KEYS_PROG, usage);
	if (to_stdout && help)
		fputs(help, f);
	return to_stdout ? 0 : KEYS_EX_USAGE;
}

int keys_is_help(const char *arg)
{
	return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

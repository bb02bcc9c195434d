/* liaison-keys: makes and inspects liaison keys, certificates and sealed
 * envelopes. A table of subcommands drives dispatch and --help. */
#include <stdio.h>
#include <string.h>
#include "cmds.h"
#include "version.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "generate", cmd_generate, "generate [--client] NAME [-o DIR]   make DIR/NAME.key (0600) and DIR/NAME.pub" },
	{ "show", cmd_show, "show FILE                           name, kind, fingerprint, created of a .pub or .key" },
	{ "verify", cmd_verify, "verify FILE.pub                     exit 0 only if the certificate's signature holds" },
	{ "verify-envelope", cmd_verify_envelope,
	  "verify-envelope FILE --cert SENDER.pub   check a sealed envelope offline, print its header" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: %s COMMAND [ARGS]\n       %s --version\n\ncommands:\n", KEYS_PROG, KEYS_PROG);
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
		fprintf(f, "  %s\n", commands[i].help);
	fprintf(f, "\n'%s COMMAND --help' describes one command.\n"
		   "exit: 0 done, 1 failed or refused, 64 usage\n", KEYS_PROG);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return KEYS_EX_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("%s %s\n", KEYS_PROG, LIAISON_VERSION);
		return 0;
	}
	if (keys_is_help(argv[1]) || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "%s: unknown command '%s'\n", KEYS_PROG, argv[1]);
	usage(stderr);
	return KEYS_EX_USAGE;
}

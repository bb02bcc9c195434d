/* liaison: the thin client of a liaisond node. Global options, then a
 * command from the table below. */
#include <string.h>

#include "client.h"
#include "version.h"

struct command {
	const char *name;
	int (*fn)(struct client *cl, int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
	{"send", cmd_send, "send a message, or a batch of them, and print the ids"},
	{"query", cmd_query, "list stored messages that match"},
	{"get", cmd_get, "print one message, or its sealed envelope"},
	{"subscribe", cmd_subscribe, "print messages as they arrive"},
	{"status", cmd_status, "the node's state, or one message's recipients"},
	{"peers", cmd_peers, "the node's peers and their links"},
	{"reload", cmd_reload, "reread the node's configuration (admin)"},
	{"audit", cmd_audit, "verify the node's audit chain now (admin)"},
	{"admin", cmd_admin, "add or remove peers and clients, rotate the key, back up (admin)"},
};

static const char usage[] =
	"usage: liaison [-c FILE] [--api ENDPOINT] [--node-cert FILE] [--key FILE]\n"
	"        [--timeout SECONDS] COMMAND [ARGS]\n"
	"       liaison --version\n";

static void print_help(FILE *out)
{
	fputs(usage, out);
	fputs("\ncommands:\n", out);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].help);
	fputs("\nGlobal options may also follow the command. The configuration is read from\n"
	      "-c FILE, $LIAISON_CONFIG or ~/.config/liaison/client.conf (keys api, node_cert,\n"
	      "key). \"liaison COMMAND --help\" describes a command. Exit codes: 0 done,\n"
	      "1 refused or failed, 64 usage, 69 node unreachable, 77 not permitted,\n"
	      "78 configuration error.\n", out);
}

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		CLIENT_GLOBAL_LONG, {"version", no_argument, NULL, 'V'}, {NULL, 0, NULL, 0}};
	struct client cl;
	int c, r;

	client_init(&cl);
	opterr = 0;
	/* "+": stop at the command; its own options follow it */
	while ((c = getopt_long(argc, argv, "+" CLIENT_GLOBAL_SHORT "V", long_opts, NULL)) != -1) {
		if (c == 'h') {
			print_help(stdout);
			return 0;
		}
		if (c == 'V') {
			printf("liaison %s\n", LIAISON_VERSION);
			return 0;
		}
		r = client_global_opt(&cl, c, optarg);
		if (r < 0)
			return CLIENT_EX_USAGE;
		if (r == 0) {
			client_bad_option(argc, argv, usage);
			return CLIENT_EX_USAGE;
		}
	}
	if (optind >= argc) {
		client_err("which command?");
		fputs(usage, stderr);
		return CLIENT_EX_USAGE;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[optind], commands[i].name) == 0)
			return commands[i].fn(&cl, argc - optind, argv + optind);
	client_err("unknown command '%s'", argv[optind]);
	fputs(usage, stderr);
	return CLIENT_EX_USAGE;
}

/* liaison peers: the node's partner organizations and their links. */
#include <string.h>

#include "client.h"

const char cmd_peers_usage[] =
	"usage: liaison peers [--json]\n"
	"\n"
	"Lists the node's peers: connected or not, fingerprint, release limit, messages\n"
	"queued for them, when they were last heard. --json prints one JSON object.\n";

enum { OPT_JSON = OPT_CMD_BASE };

static const struct option long_opts[] = {
	{"json", no_argument, NULL, OPT_JSON},
	CLIENT_GLOBAL_LONG,
	{NULL, 0, NULL, 0},
};

int peers_parse(struct client *cl, int argc, char **argv, struct peers_opts *o)
{
	int c, r;

	memset(o, 0, sizeof(*o));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, CLIENT_GLOBAL_SHORT, long_opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(cmd_peers_usage, cl->out);
			return CLIENT_DONE;
		case OPT_JSON:
			o->json = true;
			break;
		default:
			r = client_global_opt(cl, c, optarg);
			if (r < 0)
				return CLIENT_EX_USAGE;
			if (r == 0)
				return client_bad_option(argc, argv, cmd_peers_usage);
		}
	}
	if (optind < argc) {
		client_err("unexpected argument '%s'", argv[optind]);
		return client_usage_error(cmd_peers_usage);
	}
	return 0;
}

int peers_run(struct conn *c, FILE *out, struct peers_opts *o)
{
	Liaison__ApiRequest req = LIAISON__API_REQUEST__INIT;
	Liaison__PeersRequest p = LIAISON__PEERS_REQUEST__INIT;
	Liaison__ApiReply *r;
	int ret;

	req.kind_case = LIAISON__API_REQUEST__KIND_PEERS;
	req.peers = &p;
	ret = conn_call_expect(c, &req, LIAISON__API_REPLY__KIND_PEERS, &r);
	if (ret)
		return ret;
	if (o->json) {
		json_t *j = render_peers_json(r->peers);
		render_json_line(out, j);
		json_decref(j);
	} else {
		render_peers_text(out, r->peers);
	}
	liaison__api_reply__free_unpacked(r, NULL);
	return 0;
}

static int peers_any(struct conn *c, FILE *out, void *o)
{
	return peers_run(c, out, o);
}

int cmd_peers(struct client *cl, int argc, char **argv)
{
	struct peers_opts o;
	return client_command(cl, peers_parse(cl, argc, argv, &o), peers_any, &o);
}

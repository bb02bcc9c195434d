/* liaison status: the node's state, or one message's recipients. */
#include <string.h>

#include "client.h"

const char cmd_status_usage[] =
	"usage: liaison status [ID] [--json]\n"
	"\n"
	"Without ID: the node's name, fingerprint, uptime, peers, queues and counters.\n"
	"With ID (or a unique prefix of at least 8 hex digits): each recipient's state,\n"
	"queued, sent, delivered or rejected (with the reason). --json prints one JSON object.\n";

enum { OPT_JSON = OPT_CMD_BASE };

static const struct option long_opts[] = {
	{"json", no_argument, NULL, OPT_JSON},
	CLIENT_GLOBAL_LONG,
	{NULL, 0, NULL, 0},
};

int status_parse(struct client *cl, int argc, char **argv, struct status_opts *o)
{
	int c, r;

	memset(o, 0, sizeof(*o));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, CLIENT_GLOBAL_SHORT, long_opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(cmd_status_usage, cl->out);
			return CLIENT_DONE;
		case OPT_JSON:
			o->json = true;
			break;
		default:
			r = client_global_opt(cl, c, optarg);
			if (r < 0)
				return CLIENT_EX_USAGE;
			if (r == 0)
				return client_bad_option(argc, argv, cmd_status_usage);
		}
	}
	if (argc - optind > 1) {
		client_err("unexpected argument '%s'", argv[optind + 1]);
		return client_usage_error(cmd_status_usage);
	}
	if (argc - optind == 1 && !client_parse_id(argv[optind], false, o->id, &o->id_len, &o->id_digits))
		return client_usage_error(cmd_status_usage);
	return 0;
}

int status_run(struct conn *c, FILE *out, struct status_opts *o)
{
	Liaison__ApiRequest req = LIAISON__API_REQUEST__INIT;
	Liaison__StatusRequest s = LIAISON__STATUS_REQUEST__INIT;
	Liaison__ApiReply *r;
	int ret;

	s.id.data = o->id;
	s.id.len = o->id_len;
	s.id_digits = o->id_digits;
	req.kind_case = LIAISON__API_REQUEST__KIND_STATUS;
	req.status = &s;
	ret = conn_call_expect(c, &req, LIAISON__API_REPLY__KIND_STATUS, &r);
	if (ret)
		return ret;
	if (o->json) {
		json_t *j = render_status_json(r->status);
		render_json_line(out, j);
		json_decref(j);
	} else {
		render_status_text(out, r->status);
	}
	liaison__api_reply__free_unpacked(r, NULL);
	return 0;
}

static int status_any(struct conn *c, FILE *out, void *o)
{
	return status_run(c, out, o);
}

int cmd_status(struct client *cl, int argc, char **argv)
{
	struct status_opts o;
	return client_command(cl, status_parse(cl, argc, argv, &o), status_any, &o);
}

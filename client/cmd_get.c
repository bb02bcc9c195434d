/* liaison get: one message by id (or a unique prefix of at least 8 hex digits). */
#include <string.h>

#include "client.h"

const char cmd_get_usage[] =
	"usage: liaison get ID [--json | --envelope | --cap]\n"
	"\n"
	"Prints one message: its header fields, then its payload's fields. ID may be a\n"
	"unique prefix of at least 8 hex digits. --json prints one JSON object;\n"
	"--envelope writes the sealed envelope's bytes, as they travelled, to stdout.\n"
	"--cap prints a warning as a CAP 1.2 document: an imported alert as it came.\n";

enum { OPT_JSON = OPT_CMD_BASE, OPT_ENVELOPE, OPT_CAP };

static const struct option long_opts[] = {
	{"json", no_argument, NULL, OPT_JSON},
	{"envelope", no_argument, NULL, OPT_ENVELOPE},
	{"cap", no_argument, NULL, OPT_CAP},
	CLIENT_GLOBAL_LONG,
	{NULL, 0, NULL, 0},
};

int get_parse(struct client *cl, int argc, char **argv, struct get_opts *o)
{
	int c, r;

	memset(o, 0, sizeof(*o));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, CLIENT_GLOBAL_SHORT, long_opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(cmd_get_usage, cl->out);
			return CLIENT_DONE;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_ENVELOPE:
			o->envelope = true;
			break;
		case OPT_CAP:
			o->cap = true;
			break;
		default:
			r = client_global_opt(cl, c, optarg);
			if (r < 0)
				return CLIENT_EX_USAGE;
			if (r == 0)
				return client_bad_option(argc, argv, cmd_get_usage);
		}
	}
	if (o->json + o->envelope + o->cap > 1) {
		client_err("--json, --envelope and --cap exclude each other");
		return client_usage_error(cmd_get_usage);
	}
	if (argc - optind != 1) {
		if (argc - optind > 1)
			client_err("unexpected argument '%s'", argv[optind + 1]);
		else
			client_err("which message? give its ID");
		return client_usage_error(cmd_get_usage);
	}
	if (!client_parse_id(argv[optind], false, o->id, &o->id_len, &o->id_digits))
		return client_usage_error(cmd_get_usage);
	return 0;
}

int get_run(struct conn *c, FILE *out, struct get_opts *o)
{
	Liaison__ApiRequest req = LIAISON__API_REQUEST__INIT;
	Liaison__GetRequest g = LIAISON__GET_REQUEST__INIT;
	Liaison__ApiReply *r;
	int ret = 0;

	g.id.data = o->id;
	g.id.len = o->id_len;
	g.id_digits = o->id_digits;
	g.envelope = o->envelope;
	req.kind_case = LIAISON__API_REQUEST__KIND_GET;
	req.get = &g;
	ret = conn_call_expect(c, &req, LIAISON__API_REPLY__KIND_GET, &r);
	if (ret)
		return ret;
	if (!r->get->message) {
		client_err("the node sent an unexpected reply");
		ret = CLIENT_EX_FAIL;
	} else if (o->envelope) {
		if (!r->get->envelope.len) {
			client_err("the node kept no envelope for this message");
			ret = CLIENT_EX_FAIL;
		} else if (fwrite(r->get->envelope.data, 1, r->get->envelope.len, out) !=
				   r->get->envelope.len ||
			   fflush(out) != 0) {
			client_err("cannot write the envelope");
			ret = CLIENT_EX_FAIL;
		}
	} else if (o->cap) {
		ret = render_message_cap(out, r->get->message, false);
	} else if (o->json) {
		json_t *j = render_message_json(r->get->message);
		render_json_line(out, j);
		json_decref(j);
	} else {
		render_message_block(out, r->get->message);
	}
	liaison__api_reply__free_unpacked(r, NULL);
	return ret;
}

static int get_any(struct conn *c, FILE *out, void *o)
{
	return get_run(c, out, o);
}

int cmd_get(struct client *cl, int argc, char **argv)
{
	struct get_opts o;
	return client_command(cl, get_parse(cl, argc, argv, &o), get_any, &o);
}

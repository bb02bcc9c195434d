/* liaison query: lists stored messages that match, oldest first. */
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "keyfile.h"
#include "labels.h"
#include "timefmt.h"

const char cmd_query_usage[] =
	"usage: liaison query [--type T] [--from NAME] [--topic GLOB] [--since TIME]\n"
	"        [--until TIME] [--limit N] [--json]\n"
	"\n"
	"Lists the messages this node stored, oldest first: the newest N (default 100)\n"
	"that match. TIME is an ISO 8601 instant or a span back from now (90s, 30m, 2h, 7d).\n"
	"--json prints one JSON object a line.\n";

enum { OPT_TYPE = OPT_CMD_BASE, OPT_FROM, OPT_TOPIC, OPT_SINCE, OPT_UNTIL, OPT_LIMIT, OPT_JSON };

static const struct option long_opts[] = {
	{"type", required_argument, NULL, OPT_TYPE},
	{"from", required_argument, NULL, OPT_FROM},
	{"topic", required_argument, NULL, OPT_TOPIC},
	{"since", required_argument, NULL, OPT_SINCE},
	{"until", required_argument, NULL, OPT_UNTIL},
	{"limit", required_argument, NULL, OPT_LIMIT},
	{"json", no_argument, NULL, OPT_JSON},
	CLIENT_GLOBAL_LONG,
	{NULL, 0, NULL, 0},
};

int query_parse(struct client *cl, int argc, char **argv, struct query_opts *o)
{
	int c, r;
	int64_t now = time_now_ms();

	memset(o, 0, sizeof(*o));
	liaison__query_request__init(&o->q);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, CLIENT_GLOBAL_SHORT, long_opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(cmd_query_usage, cl->out);
			return CLIENT_DONE;
		case OPT_TYPE:
			if (!label_type_parse(optarg, &o->q.type)) {
				client_err("--type '%s': expected sitrep, status, warning, intel or receipt",
					   optarg);
				return client_usage_error(cmd_query_usage);
			}
			break;
		case OPT_FROM:
			if (!liaison_name_valid(optarg)) {
				client_err("--from '%s': not a node name", optarg);
				return client_usage_error(cmd_query_usage);
			}
			o->q.from = optarg;
			break;
		case OPT_TOPIC:
			o->q.topic_glob = optarg;
			break;
		case OPT_SINCE:
		case OPT_UNTIL:
			if (!time_parse_instant(optarg, now, c == OPT_SINCE ? &o->q.since : &o->q.until)) {
				client_err("--%s '%s': expected an ISO 8601 time or a span such as 2h",
					   c == OPT_SINCE ? "since" : "until", optarg);
				return client_usage_error(cmd_query_usage);
			}
			break;
		case OPT_LIMIT:
			if (!client_parse_count(optarg, false, &o->q.limit) || o->q.limit > 10000) {
				client_err("--limit '%s': expected 1 to 10000", optarg);
				return client_usage_error(cmd_query_usage);
			}
			break;
		case OPT_JSON:
			o->json = true;
			break;
		default:
			r = client_global_opt(cl, c, optarg);
			if (r < 0)
				return CLIENT_EX_USAGE;
			if (r == 0)
				return client_bad_option(argc, argv, cmd_query_usage);
		}
	}
	if (optind < argc) {
		client_err("unexpected argument '%s'", argv[optind]);
		return client_usage_error(cmd_query_usage);
	}
	return 0;
}

/* The node answers in pages of a few MiB; this asks for each following
 * page in turn and prints each as it comes, so --limit N holds whatever the
 * messages' sizes. */
int query_run(struct conn *c, FILE *out, struct query_opts *o)
{
	Liaison__QueryRequest q = o->q;
	Liaison__ApiReply *r;
	int ret;
	bool first = true;
	size_t damaged = 0;

	q.after = 0;
	for (;;) {
		Liaison__ApiRequest req = LIAISON__API_REQUEST__INIT;
		req.kind_case = LIAISON__API_REQUEST__KIND_QUERY;
		req.query = &q;
		ret = conn_call_expect(c, &req, LIAISON__API_REPLY__KIND_QUERY, &r);
		if (ret)
			return ret;
		if (first && !o->json)
			render_message_header(out);
		first = false;
		for (size_t i = 0; i < r->query->n_messages; i++) {
			if (r->query->messages[i]->damaged && r->query->messages[i]->damaged[0])
				damaged++;
			if (o->json) {
				json_t *j = render_message_json(r->query->messages[i]);
				render_json_line(out, j);
				json_decref(j);
			} else {
				render_message_line(out, r->query->messages[i]);
			}
		}
		bool more = r->query->more_after != 0 && r->query->remaining > 0;
		if (more && (r->query->more_after <= q.after || r->query->remaining >= (q.limit ? q.limit : UINT32_MAX))) {
			client_err("the node sent a query page that does not advance");
			liaison__api_reply__free_unpacked(r, NULL);
			return CLIENT_EX_FAIL;
		}
		q.after = r->query->more_after;
		q.limit = r->query->remaining;
		liaison__api_reply__free_unpacked(r, NULL);
		if (!more)
			break;
	}
	if (damaged)
		client_err("%zu of the messages listed are damaged in the node's store: shown as DAMAGED, not as valid",
			   damaged);
	return 0;
}

static int query_any(struct conn *c, FILE *out, void *o)
{
	return query_run(c, out, o);
}

int cmd_query(struct client *cl, int argc, char **argv)
{
	struct query_opts o;
	return client_command(cl, query_parse(cl, argc, argv, &o), query_any, &o);
}

/* liaison subscribe: follows the node's stream of new messages with credit
 * and acknowledgements, as docs/api.md describes; durable subscriptions
 * resume where they stopped. */
#include <string.h>
#include <stdlib.h>

#include "client.h"
#include "keyfile.h"
#include "labels.h"
#include "timefmt.h"

const char cmd_subscribe_usage[] =
	"usage: liaison subscribe [--durable NAME] [--type T] [--topic GLOB] [--from NAME]\n"
	"        [--since TIME] [--count N] [--json | --cap]\n"
	"\n"
	"Prints messages as the node stores them, one a line (--json: one JSON object a\n"
	"line), and acknowledges each batch once printed. --durable NAME resumes after the\n"
	"last message acknowledged under that name, across restarts. --count N stops after\n"
	"N messages. SIGINT or SIGTERM ends after the current message. --cap (warnings\n"
	"only) prints each warning as one whole CAP 1.2 document, from its own <?xml\n"
	"declaration on.\n";

#define SUB_CREDIT 64
#define SUB_SILENCE_MS 15000 /* the node sends a heartbeat every 5 s */
#define SUB_SLICE_MS 200     /* how often the stop flag is looked at */
#define SUB_FINAL_LINGER_MS 2000

volatile sig_atomic_t subscribe_stop;

enum { OPT_DURABLE = OPT_CMD_BASE, OPT_TYPE, OPT_TOPIC, OPT_FROM, OPT_SINCE, OPT_COUNT, OPT_JSON, OPT_CAP };

static const struct option long_opts[] = {
	{"durable", required_argument, NULL, OPT_DURABLE},
	{"type", required_argument, NULL, OPT_TYPE},
	{"topic", required_argument, NULL, OPT_TOPIC},
	{"from", required_argument, NULL, OPT_FROM},
	{"since", required_argument, NULL, OPT_SINCE},
	{"count", required_argument, NULL, OPT_COUNT},
	{"json", no_argument, NULL, OPT_JSON},
	{"cap", no_argument, NULL, OPT_CAP},
	CLIENT_GLOBAL_LONG,
	{NULL, 0, NULL, 0},
};

static bool set_string(struct subscribe_opts *o, int slot, char **field, const char *v)
{
	free(o->strings[slot]);
	o->strings[slot] = strdup(v);
	if (!o->strings[slot])
		return false;
	*field = o->strings[slot];
	return true;
}

int subscribe_parse(struct client *cl, int argc, char **argv, struct subscribe_opts *o)
{
	int c, r;

	memset(o, 0, sizeof(*o));
	liaison__subscribe_request__init(&o->s);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, CLIENT_GLOBAL_SHORT, long_opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(cmd_subscribe_usage, cl->out);
			return CLIENT_DONE;
		case OPT_DURABLE:
			if (!liaison_name_valid(optarg)) {
				client_err("--durable '%s': use letters, digits, '.', '_' and '-'", optarg);
				goto usage;
			}
			if (!set_string(o, 0, &o->s.durable, optarg))
				goto nomem;
			break;
		case OPT_TYPE:
			if (!label_type_parse(optarg, &o->s.type)) {
				client_err("--type '%s': expected sitrep, status, warning, intel or receipt",
					   optarg);
				goto usage;
			}
			break;
		case OPT_TOPIC:
			if (!set_string(o, 1, &o->s.topic_glob, optarg))
				goto nomem;
			break;
		case OPT_FROM:
			if (!liaison_name_valid(optarg)) {
				client_err("--from '%s': not a node name", optarg);
				goto usage;
			}
			if (!set_string(o, 2, &o->s.from, optarg))
				goto nomem;
			break;
		case OPT_SINCE:
			if (!time_parse_instant(optarg, time_now_ms(), &o->s.since)) {
				client_err("--since '%s': expected an ISO 8601 time or a span such as 2h",
					   optarg);
				goto usage;
			}
			break;
		case OPT_COUNT:
			if (!client_parse_count(optarg, false, &o->count)) {
				client_err("--count '%s': expected a number above 0", optarg);
				goto usage;
			}
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_CAP:
			o->cap = true;
			break;
		default:
			r = client_global_opt(cl, c, optarg);
			if (r < 0) {
				subscribe_opts_clear(o);
				return CLIENT_EX_USAGE;
			}
			if (r == 0) {
				subscribe_opts_clear(o);
				return client_bad_option(argc, argv, cmd_subscribe_usage);
			}
		}
	}
	if (optind < argc) {
		client_err("unexpected argument '%s'", argv[optind]);
		goto usage;
	}
	if (o->cap && o->json) {
		client_err("--json and --cap exclude each other");
		goto usage;
	}
	if (o->cap && o->s.type && o->s.type != LIAISON__MESSAGE_TYPE__WARNING) {
		client_err("--cap follows warnings only");
		goto usage;
	}
	if (o->cap)
		o->s.type = LIAISON__MESSAGE_TYPE__WARNING;
	return 0;
nomem:
	client_err("out of memory");
	subscribe_opts_clear(o);
	return CLIENT_EX_FAIL;
usage:
	subscribe_opts_clear(o);
	return client_usage_error(cmd_subscribe_usage);
}

void subscribe_opts_clear(struct subscribe_opts *o)
{
	for (int i = 0; i < 3; i++)
		free(o->strings[i]);
	memset(o, 0, sizeof(*o));
}

static uint32_t credit_for(const struct subscribe_opts *o, uint32_t seen)
{
	if (o->count && o->count - seen < SUB_CREDIT)
		return o->count - seen;
	return SUB_CREDIT;
}

static int send_subscribe(struct conn *c, struct subscribe_opts *o, uint32_t seen)
{
	Liaison__ApiRequest req = LIAISON__API_REQUEST__INIT;

	o->s.credit = credit_for(o, seen);
	req.kind_case = LIAISON__API_REQUEST__KIND_SUBSCRIBE;
	req.subscribe = &o->s;
	return conn_send(c, &req, NULL);
}

static int send_ack(struct conn *c, uint64_t cursor, uint32_t credit)
{
	Liaison__ApiRequest req = LIAISON__API_REQUEST__INIT;
	Liaison__SubscribeAck ack = LIAISON__SUBSCRIBE_ACK__INIT;

	ack.cursor = cursor;
	ack.credit = credit;
	req.kind_case = LIAISON__API_REQUEST__KIND_SUBSCRIBE_ACK;
	req.subscribe_ack = &ack;
	return conn_send(c, &req, NULL);
}

static void print_message(FILE *out, const struct subscribe_opts *o, const Liaison__Message *m)
{
	if (o->cap) {
		render_message_cap(out, m, true); /* a warning it cannot print is said on stderr; the feed goes on */
	} else if (o->json) {
		json_t *j = render_message_json(m);
		render_json_line(out, j);
		json_decref(j);
	} else {
		render_message_line(out, m);
	}
}

int subscribe_run(struct conn *c, FILE *out, struct subscribe_opts *o)
{
	uint64_t cursor = o->s.after;
	uint32_t seen = 0;
	bool contact = false;
	int64_t last_heard = time_mono_ms();
	/* the first frame may be a heartbeat, up to 5 s away */
	int64_t first_wait = (int64_t)(conn_timeout(c) * 1000);
	int ret;

	if (first_wait < SUB_SILENCE_MS)
		first_wait = SUB_SILENCE_MS;
	if (!o->json && !o->cap)
		render_message_header(out);
	fflush(out);
	ret = send_subscribe(c, o, seen);
	if (ret)
		return ret;
	while (!subscribe_stop) {
		Liaison__ApiReply *r;
		ret = conn_recv(c, SUB_SLICE_MS, &r);
		if (ret == CONN_TIMEOUT) {
			int64_t silence = time_mono_ms() - last_heard;
			if (!contact && silence >= first_wait) {
				client_err("no answer from node at %s within %g s", conn_endpoint(c),
					   (double)first_wait / 1000);
				return CLIENT_EX_UNAVAILABLE;
			}
			bool renewed = conn_take_renewed(c);
			if (contact && (renewed || silence >= SUB_SILENCE_MS)) {
				/* the node restarted, or is gone or dropped us: subscribe
				 * again (durable: same name; otherwise after the last cursor) */
				if (!o->s.durable || !o->s.durable[0])
					o->s.after = cursor;
				ret = renewed ? 0 : conn_reconnect(c);
				if (!ret)
					ret = send_subscribe(c, o, seen);
				if (ret)
					return ret;
				last_heard = time_mono_ms();
			}
			continue;
		}
		if (ret)
			return ret;
		contact = true;
		last_heard = time_mono_ms();
		if (r->error) {
			client_err("%s", r->message && r->message[0] ? r->message : "subscription refused");
			ret = r->error > 0 && r->error < 256 ? r->error : CLIENT_EX_FAIL;
			liaison__api_reply__free_unpacked(r, NULL);
			return ret;
		}
		if (r->kind_case != LIAISON__API_REPLY__KIND_SUBSCRIBE || !r->subscribe) {
			liaison__api_reply__free_unpacked(r, NULL);
			continue;
		}
		size_t n = r->subscribe->n_messages;
		for (size_t i = 0; i < n; i++) {
			const Liaison__Message *m = r->subscribe->messages[i];
			if (subscribe_stop || (o->count && seen >= o->count))
				break;
			/* after a resubscription the node may resend what it never
			 * heard us acknowledge: printed already, so acknowledged only */
			if (seen && m->cursor <= cursor)
				continue;
			print_message(out, o, m);
			cursor = m->cursor;
			seen++;
		}
		liaison__api_reply__free_unpacked(r, NULL);
		fflush(out);
		bool done = subscribe_stop || (o->count && seen >= o->count);
		if (done) {
			/* acknowledge what was printed, take nothing more, and let
			 * the ack leave before the socket closes */
			conn_set_linger(c, SUB_FINAL_LINGER_MS);
			return send_ack(c, cursor, 0);
		}
		/* a batch or a heartbeat: either way, say what we have */
		ret = send_ack(c, cursor, credit_for(o, seen));
		if (ret)
			return ret;
	}
	/* stopped by a signal between batches: let the last ack leave */
	conn_set_linger(c, SUB_FINAL_LINGER_MS);
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	subscribe_stop = 1;
}

/* Signals end the subscription after the current message (and its ack). */
static int subscribe_any(struct conn *c, FILE *out, void *o)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: zmq_poll wakes with EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	return subscribe_run(c, out, o);
}

int cmd_subscribe(struct client *cl, int argc, char **argv)
{
	struct subscribe_opts o;
	int ret = subscribe_parse(cl, argc, argv, &o);
	if (ret)
		return ret == CLIENT_DONE ? 0 : ret;
	ret = client_command(cl, 0, subscribe_any, &o);
	subscribe_opts_clear(&o);
	return ret;
}

/* liaison send: one message from options, a JSON file, a CAP alert or stdin,
 * or many from JSON lines (--batch). The options only build the JSON object
 * of a --batch line; send_map.c maps and checks every way in alike. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cap.h"
#include "client.h"
#include "labels.h"
#include "timefmt.h"

const char cmd_send_usage[] =
	"usage: liaison send sitrep|status|warning|intel (--to NAME[,NAME...] | --all)\n"
	"        [--topic T] [--precedence flash|immediate|priority|routine]\n"
	"        [--classification LEVEL] [--tlp TLP] [--caveat TEXT]... [--expires DURATION]\n"
	"        [--updates ID] [--cancels ID]\n"
	"        (--file F.json | --title T --body TEXT | --cap FILE | -)\n"
	"       liaison send --batch FILE|-\n"
	"\n"
	"Sends a message through the node and prints its id. --file holds the payload's\n"
	"fields as one JSON object (\"-\": stdin); a bare \"-\" reads the body text from stdin.\n"
	"--cap FILE (\"-\": stdin) sends a CAP 1.2 alert as a warning: validated against the\n"
	"schema, every element kept; precedence and expiry follow from its urgency,\n"
	"severity and <expires> unless given.\n"
	"--batch reads JSON lines, one message each, checks them all, sends them and prints\n"
	"one id a line in input order:\n"
	"  {\"type\": \"sitrep\", \"to\": [\"BRAVO\"] or \"all\": true, \"topic\": \"t\",\n"
	"   \"precedence\": \"routine\", \"classification\": \"RESTRICTED\", \"tlp\": \"AMBER\",\n"
	"   \"caveats\": [..], \"expires\": \"2h\", \"updates\": ID, \"cancels\": ID,\n"
	"   \"body\": {..} or \"cap\": \"<?xml ...\"}\n";

enum {
	OPT_TO = OPT_CMD_BASE, OPT_ALL, OPT_TOPIC, OPT_PRECEDENCE, OPT_CLASSIFICATION, OPT_TLP,
	OPT_CAVEAT, OPT_EXPIRES, OPT_UPDATES, OPT_CANCELS, OPT_FILE, OPT_TITLE, OPT_BODY, OPT_BATCH,
	OPT_CAP,
};

/* In the enum's order: an option that sets a string field of the line is
 * found by its code (long_opts[c - OPT_CMD_BASE].name is the field). */
static const struct option long_opts[] = {
	{"to", required_argument, NULL, OPT_TO},
	{"all", no_argument, NULL, OPT_ALL},
	{"topic", required_argument, NULL, OPT_TOPIC},
	{"precedence", required_argument, NULL, OPT_PRECEDENCE},
	{"classification", required_argument, NULL, OPT_CLASSIFICATION},
	{"tlp", required_argument, NULL, OPT_TLP},
	{"caveat", required_argument, NULL, OPT_CAVEAT},
	{"expires", required_argument, NULL, OPT_EXPIRES},
	{"updates", required_argument, NULL, OPT_UPDATES},
	{"cancels", required_argument, NULL, OPT_CANCELS},
	{"file", required_argument, NULL, OPT_FILE},
	{"title", required_argument, NULL, OPT_TITLE},
	{"body", required_argument, NULL, OPT_BODY},
	{"batch", required_argument, NULL, OPT_BATCH},
	{"cap", required_argument, NULL, OPT_CAP},
	CLIENT_GLOBAL_LONG,
	{NULL, 0, NULL, 0},
};

char *send_read_all(FILE *f, size_t max, size_t *len_out)
{
	size_t cap = 4096, len = 0, n;
	char *buf = malloc(cap), *b;

	while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (len > max) {
			free(buf);
			errno = EFBIG;
			return NULL;
		}
		if (cap - len - 1 == 0) {
			if (!(b = realloc(buf, cap * 2))) {
				free(buf);
				return NULL;
			}
			buf = b;
			cap *= 2;
		}
	}
	if (!buf || ferror(f)) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	if (len_out)
		*len_out = len;
	return buf;
}

/* Appends s to the array field k of line. */
static bool append(json_t *line, const char *k, const char *s)
{
	json_t *a = json_object_get(line, k);
	if (!a && (a = json_array()) && json_object_set_new(line, k, a) < 0)
		return false;
	return a && json_array_append_new(a, json_string(s)) == 0;
}

/* "A,B,C" into "to" (an empty list stays empty: the mapper refuses it). */
static bool append_names(json_t *line, const char *list)
{
	char *copy = strdup(list), *save = NULL, *tok;
	bool ok = copy && (json_object_get(line, "to") ||
			   json_object_set_new(line, "to", json_array()) == 0);
	for (tok = ok ? strtok_r(copy, ",", &save) : NULL; ok && tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		ok = append(line, "to", tok);
	}
	free(copy);
	return ok;
}

/* The content: --file's JSON, --cap's document, or the text fields. */
static int add_content(struct client *cl, json_t *line, const char *type, const char *file,
		       const char *cap, const char *title, const char *body, bool stdin_body)
{
	const char *path = file ? file : cap;
	FILE *f = NULL;
	const char *name = NULL;
	Liaison__MessageType t;
	json_t *o;

	if (path) {
		f = strcmp(path, "-") == 0 ? cl->in : fopen(path, "r");
		name = f == cl->in ? "stdin" : path;
		if (!f) {
			client_err("%s: %s", path, strerror(errno));
			return CLIENT_EX_USAGE;
		}
	}
	if (file) {
		json_error_t je;
		o = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
		if (f != cl->in)
			fclose(f);
		if (!o) {
			client_err("%s:%d: %s", name, je.line, je.text);
			return CLIENT_EX_USAGE;
		}
		json_object_set_new(line, "body", o);
		return 0;
	}
	if (cap) {
		size_t len = 0;
		char *text = send_read_all(f, CAP_MAX_BYTES, &len);
		int e = errno;
		if (f != cl->in)
			fclose(f);
		if (!text) {
			client_err("%s: %s", name, e == EFBIG ? "larger than a CAP alert may be (1 MiB)"
							      : strerror(e));
			return CLIENT_EX_USAGE;
		}
		o = json_stringn(text, len);
		free(text);
		if (!o) {
			client_err("%s: not UTF-8 text", name);
			return CLIENT_EX_USAGE;
		}
		json_object_set_new(line, "cap", o);
		return 0;
	}
	if (!title && !body && !stdin_body)
		return 0; /* the mapper says what is missing */
	if (!type || !label_type_parse(type, &t))
		return 0; /* the mapper says the type is wrong */
	if (!(o = json_object()))
		return CLIENT_EX_FAIL;
	json_object_set_new(line, "body", o);
	if (title)
		json_object_set_new(o, send_text_field(t, true), json_string(title));
	if (stdin_body) {
		char *text = send_read_all(cl->in, SIZE_MAX / 2, NULL);
		if (!text) {
			client_err("stdin: %s", strerror(errno));
			return CLIENT_EX_USAGE;
		}
		size_t n = strlen(text);
		while (n && (text[n - 1] == '\n' || text[n - 1] == '\r'))
			text[--n] = '\0';
		json_object_set_new(o, send_text_field(t, false), json_string(text));
		free(text);
	} else if (body) {
		json_object_set_new(o, send_text_field(t, false), json_string(body));
	}
	return 0;
}

int send_parse(struct client *cl, int argc, char **argv, struct send_opts *o)
{
	const char *file = NULL, *title = NULL, *body = NULL, *type = NULL, *cap = NULL, *k = NULL;
	json_t *line = json_object();
	Liaison__SendRequest *s = NULL;
	bool stdin_body = false;
	char err[600];
	int c, r, ret = CLIENT_EX_USAGE;

	memset(o, 0, sizeof(*o));
	if (!line)
		return CLIENT_EX_FAIL;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "-" CLIENT_GLOBAL_SHORT, long_opts, NULL)) != -1) {
		switch (c) {
		case 1: /* a positional argument, in order */
			if (strcmp(optarg, "-") == 0 && type) {
				stdin_body = true;
			} else if (!type) {
				type = optarg;
			} else {
				client_err("unexpected argument '%s'", optarg);
				goto usage;
			}
			break;
		case 'h':
			fputs(cmd_send_usage, cl->out);
			json_decref(line);
			return CLIENT_DONE;
		case OPT_TO:
			if (!append_names(line, optarg))
				goto nomem;
			break;
		case OPT_ALL:
			json_object_set_new(line, "all", json_true());
			break;
		case OPT_CAVEAT:
		case OPT_UPDATES:
		case OPT_CANCELS:
			k = c == OPT_CAVEAT ? "caveats" : c == OPT_UPDATES ? "updates" : "cancels";
			if (!append(line, k, optarg))
				goto nomem;
			break;
		case OPT_TOPIC:
		case OPT_PRECEDENCE:
		case OPT_CLASSIFICATION:
		case OPT_TLP:
		case OPT_EXPIRES:
			json_object_set_new(line, long_opts[c - OPT_CMD_BASE].name, json_string(optarg));
			break;
		case OPT_FILE:
			file = optarg;
			break;
		case OPT_TITLE:
			title = optarg;
			break;
		case OPT_BODY:
			body = optarg;
			break;
		case OPT_CAP:
			cap = optarg;
			break;
		case OPT_BATCH:
			o->batch = optarg;
			break;
		default:
			r = client_global_opt(cl, c, optarg);
			if (r < 0)
				goto bad;
			if (r == 0) {
				json_decref(line);
				return client_bad_option(argc, argv, cmd_send_usage);
			}
		}
	}
	if (o->batch) {
		if (type || file || title || body || stdin_body || cap || json_object_size(line)) {
			client_err("--batch takes no other message options");
			goto usage;
		}
		json_decref(line);
		return 0;
	}
	if ((file != NULL) + (cap != NULL) + (title || body) + stdin_body > 1 &&
	    !(stdin_body && title && !body && !file && !cap)) {
		client_err("give the content once: --file, --title/--body, --cap or -");
		goto usage;
	}
	if (type)
		json_object_set_new(line, "type", json_string(type));
	if ((ret = add_content(cl, line, type, file, cap, title, body, stdin_body)) != 0)
		goto bad;
	ret = CLIENT_EX_USAGE;
	const char *from = file ? file : cap;
	if (!(s = send_map(line, time_now_ms(), true, from && !strcmp(from, "-") ? "stdin" : from, err,
			   sizeof(err)))) {
		client_err("%s", err);
		goto bad;
	}
	if (!(o->req = malloc(sizeof(*o->req))))
		goto nomem;
	liaison__api_request__init(o->req);
	o->req->kind_case = LIAISON__API_REQUEST__KIND_SEND;
	o->req->send = s;
	json_decref(line);
	return 0;
nomem:
	client_err("out of memory");
	ret = CLIENT_EX_FAIL;
	goto bad;
usage:
	client_usage_error(cmd_send_usage);
bad:
	send_request_free(s);
	json_decref(line);
	return ret;
}

void send_opts_clear(struct send_opts *o)
{
	if (o->req)
		liaison__api_request__free_unpacked(o->req, NULL);
	memset(o, 0, sizeof(*o));
}

int send_run(struct conn *c, struct client *cl, struct send_opts *o)
{
	Liaison__ApiReply *r;
	int ret;

	if (o->batch) {
		Liaison__SendRequest **reqs = NULL;
		size_t *lines = NULL, n = 0;
		ret = send_batch_load(cl, o->batch, &reqs, &lines, &n);
		if (ret)
			return ret;
		ret = send_batch_send(c, cl->out, reqs, lines, n);
		send_batch_free(reqs, lines, n);
		return ret;
	}
	ret = conn_call(c, o->req, &r);
	if (ret)
		return ret;
	send_print_id(cl->out, r);
	liaison__api_reply__free_unpacked(r, NULL);
	return 0;
}

int cmd_send(struct client *cl, int argc, char **argv)
{
	struct send_opts o;
	struct conn *c = NULL;
	int ret = send_parse(cl, argc, argv, &o);

	if (ret)
		return ret == CLIENT_DONE ? 0 : ret;
	if (o.batch) {
		/* check every line before connecting: a bad line sends nothing */
		Liaison__SendRequest **reqs = NULL;
		size_t *lines = NULL, n = 0;
		ret = send_batch_load(cl, o.batch, &reqs, &lines, &n);
		if (ret == 0) {
			ret = client_connect(cl, &c);
			if (ret == 0)
				ret = send_batch_send(c, cl->out, reqs, lines, n);
		}
		send_batch_free(reqs, lines, n);
	} else {
		ret = client_connect(cl, &c);
		if (ret == 0)
			ret = send_run(c, cl, &o);
	}
	conn_close(&c);
	send_opts_clear(&o);
	return ret;
}

/* liaison send: one message from the command line, a JSON file or stdin, or
 * many from JSON lines (--batch), pipelined. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "progress.h"
#include "hexid.h"
#include "keyfile.h"
#include "labels.h"
#include "pbjson.h"
#include "timefmt.h"

const char cmd_send_usage[] =
	"usage: liaison send sitrep|status|warning|intel (--to NAME[,NAME...] | --all)\n"
	"        [--topic T] [--precedence flash|immediate|priority|routine]\n"
	"        [--classification LEVEL] [--tlp TLP] [--caveat TEXT]... [--expires DURATION]\n"
	"        [--updates ID] [--cancels ID] (--file F.json | --title T --body TEXT | -)\n"
	"       liaison send --batch FILE|-\n"
	"\n"
	"Sends a message through the node and prints its id. --file holds the payload's\n"
	"fields as one JSON object (\"-\": stdin); a bare \"-\" reads the body text from stdin.\n"
	"--batch reads JSON lines, one message each, checks them all, sends them and prints\n"
	"one id a line in input order:\n"
	"  {\"type\": \"sitrep\", \"to\": [\"BRAVO\"] or \"all\": true, \"topic\": \"t\",\n"
	"   \"precedence\": \"routine\", \"classification\": \"RESTRICTED\", \"tlp\": \"AMBER\",\n"
	"   \"caveats\": [..], \"expires\": \"2h\", \"updates\": ID, \"cancels\": ID, \"body\": {..}}\n";

#define BATCH_WINDOW 256 /* requests in flight */

enum {
	OPT_TO = OPT_CMD_BASE, OPT_ALL, OPT_TOPIC, OPT_PRECEDENCE, OPT_CLASSIFICATION, OPT_TLP,
	OPT_CAVEAT, OPT_EXPIRES, OPT_UPDATES, OPT_CANCELS, OPT_FILE, OPT_TITLE, OPT_BODY, OPT_BATCH,
};

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
	CLIENT_GLOBAL_LONG,
	{NULL, 0, NULL, 0},
};

/* ---------------------------------------------------------------- building */

static bool push_string(char ***arr, size_t *n, const char *s)
{
	char **a = realloc(*arr, (*n + 1) * sizeof(**arr));
	if (!a)
		return false;
	*arr = a;
	if (!(a[*n] = strdup(s)))
		return false;
	(*n)++;
	return true;
}

static Liaison__SecurityLabel *label_of(Liaison__SendRequest *s)
{
	if (!s->label) {
		s->label = malloc(sizeof(*s->label));
		if (s->label)
			liaison__security_label__init(s->label);
	}
	return s->label;
}

static bool add_reference(Liaison__SendRequest *s, const uint8_t id[16], Liaison__ReferenceKind k)
{
	Liaison__Reference **a = realloc(s->references, (s->n_references + 1) * sizeof(*a));
	Liaison__Reference *r;
	if (!a)
		return false;
	s->references = a;
	r = malloc(sizeof(*r));
	if (!r)
		return false;
	liaison__reference__init(r);
	r->id.data = malloc(16);
	if (!r->id.data) {
		free(r);
		return false;
	}
	memcpy(r->id.data, id, 16);
	r->id.len = 16;
	r->kind = k;
	a[s->n_references++] = r;
	return true;
}

void send_request_free(Liaison__SendRequest *s)
{
	if (s)
		liaison__send_request__free_unpacked(s, NULL);
}

static const ProtobufCMessageDescriptor *payload_desc(Liaison__MessageType t)
{
	switch (t) {
	case LIAISON__MESSAGE_TYPE__SITREP:
		return &liaison__situation_report__descriptor;
	case LIAISON__MESSAGE_TYPE__STATUS:
		return &liaison__status_update__descriptor;
	case LIAISON__MESSAGE_TYPE__WARNING:
		return &liaison__early_warning__descriptor;
	case LIAISON__MESSAGE_TYPE__INTEL:
		return &liaison__intelligence_report__descriptor;
	default:
		return NULL;
	}
}

/* Wraps an inner payload message (taken) in a Payload. */
static Liaison__Payload *payload_wrap(Liaison__MessageType t, ProtobufCMessage *inner)
{
	Liaison__Payload *p = malloc(sizeof(*p));
	if (!p) {
		protobuf_c_message_free_unpacked(inner, NULL);
		return NULL;
	}
	liaison__payload__init(p);
	switch (t) {
	case LIAISON__MESSAGE_TYPE__SITREP:
		p->body_case = LIAISON__PAYLOAD__BODY_SITREP;
		p->sitrep = (Liaison__SituationReport *)inner;
		break;
	case LIAISON__MESSAGE_TYPE__STATUS:
		p->body_case = LIAISON__PAYLOAD__BODY_STATUS;
		p->status = (Liaison__StatusUpdate *)inner;
		break;
	case LIAISON__MESSAGE_TYPE__WARNING:
		p->body_case = LIAISON__PAYLOAD__BODY_WARNING;
		p->warning = (Liaison__EarlyWarning *)inner;
		break;
	default:
		p->body_case = LIAISON__PAYLOAD__BODY_INTEL;
		p->intel = (Liaison__IntelligenceReport *)inner;
		break;
	}
	return p;
}

Liaison__Payload *send_payload_from_json(Liaison__MessageType t, json_t *obj, char *err,
					 size_t errlen)
{
	const ProtobufCMessageDescriptor *d = payload_desc(t);
	ProtobufCMessage *m;
	Liaison__Payload *p;

	if (!d) {
		snprintf(err, errlen, "no payload for this type");
		return NULL;
	}
	if (!json_is_object(obj)) {
		snprintf(err, errlen, "expected a JSON object of %s fields", d->short_name);
		return NULL;
	}
	err[0] = '\0';
	m = pbjson_to_message(d, obj, err, errlen);
	if (!m) {
		if (!err[0])
			snprintf(err, errlen, "not a valid %s", d->short_name);
		return NULL;
	}
	p = payload_wrap(t, m);
	if (!p)
		snprintf(err, errlen, "out of memory");
	return p;
}

/* Fills the title and body text fields of the type's payload. */
static Liaison__Payload *payload_from_text(Liaison__MessageType t, const char *title,
					   const char *body)
{
	const ProtobufCMessageDescriptor *d = payload_desc(t);
	const char *tname, *bname;
	json_t *o;
	Liaison__Payload *p;
	char err[256];

	switch (t) {
	case LIAISON__MESSAGE_TYPE__SITREP:
		tname = "title", bname = "summary";
		break;
	case LIAISON__MESSAGE_TYPE__WARNING:
		tname = "headline", bname = "description";
		break;
	default:
		tname = "title", bname = "body";
		break;
	}
	if (!d || !(o = json_object()))
		return NULL;
	if (title)
		json_object_set_new(o, tname, json_string(title));
	if (body)
		json_object_set_new(o, bname, json_string(body));
	p = send_payload_from_json(t, o, err, sizeof(err));
	json_decref(o);
	if (!p)
		client_err("%s", err);
	return p;
}

/* Reads all of f into a string (caller frees), NULL on error. */
static char *read_all(FILE *f)
{
	size_t cap = 4096, len = 0, n;
	char *buf = malloc(cap), *b;

	while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len - 1 == 0) {
			b = realloc(buf, cap * 2);
			if (!b) {
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
	return buf;
}

/* Names in "A,B,C" appended to s->to; false (after printing) if one is bad. */
static bool add_recipients(Liaison__SendRequest *s, const char *list)
{
	char *copy = strdup(list), *save = NULL, *tok;
	bool ok = copy != NULL;

	for (tok = copy ? strtok_r(copy, ",", &save) : NULL; ok && tok;
	     tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		if (!liaison_name_valid(tok)) {
			client_err("--to: '%s' is not a node name", tok);
			ok = false;
		} else if (!push_string(&s->to, &s->n_to, tok)) {
			ok = false;
		}
	}
	if (ok && s->n_to == 0) {
		client_err("--to: no recipient named");
		ok = false;
	}
	free(copy);
	return ok;
}

/* ---------------------------------------------------------------- command line */

int send_parse(struct client *cl, int argc, char **argv, struct send_opts *o)
{
	Liaison__SendRequest *s;
	const char *file = NULL, *title = NULL, *body = NULL, *type = NULL;
	bool all = false, stdin_body = false, have_to = false;
	uint8_t id[16];
	size_t idlen;
	int c, r, ret = CLIENT_EX_USAGE;

	memset(o, 0, sizeof(*o));
	s = malloc(sizeof(*s));
	if (!s)
		return CLIENT_EX_FAIL;
	liaison__send_request__init(s);
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
			send_request_free(s);
			return CLIENT_DONE;
		case OPT_TO:
			have_to = true;
			if (!add_recipients(s, optarg))
				goto bad;
			break;
		case OPT_ALL:
			all = true;
			break;
		case OPT_TOPIC:
			free(s->topic == protobuf_c_empty_string ? NULL : s->topic);
			if (!(s->topic = strdup(optarg)))
				goto nomem;
			break;
		case OPT_PRECEDENCE:
			if (!label_precedence_parse(optarg, &s->precedence)) {
				client_err("--precedence '%s': expected flash, immediate, priority or routine",
					   optarg);
				goto bad;
			}
			break;
		case OPT_CLASSIFICATION:
			if (!label_of(s))
				goto nomem;
			if (!label_classification_parse(optarg, &s->label->classification)) {
				client_err("--classification '%s': expected UNCLASSIFIED, RESTRICTED, "
					   "CONFIDENTIAL, SECRET or TOP_SECRET", optarg);
				goto bad;
			}
			break;
		case OPT_TLP:
			if (!label_of(s))
				goto nomem;
			if (!label_tlp_parse(optarg, &s->label->tlp)) {
				client_err("--tlp '%s': expected CLEAR, GREEN, AMBER, AMBER+STRICT or RED",
					   optarg);
				goto bad;
			}
			break;
		case OPT_CAVEAT:
			if (!label_of(s) || !push_string(&s->label->caveats, &s->label->n_caveats, optarg))
				goto nomem;
			break;
		case OPT_EXPIRES:
			if (!time_parse_deadline(optarg, time_now_ms(), &s->expires)) {
				client_err("--expires '%s': expected a span such as 90s, 30m, 2h, 7d "
					   "or an ISO 8601 time", optarg);
				goto bad;
			}
			break;
		case OPT_UPDATES:
		case OPT_CANCELS:
			if (!client_parse_id(optarg, true, id, &idlen, NULL))
				goto bad;
			if (!add_reference(s, id, c == OPT_UPDATES ? LIAISON__REFERENCE_KIND__UPDATES
								  : LIAISON__REFERENCE_KIND__CANCELS))
				goto nomem;
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
		case OPT_BATCH:
			o->batch = optarg;
			break;
		default:
			r = client_global_opt(cl, c, optarg);
			if (r < 0)
				goto bad;
			if (r == 0) {
				send_request_free(s);
				return client_bad_option(argc, argv, cmd_send_usage);
			}
		}
	}
	if (o->batch) {
		if (type || file || title || body || stdin_body || have_to || all || s->topic[0] ||
		    s->label || s->precedence || s->expires || s->n_references) {
			client_err("--batch takes no other message options");
			goto usage;
		}
		send_request_free(s);
		return 0;
	}
	if (!type) {
		client_err("which type: sitrep, status, warning or intel?");
		goto usage;
	}
	if (!label_type_parse(type, &s->type) || !payload_desc(s->type)) {
		client_err("'%s': expected sitrep, status, warning or intel", type);
		goto usage;
	}
	if (have_to == all) {
		client_err(all ? "--to and --all exclude each other" : "name recipients with --to or --all");
		goto usage;
	}
	s->all = all;
	if ((file != NULL) + (title || body) + stdin_body > 1 && !(stdin_body && title && !body && !file)) {
		client_err("give the content once: --file, --title/--body or -");
		goto usage;
	}
	if (file) {
		FILE *f = strcmp(file, "-") == 0 ? cl->in : fopen(file, "r");
		const char *name = f == cl->in ? "stdin" : file;
		json_error_t je;
		json_t *j;
		char err[256];
		if (!f) {
			client_err("%s: %s", file, strerror(errno));
			ret = CLIENT_EX_USAGE;
			goto bad;
		}
		j = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
		if (f != cl->in)
			fclose(f);
		if (!j) {
			client_err("%s:%d: %s", name, je.line, je.text);
			goto bad;
		}
		s->payload = send_payload_from_json(s->type, j, err, sizeof(err));
		json_decref(j);
		if (!s->payload) {
			client_err("%s: %s", name, err);
			goto bad;
		}
	} else if (title || body || stdin_body) {
		char *text = NULL;
		if (stdin_body) {
			text = read_all(cl->in);
			if (!text) {
				client_err("stdin: %s", strerror(errno));
				goto bad;
			}
			size_t n = strlen(text);
			while (n && (text[n - 1] == '\n' || text[n - 1] == '\r'))
				text[--n] = '\0';
		}
		s->payload = payload_from_text(s->type, title, text ? text : body);
		free(text);
		if (!s->payload)
			goto bad;
	} else {
		client_err("no content: give --file F.json, --title T --body TEXT or -");
		goto usage;
	}
	o->req = malloc(sizeof(*o->req));
	if (!o->req)
		goto nomem;
	liaison__api_request__init(o->req);
	o->req->kind_case = LIAISON__API_REQUEST__KIND_SEND;
	o->req->send = s;
	return 0;
nomem:
	client_err("out of memory");
	ret = CLIENT_EX_FAIL;
	goto bad;
usage:
	client_usage_error(cmd_send_usage);
bad:
	send_request_free(s);
	return ret;
}

void send_opts_clear(struct send_opts *o)
{
	if (o->req)
		liaison__api_request__free_unpacked(o->req, NULL);
	memset(o, 0, sizeof(*o));
}

/* ---------------------------------------------------------------- batch lines */

static bool json_string_field(json_t *v, const char *name, const char **out, char *err, size_t errlen)
{
	if (!json_is_string(v)) {
		snprintf(err, errlen, "field '%s': expected a string", name);
		return false;
	}
	*out = json_string_value(v);
	return true;
}

Liaison__SendRequest *send_from_json(json_t *line, int64_t now_ms, char *err, size_t errlen)
{
	Liaison__SendRequest *s;
	const char *k, *v;
	json_t *val, *body = NULL, *e;
	bool have_to = false;
	size_t i;
	uint8_t id[16];
	size_t nd;

	if (!json_is_object(line)) {
		snprintf(err, errlen, "expected a JSON object");
		return NULL;
	}
	s = malloc(sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	liaison__send_request__init(s);
	/* type first: the body depends on it */
	val = json_object_get(line, "type");
	if (!val) {
		snprintf(err, errlen, "field 'type' is missing");
		goto bad;
	}
	if (!json_string_field(val, "type", &v, err, errlen))
		goto bad;
	if (!label_type_parse(v, &s->type) || !payload_desc(s->type)) {
		snprintf(err, errlen, "field 'type': '%s' is not sitrep, status, warning or intel", v);
		goto bad;
	}
	json_object_foreach(line, k, val) {
		if (strcmp(k, "type") == 0) {
			continue;
		} else if (strcmp(k, "to") == 0) {
			have_to = true;
			if (!json_is_array(val) || json_array_size(val) == 0) {
				snprintf(err, errlen, "field 'to': expected an array of node names");
				goto bad;
			}
			json_array_foreach(val, i, e) {
				if (!json_is_string(e) || !liaison_name_valid(json_string_value(e))) {
					snprintf(err, errlen, "field 'to': element %zu is not a node name", i);
					goto bad;
				}
				if (!push_string(&s->to, &s->n_to, json_string_value(e)))
					goto nomem;
			}
		} else if (strcmp(k, "all") == 0) {
			if (!json_is_boolean(val)) {
				snprintf(err, errlen, "field 'all': expected true or false");
				goto bad;
			}
			s->all = json_is_true(val);
		} else if (strcmp(k, "topic") == 0) {
			if (!json_string_field(val, k, &v, err, errlen))
				goto bad;
			if (!(s->topic = strdup(v)))
				goto nomem;
		} else if (strcmp(k, "precedence") == 0) {
			if (!json_string_field(val, k, &v, err, errlen))
				goto bad;
			if (!label_precedence_parse(v, &s->precedence)) {
				snprintf(err, errlen, "field 'precedence': unknown precedence '%s'", v);
				goto bad;
			}
		} else if (strcmp(k, "classification") == 0) {
			if (!json_string_field(val, k, &v, err, errlen))
				goto bad;
			if (!label_of(s))
				goto nomem;
			if (!label_classification_parse(v, &s->label->classification)) {
				snprintf(err, errlen, "field 'classification': unknown level '%s'", v);
				goto bad;
			}
		} else if (strcmp(k, "tlp") == 0) {
			if (!json_string_field(val, k, &v, err, errlen))
				goto bad;
			if (!label_of(s))
				goto nomem;
			if (!label_tlp_parse(v, &s->label->tlp)) {
				snprintf(err, errlen, "field 'tlp': unknown TLP '%s'", v);
				goto bad;
			}
		} else if (strcmp(k, "caveats") == 0) {
			if (!json_is_array(val)) {
				snprintf(err, errlen, "field 'caveats': expected an array of strings");
				goto bad;
			}
			if (!label_of(s))
				goto nomem;
			json_array_foreach(val, i, e) {
				if (!json_is_string(e)) {
					snprintf(err, errlen, "field 'caveats': element %zu is not a string", i);
					goto bad;
				}
				if (!push_string(&s->label->caveats, &s->label->n_caveats, json_string_value(e)))
					goto nomem;
			}
		} else if (strcmp(k, "expires") == 0) {
			if (!json_string_field(val, k, &v, err, errlen))
				goto bad;
			if (!time_parse_deadline(v, now_ms, &s->expires)) {
				snprintf(err, errlen, "field 'expires': '%s' is not a span or an ISO 8601 time", v);
				goto bad;
			}
		} else if (strcmp(k, "updates") == 0 || strcmp(k, "cancels") == 0) {
			if (!json_string_field(val, k, &v, err, errlen))
				goto bad;
			if (!hexid_parse(v, id, &nd) || nd != 32) {
				snprintf(err, errlen, "field '%s': expected a message id of 32 hex digits", k);
				goto bad;
			}
			if (!add_reference(s, id, k[0] == 'u' ? LIAISON__REFERENCE_KIND__UPDATES
							       : LIAISON__REFERENCE_KIND__CANCELS))
				goto nomem;
		} else if (strcmp(k, "body") == 0) {
			body = val;
		} else {
			snprintf(err, errlen, "unknown field '%s'", k);
			goto bad;
		}
	}
	if (have_to == s->all) {
		snprintf(err, errlen, s->all ? "'to' and 'all' exclude each other"
					     : "name recipients with 'to' or 'all'");
		goto bad;
	}
	if (!body) {
		snprintf(err, errlen, "field 'body' is missing");
		goto bad;
	}
	char inner[200];
	s->payload = send_payload_from_json(s->type, body, inner, sizeof(inner));
	if (!s->payload) {
		snprintf(err, errlen, "body: %s", inner);
		goto bad;
	}
	return s;
nomem:
	snprintf(err, errlen, "out of memory");
bad:
	send_request_free(s);
	return NULL;
}

/* Parses every line of the batch; on the first bad one prints FILE:LINE and
 * returns CLIENT_EX_USAGE with nothing kept. */
static int batch_load(struct client *cl, const char *path, Liaison__SendRequest ***out,
		      size_t **lines_out, size_t *n_out)
{
	FILE *f = strcmp(path, "-") == 0 ? cl->in : fopen(path, "r");
	const char *name = f == cl->in ? "stdin" : path;
	Liaison__SendRequest **reqs = NULL, **nr;
	size_t n = 0, cap = 0, lineno = 0, *lines = NULL, *nl;
	char *line = NULL, err[300];
	size_t linecap = 0;
	ssize_t len;
	int64_t now = time_now_ms();
	int ret = 0;

	if (!f) {
		client_err("%s: %s", path, strerror(errno));
		return CLIENT_EX_USAGE;
	}
	while ((len = getline(&line, &linecap, f)) >= 0) {
		json_error_t je;
		json_t *j;
		Liaison__SendRequest *s;

		lineno++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' '))
			line[--len] = '\0';
		if (len == 0)
			continue;
		j = json_loadb(line, (size_t)len, JSON_REJECT_DUPLICATES, &je);
		if (!j) {
			client_err("%s:%zu: %s", name, lineno, je.text);
			ret = CLIENT_EX_USAGE;
			break;
		}
		s = send_from_json(j, now, err, sizeof(err));
		json_decref(j);
		if (!s) {
			client_err("%s:%zu: %s", name, lineno, err);
			ret = CLIENT_EX_USAGE;
			break;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			nr = realloc(reqs, cap * sizeof(*reqs));
			nl = nr ? realloc(lines, cap * sizeof(*lines)) : NULL;
			if (nr)
				reqs = nr;
			if (nl)
				lines = nl;
			if (!nr || !nl) {
				send_request_free(s);
				client_err("out of memory");
				ret = CLIENT_EX_FAIL;
				break;
			}
		}
		reqs[n] = s;
		lines[n++] = lineno;
	}
	if (!ret && ferror(f)) {
		client_err("%s: %s", name, strerror(errno));
		ret = CLIENT_EX_USAGE;
	}
	free(line);
	if (f != cl->in)
		fclose(f);
	if (ret) {
		for (size_t i = 0; i < n; i++)
			send_request_free(reqs[i]);
		free(reqs);
		free(lines);
		return ret;
	}
	*out = reqs;
	*lines_out = lines;
	*n_out = n;
	return 0;
}

static void print_id(FILE *out, const Liaison__ApiReply *r)
{
	char hex[HEXID_LEN];
	uint8_t id[16] = {0};
	if (r->kind_case == LIAISON__API_REPLY__KIND_SEND && r->send && r->send->id.len) {
		memcpy(id, r->send->id.data, r->send->id.len < 16 ? r->send->id.len : 16);
	}
	hexid_format(id, hex);
	fprintf(out, "%s\n", hex);
}

/* Sends every request, at most BATCH_WINDOW in flight; prints the ids in
 * order. A node error stops sending; what is in flight is drained. */
static int batch_send(struct conn *c, FILE *out, Liaison__SendRequest **reqs, const size_t *lines,
		      size_t n)
{
	size_t sent = 0, done = 0;
	uint64_t first_id = 0, id;
	int ret = 0, rc;
	bool stop = false;
	int tmo = (int)(conn_timeout(c) * 1000);
	size_t ok = 0;
	struct progress pg;

	progress_start(&pg, stderr, n);
	while (done < sent || (!stop && sent < n)) {
		while (!stop && sent < n && sent - done < BATCH_WINDOW) {
			Liaison__ApiRequest req = LIAISON__API_REQUEST__INIT;
			req.kind_case = LIAISON__API_REQUEST__KIND_SEND;
			req.send = reqs[sent];
			rc = conn_send(c, &req, &id);
			if (rc)
				return rc;
			if (sent == 0)
				first_id = id;
			sent++;
		}
		Liaison__ApiReply *r;
		int64_t deadline = time_mono_ms() + tmo;
		do {
			int64_t left = deadline - time_mono_ms();
			rc = conn_recv(c, left > 0 ? (int)left : 0, &r);
		} while (rc == CONN_TIMEOUT && time_mono_ms() < deadline);
		if (rc == CONN_TIMEOUT)
			return conn_timeout_error(c);
		if (rc)
			return rc;
		if (r->request_id < first_id || r->request_id - first_id >= sent) {
			liaison__api_reply__free_unpacked(r, NULL);
			continue; /* not one of ours */
		}
		size_t idx = (size_t)(r->request_id - first_id);
		if (r->error) {
			client_err("line %zu: %s", lines[idx],
				   r->message && r->message[0] ? r->message : "refused");
			if (!ret)
				ret = r->error > 0 && r->error < 256 ? r->error : CLIENT_EX_FAIL;
			stop = true;
		} else {
			print_id(out, r);
			ok++;
		}
		liaison__api_reply__free_unpacked(r, NULL);
		done++;
		progress_update(&pg, ok);
	}
	fflush(out);
	progress_end(&pg, ok);
	return ret;
}

int send_run(struct conn *c, struct client *cl, struct send_opts *o)
{
	Liaison__ApiReply *r;
	int ret;

	if (o->batch) {
		Liaison__SendRequest **reqs = NULL;
		size_t *lines = NULL, n = 0;
		ret = batch_load(cl, o->batch, &reqs, &lines, &n);
		if (ret)
			return ret;
		ret = batch_send(c, cl->out, reqs, lines, n);
		for (size_t i = 0; i < n; i++)
			send_request_free(reqs[i]);
		free(reqs);
		free(lines);
		return ret;
	}
	ret = conn_call(c, o->req, &r);
	if (ret)
		return ret;
	print_id(cl->out, r);
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
		ret = batch_load(cl, o.batch, &reqs, &lines, &n);
		if (ret == 0) {
			ret = client_connect(cl, &c);
			if (ret == 0)
				ret = batch_send(c, cl->out, reqs, lines, n);
		}
		for (size_t i = 0; i < n; i++)
			send_request_free(reqs[i]);
		free(reqs);
		free(lines);
	} else {
		ret = client_connect(cl, &c);
		if (ret == 0)
			ret = send_run(c, cl, &o);
	}
	conn_close(&c);
	send_opts_clear(&o);
	return ret;
}

/* The one way into a send: a JSON object (a --batch line, or what the command
 * line, --file and --cap build) checked and mapped into a SendRequest. */
#include <stdlib.h>
#include <string.h>

#include "cap.h"
#include "client.h"
#include "error.h"
#include "hexid.h"
#include "keyfile.h"
#include "labels.h"
#include "pbjson.h"
#include "timefmt.h"

/* Where errors are said: "field 'topic'" for JSON, "--topic" for options. */
struct map {
	bool options;
	const char *body_name; /* options: the file the payload or the alert came from */
	char *err;
	size_t errlen;
};

static const char *name_of(const struct map *mp, const char *key, char *buf, size_t len)
{
	static const struct { const char *key, *opt; } opts[] = {
		{ "caveats", "--caveat" }, { "body", "the content" }, { "cap", "--cap" },
	};
	if (!mp->options) {
		snprintf(buf, len, "field '%s'", key);
		return buf;
	}
	if ((!strcmp(key, "body") || !strcmp(key, "cap")) && mp->body_name)
		return mp->body_name;
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (!strcmp(key, opts[i].key))
			return opts[i].opt;
	snprintf(buf, len, "--%s", key);
	return buf;
}

#define FAIL(mp, key, ...)                                                                     \
	do {                                                                                   \
		char nb_[64], m_[400];                                                         \
		snprintf(m_, sizeof(m_), __VA_ARGS__);                                         \
		snprintf((mp)->err, (mp)->errlen, "%s: %s", name_of(mp, key, nb_, sizeof(nb_)), m_); \
		goto bad;                                                                      \
	} while (0)

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
	if (!s->label && (s->label = malloc(sizeof(*s->label))))
		liaison__security_label__init(s->label);
	return s->label;
}

static bool add_reference(Liaison__SendRequest *s, const uint8_t id[16], Liaison__ReferenceKind k)
{
	Liaison__Reference **a = realloc(s->references, (s->n_references + 1) * sizeof(*a));
	Liaison__Reference *r;
	if (!a)
		return false;
	s->references = a;
	if (!(r = malloc(sizeof(*r))))
		return false;
	liaison__reference__init(r);
	if (!(r->id.data = malloc(16))) {
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
	/* a warning's CAP words and forms, however it came in; the original
	 * document comes only from an import, which checks it (--cap, "cap") */
	if (t == LIAISON__MESSAGE_TYPE__WARNING && ((Liaison__EarlyWarning *)m)->cap_xml.len) {
		snprintf(err, errlen, "field 'cap_xml': the CAP document is given with --cap "
			 "(\"cap\" in a batch line), where it is validated");
		protobuf_c_message_free_unpacked(m, NULL);
		return NULL;
	}
	if (t == LIAISON__MESSAGE_TYPE__WARNING &&
	    cap_warning_check((Liaison__EarlyWarning *)m, err, errlen) != LIAISON_OK) {
		protobuf_c_message_free_unpacked(m, NULL);
		return NULL;
	}
	p = payload_wrap(t, m);
	if (!p)
		snprintf(err, errlen, "out of memory");
	return p;
}

const char *send_text_field(Liaison__MessageType t, bool title)
{
	switch (t) {
	case LIAISON__MESSAGE_TYPE__SITREP:
		return title ? "title" : "summary";
	case LIAISON__MESSAGE_TYPE__WARNING:
		return title ? "headline" : "description";
	default:
		return title ? "title" : "body";
	}
}

/* The schema, read once per process. */
static struct cap_schema *schema;

static void schema_release(void)
{
	cap_schema_destroy(&schema);
}

const struct cap_schema *client_cap_schema(char *err, size_t errlen)
{
	if (!schema && cap_schema_load(NULL, &schema, err, errlen) == LIAISON_OK)
		atexit(schema_release);
	return schema;
}

/* A CAP document into the warning payload; precedence and expiry from it
 * unless the line gave them (the table in liaison(1)). */
static bool map_cap(struct map *mp, Liaison__SendRequest *s, json_t *val, bool have_prec,
		    bool have_exp, int64_t now_ms)
{
	const struct cap_schema *sc;
	Liaison__EarlyWarning *w;
	char why[400];
	int64_t exp;

	if (!json_is_string(val))
		FAIL(mp, "cap", "expected the CAP document as a string");
	if (s->type != LIAISON__MESSAGE_TYPE__WARNING)
		FAIL(mp, "cap", "a CAP alert is sent as a warning");
	if (!(sc = client_cap_schema(why, sizeof(why))))
		FAIL(mp, "cap", "%s", why);
	if (cap_import(sc, (const uint8_t *)json_string_value(val), json_string_length(val), &w, why,
		       sizeof(why)) != LIAISON_OK)
		FAIL(mp, "cap", "%s", why);
	if (!(s->payload = payload_wrap(s->type, &w->base)))
		FAIL(mp, "cap", "out of memory");
	if (!have_prec)
		s->precedence = cap_precedence(w);
	if (!have_exp) {
		if (!cap_expires_ms(w, &exp))
			FAIL(mp, "cap", "an <expires> time cannot be read");
		if (exp && exp <= now_ms) {
			char iso[TIME_ISO_LEN];
			time_format_iso(exp, iso);
			FAIL(mp, "cap", "the alert expired at %s (<expires>); give an expiry to send it "
				       "anyway", iso);
		}
		s->expires = exp;
	}
	return true;
bad:
	return false;
}

/* "to": an array of node names. */
static bool map_to(struct map *mp, Liaison__SendRequest *s, json_t *val)
{
	size_t i;
	json_t *e;
	if (!json_is_array(val) || json_array_size(val) == 0)
		FAIL(mp, "to", "expected an array of node names");
	json_array_foreach(val, i, e) {
		if (!json_is_string(e) || !liaison_name_valid(json_string_value(e))) {
			if (mp->options && json_is_string(e))
				FAIL(mp, "to", "'%s' is not a node name", json_string_value(e));
			FAIL(mp, "to", "element %zu is not a node name", i);
		}
		if (!push_string(&s->to, &s->n_to, json_string_value(e)))
			FAIL(mp, "to", "out of memory");
	}
	return true;
bad:
	return false;
}

/* "updates"/"cancels": one message id or an array of them. */
static bool map_refs(struct map *mp, Liaison__SendRequest *s, const char *k, json_t *val)
{
	json_t *one[1] = { val }, *e;
	size_t n = json_is_array(val) ? json_array_size(val) : 1;
	uint8_t id[16];
	size_t nd;
	for (size_t i = 0; i < n; i++) {
		e = json_is_array(val) ? json_array_get(val, i) : one[0];
		if (!json_is_string(e) || !hexid_parse(json_string_value(e), id, &nd) || nd != 32)
			FAIL(mp, k, "expected a message id of 32 hex digits");
		if (!add_reference(s, id, k[0] == 'u' ? LIAISON__REFERENCE_KIND__UPDATES
						      : LIAISON__REFERENCE_KIND__CANCELS))
			FAIL(mp, k, "out of memory");
	}
	return true;
bad:
	return false;
}

static bool map_label(struct map *mp, Liaison__SendRequest *s, const char *k, json_t *val)
{
	const char *v = json_string_value(val);
	size_t i;
	json_t *e;
	if (!label_of(s))
		FAIL(mp, k, "out of memory");
	if (!strcmp(k, "caveats")) {
		if (!json_is_array(val))
			FAIL(mp, k, "expected an array of strings");
		json_array_foreach(val, i, e) {
			if (!json_is_string(e))
				FAIL(mp, k, "element %zu is not a string", i);
			if (!push_string(&s->label->caveats, &s->label->n_caveats, json_string_value(e)))
				FAIL(mp, k, "out of memory");
		}
		return true;
	}
	if (!v)
		FAIL(mp, k, "expected a string");
	if (!strcmp(k, "classification") && !label_classification_parse(v, &s->label->classification))
		FAIL(mp, k, "'%s': expected UNCLASSIFIED, RESTRICTED, CONFIDENTIAL, SECRET or TOP_SECRET", v);
	if (!strcmp(k, "tlp") && !label_tlp_parse(v, &s->label->tlp))
		FAIL(mp, k, "'%s': expected CLEAR, GREEN, AMBER, AMBER+STRICT or RED", v);
	return true;
bad:
	return false;
}

Liaison__SendRequest *send_map(json_t *line, int64_t now_ms, bool options, const char *body_name,
			       char *err, size_t errlen)
{
	struct map m = { options, body_name, err, errlen }, *mp = &m;
	Liaison__SendRequest *s;
	const char *k, *v;
	json_t *val, *body = NULL, *cap = NULL;
	bool have_to = false, have_prec = false, have_exp = false;

	if (!json_is_object(line)) {
		snprintf(err, errlen, "expected a JSON object");
		return NULL;
	}
	if (!(s = malloc(sizeof(*s)))) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	liaison__send_request__init(s);
	/* type first: the body depends on it */
	if (!(val = json_object_get(line, "type"))) {
		if (options)
			snprintf(err, errlen, "which type: sitrep, status, warning or intel?");
		else
			snprintf(err, errlen, "field 'type' is missing");
		goto bad;
	}
	if (!(v = json_string_value(val)))
		FAIL(mp, "type", "expected a string");
	if (!label_type_parse(v, &s->type) || !payload_desc(s->type)) {
		if (options)
			snprintf(err, errlen, "'%s': expected sitrep, status, warning or intel", v);
		else
			snprintf(err, errlen, "field 'type': '%s' is not sitrep, status, warning or intel", v);
		goto bad;
	}
	json_object_foreach(line, k, val) {
		v = json_string_value(val);
		if (!strcmp(k, "type")) {
			continue;
		} else if (!strcmp(k, "to")) {
			have_to = true;
			if (!map_to(mp, s, val))
				goto bad;
		} else if (!strcmp(k, "all")) {
			if (!json_is_boolean(val))
				FAIL(mp, k, "expected true or false");
			s->all = json_is_true(val);
		} else if (!strcmp(k, "topic")) {
			size_t bad_at;
			char why[160];
			if (!v)
				FAIL(mp, k, "expected a string");
			if (!label_topic_valid(v, &bad_at)) {
				label_topic_explain(v, bad_at, why, sizeof(why));
				FAIL(mp, k, "%s", why);
			}
			if (!(s->topic = strdup(v)))
				FAIL(mp, k, "out of memory");
		} else if (!strcmp(k, "precedence")) {
			if (!v)
				FAIL(mp, k, "expected a string");
			if (!label_precedence_parse(v, &s->precedence))
				FAIL(mp, k, "'%s': expected flash, immediate, priority or routine", v);
			have_prec = true;
		} else if (!strcmp(k, "classification") || !strcmp(k, "tlp") || !strcmp(k, "caveats")) {
			if (!map_label(mp, s, k, val))
				goto bad;
		} else if (!strcmp(k, "expires")) {
			if (!v)
				FAIL(mp, k, "expected a string");
			if (!time_parse_deadline(v, now_ms, &s->expires))
				FAIL(mp, k, "'%s': expected a span such as 90s, 30m, 2h, 7d or an ISO 8601 time", v);
			have_exp = true;
		} else if (!strcmp(k, "updates") || !strcmp(k, "cancels")) {
			if (!map_refs(mp, s, k, val))
				goto bad;
		} else if (!strcmp(k, "body")) {
			body = val;
		} else if (!strcmp(k, "cap")) {
			cap = val;
		} else {
			snprintf(err, errlen, "unknown field '%s'", k);
			goto bad;
		}
	}
	if (have_to == s->all) {
		if (options)
			snprintf(err, errlen, s->all ? "--to and --all exclude each other"
						     : "name recipients with --to or --all");
		else
			snprintf(err, errlen, s->all ? "'to' and 'all' exclude each other"
						     : "name recipients with 'to' or 'all'");
		goto bad;
	}
	if (body && cap)
		FAIL(mp, "cap", "give the content once: a CAP alert or the payload's fields");
	if (cap) {
		if (!map_cap(mp, s, cap, have_prec, have_exp, now_ms))
			goto bad;
	} else if (!body) {
		if (options)
			snprintf(err, errlen, "no content: give --file F.json, --title T --body TEXT, --cap F or -");
		else
			snprintf(err, errlen, "field 'body' is missing");
		goto bad;
	} else {
		char inner[300];
		if (!(s->payload = send_payload_from_json(s->type, body, inner, sizeof(inner))))
			FAIL(mp, "body", "%s", inner);
	}
	return s;
bad:
	send_request_free(s);
	return NULL;
}

Liaison__SendRequest *send_from_json(json_t *line, int64_t now_ms, char *err, size_t errlen)
{
	return send_map(line, now_ms, false, NULL, err, errlen);
}

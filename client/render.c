/* How the client prints messages, node status and peers: readable tables
 * and blocks by default, JSON (jansson, one compact object a line) for scripts. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "hexid.h"
#include "labels.h"
#include "pbjson.h"
#include "textsafe.h"
#include "timefmt.h"

const ProtobufCMessage *render_payload_body(const Liaison__Payload *p)
{
	if (!p)
		return NULL;
	switch (p->body_case) {
	case LIAISON__PAYLOAD__BODY_SITREP:
		return &p->sitrep->base;
	case LIAISON__PAYLOAD__BODY_STATUS:
		return &p->status->base;
	case LIAISON__PAYLOAD__BODY_WARNING:
		return &p->warning->base;
	case LIAISON__PAYLOAD__BODY_INTEL:
		return &p->intel->base;
	case LIAISON__PAYLOAD__BODY_RECEIPT:
		return &p->receipt->base;
	default:
		return NULL;
	}
}

const char *render_payload_title(const Liaison__Payload *p)
{
	const char *t = NULL;
	if (!p)
		return "";
	switch (p->body_case) {
	case LIAISON__PAYLOAD__BODY_SITREP:
		t = p->sitrep->title;
		break;
	case LIAISON__PAYLOAD__BODY_STATUS:
		t = p->status->title;
		break;
	case LIAISON__PAYLOAD__BODY_WARNING:
		t = p->warning->headline;
		break;
	case LIAISON__PAYLOAD__BODY_INTEL:
		t = p->intel->title;
		break;
	default:
		break;
	}
	return t ? t : "";
}

static json_t *json_hex(const ProtobufCBinaryData *b)
{
	return pbjson_hex(b->data, b->len);
}

static json_t *json_time(int64_t ms)
{
	char iso[TIME_ISO_LEN];
	time_format_iso(ms, iso);
	return json_string(iso);
}

static const char *str(const char *s)
{
	return s ? s : "";
}

/* A JSON string of text from elsewhere: invalid UTF-8 shows as U+FFFD
 * instead of making jansson drop the field. */
static json_t *json_text(const char *s)
{
	json_t *j = json_string(str(s));
	if (!j) {
		char *fixed = textsafe_utf8_repair(s, strlen(s));
		j = fixed ? json_string(fixed) : NULL;
		free(fixed);
	}
	return j;
}

/* Writes text from elsewhere so that it cannot drive the terminal
 * (textsafe.h); with multiline, newlines and tabs are kept and each new
 * line is indented by indent. */
static void put_text(FILE *out, const char *s, bool multiline, int indent)
{
	char *safe = textsafe_dup(s, multiline ? TEXTSAFE_MULTILINE : 0);
	if (!safe) {
		fputs("(out of memory)", out);
		return;
	}
	for (const char *p = safe; *p; p++) {
		fputc(*p, out);
		if (*p == '\n' && p[1])
			fprintf(out, "%*s", indent, "");
	}
	free(safe);
}

static const char *precedence_name(Liaison__Precedence p)
{
	const char *n = label_precedence_name(p);
	return n[0] ? n : "UNSET";
}

static const char *reference_kind(Liaison__ReferenceKind k)
{
	return k == LIAISON__REFERENCE_KIND__UPDATES ? "UPDATES"
	     : k == LIAISON__REFERENCE_KIND__CANCELS ? "CANCELS" : "UNSET";
}

json_t *render_message_json(const Liaison__Message *m)
{
	json_t *o = json_object(), *a;
	const ProtobufCMessage *body = render_payload_body(m->payload);
	Liaison__Classification cls = m->label ? m->label->classification : 0;

	if (!o)
		return NULL;
	json_object_set_new(o, "id", json_hex(&m->id));
	if (m->damaged && m->damaged[0]) {
		/* nothing else of a damaged message can be trusted */
		json_object_set_new(o, "received", json_time(m->received));
		json_object_set_new(o, "cursor", json_integer((json_int_t)m->cursor));
		json_object_set_new(o, "damaged", json_text(m->damaged));
		return o;
	}
	json_object_set_new(o, "type", json_string(label_type_name(m->type)));
	json_object_set_new(o, "from", json_text(m->from));
	a = json_array();
	for (size_t i = 0; i < m->n_to; i++)
		json_array_append_new(a, json_text(m->to[i]));
	json_object_set_new(o, "to", a);
	json_object_set_new(o, "topic", json_text(m->topic));
	json_object_set_new(o, "precedence", json_string(precedence_name(m->precedence)));
	json_object_set_new(o, "classification", json_string(label_classification_name(cls)));
	if (m->label && m->label->tlp)
		json_object_set_new(o, "tlp", json_string(label_tlp_name(m->label->tlp)));
	if (m->label && m->label->n_caveats) {
		a = json_array();
		for (size_t i = 0; i < m->label->n_caveats; i++)
			json_array_append_new(a, json_text(m->label->caveats[i]));
		json_object_set_new(o, "caveats", a);
	}
	json_object_set_new(o, "created", json_time(m->created));
	json_object_set_new(o, "received", json_time(m->received));
	if (m->expires)
		json_object_set_new(o, "expires", json_time(m->expires));
	json_object_set_new(o, "sequence", json_integer((json_int_t)m->sequence));
	if (m->n_references) {
		a = json_array();
		for (size_t i = 0; i < m->n_references; i++) {
			json_t *r = json_object();
			json_object_set_new(r, "id", json_hex(&m->references[i]->id));
			json_object_set_new(r, "kind", json_string(reference_kind(m->references[i]->kind)));
			json_array_append_new(a, r);
		}
		json_object_set_new(o, "references", a);
	}
	json_object_set_new(o, "cursor", json_integer((json_int_t)m->cursor));
	if (m->cap_state && m->cap_state[0])
		json_object_set_new(o, "cap_state", json_string(m->cap_state));
	json_object_set_new(o, "body", body ? pbjson_from_message(body) : json_object());
	/* the imported document is what `get --cap` prints, not hex in every listing */
	json_object_del(json_object_get(o, "body"), "cap_xml");
	return o;
}

void render_json_line(FILE *out, const json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	/* jansson leaves DEL, C1 controls and U+2028/2029 raw: escape them too */
	char *safe = s ? textsafe_json(s) : NULL;
	if (safe) {
		fputs(safe, out);
		fputc('\n', out);
	}
	free(safe);
	free(s);
}

/* Columns of the message table. */
#define ID_COLS 12

void render_message_header(FILE *out)
{
	fprintf(out, "%-12s  %-20s  %-10s  %-7s  %-10s  %-14s  %-16s  %s\n", "ID", "RECEIVED", "FROM",
		"TYPE", "PRECEDENCE", "CLASSIFICATION", "TOPIC", "TITLE");
}

void render_message_line(FILE *out, const Liaison__Message *m)
{
	char hex[HEXID_LEN] = "", iso[TIME_ISO_LEN];
	uint8_t id[16] = {0};

	if (m->id.len) /* a reply may carry no id: memcpy takes no NULL, even for 0 bytes */
		memcpy(id, m->id.data, m->id.len < 16 ? m->id.len : 16);
	hexid_format(id, hex);
	hex[ID_COLS] = '\0';
	time_format_iso(m->received, iso);
	/* seconds are enough in a table */
	char *dot = strchr(iso, '.');
	if (dot)
		strcpy(dot, "Z");
	if (m->damaged && m->damaged[0]) {
		fprintf(out, "%-12s  %-20s  DAMAGED: ", hex, iso);
		put_text(out, m->damaged, false, 0);
		fputc('\n', out);
		return;
	}
	/* one message, one line: no newline, tab or control from a partner's text */
	char *from = textsafe_dup(m->from, 0), *topic = textsafe_dup(m->topic, 0);
	fprintf(out, "%-12s  %-20s  %-10s  %-7s  %-10s  %-14s  %-16s  ", hex, iso, str(from),
		label_type_name(m->type), precedence_name(m->precedence),
		label_classification_name(m->label ? m->label->classification : 0), str(topic));
	free(from);
	free(topic);
	put_text(out, render_payload_title(m->payload), false, 0);
	fputc('\n', out);
}

/* Prints a JSON value as "field: value" lines, nested objects indented. */
static void put_fields(FILE *out, const json_t *o, int indent)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)o, k, v) {
		if (json_is_object(v)) {
			fprintf(out, "%*s%s:\n", indent, "", k);
			put_fields(out, v, indent + 2);
		} else if (json_is_array(v)) {
			size_t i;
			json_t *e;
			fprintf(out, "%*s%s:\n", indent, "", k);
			json_array_foreach(v, i, e) {
				if (json_is_object(e)) {
					fprintf(out, "%*s- [%zu]\n", indent + 2, "", i);
					put_fields(out, e, indent + 4);
				} else if (json_is_string(e)) {
					fprintf(out, "%*s- ", indent + 2, "");
					put_text(out, json_string_value(e), false, 0);
					fputc('\n', out);
				} else {
					char *s = json_dumps(e, JSON_ENCODE_ANY | JSON_COMPACT);
					fprintf(out, "%*s- %s\n", indent + 2, "", s ? s : "");
					free(s);
				}
			}
		} else if (json_is_string(v)) {
			fprintf(out, "%*s%s: ", indent, "", k);
			/* continuation lines of a multi-line text keep the indentation */
			put_text(out, json_string_value(v), true, indent + 2);
			fputc('\n', out);
		} else {
			char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
			fprintf(out, "%*s%s: %s\n", indent, "", k, s ? s : "");
			free(s);
		}
	}
}

void render_message_block(FILE *out, const Liaison__Message *m)
{
	json_t *j = render_message_json(m), *body;
	if (!j)
		return;
	body = json_incref(json_object_get(j, "body"));
	json_object_del(j, "body");
	put_fields(out, j, 0);
	if (body && json_object_size(body)) {
		fprintf(out, "\n");
		put_fields(out, body, 0);
	}
	json_decref(body);
	json_decref(j);
}

/* {"FLASH": n, "IMMEDIATE": n, "PRIORITY": n, "ROUTINE": n}: every lane,
 * zero when the node left it out. */
static json_t *lanes_json(Liaison__QueueDepth **qs, size_t n_qs)
{
	json_t *q = json_object();
	for (int p = LIAISON__PRECEDENCE__FLASH; p <= LIAISON__PRECEDENCE__ROUTINE; p++)
		json_object_set_new(q, label_precedence_name(p), json_integer(0));
	for (size_t i = 0; i < n_qs; i++) {
		const char *n = label_precedence_name(qs[i]->precedence);
		if (n[0])
			json_object_set_new(q, n, json_integer((json_int_t)qs[i]->depth));
	}
	return q;
}

json_t *render_status_json(const Liaison__StatusReply *s)
{
	json_t *o = json_object(), *q, *c;

	if (!o)
		return NULL;
	if (s->id.len) {
		json_t *a = json_array();
		json_object_set_new(o, "id", json_hex(&s->id));
		if (s->expires)
			json_object_set_new(o, "expires", json_time(s->expires));
		json_object_set_new(o, "expired", json_boolean(s->expired));
		for (size_t i = 0; i < s->n_recipients; i++) {
			json_t *r = json_object();
			json_object_set_new(r, "node", json_string(str(s->recipients[i]->node)));
			json_object_set_new(r, "state", json_string(str(s->recipients[i]->state)));
			json_object_set_new(r, "updated", json_time(s->recipients[i]->updated));
			if (s->recipients[i]->reason && s->recipients[i]->reason[0])
				json_object_set_new(r, "reason", json_string(s->recipients[i]->reason));
			json_array_append_new(a, r);
		}
		json_object_set_new(o, "recipients", a);
		return o;
	}
	json_object_set_new(o, "name", json_string(str(s->name)));
	json_object_set_new(o, "fingerprint", json_string(str(s->fingerprint)));
	json_object_set_new(o, "uptime", json_integer(s->uptime));
	json_object_set_new(o, "peers", json_integer(s->peers));
	json_object_set_new(o, "peers_connected", json_integer(s->peers_connected));
	json_object_set_new(o, "stored", json_integer((json_int_t)s->stored));
	json_object_set_new(o, "version", json_string(str(s->version)));
	json_object_set_new(o, "store_bytes", json_integer((json_int_t)s->store_bytes));
	json_t *rj = json_object();
	for (size_t i = 0; i < s->n_rejected_by_reason; i++)
		if (s->rejected_by_reason[i]->name && s->rejected_by_reason[i]->name[0])
			json_object_set_new(rj, s->rejected_by_reason[i]->name,
					    json_integer((json_int_t)s->rejected_by_reason[i]->value));
	json_object_set_new(o, "rejected_by_reason", rj);
	q = lanes_json(s->queues, s->n_queues);
	json_object_set_new(o, "queues", q);
	c = json_object();
	json_object_set_new(c, "sent", json_integer(0));
	json_object_set_new(c, "received", json_integer(0));
	json_object_set_new(c, "rejected", json_integer(0));
	for (size_t i = 0; i < s->n_counters; i++)
		if (s->counters[i]->name && s->counters[i]->name[0])
			json_object_set_new(c, s->counters[i]->name,
					    json_integer((json_int_t)s->counters[i]->value));
	json_object_set_new(o, "counters", c);
	return o;
}

static void put_uptime(FILE *out, int64_t s)
{
	if (s >= 86400)
		fprintf(out, "%" PRId64 "d %02" PRId64 "h%02" PRId64 "m", s / 86400, s % 86400 / 3600,
			s % 3600 / 60);
	else if (s >= 3600)
		fprintf(out, "%" PRId64 "h%02" PRId64 "m", s / 3600, s % 3600 / 60);
	else
		fprintf(out, "%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
}

static void put_bytes(FILE *out, uint64_t b)
{
	if (b >= 10ull << 30)
		fprintf(out, "%.1f GiB", (double)b / (1 << 30));
	else if (b >= 10ull << 20)
		fprintf(out, "%.1f MiB", (double)b / (1 << 20));
	else if (b >= 10ull << 10)
		fprintf(out, "%.1f KiB", (double)b / (1 << 10));
	else
		fprintf(out, "%" PRIu64 " bytes", b);
}

void render_status_text(FILE *out, const Liaison__StatusReply *s)
{
	json_t *j;
	const char *k;
	json_t *v;

	if (s->id.len) {
		char iso[TIME_ISO_LEN];
		j = json_hex(&s->id);
		fprintf(out, "message %s", json_string_value(j));
		json_decref(j);
		time_format_iso(s->expires, iso);
		if (s->expires)
			fprintf(out, " (%s %s)", s->expired ? "expired at" : "expires", iso);
		fputc('\n', out);
		fprintf(out, "%-16s  %-10s  %s\n", "RECIPIENT", "STATE", "UPDATED");
		for (size_t i = 0; i < s->n_recipients; i++) {
			time_format_iso(s->recipients[i]->updated, iso);
			fprintf(out, "%-16s  %-10s  %s", str(s->recipients[i]->node),
				str(s->recipients[i]->state), s->recipients[i]->updated ? iso : "-");
			/* a recipient's reason may be its own words (put_text escapes them) */
			const char *why = s->recipients[i]->reason;
			if (why && why[0]) {
				fputs("  (", out);
				put_text(out, why, false, 0);
				fputc(')', out);
			}
			fputc('\n', out);
		}
		return;
	}
	j = render_status_json(s);
	if (!j)
		return;
	fprintf(out, "name:        %s (liaisond %s)\n", str(s->name), s->version && s->version[0] ? s->version : "?");
	fprintf(out, "fingerprint: %s\n", str(s->fingerprint));
	fprintf(out, "uptime:      ");
	put_uptime(out, s->uptime);
	fprintf(out, "\npeers:       %u connected of %u\n", s->peers_connected, s->peers);
	fprintf(out, "stored:      %" PRIu64 " messages, ", s->stored);
	put_bytes(out, s->store_bytes);
	fprintf(out, " on disk\n");
	fprintf(out, "queues:     ");
	json_object_foreach(json_object_get(j, "queues"), k, v)
		fprintf(out, " %s %" JSON_INTEGER_FORMAT, k, json_integer_value(v));
	fprintf(out, "\ncounters:\n");
	json_object_foreach(json_object_get(j, "counters"), k, v)
		fprintf(out, "  %-26s %" JSON_INTEGER_FORMAT "\n", k, json_integer_value(v));
	if (json_object_size(json_object_get(j, "rejected_by_reason"))) {
		fprintf(out, "rejected by reason:\n");
		json_object_foreach(json_object_get(j, "rejected_by_reason"), k, v)
			fprintf(out, "  %-26s %" JSON_INTEGER_FORMAT "\n", k, json_integer_value(v));
	}
	json_decref(j);
}

json_t *render_peers_json(const Liaison__PeersReply *p)
{
	json_t *o = json_object(), *a = json_array();
	for (size_t i = 0; i < p->n_peers; i++) {
		const Liaison__PeerInfo *e = p->peers[i];
		json_t *r = json_object();
		json_object_set_new(r, "name", json_string(str(e->name)));
		json_object_set_new(r, "endpoint", json_string(str(e->endpoint)));
		json_object_set_new(r, "fingerprint", json_string(str(e->fingerprint)));
		json_object_set_new(r, "connected", json_boolean(e->connected));
		json_object_set_new(r, "max_classification",
				    e->max_classification
					    ? json_string(label_classification_name(e->max_classification))
					    : json_null());
		json_object_set_new(r, "kind", json_string(e->kind && e->kind[0] ? e->kind : "peer"));
		json_object_set_new(r, "queued", lanes_json(e->queues, e->n_queues));
		json_object_set_new(r, "last_seen", e->last_seen ? json_time(e->last_seen) : json_null());
		json_object_set_new(r, "down_since", e->down_since ? json_time(e->down_since) : json_null());
		json_object_set_new(r, "lag_seconds", json_integer(e->lag_seconds));
		json_object_set_new(r, "last_error",
				    e->last_error && e->last_error[0] ? json_string(e->last_error) : json_null());
		if (e->kind && !strcmp(e->kind, "member")) {
			json_object_set_new(r, "via", json_string(str(e->via)));
			json_object_set_new(r, "path", e->path && e->path[0] ? json_string(e->path) : json_null());
		}
		json_array_append_new(a, r);
	}
	json_object_set_new(o, "peers", a);
	return o;
}

void render_peers_text(FILE *out, const Liaison__PeersReply *p)
{
	char iso[TIME_ISO_LEN], link[40], lag[24], queued[64];
	int64_t now = time_now_ms();
	fprintf(out, "%-12s  %-15s  %-15s  %6s  %-20s  %-14s  %-19s  %s\n", "PEER", "LINK", "QUEUED F/I/P/R",
		"LAG", "LAST SEEN", "MAX LABEL", "FINGERPRINT", "ENDPOINT");
	for (size_t i = 0; i < p->n_peers; i++) {
		const Liaison__PeerInfo *e = p->peers[i];
		uint64_t lanes[4] = { 0 };
		for (size_t k = 0; k < e->n_queues; k++)
			if (e->queues[k]->precedence >= 1 && e->queues[k]->precedence <= 4)
				lanes[e->queues[k]->precedence - 1] = e->queues[k]->depth;
		snprintf(queued, sizeof(queued), "%" PRIu64 "/%" PRIu64 "/%" PRIu64 "/%" PRIu64, lanes[0], lanes[1],
			 lanes[2], lanes[3]);
		bool member = e->kind && !strcmp(e->kind, "member");
		char where[128];
		if (member) /* the link column tells the relay in use; the endpoint column the relays */
			snprintf(link, sizeof(link), "%s%.24s", e->path && e->path[0] ? "via " : "no relay up",
				 e->path ? e->path : "");
		if (member) {
		} else if (e->connected) {
			snprintf(link, sizeof(link), "up");
		} else if (e->down_since) {
			char span[24];
			time_format_span(now - e->down_since, span, sizeof(span));
			snprintf(link, sizeof(link), "down %s", span);
		} else {
			snprintf(link, sizeof(link), "down");
		}
		if (e->lag_seconds)
			time_format_span(e->lag_seconds * 1000, lag, sizeof(lag));
		else
			snprintf(lag, sizeof(lag), "-");
		time_format_iso(e->last_seen, iso);
		char *dot = strchr(iso, '.');
		if (dot)
			strcpy(dot, "Z");
		snprintf(where, sizeof(where), "%s%s", member ? "member via " : "", member ? str(e->via) : str(e->endpoint));
		fprintf(out, "%-12s  %-15s  %-15s  %6s  %-20s  %-14s  %-19s  %s\n", str(e->name), link, queued, lag,
			e->last_seen ? iso : "-",
			e->max_classification ? label_classification_name(e->max_classification) : "-",
			str(e->fingerprint), where);
		if (!e->connected && e->last_error && e->last_error[0]) { /* --json has it always */
			fprintf(out, "%-12s  last error: ", "");
			put_text(out, e->last_error, false, 0);
			fputc('\n', out);
		}
	}
}

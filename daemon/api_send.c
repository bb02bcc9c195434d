/* The send request: validate, apply the release policy and fix the stream
 * sequence numbers here; seal once for every recipient on the seal worker;
 * then store the message and its outbox entries and answer with the id after
 * the commit. Nothing is queued for anyone when any check fails.
 *
 * Replies to one client's sends keep the order of its requests: a refusal
 * waits in the queue behind the sends before it. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "node.h"
#include "labels.h"
#include "log.h"
#include "timefmt.h"
#include "hexid.h"

#define TOPIC_MAX 256

static const Liaison__Payload__BodyCase body_for_type[] = {
	[LIAISON__MESSAGE_TYPE__SITREP] = LIAISON__PAYLOAD__BODY_SITREP,
	[LIAISON__MESSAGE_TYPE__STATUS] = LIAISON__PAYLOAD__BODY_STATUS,
	[LIAISON__MESSAGE_TYPE__WARNING] = LIAISON__PAYLOAD__BODY_WARNING,
	[LIAISON__MESSAGE_TYPE__INTEL] = LIAISON__PAYLOAD__BODY_INTEL,
};

#define CAVEATS_MAX 16
#define CAVEAT_LEN_MAX 128
#define REFERENCES_MAX 16

static void item_free(struct seal_item *it)
{
	if (!it)
		return;
	if (it->req)
		liaison__api_request__free_unpacked(it->req, NULL);
	free(it->refusal);
	free(it->env);
	free(it->rcpts);
	free(it->names);
	free(it->pks);
	free(it);
}

static void job_free(struct seal_job *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < j->n; i++)
		item_free(j->items[i]);
	free(j->items);
	free(j);
}

/* Appends it to the turn's open job; false (it freed) when out of memory. */
static bool job_add(struct node *n, struct seal_item *it)
{
	struct seal_job *j = n->seal_open;
	if (!j && !(j = n->seal_open = calloc(1, sizeof(*j)))) {
		item_free(it);
		return false;
	}
	j->generation = n->seal_generation;
	if (j->n == j->cap) {
		size_t cap = j->cap ? j->cap * 2 : 64;
		struct seal_item **p = realloc(j->items, cap * sizeof(*p));
		if (!p) {
			item_free(it);
			return false;
		}
		j->items = p;
		j->cap = cap;
	}
	j->items[j->n++] = it;
	return true;
}

static struct seal_item *item_new(const uint8_t *rid, size_t rid_len, uint64_t request_id)
{
	struct seal_item *it = calloc(1, sizeof(*it));
	if (!it)
		return NULL;
	it->rid_len = rid_len < sizeof(it->rid) ? rid_len : sizeof(it->rid);
	memcpy(it->rid, rid, it->rid_len);
	it->request_id = request_id;
	return it;
}

/* Refuses a send. While sends of this turn or the last wait for sealing,
 * the refusal waits behind them so replies keep the order of requests. */
static void refuse(struct node *n, const uint8_t *rid, size_t rid_len, uint64_t request_id, int code,
		   const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void refuse(struct node *n, const uint8_t *rid, size_t rid_len, uint64_t request_id, int code,
		   const char *fmt, ...)
{
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (!n->seal_open && !n->sealing) {
		api_error(n, rid, rid_len, request_id, code, "%s", text);
		return;
	}
	struct seal_item *it = item_new(rid, rid_len, request_id);
	if (!it || !(it->refusal = api_error_pack(request_id, code, &it->refusal_len, "%s", text))) {
		item_free(it);
		api_error(n, rid, rid_len, request_id, code, "%s", text);
		return;
	}
	job_add(n, it);
}

#define REFUSE(code, ...)                                                          \
	do {                                                                       \
		refuse(n, rid, rid_len, request_id, code, __VA_ARGS__);            \
		goto out;                                                          \
	} while (0)

static bool topic_valid(const char *t)
{
	if (strlen(t) > TOPIC_MAX)
		return false;
	for (; *t; t++)
		if ((unsigned char)*t < 0x20 || *t == 0x7f)
			return false;
	return true;
}

/* Adds l to the recipient links once. */
static void add_link(struct link **sel, size_t *n_sel, struct link *l)
{
	for (size_t i = 0; i < *n_sel; i++)
		if (sel[i] == l)
			return;
	sel[(*n_sel)++] = l;
}

static bool label_valid(const Liaison__SecurityLabel *l)
{
	if (!l)
		return true;
	if (l->n_caveats > CAVEATS_MAX)
		return false;
	for (size_t i = 0; i < l->n_caveats; i++)
		if (strlen(l->caveats[i]) > CAVEAT_LEN_MAX)
			return false;
	return true;
}

bool api_send(struct node *n, const uint8_t *rid, size_t rid_len, const char *client, Liaison__ApiRequest *areq)
{
	const Liaison__SendRequest *req = areq->send;
	uint64_t request_id = areq->request_id;
	struct link **sel = calloc(n->n_links + 1, sizeof(*sel));
	struct seal_item *it = NULL;
	bool taken = false;
	size_t n_sel = 0;
	int64_t now = time_now_ms();
	if (!sel)
		REFUSE(1, "out of memory");

	Liaison__MessageType type = req->type;
	if (type < LIAISON__MESSAGE_TYPE__SITREP || type > LIAISON__MESSAGE_TYPE__INTEL)
		REFUSE(64, "message type must be sitrep, status, warning or intel");
	if (!req->payload || req->payload->body_case != body_for_type[type])
		REFUSE(64, "the payload does not match the type %s", label_type_name(type));
	size_t body_len = liaison__payload__get_packed_size(req->payload);
	if (body_len > n->conf->max_message)
		REFUSE(1, "message body of %zu bytes exceeds this node's max_message of %zu", body_len,
		       n->conf->max_message);
	if (req->topic && !topic_valid(req->topic))
		REFUSE(64, "topic must be at most %d printable characters", TOPIC_MAX);
	Liaison__Precedence prec = req->precedence ? req->precedence : label_default_precedence(type);
	if (prec < LIAISON__PRECEDENCE__FLASH || prec > LIAISON__PRECEDENCE__ROUTINE)
		REFUSE(64, "unknown precedence %d", (int)prec);
	Liaison__Classification cls = LIAISON__CLASSIFICATION__UNCLASSIFIED;
	if (req->label && req->label->classification)
		cls = req->label->classification;
	if (cls > LIAISON__CLASSIFICATION__TOP_SECRET)
		REFUSE(64, "unknown classification %d", (int)cls);
	if (req->label && req->label->tlp > LIAISON__TLP__TLP_RED)
		REFUSE(64, "unknown TLP marking %d", (int)req->label->tlp);
	if (!label_valid(req->label))
		REFUSE(64, "at most %d caveats of at most %d characters each", CAVEATS_MAX, CAVEAT_LEN_MAX);
	if (req->expires && req->expires <= now)
		REFUSE(64, "the expiry time has already passed");

	if (req->all)
		for (size_t i = 0; i < n->n_links; i++)
			add_link(sel, &n_sel, &n->links[i]);
	for (size_t i = 0; i < req->n_to; i++) {
		if (!strcmp(req->to[i], n->key->cert.name))
			continue; /* the sender always keeps its own copy */
		struct link *l = node_link(n, req->to[i]);
		if (!l)
			REFUSE(1, "unknown recipient '%s': not a peer of %s", req->to[i], n->key->cert.name);
		add_link(sel, &n_sel, l);
	}
	if (n_sel == 0)
		REFUSE(64, "no recipients: name peers with --to, or use --all");
	if (n_sel + 1 > ENVELOPE_MAX_RECIPIENTS)
		REFUSE(64, "at most %d recipients", ENVELOPE_MAX_RECIPIENTS - 1);

	/* Release policy: refuse before anything is sent to anyone. */
	for (size_t i = 0; i < n_sel; i++) {
		struct link *l = sel[i];
		if (l->max_classification && cls > l->max_classification) {
			char detail[256];
			snprintf(detail, sizeof(detail), "client=%s to=%s classification=%s limit=%s", client, l->name,
				 label_classification_name(cls), label_classification_name(l->max_classification));
			log_info("release refused: %s", detail);
			n->counters.refused++;
			if (node_tx(n) == 0)
				store_audit(n->store, "release-refused", detail);
			REFUSE(1, "release refused: %s exceeds %s's limit %s", label_classification_name(cls),
			       l->name, label_classification_name(l->max_classification));
		}
	}
	if (req->n_references > REFERENCES_MAX)
		REFUSE(64, "at most %d references", REFERENCES_MAX);
	for (size_t i = 0; i < req->n_references; i++) {
		const Liaison__Reference *ref = req->references[i];
		if (ref->id.len != 16 || ref->kind < LIAISON__REFERENCE_KIND__UPDATES ||
		    ref->kind > LIAISON__REFERENCE_KIND__CANCELS)
			REFUSE(64, "malformed reference");
		if (!store_has_message(n->store, ref->id.data)) {
			char hex[HEXID_LEN];
			hexid_format(ref->id.data, hex);
			REFUSE(1, "reference %s: no such message at this node", hex);
		}
	}

	/* Accepted: fix its sequence numbers now, in request order; the worker
	 * seals with copies of everything it needs. */
	it = item_new(rid, rid_len, request_id);
	if (!it || !(it->rcpts = calloc(n_sel + 1, sizeof(*it->rcpts))) ||
	    !(it->names = calloc(n_sel + 1, sizeof(*it->names))) || !(it->pks = calloc(n_sel + 1, sizeof(*it->pks)))) {
		item_free(it);
		REFUSE(1, "out of memory");
	}
	int lane = (int)prec - 1;
	it->lane = lane;
	it->n_rcpts = n_sel + 1;
	snprintf(it->names[0], sizeof(it->names[0]), "%s", n->key->cert.name);
	memcpy(it->pks[0], n->key->cert.box_pk, 32);
	it->rcpts[0] = (struct envelope_recipient){ it->names[0], it->pks[0], 0 };
	for (size_t i = 0; i < n_sel; i++) {
		snprintf(it->names[i + 1], sizeof(it->names[0]), "%s", sel[i]->name);
		memcpy(it->pks[i + 1], sel[i]->cert.box_pk, 32);
		it->rcpts[i + 1] = (struct envelope_recipient){ it->names[i + 1], it->pks[i + 1], ++sel[i]->next_seq[lane] };
	}
	it->req = areq;
	liaison__security_label__init(&it->label);
	if (req->label)
		it->label = *req->label;
	it->label.classification = cls;
	liaison__header__init(&it->h);
	it->h.sender = n->key->cert.name;
	it->h.sequence = ++n->sequence;
	it->h.created = now;
	it->h.expires = req->expires;
	it->h.type = type;
	it->h.topic = req->topic ? req->topic : "";
	it->h.precedence = prec;
	it->h.label = &it->label;
	it->h.references = req->references;
	it->h.n_references = req->n_references;
	taken = job_add(n, it);
	if (!taken) { /* job_add freed it, and the request with it */
		api_error(n, rid, rid_len, request_id, 1, "out of memory");
		n->seal_generation++; /* the sequence numbers it took are void */
		node_load_streams(n);
		taken = true;
	}
out:
	free(sel);
	return taken;
}

void send_submit(struct node *n)
{
	if (n->sealing || !n->seal_open)
		return;
	struct seal_job *j = n->seal_open;
	n->seal_open = NULL;
	if (seal_worker_submit(n->seal_worker, j) < 0) {
		log_error("seal worker: cannot hand over %zu sends", j->n);
		n->seal_open = j; /* try again next turn */
		return;
	}
	n->sealing = true;
}

/* Fails every item of j (sends and refusals alike) with its own reply. */
static void job_fail(struct node *n, struct seal_job *j, const char *why)
{
	for (size_t i = 0; i < j->n; i++) {
		struct seal_item *it = j->items[i];
		if (it->refusal) {
			node_defer(n, n->api, it->rid, it->rid_len, it->refusal, it->refusal_len, NULL, 0);
			it->refusal = NULL; /* node_defer owns it */
		} else {
			api_error(n, it->rid, it->rid_len, it->request_id, 1, "%s", why);
		}
	}
}

/* Stores one sealed send; returns -1 when the store failed. */
static int store_item(struct node *n, struct seal_item *it)
{
	int64_t pos;
	if (node_tx(n) < 0)
		return -1;
	it->h.id.data = it->id;
	it->h.id.len = ENVELOPE_ID_LEN;
	if (store_put_message(n->store, &it->h, it->env, it->env_len, it->h.created, &pos) != 0)
		return -1;
	for (size_t i = 1; i < it->n_rcpts; i++) {
		if (store_add_recipient(n->store, pos, it->rcpts[i].node, it->lane, it->rcpts[i].stream_seq) < 0)
			return -1;
		struct link *l = node_link(n, it->rcpts[i].node);
		if (l && it->rcpts[i].stream_seq > l->stored[it->lane])
			l->stored[it->lane] = it->rcpts[i].stream_seq; /* the pump may send it after the commit */
	}
	Liaison__ApiReply reply = LIAISON__API_REPLY__INIT;
	Liaison__SendReply sr = LIAISON__SEND_REPLY__INIT;
	sr.id.data = it->id;
	sr.id.len = ENVELOPE_ID_LEN;
	reply.version = 1;
	reply.request_id = it->request_id;
	reply.kind_case = LIAISON__API_REPLY__KIND_SEND;
	reply.send = &sr;
	size_t ok_len, fail_len;
	uint8_t *ok = api_reply_pack(&reply, &ok_len);
	uint8_t *fail = api_error_pack(it->request_id, 1, &fail_len,
				       "the node could not store the message (see its log); nothing was sent");
	node_defer(n, n->api, it->rid, it->rid_len, ok, ok_len, fail, fail_len);
	return 0;
}

static void store_job(struct node *n, struct seal_job *j)
{
	if (j->generation != n->seal_generation) {
		job_fail(n, j, "the node could not store messages (see its log); nothing was sent, send again");
		return;
	}
	for (size_t i = 0; i < j->n; i++) {
		struct seal_item *it = j->items[i];
		if (it->refusal) {
			node_defer(n, n->api, it->rid, it->rid_len, it->refusal, it->refusal_len, NULL, 0);
			it->refusal = NULL;
			continue;
		}
		if (it->rc == LIAISON_OK && store_item(n, it) == 0)
			continue;
		/* The sequence numbers of this send and every later one are void:
		 * fail them all and take the stream state from the store again. */
		if (it->rc != LIAISON_OK)
			log_error("cannot seal a message: %s", liaison_strerror(it->rc));
		else
			log_error("store: %s", store_errmsg(n->store));
		struct seal_job rest = { .items = j->items + i, .n = j->n - i };
		job_fail(n, &rest, "the node could not store the message (see its log); nothing was sent");
		if (it->rc == LIAISON_OK)
			n->tx_failed = true;
		else
			send_abandon(n);
		return;
	}
}

void send_sealed(struct node *n)
{
	struct seal_job *j = seal_worker_take(n->seal_worker, false);
	if (!j)
		return;
	n->sealing = false;
	send_submit(n); /* the worker seals the next sends while these are stored */
	store_job(n, j);
	job_free(j);
}

void send_abandon(struct node *n)
{
	n->seal_generation++;
	if (n->seal_open) {
		job_fail(n, n->seal_open, "the node could not store messages (see its log); nothing was sent, send again");
		job_free(n->seal_open);
		n->seal_open = NULL;
	}
	node_load_streams(n);
}

void send_drain(struct node *n)
{
	for (int round = 0; round < 2 && (n->sealing || n->seal_open); round++) {
		if (!n->sealing)
			send_submit(n);
		struct seal_job *j = n->sealing ? seal_worker_take(n->seal_worker, true) : NULL;
		if (!j)
			break;
		n->sealing = false;
		store_job(n, j);
		job_free(j);
	}
}

void send_clear(struct node *n)
{
	if (n->seal_worker && n->sealing)
		job_free(seal_worker_take(n->seal_worker, true));
	n->sealing = false;
	seal_worker_stop(&n->seal_worker);
	job_free(n->seal_open);
	n->seal_open = NULL;
}

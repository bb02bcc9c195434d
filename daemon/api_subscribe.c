/* Subscriptions: a stream of stored messages to a client, with credit and
 * acknowledgements (docs/api.md). A durable subscription keeps its cursor in
 * the store, written in the same transaction as the turn that received the
 * ack, so a resumed subscriber starts after the last message it handled. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api_subscribe.h"
#include "turn.h"
#include "api_reply.h"
#include "msgview.h"
#include "log.h"
#include "timefmt.h"

#define SUB_MAX 1024
#define SUB_CREDIT_MAX 1024
/* A batch stops before this many envelope bytes (it always takes one
 * message), as a query page does: a subscriber's credit of 1024 must not
 * make the node open and hold 1024 large messages at once. The rest follows
 * after the client's ack. */
#define SUB_BATCH_BYTES (2 * 1024 * 1024)

static struct subscriber *find_sub(struct node *n, const uint8_t *rid, size_t rid_len)
{
	for (size_t i = 0; i < n->n_subs; i++)
		if (n->subs[i].rid_len == rid_len && !memcmp(n->subs[i].rid, rid, rid_len))
			return &n->subs[i];
	return NULL;
}

static void drop_sub(struct node *n, struct subscriber *s)
{
	size_t i = (size_t)(s - n->subs);
	n->subs[i] = n->subs[--n->n_subs];
}

void sub_start(struct node *n, const uint8_t *rid, size_t rid_len, const char *client, uint64_t request_id,
	       const Liaison__SubscribeRequest *req)
{
	if (rid_len > sizeof(n->subs[0].rid)) {
		api_error(n, rid, rid_len, request_id, 64, "malformed request");
		return;
	}
	if (req->durable[0] && !liaison_name_valid(req->durable)) {
		api_error(n, rid, rid_len, request_id, 64, "bad subscription name '%s': use letters, digits, '.', '_', '-'",
			  req->durable);
		return;
	}
	if (strlen(req->topic_glob) > 256 || strlen(req->from) > LIAISON_NAME_MAX) {
		api_error(n, rid, rid_len, request_id, 64, "filter too long");
		return;
	}
	int64_t cursor;
	if (req->durable[0]) {
		char owner[LIAISON_NAME_MAX + 1];
		int found = store_sub_get(n->store, req->durable, owner, sizeof(owner), &cursor);
		if (found < 0) {
			api_error(n, rid, rid_len, request_id, 1, "subscription: %s", store_errmsg(n->store));
			return;
		}
		if (found && strcmp(owner, client)) {
			api_error(n, rid, rid_len, request_id, 77, "not permitted: subscription '%s' belongs to %s",
				  req->durable, owner);
			return;
		}
		if (!found) {
			cursor = req->since ? store_pos_at(n->store, req->since) : n->max_pos;
			if (node_tx(n) < 0 || store_sub_put(n->store, req->durable, client, cursor) < 0) {
				n->tx_failed = true;
				api_error(n, rid, rid_len, request_id, 1, "subscription: cannot store it");
				return;
			}
			log_info("client %s: durable subscription '%s' created", client, req->durable);
		}
	} else if (req->after) {
		cursor = (int64_t)req->after;
	} else {
		cursor = req->since ? store_pos_at(n->store, req->since) : n->max_pos;
	}
	struct subscriber *s = find_sub(n, rid, rid_len);
	if (!s) {
		if (n->n_subs >= SUB_MAX) {
			api_error(n, rid, rid_len, request_id, 1, "too many subscribers");
			return;
		}
		if (n->n_subs == n->cap_subs) {
			size_t cap = n->cap_subs ? n->cap_subs * 2 : 8;
			struct subscriber *p = realloc(n->subs, cap * sizeof(*p));
			if (!p) {
				api_error(n, rid, rid_len, request_id, 1, "out of memory");
				return;
			}
			n->subs = p;
			n->cap_subs = cap;
		}
		s = &n->subs[n->n_subs++];
	}
	memset(s, 0, sizeof(*s));
	memcpy(s->rid, rid, rid_len);
	s->rid_len = rid_len;
	snprintf(s->client, sizeof(s->client), "%s", client);
	snprintf(s->durable, sizeof(s->durable), "%s", req->durable);
	snprintf(s->topic, sizeof(s->topic), "%s", req->topic_glob);
	snprintf(s->from, sizeof(s->from), "%s", req->from);
	s->type = (int)req->type;
	s->cursor = s->scanned = s->sent_upto = cursor;
	s->credit = req->credit ? (req->credit > SUB_CREDIT_MAX ? SUB_CREDIT_MAX : req->credit) : 64;
	s->request_id = request_id;
	s->last_heard = time_mono_ms();
	s->last_sent = 0; /* a first (possibly empty) frame goes out at once */
}

void sub_ack(struct node *n, const uint8_t *rid, size_t rid_len, const Liaison__SubscribeAck *ack)
{
	struct subscriber *s = find_sub(n, rid, rid_len);
	if (!s)
		return; /* dropped meanwhile: the client resubscribes */
	s->last_heard = time_mono_ms();
	int64_t c = (int64_t)ack->cursor;
	if (s->waiting && c >= s->cursor && c <= s->sent_upto) {
		s->cursor = c;
		if (s->durable[0] && (node_tx(n) < 0 || store_sub_put(n->store, s->durable, s->client, c) < 0))
			n->tx_failed = true;
	}
	if (s->waiting && c == s->sent_upto)
		s->waiting = false;
	else if (s->waiting && c < s->sent_upto)
		s->waiting = false, s->sent_upto = s->scanned = s->cursor; /* resend what it did not take */
	/* credit 0: the client takes nothing more (it is about to leave) */
	s->credit = ack->credit > SUB_CREDIT_MAX ? SUB_CREDIT_MAX : ack->credit;
}

static void send_batch(struct node *n, struct subscriber *s, Liaison__Message **msgs, size_t count)
{
	Liaison__ApiReply r = LIAISON__API_REPLY__INIT;
	Liaison__SubscribeReply sr = LIAISON__SUBSCRIBE_REPLY__INIT;
	sr.messages = msgs;
	sr.n_messages = count;
	r.version = 1;
	r.request_id = s->request_id;
	r.kind_case = LIAISON__API_REPLY__KIND_SUBSCRIBE;
	r.subscribe = &sr;
	size_t len;
	uint8_t *buf = api_reply_pack(&r, &len);
	if (buf)
		node_send_owned(n->api, s->rid, s->rid_len, buf, len);
	s->last_sent = time_mono_ms();
}

struct sub_collect {
	struct node *n;
	struct msgview v[SUB_CREDIT_MAX];
	Liaison__Message *p[SUB_CREDIT_MAX];
	size_t count;
	int64_t last;
	size_t bytes;
	bool stopped; /* stopped at SUB_BATCH_BYTES, or out of memory: resume after last */
};

static int sub_take(void *ctx, const struct stored_msg *m)
{
	struct sub_collect *c = ctx;
	if (c->bytes > 0 && c->bytes + m->envelope_len > SUB_BATCH_BYTES) {
		c->stopped = true;
		return 1;
	}
	struct msgview *v = &c->v[c->count];
	switch (msgview_open(c->n, m, time_now_ms(), v)) {
	case MSGVIEW_DAMAGED: /* sent flagged, so the subscriber sees it and moves on */
		msgview_report_damaged(c->n, m, v);
		/* fall through */
	case MSGVIEW_OK:
		c->bytes += m->envelope_len;
		c->p[c->count] = &v->msg;
		c->count++;
		break;
	case MSGVIEW_EXPIRED:
		msgview_clear(v);
		break;
	case MSGVIEW_NOMEM: /* stop here; the next pump resumes after the last one taken */
		msgview_clear(v);
		c->stopped = true;
		return 1;
	}
	c->last = m->pos;
	return 0;
}

/* Sends each subscriber that has credit the messages stored since its cursor. */
void sub_pump(struct node *n)
{
	struct sub_collect *c = NULL;
	for (size_t i = 0; i < n->n_subs; i++) {
		struct subscriber *s = &n->subs[i];
		int64_t from = s->scanned > s->cursor ? s->scanned : s->cursor;
		bool first = s->last_sent == 0;
		if (s->waiting || s->credit == 0 || (from >= n->max_pos && !first))
			continue;
		if (!c && !(c = malloc(sizeof(*c))))
			return;
		c->n = n;
		c->count = 0;
		c->last = from;
		c->bytes = 0;
		c->stopped = false;
		struct store_filter f = { .type = s->type, .from = s->from, .topic_glob = s->topic, .after = from,
					  .limit = s->credit, .live_at = time_now_ms() };
		int rows = store_query(n->store, &f, sub_take, c);
		if (rows < 0) {
			log_error("subscription: %s", store_errmsg(n->store));
			continue;
		}
		if (c->count) {
			send_batch(n, s, c->p, c->count);
			s->waiting = true;
			s->sent_upto = c->p[c->count - 1]->cursor;
		} else if (first) {
			send_batch(n, s, NULL, 0); /* tells the client it is subscribed */
		}
		/* expired messages are passed over: what was scanned is what the
		 * rows read reached, unless they were all there was */
		s->scanned = (uint32_t)rows >= s->credit || c->stopped ? c->last : n->max_pos;
		for (size_t k = 0; k < c->count; k++)
			msgview_clear(&c->v[k]);
	}
	free(c);
}

void sub_tick(struct node *n, int64_t now)
{
	for (size_t i = 0; i < n->n_subs;) {
		struct subscriber *s = &n->subs[i];
		if (now - s->last_heard > SUB_TIMEOUT_MS) {
			log_debug("client %s: subscriber gone", s->client);
			drop_sub(n, s);
			continue;
		}
		if (!s->waiting && now - s->last_sent >= SUB_HEARTBEAT_MS)
			send_batch(n, s, NULL, 0);
		i++;
	}
}

/* Ends every subscription of a client that was removed: it hears why, once. */
void sub_end_client(struct node *n, const char *client)
{
	for (size_t i = 0; i < n->n_subs;) {
		struct subscriber *s = &n->subs[i];
		if (strcmp(s->client, client)) {
			i++;
			continue;
		}
		api_error(n, s->rid, s->rid_len, s->request_id, 77, "not permitted: client %s was removed", client);
		drop_sub(n, s);
	}
}

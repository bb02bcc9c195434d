/* Read requests: query, get, status and peers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api_read.h"
#include "zap_refusals.h"
#include "node_lookup.h"
#include "api_reply.h"
#include "msgview.h"
#include "labels.h"
#include "log.h"
#include "timefmt.h"
#include "hexid.h"
#include "link_health.h"
#include "version.h"
#include "member.h"
#include "relay.h"

#define QUERY_DEFAULT_LIMIT 100
#define QUERY_MAX_LIMIT 10000
/* A query reply opens and holds its messages' plaintext at once, so a page
 * stops before this many envelope bytes (it always takes one message): the
 * node's memory for a reader's query is bounded by the page, not by
 * limit x max_message. The client fetches the following pages. */
#define QUERY_PAGE_BYTES (2 * 1024 * 1024)

struct views {
	struct node *n;
	struct msgview *v;
	Liaison__Message **ptrs;
	size_t count, cap;
	int64_t now;           /* expired by this time: not served */
	bool nomem;
	size_t bytes, budget;  /* envelope bytes taken; 0 budget: no bound */
	uint32_t visited;      /* rows of the selection taken (opened or not) */
	int64_t last_pos;
	bool full;             /* stopped at the budget: more follow */
};

static int collect_view(void *ctx, const struct stored_msg *m)
{
	struct views *vs = ctx;
	if (vs->budget && vs->bytes > 0 && vs->bytes + m->envelope_len > vs->budget) {
		vs->full = true;
		return 1;
	}
	vs->bytes += m->envelope_len;
	vs->visited++;
	vs->last_pos = m->pos;
	if (vs->count == vs->cap) {
		size_t cap = vs->cap ? vs->cap * 2 : 32;
		struct msgview *v = realloc(vs->v, cap * sizeof(*v));
		if (!v) {
			vs->nomem = true;
			return 1;
		}
		vs->v = v;
		vs->cap = cap;
	}
	struct msgview *v = &vs->v[vs->count];
	switch (msgview_open(vs->n, m, vs->now, v)) {
	case MSGVIEW_OK:
		vs->count++;
		break;
	case MSGVIEW_DAMAGED: /* listed, flagged: never dropped, never shown as valid */
		msgview_report_damaged(vs->n, m, v);
		vs->count++;
		break;
	case MSGVIEW_EXPIRED: /* past its expiry by this node's clock: not served */
		msgview_clear(v);
		break;
	case MSGVIEW_NOMEM:
		msgview_clear(v);
		vs->nomem = true;
		return 1;
	}
	return 0;
}

static void views_free(struct views *vs)
{
	for (size_t i = 0; i < vs->count; i++)
		msgview_clear(&vs->v[i]);
	free(vs->v);
	free(vs->ptrs);
}

/* Fills views with the matches of f, up to budget envelope bytes (0: no
 * bound); returns 0 or -1. */
static int views_query(struct node *n, const struct store_filter *f, size_t budget, struct views *vs)
{
	memset(vs, 0, sizeof(*vs));
	vs->n = n;
	vs->now = f->live_at;
	vs->budget = budget;
	if (store_query(n->store, f, collect_view, vs) < 0 || vs->nomem)
		return -1;
	vs->ptrs = calloc(vs->count + 1, sizeof(*vs->ptrs));
	if (!vs->ptrs)
		return -1;
	for (size_t i = 0; i < vs->count; i++)
		vs->ptrs[i] = &vs->v[i].msg;
	return 0;
}

void api_query(struct node *n, const uint8_t *rid, size_t rid_len, uint64_t request_id, const Liaison__QueryRequest *req)
{
	struct store_filter f = { 0 };
	f.type = (int)req->type;
	f.from = req->from;
	f.topic_glob = req->topic_glob;
	f.since = req->since;
	f.until = req->until;
	f.limit = req->limit ? req->limit : QUERY_DEFAULT_LIMIT;
	if (f.limit > QUERY_MAX_LIMIT)
		f.limit = QUERY_MAX_LIMIT;
	/* The first page starts at the oldest of the newest `limit` matches; a
	 * following page takes the next ones after the previous page's last
	 * position. Positions only grow, so the pages together are exactly the
	 * first page's selection, whatever arrives in between. */
	f.after = (int64_t)req->after;
	f.newest = req->after == 0;
	/* expired messages are not served; left out in the query itself, so
	 * that --limit still gives the newest N that are */
	f.live_at = time_now_ms();
	struct views vs;
	if (views_query(n, &f, QUERY_PAGE_BYTES, &vs) < 0) {
		api_error(n, rid, rid_len, request_id, 1, "query failed: %s",
			  vs.nomem ? "out of memory" : store_errmsg(n->store));
		views_free(&vs);
		return;
	}
	Liaison__ApiReply r = LIAISON__API_REPLY__INIT;
	Liaison__QueryReply q = LIAISON__QUERY_REPLY__INIT;
	q.messages = vs.ptrs;
	q.n_messages = vs.count;
	if (vs.full) {
		q.more_after = (uint64_t)vs.last_pos;
		q.remaining = f.limit - vs.visited;
	}
	r.version = 1;
	r.request_id = request_id;
	r.kind_case = LIAISON__API_REPLY__KIND_QUERY;
	r.query = &q;
	api_reply(n, rid, rid_len, &r);
	views_free(&vs);
}

struct found {
	struct node *n;
	struct msgview v;
	bool ok, seen;
	int64_t pos;
	uint8_t *env;
	size_t env_len;
	bool want_env, allow_expired;
	enum msgview_state state;
};

static int take_found(void *ctx, const struct stored_msg *m)
{
	struct found *fd = ctx;
	fd->seen = true;
	fd->pos = m->pos;
	fd->state = msgview_open(fd->n, m, fd->allow_expired ? 0 : time_now_ms(), &fd->v);
	if (fd->state == MSGVIEW_DAMAGED)
		msgview_report_damaged(fd->n, m, &fd->v);
	fd->ok = fd->state == MSGVIEW_OK;
	if (fd->ok && fd->want_env) {
		fd->env = malloc(m->envelope_len ? m->envelope_len : 1);
		if (fd->env) {
			memcpy(fd->env, m->envelope, m->envelope_len);
			fd->env_len = m->envelope_len;
		}
	}
	return 0;
}

/* Looks a message up by an id prefix; on failure replies with the error. */
static bool find_message(struct node *n, const uint8_t *rid, size_t rid_len, uint64_t request_id,
			 const ProtobufCBinaryData *id, uint32_t id_digits, struct found *fd)
{
	/* id_digits 0 (an older client): two digits a byte */
	size_t digits = id_digits ? id_digits : id->len * 2;
	if (id->len > 16 || digits < 8 || (digits + 1) / 2 != id->len) {
		api_error(n, rid, rid_len, request_id, 64, "give at least 8 hex digits of the message id");
		return false;
	}
	uint8_t prefix[16] = { 0 };
	memcpy(prefix, id->data, id->len);
	if (digits % 2)
		prefix[id->len - 1] &= 0xf0; /* the odd digit is the high half */
	int rc = store_get_by_prefix(n->store, prefix, digits, take_found, fd);
	if (rc == 0 || (rc == 1 && !fd->seen)) {
		api_error(n, rid, rid_len, request_id, 1, "no message with that id");
		return false;
	}
	if (rc == 2) {
		api_error(n, rid, rid_len, request_id, 64, "ambiguous id prefix: give more digits");
		return false;
	}
	if (rc < 0) {
		api_error(n, rid, rid_len, request_id, 1, "cannot read the message: %s", store_errmsg(n->store));
		return false;
	}
	char hex[HEXID_LEN], iso[TIME_ISO_LEN];
	switch (fd->state) {
	case MSGVIEW_OK:
		return true;
	case MSGVIEW_DAMAGED:
		hexid_format(fd->v.damage->id, hex);
		api_error(n, rid, rid_len, request_id, 1, "message %s is damaged in this node's store: %s", hex,
			  fd->v.damage->why);
		return false;
	case MSGVIEW_EXPIRED:
		hexid_format(fd->v.opened.header->id.data, hex);
		time_format_iso(fd->v.opened.header->expires, iso);
		api_error(n, rid, rid_len, request_id, 1, "message %s expired at %s", hex, iso);
		return false;
	case MSGVIEW_NOMEM:
		break;
	}
	api_error(n, rid, rid_len, request_id, 1, "cannot read the message: out of memory");
	return false;
}

void api_get(struct node *n, const uint8_t *rid, size_t rid_len, uint64_t request_id, const Liaison__GetRequest *req)
{
	/* the sealed bytes of an expired message stay available: proof of who
	 * said what outlives the message's validity */
	struct found fd = { .n = n, .want_env = req->envelope, .allow_expired = req->envelope };
	if (find_message(n, rid, rid_len, request_id, &req->id, req->id_digits, &fd)) {
		Liaison__ApiReply r = LIAISON__API_REPLY__INIT;
		Liaison__GetReply g = LIAISON__GET_REPLY__INIT;
		g.message = &fd.v.msg;
		if (fd.env) {
			g.envelope.data = fd.env;
			g.envelope.len = fd.env_len;
		}
		r.version = 1;
		r.request_id = request_id;
		r.kind_case = LIAISON__API_REPLY__KIND_GET;
		r.get = &g;
		api_reply(n, rid, rid_len, &r);
	}
	msgview_clear(&fd.v);
	free(fd.env);
}

struct rcpt_row {
	char peer[LIAISON_NAME_MAX + 1];
	int lane, state;
	uint64_t seq;
	int64_t updated;
	char dest[256]; /* a hop: the members it carries the message toward */
};

struct rcpt_list {
	struct node *n;
	Liaison__RecipientState states[ENVELOPE_MAX_RECIPIENTS];
	Liaison__RecipientState *ptrs[ENVELOPE_MAX_RECIPIENTS];
	char reasons[ENVELOPE_MAX_RECIPIENTS][200];
	struct rcpt_row rows[2 * ENVELOPE_MAX_RECIPIENTS];
	size_t n_rows;
	int64_t pos;
	size_t count;
};

static int take_row(void *ctx, const char *peer, int lane, uint64_t seq, int state, int64_t updated, const char *dest)
{
	struct rcpt_list *rl = ctx;
	if (rl->n_rows >= sizeof(rl->rows) / sizeof(rl->rows[0]))
		return 1;
	struct rcpt_row *r = &rl->rows[rl->n_rows++];
	snprintf(r->peer, sizeof(r->peer), "%s", peer);
	snprintf(r->dest, sizeof(r->dest), "%s", dest ? dest : "");
	r->lane = lane;
	r->seq = seq;
	r->state = state;
	r->updated = updated;
	return 0;
}

/* A row still waiting on a link: sent once the link has sent its position. */
static bool row_sent(struct node *n, const struct rcpt_row *r)
{
	struct link *l = node_link(n, r->peer);
	return l && r->lane >= 0 && r->lane < LANES && r->seq <= l->sent[r->lane];
}

/* One recipient's state. A member's comes from its own signed receipt
 * (delivered), else from the hops toward it: relayed once a relay holds it,
 * sent once a hop has gone out. */
static void add_state(struct rcpt_list *rl, const struct rcpt_row *r, bool member)
{
	if (rl->count >= ENVELOPE_MAX_RECIPIENTS)
		return;
	Liaison__RecipientState *s = &rl->states[rl->count];
	liaison__recipient_state__init(s);
	s->node = (char *)r->peer;
	s->updated = r->updated;
	if (r->state == RCPT_DELIVERED)
		s->state = "delivered";
	else if (r->state == RCPT_REJECTED) {
		s->state = "rejected";
		if (store_rejection(rl->n->store, rl->pos, r->peer, rl->reasons[rl->count], sizeof(rl->reasons[0])) == 0 &&
		    rl->reasons[rl->count][0])
			s->reason = rl->reasons[rl->count];
	} else if (!member) {
		s->state = row_sent(rl->n, r) ? "sent" : "queued";
	} else {
		s->state = "queued";
		for (size_t i = 0; i < rl->n_rows; i++) {
			const struct rcpt_row *h = &rl->rows[i];
			if (!relay_names_has(h->dest, r->peer))
				continue;
			if (h->state == RCPT_DELIVERED) {
				s->state = "relayed";
				s->updated = h->updated;
				break;
			}
			if (h->state == RCPT_QUEUED && row_sent(rl->n, h))
				s->state = "sent";
		}
	}
	rl->ptrs[rl->count++] = s;
}

/* The recipients of the message in `to` order: rows of peers and members;
 * hop rows of relays that are not recipients are not shown. */
static void compose_states(struct rcpt_list *rl, char **to, size_t n_to)
{
	for (size_t t = 0; t < n_to; t++)
		for (size_t i = 0; i < rl->n_rows; i++)
			if (!strcmp(rl->rows[i].peer, to[t]) && (!rl->rows[i].dest[0] || node_link(rl->n, to[t]))) {
				add_state(rl, &rl->rows[i], member_find(rl->n, to[t]) != NULL);
				break;
			}
}

/* Messages queued for peers no longer configured (removed by an
 * administrator): they stay in the store and are counted here. */
struct removed_queue {
	struct node *n;
	uint64_t count;
};

static void count_removed(void *ctx, const char *peer, uint64_t count)
{
	struct removed_queue *rq = ctx;
	if (!node_link(rq->n, peer) && !member_find(rq->n, peer))
		rq->count += count;
}

static void counter(Liaison__Counter *c, Liaison__Counter **p, const char *name, uint64_t v)
{
	liaison__counter__init(c);
	c->name = (char *)name;
	c->value = v;
	*p = c;
}

void api_status(struct node *n, const uint8_t *rid, size_t rid_len, uint64_t request_id, const Liaison__StatusRequest *req)
{
	Liaison__ApiReply r = LIAISON__API_REPLY__INIT;
	Liaison__StatusReply s = LIAISON__STATUS_REPLY__INIT;
	r.version = 1;
	r.request_id = request_id;
	r.kind_case = LIAISON__API_REPLY__KIND_STATUS;
	r.status = &s;
	s.name = n->key->cert.name;
	s.fingerprint = n->fingerprint;
	if (req && req->id.len) {
		struct found fd = { .n = n, .allow_expired = true };
		if (!find_message(n, rid, rid_len, request_id, &req->id, req->id_digits, &fd)) {
			msgview_clear(&fd.v);
			return;
		}
		s.expires = fd.v.msg.expires;
		s.expired = s.expires && s.expires < time_now_ms();
		struct rcpt_list *rl = calloc(1, sizeof(*rl));
		if (!rl) {
			api_error(n, rid, rid_len, request_id, 1, "out of memory");
		} else {
			rl->n = n;
			rl->pos = fd.pos;
			if (store_recipients(n->store, fd.pos, take_row, rl) < 0) {
				api_error(n, rid, rid_len, request_id, 1, "cannot read the recipients: %s",
					  store_errmsg(n->store));
			} else {
				compose_states(rl, fd.v.msg.to, fd.v.msg.n_to);
				s.id = fd.v.msg.id;
				s.recipients = rl->ptrs;
				s.n_recipients = rl->count;
				api_reply(n, rid, rid_len, &r);
			}
			free(rl);
		}
		msgview_clear(&fd.v);
		return;
	}
	Liaison__QueueDepth q[LANES], *qp[LANES];
	for (int lane = 0; lane < LANES; lane++) {
		liaison__queue_depth__init(&q[lane]);
		q[lane].precedence = (Liaison__Precedence)(lane + 1);
		for (size_t i = 0; i < n->n_links; i++)
			q[lane].depth += link_queued(&n->links[i], lane);
		qp[lane] = &q[lane];
	}
	struct removed_queue rq = { .n = n };
	store_pending_by_peer(n->store, count_removed, &rq);
	const struct { const char *name; uint64_t value; } counts[] = {
		{ "sent", n->counters.sent },
		{ "received", n->counters.received },
		{ "rejected", n->counters.rejected },
		{ "duplicates", n->counters.duplicates },
		{ "delivered", n->counters.delivered },
		{ "refused", n->counters.refused },
		{ "api_requests", n->counters.api_requests },
		{ "refused_keys", refusals_total(n) },
		{ "refused_unknown_peer_key", n->refusals.count[REFUSED_PEER_KEY] },
		{ "refused_unknown_client_key", n->refusals.count[REFUSED_CLIENT_KEY] },
		{ "refused_malformed", n->refusals.count[REFUSED_OTHER] },
		{ "damaged", n->counters.damaged },
		{ "queued_for_removed_peers", rq.count },
		{ "deleted_retention", n->counters.deleted_retention },
		{ "deleted_expired", n->counters.deleted_expired },
		{ "relayed", n->counters.relayed },
		{ "relaying", store_relay_count(n->store) },
		{ "relay_gaps", n->counters.relay_gaps },
		{ "relay_resent", n->counters.relay_resent },
		{ "relay_held", n->counters.relay_held },
	};
	enum { N_COUNTS = sizeof(counts) / sizeof(counts[0]) };
	Liaison__Counter c[N_COUNTS], *cp[N_COUNTS];
	for (size_t i = 0; i < N_COUNTS; i++)
		counter(&c[i], &cp[i], counts[i].name, counts[i].value);
	s.uptime = (time_now_ms() - n->started) / 1000;
	s.peers = (uint32_t)n->n_links;
	for (size_t i = 0; i < n->n_links; i++)
		s.peers_connected += n->links[i].connected;
	s.queues = qp;
	s.n_queues = LANES;
	s.counters = cp;
	s.n_counters = N_COUNTS;
	/* positions are dense and never reused (retention keeps the newest) */
	s.stored = (uint64_t)n->max_pos - n->deleted_total;
	s.version = LIAISON_VERSION;
	s.store_bytes = store_size_bytes(n->store);
	Liaison__Counter rc[LIAISON_E_COUNT], *rcp[LIAISON_E_COUNT];
	for (int e = 1; e < LIAISON_E_COUNT; e++)
		if (n->counters.rejected_by[e]) {
			size_t k = s.n_rejected_by_reason++;
			counter(&rc[k], &rcp[k], liaison_errname(e), n->counters.rejected_by[e]);
		}
	s.rejected_by_reason = rcp;
	api_reply(n, rid, rid_len, &r);
}

void api_peers(struct node *n, const uint8_t *rid, size_t rid_len, uint64_t request_id)
{
	size_t total = n->n_links + n->n_members;
	Liaison__PeerInfo *info = calloc(total + 1, sizeof(*info));
	Liaison__PeerInfo **ptrs = calloc(total + 1, sizeof(*ptrs));
	char (*fps)[LIAISON_FINGERPRINT_LEN] = calloc(total + 1, sizeof(*fps));
	Liaison__QueueDepth(*q)[LANES] = calloc(total + 1, sizeof(*q));
	Liaison__QueueDepth *(*qp)[LANES] = calloc(total + 1, sizeof(*qp));
	char (*via)[MEMBER_VIA_MAX * (LIAISON_NAME_MAX + 2)] = calloc(total + 1, sizeof(*via));
	if (!info || !ptrs || !fps || !q || !qp || !via) {
		api_error(n, rid, rid_len, request_id, 1, "out of memory");
		goto out;
	}
	int64_t mono = time_mono_ms(), now = time_now_ms();
	for (size_t i = 0; i < n->n_links; i++) {
		struct link *l = &n->links[i];
		liaison__peer_info__init(&info[i]);
		cert_fingerprint(&l->cert, fps[i]);
		info[i].name = l->name;
		info[i].endpoint = l->endpoint;
		info[i].fingerprint = fps[i];
		info[i].connected = l->connected;
		info[i].max_classification = l->max_classification;
		info[i].kind = "peer";
		for (int lane = 0; lane < LANES; lane++) {
			liaison__queue_depth__init(&q[i][lane]);
			q[i][lane].precedence = (Liaison__Precedence)(lane + 1);
			q[i][lane].depth = link_queued(l, lane);
			qp[i][lane] = &q[i][lane];
			info[i].queued += q[i][lane].depth;
		}
		info[i].queues = qp[i];
		info[i].n_queues = LANES;
		info[i].last_seen = l->last_seen ? now - (mono - l->last_seen) : 0;
		info[i].down_since = l->connected ? 0 : l->down_since;
		info[i].lag_seconds = link_lag_seconds(n, l, now);
		info[i].last_error = l->last_error;
		ptrs[i] = &info[i];
	}
	for (size_t k = 0; k < n->n_members; k++) {
		struct member *m = &n->members[k];
		size_t i = n->n_links + k;
		struct link *route = member_route(n, m);
		liaison__peer_info__init(&info[i]);
		cert_fingerprint(&m->cert, fps[i]);
		info[i].name = m->name;
		info[i].endpoint = "";
		info[i].fingerprint = fps[i];
		info[i].kind = "member";
		info[i].connected = route && route->connected;
		info[i].max_classification = m->max_classification;
		for (size_t v = 0; v < m->n_via; v++) {
			size_t used = strlen(via[i]);
			snprintf(via[i] + used, sizeof(via[i]) - used, "%s%s", v ? ", " : "", m->via[v]);
		}
		info[i].via = via[i];
		info[i].path = route && route->connected ? route->name : "";
		for (int lane = 0; lane < LANES; lane++) {
			liaison__queue_depth__init(&q[i][lane]);
			q[i][lane].precedence = (Liaison__Precedence)(lane + 1);
			uint64_t first = store_first_pending(n->store, m->name, lane);
			q[i][lane].depth = first ? m->next_seq[lane] - first + 1 : 0;
			qp[i][lane] = &q[i][lane];
			info[i].queued += q[i][lane].depth;
		}
		info[i].queues = qp[i];
		info[i].n_queues = LANES;
		info[i].last_seen = m->last_receipt;
		int64_t oldest = 0;
		for (int lane = 0; lane < LANES; lane++) {
			int64_t t = store_oldest_pending(n->store, m->name, lane);
			if (t && (!oldest || t < oldest))
				oldest = t;
		}
		info[i].lag_seconds = oldest ? (now - oldest) / 1000 : 0;
		ptrs[i] = &info[i];
	}
	Liaison__ApiReply r = LIAISON__API_REPLY__INIT;
	Liaison__PeersReply p = LIAISON__PEERS_REPLY__INIT;
	p.peers = ptrs;
	p.n_peers = total;
	r.version = 1;
	r.request_id = request_id;
	r.kind_case = LIAISON__API_REPLY__KIND_PEERS;
	r.peers = &p;
	api_reply(n, rid, rid_len, &r);
out:
	free(info);
	free(ptrs);
	free(fps);
	free(q);
	free(qp);
	free(via);
}

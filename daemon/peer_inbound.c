/* Inbound federation traffic: peers' DEALERs talking to our ROUTER.
 *
 * A hello gets our stream state (per lane, the highest contiguous stream
 * sequence number we hold from that peer). A batch is checked envelope by
 * envelope (size, parse, known sender, signature, hash, that the peer is its
 * sender, recipient, order, topic alphabet, decryption, times, replay), stored in this
 * turn's transaction, and acknowledged "all up to N" per lane with a signed
 * delivery receipt, after the commit. A message that leaves a hole in its
 * lane is dropped unacknowledged, so the sender resends in order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>
#include "peer_inbound.h"
#include "cap_chain.h"
#include "turn.h"
#include "node_lookup.h"
#include "log.h"
#include "rotate.h"
#include "keyring.h"
#include "lograte.h"
#include "readcache.h"
#include "labels.h"
#include "timefmt.h"
#include "hexid.h"
#include "peer_limits.h"
#include "member.h"
#include "relay.h"

static uint8_t *pack_frame(const Liaison__PeerFrame *f, size_t *len)
{
	*len = liaison__peer_frame__get_packed_size(f);
	uint8_t *buf = malloc(*len ? *len : 1);
	if (buf)
		liaison__peer_frame__pack(f, buf);
	return buf;
}

static void fill_marks(const struct link *l, Liaison__LaneMark marks[LANES], Liaison__LaneMark *ptrs[LANES])
{
	for (int lane = 0; lane < LANES; lane++) {
		liaison__lane_mark__init(&marks[lane]);
		marks[lane].lane = (Liaison__Precedence)(lane + 1);
		marks[lane].seq = l->in_mark[lane];
		ptrs[lane] = &marks[lane];
	}
}

static void reply_state(struct node *n, struct link *l, const uint8_t *rid, size_t rid_len)
{
	Liaison__LaneMark marks[LANES], *ptrs[LANES];
	Liaison__PeerState st = LIAISON__PEER_STATE__INIT;
	Liaison__PeerFrame f = LIAISON__PEER_FRAME__INIT;
	fill_marks(l, marks, ptrs);
	st.marks = ptrs;
	st.n_marks = LANES;
	st.max_envelope = node_max_envelope(n);
	st.max_frame = node_max_frame(n);
	f.version = 1;
	f.kind_case = LIAISON__PEER_FRAME__KIND_STATE;
	f.state = &st;
	size_t len;
	uint8_t *buf = pack_frame(&f, &len);
	if (buf) /* after this turn's commit: the marks must be durable when we state them */
		node_defer(n, n->router, rid, rid_len, buf, len, NULL, 0);
}

/* End-to-end receipts a batch owes to origins reached through relays. */
#define OWED_MAX 16
struct owed {
	struct member *m;
	int lane;
	ProtobufCBinaryData ids[BATCH_MAX];
	size_t n_ids;
	Liaison__RejectedEnvelope rejected[16];
	Liaison__RejectedEnvelope *rejected_ptrs[16];
	uint8_t rejected_ids[16][16];
	char reasons[16][200];
	size_t n_rejected;
};

struct batch_result {
	ProtobufCBinaryData ids[BATCH_MAX * 4];
	size_t n_ids;
	struct owed owed[OWED_MAX];
	size_t n_owed;
	struct member *gaps[OWED_MAX]; /* origins to tell of a gap */
	size_t n_gaps;
	bool held;                      /* an origin is over its relay rate: the rest waits */
	Liaison__RejectedEnvelope rejected[64];
	Liaison__RejectedEnvelope *rejected_ptrs[64];
	char reasons[64][200];
	uint8_t rejected_ids[64][16];
	size_t n_rejected;
	bool lanes_changed[LANES];
	bool hole_logged;
};

static void reject(struct node *n, struct link *l, struct batch_result *r, const uint8_t *id, int err,
		   const char *why)
{
	n->counters.rejected++;
	if (err > 0 && err < LIAISON_E_COUNT)
		n->counters.rejected_by[err]++;
	if (r->n_rejected == 0)
		log_peer_limited(l->name, LOG_WARN, "peer %s: message rejected: %s", l->name, why);
	if (r->n_rejected >= 64)
		return;
	Liaison__RejectedEnvelope *rj = &r->rejected[r->n_rejected];
	liaison__rejected_envelope__init(rj);
	if (id) {
		memcpy(r->rejected_ids[r->n_rejected], id, 16);
		rj->id.data = r->rejected_ids[r->n_rejected];
		rj->id.len = 16;
	}
	rj->error = err;
	snprintf(r->reasons[r->n_rejected], sizeof(r->reasons[0]), "%s", why);
	rj->reason = r->reasons[r->n_rejected];
	r->rejected_ptrs[r->n_rejected] = rj;
	r->n_rejected++;
}

static const Liaison__Recipient *find_recipient(const Liaison__Header *h, const char *name)
{
	for (size_t i = 0; i < h->n_recipients; i++)
		if (!strcmp(h->recipients[i]->node, name))
			return h->recipients[i];
	return NULL;
}

/* The batch's receipt names every message this node holds from it, newly
 * stored or seen before, so the sender can mark each one delivered. */
static void add_receipt_id(struct batch_result *r, const uint8_t *id)
{
	if (r->n_ids >= sizeof(r->ids) / sizeof(r->ids[0]))
		return;
	uint8_t *copy = malloc(16);
	if (!copy)
		return;
	memcpy(copy, id, 16);
	r->ids[r->n_ids].data = copy;
	r->ids[r->n_ids++].len = 16;
}

static struct owed *owed_for(struct batch_result *r, struct member *m, int lane)
{
	size_t i = 0;
	while (i < r->n_owed && (r->owed[i].m != m || r->owed[i].lane != lane))
		i++;
	if (i == r->n_owed) {
		if (r->n_owed == OWED_MAX)
			return NULL; /* it resends what is not receipted, and is receipted then */
		r->owed[r->n_owed].m = m;
		r->owed[r->n_owed].lane = lane;
		r->owed[r->n_owed].n_rejected = 0;
		r->owed[r->n_owed++].n_ids = 0;
	}
	return &r->owed[i];
}

/* Notes that origin m is owed a receipt for id (stored here through relays). */
static void owe_receipt(struct batch_result *r, struct member *m, int lane, const uint8_t *id)
{
	struct owed *o = owed_for(r, m, lane);
	if (!o)
		return;
	uint8_t *copy = o->n_ids < BATCH_MAX ? malloc(16) : NULL;
	if (!copy)
		return;
	memcpy(copy, id, 16);
	o->ids[o->n_ids].data = copy;
	o->ids[o->n_ids++].len = 16;
}

/* A message relayed to us from origin m that we refuse for good, after its
 * signature and its end-to-end position held: the position is spent (as on
 * a link), and m is told why in our next receipt to it, so that it neither
 * waits for it nor sends it again. Returns -1 when the store failed. */
static int refuse_relayed(struct node *n, struct link *l, struct batch_result *r, struct member *m, int lane,
			  uint64_t seq, const uint8_t *id, int err, const char *why)
{
	reject(n, l, r, id, err, why);
	m->in_mark[lane] = seq;
	if (node_tx(n) < 0 || store_set_lane_mark(n->store, m->name, lane, seq) < 0) {
		log_error("store: %s", store_errmsg(n->store));
		n->tx_failed = true;
		return -1;
	}
	struct owed *o = owed_for(r, m, lane);
	if (o && o->n_rejected < 16) {
		size_t k = o->n_rejected++;
		Liaison__RejectedEnvelope *rj = &o->rejected[k];
		liaison__rejected_envelope__init(rj);
		memcpy(o->rejected_ids[k], id, 16);
		rj->id.data = o->rejected_ids[k];
		rj->id.len = 16;
		rj->error = err;
		snprintf(o->reasons[k], sizeof(o->reasons[k]), "%s", why);
		rj->reason = o->reasons[k];
		o->rejected_ptrs[k] = rj;
	}
	return 0;
}

static void note_gap(struct batch_result *r, struct member *m)
{
	for (size_t i = 0; i < r->n_gaps; i++)
		if (r->gaps[i] == m)
			return;
	if (r->n_gaps < OWED_MAX)
		r->gaps[r->n_gaps++] = m;
}

static bool held_here(struct node *n, const uint8_t id[16])
{
	return store_has_message(n->store, id) || store_relay_find(n->store, id, NULL) == 1;
}

/* A recipient's signed receipt on its way back to an origin (relaying). */
static int take_receipt_item(struct node *n, struct link *l, const Liaison__HopItem *hop, struct batch_result *r)
{
	char why[200];
	uint8_t id[16];
	int lane = (int)hop->lane - 1;
	relay_receipt_id(hop->receipt.data, hop->receipt.len, id);
	if (lane < 0 || lane >= LANES || hop->position == 0) {
		reject(n, l, r, NULL, LIAISON_E_PARSE, "relay: a receipt without a lane or position");
		return 0;
	}
	if (hop->position <= l->in_mark[lane]) {
		n->counters.duplicates++;
		add_receipt_id(r, id);
		return 0;
	}
	if (hop->position > l->in_mark[lane] + 1)
		return 0; /* a hole: the sender resends in order */
	l->in_mark[lane] = hop->position;
	r->lanes_changed[lane] = true;
	int rc = relay_receipt_in(n, l, hop, id, why, sizeof(why));
	if (rc < 0)
		return -1;
	if (rc == RELAY_REFUSED)
		reject(n, l, r, id, LIAISON_E_SIGNATURE, why);
	else
		add_receipt_id(r, id);
	return 0;
}

/* A relayed envelope that does not open (damaged or forged on its way)
 * still took its place on the link. That place is the relaying peer's word
 * (the link is authenticated), not the envelope's signed one, so it is
 * consumed: else every later item of the lane would wait behind it for
 * ever, since the relay can only send the same bytes again. The lane is
 * the hop's, or the precedence of the unverified header: the relay's word
 * too. The origin learns of the loss end to end, by the gap that its next
 * message shows here. */
static void consume_hop(struct link *l, const Liaison__HopItem *hop, const ProtobufCBinaryData *env,
			struct batch_result *r)
{
	int lane = (int)hop->lane - 1;
	if (lane < 0) {
		Liaison__Envelope *e = liaison__envelope__unpack(NULL, env->len, env->data);
		Liaison__Header *h = e ? liaison__header__unpack(NULL, e->header.len, e->header.data) : NULL;
		lane = h ? (int)h->precedence - 1 : -1;
		if (h)
			liaison__header__free_unpacked(h, NULL);
		if (e)
			liaison__envelope__free_unpacked(e, NULL);
	}
	if (lane < 0 || lane >= LANES || hop->position != l->in_mark[lane] + 1)
		return;
	l->in_mark[lane] = hop->position;
	r->lanes_changed[lane] = true;
}

/* Checks and stores one envelope (or relays it on); returns -1 only when
 * the store failed. Its place on the link is its recipient entry's stream
 * position when it comes from its origin to this node, else the hop item's.
 * One relayed to this node must also be next in its origin's end-to-end
 * stream: a gap or a reorder that a relay caused is refused here and the
 * origin asked to send again. */
static int take_envelope(struct node *n, struct link *l, const ProtobufCBinaryData *env,
			 const Liaison__HopItem *hop, int64_t now, struct batch_result *r)
{
	struct opened o = { 0 };
	char why[200];
	if (hop && hop->receipt.len)
		return take_receipt_item(n, l, hop, r);
	int rc = envelope_open_header(env->data, env->len, node_max_envelope(n), node_cert_lookup, n, &o);
	if (rc == LIAISON_E_WRONG_KEY && l->prev_until > now) /* signed before its key rotation */
		rc = envelope_open_header(env->data, env->len, node_max_envelope(n), node_cert_lookup_prev, n, &o);
	if (rc != LIAISON_OK) {
		reject(n, l, r, NULL, rc, liaison_strerror(rc));
		if (hop)
			consume_hop(l, hop, env, r);
		return 0;
	}
	const Liaison__Header *h = o.header;
	const Liaison__Recipient *me = find_recipient(h, n->key->cert.name);
	bool for_me = me && me->stream_seq > 0;
	bool direct = !strcmp(h->sender, l->name);
	int lane = (int)h->precedence - 1;
	uint64_t at = hop ? hop->position : direct && for_me ? me->stream_seq : 0;
	struct member *origin = direct ? NULL : member_find(n, h->sender);
	if (lane < 0 || lane >= LANES) {
		reject(n, l, r, h->id.data, LIAISON_E_PARSE, "no precedence");
		goto out;
	}
	if (!direct && !hop) {
		snprintf(why, sizeof(why), "message from %s relayed by %s: not accepted", h->sender, l->name);
		reject(n, l, r, h->id.data, LIAISON_E_UNKNOWN_SENDER, why);
		goto out;
	}
	if (at == 0 || (direct && for_me && at != me->stream_seq)) {
		reject(n, l, r, h->id.data, for_me ? LIAISON_E_PARSE : LIAISON_E_NOT_RECIPIENT,
		       for_me ? "its link position is not its signed one" : liaison_strerror(LIAISON_E_NOT_RECIPIENT));
		goto out;
	}
	if (at <= l->in_mark[lane]) {
		/* Seen before: receipted again if it is held, stored once. One
		 * rejected or skipped at its position is not held, and no receipt
		 * may say it is. */
		n->counters.duplicates++;
		/* one carried on may be gone from here already: the next hop holds it */
		if ((hop && hop->n_to && !for_me) || held_here(n, h->id.data))
			add_receipt_id(r, h->id.data);
		goto out;
	}
	if (at > l->in_mark[lane] + 1) { /* a hole: wait for the sender to resend in order */
		if (!r->hole_logged)
			log_peer_limited(l->name, LOG_INFO, "peer %s: message %llu of lane %d leaves a gap after %llu: held back", l->name,
				 (unsigned long long)at, lane + 1, (unsigned long long)l->in_mark[lane]);
		r->hole_logged = true;
		goto out;
	}
	if (!direct && !relay_rate_take(n, h->sender)) { /* this and the rest come again later */
		n->counters.relay_held++;
		r->held = true;
		goto out;
	}

	/* From here the origin's signature holds, so the stream position is
	 * genuine: a message that fails is rejected and its position consumed. */
	l->in_mark[lane] = at;
	r->lanes_changed[lane] = true;
	if (for_me && !direct) {
		if (!origin) {
			snprintf(why, sizeof(why), "message from %s relayed by %s: %s is a peer of %s, not a member",
				 h->sender, l->name, h->sender, n->key->cert.name);
			reject(n, l, r, h->id.data, LIAISON_E_UNKNOWN_SENDER, why);
			goto out;
		}
		if (me->stream_seq <= origin->in_mark[lane]) { /* another relay's copy, or a replay */
			n->counters.duplicates++;
			if (store_has_message(n->store, h->id.data)) {
				add_receipt_id(r, h->id.data);
				owe_receipt(r, origin, lane, h->id.data);
			}
			goto out;
		}
		if (me->stream_seq > origin->in_mark[lane] + 1) {
			n->counters.relay_gaps++;
			snprintf(why, sizeof(why), "gap: message %llu of lane %d from %s after %llu (asked again)",
				 (unsigned long long)me->stream_seq, lane + 1, h->sender,
				 (unsigned long long)origin->in_mark[lane]);
			reject(n, l, r, h->id.data, LIAISON_E_REPLAY, why);
			note_gap(r, origin);
			goto out;
		}
	}
	/* from here a refusal spends the end-to-end position too */
	struct member *e2e = for_me ? origin : NULL;
#define REFUSE(err, text)                                                                                   \
	do {                                                                                                \
		if (!e2e)                                                                                   \
			reject(n, l, r, h->id.data, err, text);                                             \
		else if (refuse_relayed(n, l, r, e2e, lane, me->stream_seq, h->id.data, err, text) < 0) \
			goto fail;                                                                          \
		goto out;                                                                                   \
	} while (0)
	size_t bad_at;
	if (h->topic && !label_topic_valid(h->topic, &bad_at)) {
		label_topic_explain(h->topic, bad_at, why, sizeof(why));
		REFUSE(LIAISON_E_TOPIC, why);
	}
	int64_t pos = 0;
	if (for_me) {
		rc = keyring_decrypt(n, &o, now); /* sealed to us before our key rotation: a former key */
		if (rc != LIAISON_OK)
			REFUSE(rc, liaison_strerror(rc));
		if (node_tx(n) < 0)
			goto fail;
		rc = store_put_message(n->store, h, env->data, env->len, time_now_ms(), &pos);
		if (rc < 0) {
			log_error("store: %s", store_errmsg(n->store));
			goto fail;
		}
		if (rc == 1)
			REFUSE(LIAISON_E_REPLAY, liaison_strerror(LIAISON_E_REPLAY));
#undef REFUSE
		if (cap_chain_record(n->store, pos, h, o.payload) < 0) {
			log_error("store: %s", store_errmsg(n->store));
			goto fail;
		}
		n->counters.received++;
		readcache_put(n->readcache, pos, env->data, env->len); /* verified above */
		if (origin) {
			origin->in_mark[lane] = me->stream_seq;
			if (store_set_lane_mark(n->store, origin->name, lane, me->stream_seq) < 0) {
				log_error("store: %s", store_errmsg(n->store));
				goto fail;
			}
			owe_receipt(r, origin, lane, h->id.data);
		}
	}
	if (hop && hop->n_to) {
		rc = relay_envelope(n, l, h, env->data, env->len, pos, hop->to, hop->n_to, why, sizeof(why));
		if (rc < 0)
			goto fail;
		if (rc == RELAY_REFUSED) {
			log_peer_limited(l->name, LOG_WARN, "peer %s: %s", l->name, why);
			if (!for_me) {
				reject(n, l, r, h->id.data, LIAISON_E_NOT_RECIPIENT, why);
				goto out;
			}
		}
	} else if (!for_me) {
		reject(n, l, r, h->id.data, LIAISON_E_NOT_RECIPIENT, liaison_strerror(LIAISON_E_NOT_RECIPIENT));
		goto out;
	}
	add_receipt_id(r, h->id.data);
out:
	opened_clear(&o);
	return 0;
fail:
	n->tx_failed = true;
	opened_clear(&o);
	return -1;
}

/* Positions the sender will never send (it withdrew them: over this node's
 * size limit, or they are settled). Taken only when this node holds every
 * position up to `after`, so nothing that may still come is skipped; the
 * sender says it again after a resend. Returns whether a mark moved. */
static bool apply_skips(struct link *l, const Liaison__PeerBatch *b, struct batch_result *r)
{
	bool moved = false;
	for (size_t i = 0; i < b->n_skips; i++) {
		const Liaison__LaneSkip *k = b->skips[i];
		int lane = (int)k->lane - 1;
		if (lane < 0 || lane >= LANES || k->upto <= k->after || l->in_mark[lane] < k->after ||
		    l->in_mark[lane] >= k->upto)
			continue;
		log_info("peer %s will not send messages %llu to %llu of lane %d (withdrawn, over this node's size limit): skipped",
			 l->name, (unsigned long long)l->in_mark[lane] + 1, (unsigned long long)k->upto, lane + 1);
		l->in_mark[lane] = k->upto;
		r->lanes_changed[lane] = true;
		moved = true;
	}
	return moved;
}

static void ack_batch(struct node *n, struct link *l, const uint8_t *rid, size_t rid_len, struct batch_result *r)
{
	Liaison__LaneMark marks[LANES], *ptrs[LANES];
	Liaison__PeerAck ack = LIAISON__PEER_ACK__INIT;
	Liaison__PeerFrame f = LIAISON__PEER_FRAME__INIT;
	Liaison__SignedReceipt *sr = NULL;
	fill_marks(l, marks, ptrs);
	ack.marks = ptrs;
	ack.n_marks = LANES;
	ack.rejected = r->rejected_ptrs;
	ack.n_rejected = r->n_rejected;
	if (r->n_ids) {
		/* One signature covers every message of this batch that this node holds. */
		Liaison__DeliveryReceipt dr = LIAISON__DELIVERY_RECEIPT__INIT;
		uint8_t *signed_buf = NULL;
		size_t signed_len = 0;
		dr.version = 1;
		dr.recipient = n->key->cert.name;
		dr.received = time_now_ms();
		dr.message_ids = r->ids;
		dr.n_message_ids = r->n_ids;
		if (receipt_sign(n->key, &dr, &signed_buf, &signed_len) == LIAISON_OK)
			sr = liaison__signed_receipt__unpack(NULL, signed_len, signed_buf);
		free(signed_buf);
		ack.receipt = sr;
	}
	for (int lane = 0; lane < LANES; lane++)
		if (r->lanes_changed[lane] && node_tx(n) == 0 &&
		    store_set_lane_mark(n->store, l->name, lane, l->in_mark[lane]) < 0)
			n->tx_failed = true;
	f.version = 1;
	f.kind_case = LIAISON__PEER_FRAME__KIND_ACK;
	f.ack = &ack;
	size_t len;
	uint8_t *buf = pack_frame(&f, &len);
	if (buf)
		node_defer(n, n->router, rid, rid_len, buf, len, NULL, 0);
	if (sr)
		liaison__signed_receipt__free_unpacked(sr, NULL);
}

static void handle_batch(struct node *n, struct link *l, const uint8_t *rid, size_t rid_len,
			 const Liaison__PeerBatch *b)
{
	struct batch_result *r = calloc(1, sizeof(*r));
	if (!r)
		return;
	int64_t now = time_now_ms();
	/* skips come before the envelope that follows them in the lane */
	bool failed = false;
	size_t k = 0; /* hop items come in the order of their envelopes */
	for (size_t i = 0; i < b->n_envelopes && !failed && !r->held; i++) {
		while (apply_skips(l, b, r))
			;
		while (k < b->n_hops && b->hops[k]->index < i)
			k++;
		const Liaison__HopItem *hop = k < b->n_hops && b->hops[k]->index == i ? b->hops[k] : NULL;
		failed = take_envelope(n, l, &b->envelopes[i], hop, now, r) < 0;
	}
	while (!failed && apply_skips(l, b, r))
		;
	if (r->n_rejected && !n->tx_failed) { /* one audit record per batch, however hostile */
		char detail[320];
		snprintf(detail, sizeof(detail), "peer=%s rejected=%zu first=%.160s", l->name, r->n_rejected,
			 r->reasons[0]);
		if (node_tx(n) < 0 || store_audit(n->store, "reject", detail) < 0)
			n->tx_failed = true;
	}
	/* the receipts owed to origins reached through relays, in this commit */
	for (size_t i = 0; i < r->n_owed && !n->tx_failed; i++)
		relay_receipt_out(n, r->owed[i].m, r->owed[i].lane,
				  &(struct relay_receipt){ .ids = r->owed[i].ids, .n_ids = r->owed[i].n_ids,
							   .rejected = r->owed[i].rejected_ptrs,
							   .n_rejected = r->owed[i].n_rejected });
	for (size_t i = 0; i < r->n_gaps && !n->tx_failed; i++)
		member_gap_seen(n, r->gaps[i]);
	if (!n->tx_failed)
		ack_batch(n, l, rid, rid_len, r);
	for (size_t i = 0; i < r->n_ids; i++)
		free(r->ids[i].data);
	for (size_t i = 0; i < r->n_owed; i++)
		for (size_t j = 0; j < r->owed[i].n_ids; j++)
			free(r->owed[i].ids[j].data);
	free(r);
}

/* Reads frames from the ROUTER while the queue has room. Hellos are
 * answered at once; batches are queued for inbound_process. */
void inbound_read(struct node *n)
{
	while (n->n_inq < INBOUND_QUEUE_MAX) {
		zmq_msg_t rid, body;
		zmq_msg_init(&rid);
		zmq_msg_init(&body);
		if (zmq_msg_recv(&rid, n->router, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&rid);
			zmq_msg_close(&body);
			return;
		}
		if (!zmq_msg_more(&rid) || zmq_msg_recv(&body, n->router, 0) < 0) {
			zmq_msg_close(&rid);
			zmq_msg_close(&body);
			continue;
		}
		while (zmq_msg_more(&body)) { /* we use single frames: drain extras */
			zmq_msg_t extra;
			zmq_msg_init(&extra);
			zmq_msg_recv(&extra, n->router, 0);
			zmq_msg_close(&extra);
		}
		const char *user = zmq_msg_gets(&body, "User-Id");
		struct link *l = user ? node_link(n, user) : NULL;
		Liaison__PeerFrame *f = NULL;
		if (l)
			f = liaison__peer_frame__unpack(NULL, zmq_msg_size(&body), zmq_msg_data(&body));
		if (!l) {
			log_limited("unconfigured peers", LOG_WARN, "frame from a peer no longer configured (%s): dropped",
				    user ? user : "?");
		} else if (!f || f->version != 1 || zmq_msg_size(&rid) > sizeof(n->inq[0].rid)) {
			n->counters.rejected++;
			n->counters.rejected_by[LIAISON_E_PARSE]++;
			log_peer_limited(l->name, LOG_WARN, "peer %s: malformed frame (%zu bytes) dropped", l->name,
					 zmq_msg_size(&body));
		} else if (f->kind_case == LIAISON__PEER_FRAME__KIND_KEY_ANNOUNCE) {
			rotate_take_announce(n, l, zmq_msg_data(&rid), zmq_msg_size(&rid), f->key_announce);
		} else if (f->kind_case == LIAISON__PEER_FRAME__KIND_HELLO) {
			limits_stated(n, l, f->hello->max_envelope, f->hello->max_frame);
			reply_state(n, l, zmq_msg_data(&rid), zmq_msg_size(&rid));
		} else if (f->kind_case == LIAISON__PEER_FRAME__KIND_BATCH) {
			struct inbound_frame *q = &n->inq[n->n_inq++];
			q->rid_len = zmq_msg_size(&rid);
			memcpy(q->rid, zmq_msg_data(&rid), q->rid_len);
			snprintf(q->peer, sizeof(q->peer), "%s", l->name);
			q->frame = f;
			f = NULL;
		}
		if (f)
			liaison__peer_frame__free_unpacked(f, NULL);
		zmq_msg_close(&rid);
		zmq_msg_close(&body);
	}
}

static void handle_queued(struct node *n, size_t i)
{
	struct inbound_frame *q = &n->inq[i];
	struct link *l = node_link(n, q->peer); /* a reload may have removed it */
	if (l)
		handle_batch(n, l, q->rid, q->rid_len, q->frame->batch);
	liaison__peer_frame__free_unpacked(q->frame, NULL);
	memmove(&n->inq[i], &n->inq[i + 1], (n->n_inq - i - 1) * sizeof(n->inq[0]));
	n->n_inq--;
}

/* Handles every queued FLASH batch, then INBOUND_FRAMES_PER_TURN others:
 * one commit covers them, and a FLASH batch waits behind at most one
 * routine batch. Lanes are independent streams, so taking a FLASH batch
 * ahead of an earlier routine one keeps the order within each lane. */
void inbound_process(struct node *n)
{
	for (size_t i = 0; i < n->n_inq && !n->tx_failed;) {
		if (n->inq[i].frame->batch->lane == LIAISON__PRECEDENCE__FLASH)
			handle_queued(n, i);
		else
			i++;
	}
	for (int budget = INBOUND_FRAMES_PER_TURN; budget > 0 && n->n_inq && !n->tx_failed; budget--)
		handle_queued(n, 0);
}

void inbound_clear(struct node *n)
{
	for (size_t i = 0; i < n->n_inq; i++)
		liaison__peer_frame__free_unpacked(n->inq[i].frame, NULL);
	n->n_inq = 0;
}

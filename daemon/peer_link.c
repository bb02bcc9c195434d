/* Outbound federation links: our DEALER to each peer's ROUTER.
 *
 * On every (re)connect we say hello; the peer answers with the highest
 * contiguous stream sequence number it holds per lane, and we resend from
 * there. Batches are served FLASH lane first, at most WINDOW unacknowledged
 * at a time; a message leaves the outbox only when the peer acknowledges it
 * after its commit. Timers only speed recovery: a batch unanswered for
 * RESYNC_MS triggers a new hello, never a loss. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>
#include "peer_link.h"
#include "turn.h"
#include "node_lookup.h"
#include "peer_limits.h"
#include "hexid.h"
#include "textsafe.h"
#include "log.h"
#include "rotate.h"
#include "link_health.h"
#include "timefmt.h"
#include "relay.h"
#include "labels.h"
#include "member.h"

int link_open(struct node *n, struct link *l)
{
	char mon[128];
	int zero = 0, one = 1, ivl = 100, ivl_max = 5000, hwm = WINDOW * 4, hb = 2000, hbt = 6000;
	if (!l->connected)
		link_health_down(l);
	l->dealer = zmq_socket(n->zctx, ZMQ_DEALER);
	if (!l->dealer)
		return -1;
	/* during our key rotation, the old key until this peer has pinned the new one (rotate.c) */
	const struct liaison_key *k = l->old_transport && n->prev_key ? n->prev_key : n->key;
	if (zmq_setsockopt(l->dealer, ZMQ_CURVE_SERVERKEY, l->cert.box_pk, 32) < 0 ||
	    zmq_setsockopt(l->dealer, ZMQ_CURVE_PUBLICKEY, k->cert.box_pk, 32) < 0 ||
	    zmq_setsockopt(l->dealer, ZMQ_CURVE_SECRETKEY, k->secret->box_sk, 32) < 0) {
		/* never a link without CURVE: the caller fails the start */
		log_error("peer %s: cannot set up CURVE on its link: %s", l->name, zmq_strerror(errno));
		zmq_close(l->dealer);
		l->dealer = NULL;
		return -1;
	}
	zmq_setsockopt(l->dealer, ZMQ_LINGER, &zero, sizeof(zero));
	/* never queue to a connection whose handshake is not done: durability is the outbox's */
	zmq_setsockopt(l->dealer, ZMQ_IMMEDIATE, &one, sizeof(one));
	zmq_setsockopt(l->dealer, ZMQ_RECONNECT_IVL, &ivl, sizeof(ivl));
	zmq_setsockopt(l->dealer, ZMQ_RECONNECT_IVL_MAX, &ivl_max, sizeof(ivl_max));
	zmq_setsockopt(l->dealer, ZMQ_SNDHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(l->dealer, ZMQ_HEARTBEAT_IVL, &hb, sizeof(hb));
	zmq_setsockopt(l->dealer, ZMQ_HEARTBEAT_TIMEOUT, &hbt, sizeof(hbt));
	int64_t max = (int64_t)(64 * 1024 + 16 * 1024 * (size_t)BATCH_MAX);
	zmq_setsockopt(l->dealer, ZMQ_MAXMSGSIZE, &max, sizeof(max));
	/* A fresh monitor address each time: a closed monitor releases its
	 * inproc address asynchronously, so reusing it at once can fail. */
	static unsigned generation;
	snprintf(mon, sizeof(mon), "inproc://link-monitor-%s-%u", l->name, ++generation);
	if (zmq_socket_monitor(l->dealer, mon,
			       ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_CONNECT_RETRIED |
				       ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
				       ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) < 0)
		return -1;
	l->monitor = zmq_socket(n->zctx, ZMQ_PAIR);
	if (!l->monitor || zmq_connect(l->monitor, mon) < 0)
		return -1;
	if (zmq_connect(l->dealer, l->endpoint) < 0) {
		log_error("peer %s: cannot connect to %s: %s", l->name, l->endpoint, zmq_strerror(errno));
		link_health_error(l, "cannot connect to %s: %s", l->endpoint, zmq_strerror(errno));
		return -1;
	}
	return 0;
}

void link_close(struct link *l)
{
	if (l->dealer) {
		zmq_socket_monitor(l->dealer, NULL, 0);
		zmq_close(l->dealer);
	}
	if (l->monitor)
		zmq_close(l->monitor);
	l->dealer = l->monitor = NULL;
	l->connected = l->synced = false;
}

static int send_frame(struct link *l, const Liaison__PeerFrame *f)
{
	size_t len = liaison__peer_frame__get_packed_size(f);
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return -1;
	liaison__peer_frame__pack(f, buf);
	int rc = zmq_send(l->dealer, buf, len, ZMQ_DONTWAIT);
	free(buf);
	return rc < 0 ? -1 : 0;
}

static void send_hello(struct node *n, struct link *l)
{
	Liaison__PeerFrame f = LIAISON__PEER_FRAME__INIT;
	Liaison__PeerHello h = LIAISON__PEER_HELLO__INIT;
	h.node = n->key->cert.name;
	h.max_envelope = node_max_envelope(n);
	h.max_frame = node_max_frame(n);
	f.version = 1;
	f.kind_case = LIAISON__PEER_FRAME__KIND_HELLO;
	f.hello = &h;
	l->last_hello = time_mono_ms();
	if (send_frame(l, &f) == 0)
		log_debug("peer %s: hello", l->name);
}

void link_handle_monitor(struct node *n, struct link *l)
{
	for (;;) {
		zmq_msg_t ev, addr;
		zmq_msg_init(&ev);
		if (zmq_msg_recv(&ev, l->monitor, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&ev);
			return;
		}
		uint16_t event = 0;
		uint32_t value = 0;
		if (zmq_msg_size(&ev) >= 6) {
			memcpy(&event, zmq_msg_data(&ev), 2);
			memcpy(&value, (const uint8_t *)zmq_msg_data(&ev) + 2, 4);
		}
		zmq_msg_close(&ev);
		zmq_msg_init(&addr);
		zmq_msg_recv(&addr, l->monitor, 0);
		zmq_msg_close(&addr);
		if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
			if (!l->connected)
				log_info("peer %s: connected to %s", l->name, l->endpoint);
			link_health_up(l);
			l->connected = true;
			l->refused = false;
			l->reopen_at = 0;
			l->synced = false;
			l->inflight = 0;
			l->last_announce = 0;
			link_rate_reset(&l->rate);
			send_hello(n, l);
			rotate_tick(n, l, time_mono_ms());
		} else if (event == ZMQ_EVENT_CONNECT_RETRIED) {
			/* libzmq retries on its own; only tell the operator why it is down */
			link_health_error(l, "cannot connect to %s (retrying)", l->endpoint);
		} else if (event == ZMQ_EVENT_DISCONNECTED) {
			if (l->connected) {
				log_info("peer %s: disconnected", l->name);
				link_health_error(l, "disconnected");
			}
			link_health_down(l);
			l->connected = l->synced = false;
			l->inflight = 0;
		} else {
			/* only a ZAP answer of 400 is a refusal; the rest is a peer
			 * going away mid-handshake (a restart) or a protocol fault */
			const char *why = event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH ? "the peer could not check our key now"
					  : event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL ? "protocol error"
											 : "the connection closed";
			if (!l->refused && event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH && value == 400)
				log_warn("peer %s: handshake with %s refused (is our certificate installed there, and theirs here?)",
					 l->name, l->endpoint);
			else if (!l->refused)
				log_info("peer %s: handshake with %s failed (%s): trying again", l->name, l->endpoint, why);
			if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH && value == 400)
				link_health_error(l, "handshake refused (is our certificate installed there, and theirs here?)");
			else
				link_health_error(l, "handshake failed: %s", why);
			link_health_down(l);
			/* libzmq treats a refused handshake as a protocol error and may
			 * never reconnect, so a peer that installs our certificate later
			 * would not hear from us until a restart: link_tick reopens the
			 * link after a pause instead. */
			l->refused = true;
			l->reopen_at = time_mono_ms() + RESYNC_MS;
		}
	}
}

/* The peer holds everything up to marks: the window moves on. Whether a
 * message counts as delivered is decided by the signed receipts alone. */
static void apply_marks(struct link *l, Liaison__LaneMark **marks, size_t n_marks)
{
	for (size_t i = 0; i < n_marks; i++) {
		int lane = (int)marks[i]->lane - 1;
		if (lane < 0 || lane >= LANES || marks[i]->seq > l->next_seq[lane])
			continue; /* claims more than we ever sent: ignore */
		if (marks[i]->seq > l->acked[lane])
			l->acked[lane] = marks[i]->seq;
	}
}

/* The peer's answer to our hello. We resend from what it has receipted to
 * us, not from its mark: what it holds but never receipted (the ack was
 * lost) comes back as a duplicate and is receipted then. */
static void handle_state(struct node *n, struct link *l, const Liaison__PeerState *st)
{
	limits_stated(n, l, st->max_envelope, st->max_frame);
	for (size_t i = 0; i < st->n_marks; i++) {
		int lane = (int)st->marks[i]->lane - 1;
		uint64_t mark = st->marks[i]->seq;
		if (lane < 0 || lane >= LANES || mark >= l->acked[lane])
			continue;
		/* It holds less than it acknowledged: its store was lost or
		 * restored from a backup. Queue the rest again. (Positions
		 * withdrawn at the end of a lane, which it has not yet been told
		 * to skip, also sit above its mark: nothing to requeue there.) */
		int requeued = -1;
		if (node_tx(n) < 0 || (requeued = store_requeue(n->store, l->name, lane, mark)) < 0)
			n->tx_failed = true;
		else if (requeued > 0)
			log_warn("peer %s holds %s messages up to %llu only, after acknowledging %llu: sending %d again",
				 l->name, label_precedence_name((Liaison__Precedence)(lane + 1)),
				 (unsigned long long)mark, (unsigned long long)l->acked[lane], requeued);
		l->acked[lane] = mark;
	}
	memcpy(l->sent, l->acked, sizeof(l->sent));
	l->synced = true;
	l->inflight = 0;
	link_rate_forget(&l->rate);
	log_debug("peer %s: synced", l->name);
	link_health_acked(l, 0); /* reports an outage with nothing queued */
}

/* A relay refused to carry our message on: the members it was to reach
 * through it are rejected, with the relay's words. */
static int reject_members(struct node *n, struct link *l, const uint8_t id[16], const char *why)
{
	char dest[256], reason[320];
	if (store_hop_dest(n->store, id, l->name, dest, sizeof(dest)) != 1 || !store_has_message(n->store, id))
		return 0;
	snprintf(reason, sizeof(reason), "%s: %s", l->name, why);
	for (char *save = NULL, *name = strtok_r(dest, ",", &save); name; name = strtok_r(NULL, ",", &save))
		if (member_find(n, name) &&
		    (store_set_recipient_state(n->store, id, name, RCPT_REJECTED, time_now_ms(), 0) < 0 ||
		     store_set_rejection(n->store, id, name, reason) < 0))
			return -1;
	return 0;
}

static void handle_ack(struct node *n, struct link *l, const Liaison__PeerAck *ack)
{
	uint64_t delivered = 0;
	if (ack->receipt) {
		Liaison__DeliveryReceipt *r = NULL;
		int rc = receipt_verify(&l->cert, ack->receipt, &r);
		if (rc != LIAISON_OK || strcmp(r->recipient, l->name)) {
			log_warn("peer %s: delivery receipt refused: %s", l->name,
				 rc ? liaison_strerror(rc) : "signed for another node");
			link_health_error(l, "delivery receipt refused: %s",
					  rc ? liaison_strerror(rc) : "signed for another node");
		} else if (node_tx_lazy(n) == 0) {
			size_t len = liaison__signed_receipt__get_packed_size(ack->receipt);
			uint8_t *buf = malloc(len ? len : 1);
			int64_t receipt = -1;
			if (buf) {
				liaison__signed_receipt__pack(ack->receipt, buf);
				receipt = store_put_receipt(n->store, l->name, r->received, buf, len);
				/* a relay item every next hop holds is deleted; a receipt
				 * that settles nothing (a duplicate's) is not kept */
				int settled = 0, rc = 0;
				for (size_t i = 0; receipt > 0 && i < r->n_message_ids; i++)
					if (r->message_ids[i].len == 16 &&
					    ((rc = store_set_recipient_state(n->store, r->message_ids[i].data, l->name,
									     RCPT_DELIVERED, r->received, receipt)) < 0 ||
					     store_relay_settle(n->store, r->message_ids[i].data) < 0))
						receipt = -1;
					else
						settled += rc;
				if (receipt > 0 && settled == 0 && store_drop_receipt(n->store, receipt) < 0)
					receipt = -1;
				free(buf);
			}
			if (receipt < 0)
				n->tx_failed = true;
			else
				delivered = r->n_message_ids;
			n->counters.delivered += delivered;
		}
		if (r)
			liaison__delivery_receipt__free_unpacked(r, NULL);
	}
	for (size_t i = 0; i < ack->n_rejected; i++) {
		Liaison__RejectedEnvelope *rj = ack->rejected[i];
		/* the peer's own words, shown by `peers` and `status`: escaped
		 * once here (the log escapes its lines itself) */
		char why[200];
		textsafe_escape(why, sizeof(why), rj->reason ? rj->reason : "", rj->reason ? strlen(rj->reason) : 0, 0);
		log_warn("peer %s rejected a message: %s", l->name, why);
		link_health_error(l, "rejected a message: %.120s", why);
		if (rj->id.len == 16 && node_tx_lazy(n) == 0 &&
		    (store_set_recipient_state(n->store, rj->id.data, l->name, RCPT_REJECTED, time_now_ms(), 0) < 0 ||
		     store_set_rejection(n->store, rj->id.data, l->name, why) < 0 ||
		     reject_members(n, l, rj->id.data, why) < 0 || store_relay_settle(n->store, rj->id.data) < 0)) {
			/* the turn is dropped; the message stays pending here */
			log_error("store: %s", store_errmsg(n->store));
			n->tx_failed = true;
		}
	}
	apply_marks(l, ack->marks, ack->n_marks);
	link_health_acked(l, delivered);
	if (l->inflight > 0)
		l->inflight--;
	/* Nothing in flight but the peer holds less than we sent: it dropped a
	 * batch (a gap, or its commit failed). Resend from its mark. */
	if (l->inflight == 0)
		for (int lane = 0; lane < LANES; lane++)
			if (l->sent[lane] > l->acked[lane])
				l->sent[lane] = l->acked[lane];
	link_rate_acked(&l->rate, time_mono_ms(), l->acked, l->sent);
}

void link_handle_dealer(struct node *n, struct link *l)
{
	for (int budget = 64; budget > 0; budget--) {
		zmq_msg_t m;
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, l->dealer, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&m);
			return;
		}
		Liaison__PeerFrame *f = liaison__peer_frame__unpack(NULL, zmq_msg_size(&m), zmq_msg_data(&m));
		zmq_msg_close(&m);
		if (!f || f->version != 1) {
			log_warn("peer %s: malformed frame", l->name);
			if (f)
				liaison__peer_frame__free_unpacked(f, NULL);
			continue;
		}
		l->last_seen = time_mono_ms();
		if (f->kind_case == LIAISON__PEER_FRAME__KIND_STATE)
			handle_state(n, l, f->state);
		else if (f->kind_case == LIAISON__PEER_FRAME__KIND_ACK && l->synced)
			handle_ack(n, l, f->ack);
		else if (f->kind_case == LIAISON__PEER_FRAME__KIND_KEY_ACK)
			rotate_on_ack(n, l, f->key_ack);
		liaison__peer_frame__free_unpacked(f, NULL);
	}
}

bool link_pending(const struct link *l)
{
	for (int lane = 0; lane < LANES; lane++)
		if (l->sent[lane] < l->next_seq[lane])
			return true;
	return false;
}

#define SKIPS_MAX (BATCH_MAX + LANES)
#define HOP_TO_MAX 32 /* names in one hop's dest (256 bytes) */

struct batch {
	const struct link *l;
	ProtobufCBinaryData *envs;
	size_t n, bytes, budget;
	int lane;
	uint64_t prev;          /* the lane's last position sent or taken into this batch */
	uint64_t seen;          /* the lane's last position taken or withdrawn */
	uint64_t withdrawn[BATCH_MAX];
	size_t withdrawn_len[BATCH_MAX];
	size_t n_withdrawn;
	Liaison__LaneSkip skips[SKIPS_MAX];
	Liaison__LaneSkip *skip_ptrs[SKIPS_MAX];
	size_t n_skips;
	/* relaying: where the link position or the route is not in the envelope */
	Liaison__HopItem hops[BATCH_MAX];
	Liaison__HopItem *hop_ptrs[BATCH_MAX];
	char *hop_to[BATCH_MAX][HOP_TO_MAX];
	char hop_dest[BATCH_MAX][256];
	size_t n_hops;
};

/* Describes the batch's next envelope (or receipt) as a hop item. */
static void add_hop(struct batch *b, uint64_t seq, const char *dest, int kind, uint8_t *copy, size_t len)
{
	size_t k = b->n_hops++;
	Liaison__HopItem *h = &b->hops[k];
	liaison__hop_item__init(h);
	h->index = (uint32_t)b->n;
	h->position = seq;
	snprintf(b->hop_dest[k], sizeof(b->hop_dest[k]), "%s", dest ? dest : "");
	char *save = NULL;
	for (char *name = strtok_r(b->hop_dest[k], ",", &save); name && h->n_to < HOP_TO_MAX;
	     name = strtok_r(NULL, ",", &save))
		b->hop_to[k][h->n_to++] = name;
	h->to = b->hop_to[k];
	if (kind == RELAY_RECEIPT) {
		h->receipt.data = copy;
		h->receipt.len = len;
		h->lane = (Liaison__Precedence)(b->lane + 1);
	}
	b->hop_ptrs[k] = h;
}

/* Tells the peer that positions after+1 .. upto of the lane will never come. */
static void add_skip(struct batch *b, int lane, uint64_t after, uint64_t upto)
{
	if (upto <= after || b->n_skips >= SKIPS_MAX)
		return;
	Liaison__LaneSkip *k = &b->skips[b->n_skips];
	liaison__lane_skip__init(k);
	k->lane = (Liaison__Precedence)(lane + 1);
	k->after = after;
	k->upto = upto;
	b->skip_ptrs[b->n_skips++] = k;
}

/* Takes an envelope into the batch while the batch stays within its byte
 * budget; an envelope the peer does not take at all is set aside to be
 * withdrawn, so that it never blocks its lane. The outbox yields only
 * what still waits, so positions it passed over are settled (delivered,
 * rejected or withdrawn): the batch says so, and the peer does not wait for
 * them. */
static int collect(void *ctx, uint64_t seq, const uint8_t *env, size_t len, const char *dest, int kind)
{
	struct batch *b = ctx;
	if (len > b->l->max_envelope || len + FRAME_SLACK > b->l->max_frame) {
		if (b->n_withdrawn < BATCH_MAX) {
			b->withdrawn_len[b->n_withdrawn] = len;
			b->withdrawn[b->n_withdrawn++] = seq;
			b->seen = seq;
			return 0;
		}
		return 1;
	}
	if (b->n > 0 && b->bytes + len > b->budget)
		return 1;
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		return 1;
	memcpy(copy, env, len);
	add_skip(b, b->lane, b->prev, seq - 1);
	if (dest || kind == RELAY_RECEIPT)
		add_hop(b, seq, dest, kind, copy, len);
	/* a receipt travels in its hop item: its place here stays empty */
	b->envs[b->n].data = kind == RELAY_RECEIPT ? NULL : copy;
	b->envs[b->n].len = kind == RELAY_RECEIPT ? 0 : len;
	b->n++;
	b->bytes += len;
	b->prev = b->seen = seq;
	return 0;
}

/* Marks each envelope set aside by collect rejected for this peer: recorded
 * with its reason (shown by `status ID`), audited and logged once, since a
 * row leaves the outbox when it is marked. */
static void withdraw(struct node *n, struct link *l, int lane, const struct batch *b)
{
	char theirs[32], reason[200];
	limits_format(limits_message_for(l->max_envelope), theirs, sizeof(theirs));
	for (size_t i = 0; i < b->n_withdrawn; i++) {
		uint8_t id[16];
		char hex[HEXID_LEN], size[32], detail[320];
		limits_format(b->withdrawn_len[i], size, sizeof(size));
		snprintf(reason, sizeof(reason), "envelope of %s exceeds %s's limit (messages up to %s)", size, l->name,
			 theirs);
		if (node_tx(n) < 0)
			return;
		int rc = store_withdraw(n->store, l->name, lane, b->withdrawn[i], time_now_ms(), reason, id);
		if (rc < 0) {
			log_error("store: %s", store_errmsg(n->store));
			n->tx_failed = true;
			return;
		}
		if (rc == 0)
			continue;
		hexid_format(id, hex);
		log_warn("message %s rejected for %s: %s", hex, l->name, reason);
		snprintf(detail, sizeof(detail), "peer=%s id=%s reason=%s", l->name, hex, reason);
		if (store_audit(n->store, "size-rejected", detail) < 0)
			n->tx_failed = true;
	}
}

/* Sends batches while the window allows, FLASH lane first. A full window
 * still lets one FLASH-only batch through: FLASH never waits for routine
 * acknowledgements. A batch's frame never exceeds what the peer stated it
 * takes: at most the link's byte budget of envelopes (about half a second at
 * its measured rate, link_rate.c; at most BATCH_MAX_BYTES), or one envelope
 * alone within the peer's envelope limit, and never more than its frame
 * limit. */
void link_pump(struct node *n, struct link *l)
{
	ProtobufCBinaryData envs[BATCH_MAX];
	/* During our key rotation, nothing signed by the new key goes to a peer
	 * before it has pinned that key: it would refuse it (rotate.c). */
	if (l->announce_pending && n->announce)
		return;
	while (l->connected && l->synced && link_pending(l)) {
		bool flash_only = l->inflight >= WINDOW;
		if (flash_only && (l->inflight > WINDOW || l->sent[0] >= l->next_seq[0]))
			break;
		struct batch *b = calloc(1, sizeof(*b));
		if (!b)
			break;
		b->l = l;
		b->envs = envs;
		b->budget = link_rate_budget(&l->rate, BATCH_MAX_BYTES);
		if (l->max_frame > FRAME_SLACK && l->max_frame - FRAME_SLACK < b->budget)
			b->budget = l->max_frame - FRAME_SLACK;
		uint64_t new_sent[LANES];
		int first_lane = -1;
		memcpy(new_sent, l->sent, sizeof(new_sent));
		for (int lane = 0; lane < (flash_only ? 1 : LANES) && b->n < BATCH_MAX && b->bytes < b->budget;
		     lane++) {
			if (l->sent[lane] >= l->next_seq[lane])
				continue;
			b->lane = lane;
			b->prev = b->seen = l->sent[lane];
			b->n_withdrawn = 0;
			size_t before = b->n, skips_before = b->n_skips;
			int rows = store_outbox(n->store, l->name, lane, l->sent[lane], (uint32_t)(BATCH_MAX - b->n),
						collect, b);
			if (rows < 0) {
				log_error("outbox %s: %s", l->name, store_errmsg(n->store));
				break;
			}
			if (b->n_withdrawn)
				withdraw(n, l, lane, b);
			/* Rows already marked delivered or rejected are skipped by the
			 * outbox: none at all means nothing waits in this lane. A lane
			 * that stopped at a row the batch had no room for stays put. */
			if (rows == 0) {
				add_skip(b, lane, l->sent[lane], l->next_seq[lane]);
				new_sent[lane] = l->next_seq[lane];
			} else {
				add_skip(b, lane, b->prev, b->seen); /* withdrawn after the last one taken */
				new_sent[lane] = b->seen;
			}
			if (first_lane < 0 && (b->n > before || b->n_skips > skips_before))
				first_lane = lane;
		}
		size_t count = b->n, bytes = b->bytes, budget = b->budget;
		if (count == 0 && b->n_skips == 0) {
			free(b);
			memcpy(l->sent, new_sent, sizeof(new_sent));
			break;
		}
		Liaison__PeerFrame f = LIAISON__PEER_FRAME__INIT;
		Liaison__PeerBatch pb = LIAISON__PEER_BATCH__INIT;
		pb.envelopes = envs;
		pb.n_envelopes = count;
		pb.skips = b->skip_ptrs;
		pb.n_skips = b->n_skips;
		pb.hops = b->hop_ptrs;
		pb.n_hops = b->n_hops;
		pb.lane = (Liaison__Precedence)(first_lane + 1);
		f.version = 1;
		f.kind_case = LIAISON__PEER_FRAME__KIND_BATCH;
		f.batch = &pb;
		int rc = send_frame(l, &f);
		for (size_t i = 0; i < count; i++)
			free(envs[i].data);
		for (size_t i = 0; i < b->n_hops; i++)
			free(b->hops[i].receipt.data);
		free(b);
		if (rc < 0) {
			if (errno != EAGAIN) {
				l->connected = false;
				link_health_down(l);
			}
			break; /* not sent: the outbox still has them */
		}
		memcpy(l->sent, new_sent, sizeof(new_sent));
		l->inflight++;
		l->last_batch = time_mono_ms();
		link_rate_sent(&l->rate, l->last_batch, bytes, budget, l->sent);
		log_debug("peer %s: batch of %zu (%zu bytes, budget %zu at %.0f bytes/s)", l->name, count, bytes, budget,
			  l->rate.bps);
		n->counters.sent += count;
	}
}

void link_tick(struct node *n, struct link *l, int64_t now)
{
	if (!l->connected && l->reopen_at && now >= l->reopen_at) {
		l->reopen_at = 0;
		link_close(l);
		if (link_open(n, l) < 0)
			log_error("peer %s: cannot reopen the link to %s", l->name, l->endpoint);
		return;
	}
	if (!l->connected)
		return;
	bool stalled = (!l->synced || l->inflight > 0) && now - l->last_hello >= RESYNC_MS &&
		       now - l->last_batch >= RESYNC_MS;
	bool idle = now - l->last_seen >= KEEPALIVE_MS && now - l->last_hello >= KEEPALIVE_MS;
	if (stalled || idle)
		send_hello(n, l);
	rotate_tick(n, l, now);
}

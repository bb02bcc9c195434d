/* rogue_relay: a relay that misbehaves, for integration tests.
 *
 * Stands in for relay node HQ between an origin and a member reached
 * through it. With HQ's node key it binds a CURVE ROUTER at HQ's listen
 * endpoint (a ZAP handler admits the origin's and the member's keys, user
 * id their names), and connects a DEALER to each of them as HQ does. On
 * each inbound link it answers hello with state and acks every batch (marks:
 * the highest contiguous link position it holds per lane, and a receipt
 * signed with HQ's key over the ids it holds). What it takes from one side
 * it forwards to the other in its own batches: hop items at its own link
 * positions (after the receiver's stated mark), `to` as it came. Receipt
 * items and anything the member sends go on faithfully; envelopes from the
 * origin to the member go through --mode (N: --every, default 4; counted
 * over everything forwarded, the origin's resends too):
 *   honest   forwarded as they came
 *   tamper   every Nth has its last byte (inside its signature) flipped
 *   drop     every Nth is never forwarded (yet acked to the origin as held)
 *   reorder  each pair is forwarded swapped (a lone one after 300 ms)
 *   replay   each is forwarded twice, and every Nth all earlier ones again
 * A message is tampered with, dropped or swapped at most once: a relay that
 * does it to the same message every time stops that message for good, which
 * no end-to-end check can get past (the origin's remedy is another relay).
 * Its outbound links behave: items stay until acked, and a link that stops
 * acking gets a hello and everything after the stated mark again.
 *
 * usage: rogue_relay --key HQ.key --listen EP --origin A.pub --origin-at EP
 *                    --member C.pub --member-at EP [--mode M] [--every N]
 *                    [--seconds S]
 * Every rejection the member sends back is one JSON line on stdout; on exit
 * (SIGTERM, SIGINT or --seconds) one line of totals. Exit 0, 64 usage,
 * 69 when a side never answered a hello, 1 other failures. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include <sodium.h>
#include <zmq.h>
#include "envelope.h"
#include "error.h"
#include "hexid.h"
#include "keyfile.h"
#include "pbjson.h"

#define N_LANES 4
#define OUT_BATCH 64        /* items per forwarded batch */
#define RESYNC_MS 2000      /* an outbound link unacked this long gets a hello */
#define PAIR_WAIT_MS 300    /* reorder: a lone envelope waits this long for its pair */

enum mode { HONEST, TAMPER, DROP, REORDER, REPLAY };

/* One item on an outbound link: an envelope, or a receipt travelling back. */
struct item {
	int lane;
	uint64_t pos;
	uint8_t *blob;
	size_t len;
	bool receipt;
	char to[LIAISON_NAME_MAX + 1];
	bool sent;
};

/* Our DEALER to a peer's ROUTER. */
struct out_link {
	struct liaison_cert cert;
	const char *endpoint;
	void *dealer;
	bool synced;
	uint64_t next[N_LANES];  /* last position given in each lane */
	uint64_t acked[N_LANES]; /* the peer's marks */
	struct item *items;      /* not yet acked, in the order given */
	size_t n, cap;
	int64_t last_progress, last_hello;
};

/* What a peer's DEALER sends to our ROUTER. */
struct in_link {
	uint64_t mark[N_LANES];
};

struct relay {
	struct liaison_key *key;
	enum mode mode;
	int every;
	void *ctx, *router, *zap;
	struct out_link out[2]; /* 0: the origin, 1: the member */
	struct in_link in[2];
	/* misbehaviour state, origin -> member */
	uint64_t counted;       /* envelopes from the origin taken for forwarding */
	struct item held;       /* reorder: the first of a pair */
	uint8_t held_id[16];
	bool have_held;
	int64_t held_at;
	uint8_t (*harmed)[16];  /* ids of the messages mistreated once */
	size_t n_harmed, cap_harmed;
	struct item *history;   /* replay: every envelope forwarded so far */
	size_t n_history, cap_history;
	/* totals */
	uint64_t taken[2], duplicates[2], forwarded[2], receipts_forwarded, dropped, tampered, swapped, replayed,
		resent, rejected_by_member;
	json_t *reasons;        /* rejection reason -> count */
};

static volatile sig_atomic_t stop;
static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void print_json(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	if (s)
		printf("%s\n", s);
	fflush(stdout);
	free(s);
	json_decref(o);
}

static int send_packed(void *sock, const uint8_t *rid, size_t rid_len, const Liaison__PeerFrame *f)
{
	size_t len = liaison__peer_frame__get_packed_size(f);
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return -1;
	liaison__peer_frame__pack(f, buf);
	int rc = 0;
	if (rid && zmq_send(sock, rid, rid_len, ZMQ_SNDMORE) < 0)
		rc = -1;
	if (rc == 0 && zmq_send(sock, buf, len, 0) < 0)
		rc = -1;
	free(buf);
	return rc;
}

static void fill_marks(const uint64_t seq[N_LANES], Liaison__LaneMark marks[N_LANES], Liaison__LaneMark *ptrs[N_LANES])
{
	for (int i = 0; i < N_LANES; i++) {
		liaison__lane_mark__init(&marks[i]);
		marks[i].lane = (Liaison__Precedence)(i + 1);
		marks[i].seq = seq[i];
		ptrs[i] = &marks[i];
	}
}

static void send_hello(struct relay *r, struct out_link *o)
{
	Liaison__PeerFrame f = LIAISON__PEER_FRAME__INIT;
	Liaison__PeerHello h = LIAISON__PEER_HELLO__INIT;
	h.node = r->key->cert.name;
	f.version = 1;
	f.kind_case = LIAISON__PEER_FRAME__KIND_HELLO;
	f.hello = &h;
	send_packed(o->dealer, NULL, 0, &f);
	o->last_hello = now_ms();
}

/* ------------------------------------------------------------ outbound */

/* Sends every item not yet sent, in batches. */
static void flush(struct out_link *o)
{
	if (!o->synced)
		return;
	size_t i = 0;
	while (i < o->n) {
		ProtobufCBinaryData envs[OUT_BATCH];
		Liaison__HopItem hops[OUT_BATCH], *hop_ptrs[OUT_BATCH];
		char *to[OUT_BATCH][1];
		size_t k = 0;
		int first_lane = -1;
		for (; i < o->n && k < OUT_BATCH; i++) {
			struct item *it = &o->items[i];
			if (it->sent)
				continue;
			if (first_lane < 0)
				first_lane = it->lane;
			liaison__hop_item__init(&hops[k]);
			hops[k].index = (uint32_t)k;
			hops[k].position = it->pos;
			to[k][0] = it->to;
			hops[k].to = to[k];
			hops[k].n_to = 1;
			if (it->receipt) {
				hops[k].receipt.data = it->blob;
				hops[k].receipt.len = it->len;
				hops[k].lane = (Liaison__Precedence)(it->lane + 1);
				envs[k] = (ProtobufCBinaryData){ 0, NULL };
			} else {
				envs[k] = (ProtobufCBinaryData){ it->len, it->blob };
			}
			hop_ptrs[k] = &hops[k];
			it->sent = true;
			k++;
		}
		if (k == 0)
			break;
		Liaison__PeerFrame f = LIAISON__PEER_FRAME__INIT;
		Liaison__PeerBatch b = LIAISON__PEER_BATCH__INIT;
		b.envelopes = envs;
		b.n_envelopes = k;
		b.hops = hop_ptrs;
		b.n_hops = k;
		b.lane = (Liaison__Precedence)(first_lane + 1);
		f.version = 1;
		f.kind_case = LIAISON__PEER_FRAME__KIND_BATCH;
		f.batch = &b;
		if (send_packed(o->dealer, NULL, 0, &f) < 0)
			fprintf(stderr, "rogue_relay: send to %s: %s\n", o->cert.name, zmq_strerror(zmq_errno()));
	}
}

/* Gives an item the next position of its lane on o and queues it. */
static int enqueue(struct out_link *o, int lane, const uint8_t *blob, size_t len, bool receipt, const char *to)
{
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 64;
		struct item *items = realloc(o->items, cap * sizeof(*items));
		if (!items)
			return -1;
		o->items = items;
		o->cap = cap;
	}
	struct item *it = &o->items[o->n];
	memset(it, 0, sizeof(*it));
	it->blob = malloc(len ? len : 1);
	if (!it->blob)
		return -1;
	memcpy(it->blob, blob, len);
	it->len = len;
	it->lane = lane;
	it->receipt = receipt;
	snprintf(it->to, sizeof(it->to), "%s", to);
	it->pos = ++o->next[lane];
	if (o->n == 0 || o->last_progress == 0)
		o->last_progress = now_ms();
	o->n++;
	return 0;
}

/* Drops what the peer holds (positions up to its marks). */
static void settle(struct out_link *o, Liaison__LaneMark **marks, size_t n_marks, bool resend)
{
	for (size_t i = 0; i < n_marks; i++) {
		int lane = (int)marks[i]->lane - 1;
		if (lane < 0 || lane >= N_LANES)
			continue;
		if (marks[i]->seq > o->acked[lane])
			o->last_progress = now_ms();
		o->acked[lane] = marks[i]->seq;
		if (o->next[lane] < marks[i]->seq)
			o->next[lane] = marks[i]->seq; /* what it held before we came */
	}
	size_t k = 0;
	for (size_t i = 0; i < o->n; i++) {
		struct item *it = &o->items[i];
		if (it->pos <= o->acked[it->lane]) {
			free(it->blob);
			continue;
		}
		if (resend)
			it->sent = false;
		o->items[k++] = *it;
	}
	o->n = k;
}

static void note_rejections(struct relay *r, const Liaison__PeerAck *a)
{
	for (size_t i = 0; i < a->n_rejected; i++) {
		const Liaison__RejectedEnvelope *rj = a->rejected[i];
		const char *why = rj->reason ? rj->reason : "";
		json_t *o = json_object();
		json_object_set_new(o, "rejected", json_string(why));
		json_object_set_new(o, "error", json_integer(rj->error));
		if (rj->id.len)
			json_object_set_new(o, "id", pbjson_hex(rj->id.data, rj->id.len));
		print_json(o);
		r->rejected_by_member++;
		/* counted by the reason's first words: "gap: message 7 ..." is "gap" */
		char key[48];
		snprintf(key, sizeof(key), "%s", why);
		key[strcspn(key, ":")] = '\0';
		json_t *c = json_object_get(r->reasons, key);
		json_object_set_new(r->reasons, key, json_integer(c ? json_integer_value(c) + 1 : 1));
	}
}

/* A frame from a peer's ROUTER on our DEALER: state or ack. */
static void out_frame(struct relay *r, struct out_link *o, const uint8_t *buf, size_t len)
{
	Liaison__PeerFrame *f = liaison__peer_frame__unpack(NULL, len, buf);
	if (!f)
		return;
	if (f->kind_case == LIAISON__PEER_FRAME__KIND_STATE) {
		bool first = !o->synced;
		o->synced = true;
		settle(o, f->state->marks, f->state->n_marks, true);
		if (!first && o->n) {
			r->resent += o->n;
			fprintf(stderr, "rogue_relay: %s: %zu items after its marks sent again\n", o->cert.name, o->n);
		}
		flush(o);
	} else if (f->kind_case == LIAISON__PEER_FRAME__KIND_ACK) {
		settle(o, f->ack->marks, f->ack->n_marks, false);
		if (o == &r->out[1])
			note_rejections(r, f->ack);
	}
	liaison__peer_frame__free_unpacked(f, NULL);
}

/* ------------------------------------------------------------ misbehaving */

static int forward_env(struct relay *r, int lane, const uint8_t *blob, size_t len, const char *to)
{
	r->forwarded[1]++;
	return enqueue(&r->out[1], lane, blob, len, false, to);
}

static int remember(struct relay *r, int lane, const uint8_t *blob, size_t len, const char *to)
{
	if (r->n_history == r->cap_history) {
		size_t cap = r->cap_history ? r->cap_history * 2 : 64;
		struct item *h = realloc(r->history, cap * sizeof(*h));
		if (!h)
			return -1;
		r->history = h;
		r->cap_history = cap;
	}
	struct item *it = &r->history[r->n_history];
	memset(it, 0, sizeof(*it));
	it->blob = malloc(len ? len : 1);
	if (!it->blob)
		return -1;
	memcpy(it->blob, blob, len);
	it->len = len;
	it->lane = lane;
	snprintf(it->to, sizeof(it->to), "%s", to);
	r->n_history++;
	return 0;
}

static bool harmed(const struct relay *r, const uint8_t id[16])
{
	for (size_t i = 0; i < r->n_harmed; i++)
		if (!memcmp(r->harmed[i], id, 16))
			return true;
	return false;
}

static void harm(struct relay *r, const uint8_t id[16])
{
	if (r->n_harmed == r->cap_harmed) {
		size_t cap = r->cap_harmed ? r->cap_harmed * 2 : 64;
		uint8_t(*h)[16] = realloc(r->harmed, cap * 16);
		if (!h)
			return;
		r->harmed = h;
		r->cap_harmed = cap;
	}
	memcpy(r->harmed[r->n_harmed++], id, 16);
}

static void release_held(struct relay *r)
{
	if (!r->have_held)
		return;
	forward_env(r, r->held.lane, r->held.blob, r->held.len, r->held.to);
	free(r->held.blob);
	r->have_held = false;
}

/* An envelope from the origin toward the member, through --mode. */
static int misbehave(struct relay *r, int lane, const uint8_t id[16], const uint8_t *blob, size_t len,
		     const char *to)
{
	uint64_t k = ++r->counted;
	bool nth = k % (uint64_t)r->every == 0;
	if (r->mode == TAMPER || r->mode == DROP) {
		nth = nth && !harmed(r, id);
		if (nth)
			harm(r, id);
	}
	switch (r->mode) {
	case HONEST:
		return forward_env(r, lane, blob, len, to);
	case TAMPER: {
		if (!nth)
			return forward_env(r, lane, blob, len, to);
		/* the signature is the envelope's last field: its last byte is the signature's */
		uint8_t *copy = malloc(len ? len : 1);
		if (!copy)
			return -1;
		memcpy(copy, blob, len);
		if (len)
			copy[len - 1] ^= 0x01;
		r->tampered++;
		int rc = forward_env(r, lane, copy, len, to);
		free(copy);
		return rc;
	}
	case DROP:
		if (nth) {
			r->dropped++;
			return 0;
		}
		return forward_env(r, lane, blob, len, to);
	case REORDER:
		if (!r->have_held) {
			r->held = (struct item){ .lane = lane, .len = len };
			memcpy(r->held_id, id, 16);
			r->held.blob = malloc(len ? len : 1);
			if (!r->held.blob)
				return -1;
			memcpy(r->held.blob, blob, len);
			snprintf(r->held.to, sizeof(r->held.to), "%s", to);
			r->have_held = true;
			r->held_at = now_ms();
			return 0;
		}
		if (harmed(r, id) || harmed(r, r->held_id)) { /* in order, this time */
			release_held(r);
			return forward_env(r, lane, blob, len, to);
		}
		harm(r, id);
		harm(r, r->held_id);
		r->swapped++;
		if (forward_env(r, lane, blob, len, to) < 0)
			return -1;
		release_held(r);
		return 0;
	case REPLAY:
		if (forward_env(r, lane, blob, len, to) < 0 || forward_env(r, lane, blob, len, to) < 0)
			return -1;
		r->replayed++;
		if (nth)
			for (size_t i = 0; i < r->n_history; i++) {
				struct item *h = &r->history[i];
				if (forward_env(r, h->lane, h->blob, h->len, h->to) < 0)
					return -1;
				r->replayed++;
			}
		return remember(r, lane, blob, len, to);
	}
	return 0;
}

/* ------------------------------------------------------------ inbound */

static void reply_state(struct relay *r, int side, const uint8_t *rid, size_t rid_len)
{
	Liaison__LaneMark marks[N_LANES], *ptrs[N_LANES];
	Liaison__PeerState st = LIAISON__PEER_STATE__INIT;
	Liaison__PeerFrame f = LIAISON__PEER_FRAME__INIT;
	fill_marks(r->in[side].mark, marks, ptrs);
	st.marks = ptrs;
	st.n_marks = N_LANES;
	f.version = 1;
	f.kind_case = LIAISON__PEER_FRAME__KIND_STATE;
	f.state = &st;
	send_packed(r->router, rid, rid_len, &f);
}

static void apply_skips(struct in_link *in, const Liaison__PeerBatch *b)
{
	for (bool moved = true; moved;) {
		moved = false;
		for (size_t i = 0; i < b->n_skips; i++) {
			const Liaison__LaneSkip *k = b->skips[i];
			int lane = (int)k->lane - 1;
			if (lane < 0 || lane >= N_LANES || k->upto <= k->after || in->mark[lane] < k->after ||
			    in->mark[lane] >= k->upto)
				continue;
			in->mark[lane] = k->upto;
			moved = true;
		}
	}
}

/* A batch from side's DEALER: takes the items next on the link, forwards
 * them to the other side, and acks. */
static void handle_batch(struct relay *r, int side, const uint8_t *rid, size_t rid_len, const Liaison__PeerBatch *b)
{
	struct in_link *in = &r->in[side];
	struct out_link *other = &r->out[1 - side];
	ProtobufCBinaryData *ids = calloc(b->n_envelopes ? b->n_envelopes : 1, sizeof(*ids));
	uint8_t (*idbuf)[16] = calloc(b->n_envelopes ? b->n_envelopes : 1, 16);
	size_t n_ids = 0;
	if (!ids || !idbuf)
		goto out;
	size_t k = 0;
	for (size_t i = 0; i < b->n_envelopes; i++) {
		apply_skips(in, b);
		while (k < b->n_hops && b->hops[k]->index < i)
			k++;
		const Liaison__HopItem *hop = k < b->n_hops && b->hops[k]->index == i ? b->hops[k] : NULL;
		if (!hop || hop->n_to != 1 || hop->position == 0)
			continue; /* nothing for a relay to carry: not acked, never forwarded */
		int lane;
		bool receipt = hop->receipt.len > 0;
		const uint8_t *blob = receipt ? hop->receipt.data : b->envelopes[i].data;
		size_t len = receipt ? hop->receipt.len : b->envelopes[i].len;
		if (receipt) {
			lane = (int)hop->lane - 1;
			crypto_generichash(idbuf[n_ids], 16, blob, len, NULL, 0);
		} else {
			Liaison__Envelope *e = liaison__envelope__unpack(NULL, len, blob);
			Liaison__Header *h = e ? liaison__header__unpack(NULL, e->header.len, e->header.data) : NULL;
			lane = h ? (int)h->precedence - 1 : -1;
			if (h && h->id.len == 16)
				memcpy(idbuf[n_ids], h->id.data, 16);
			else
				lane = -1;
			if (h)
				liaison__header__free_unpacked(h, NULL);
			if (e)
				liaison__envelope__free_unpacked(e, NULL);
		}
		if (lane < 0 || lane >= N_LANES)
			continue;
		if (hop->position > in->mark[lane] + 1)
			continue; /* a hole: the sender resends in order */
		ids[n_ids] = (ProtobufCBinaryData){ 16, idbuf[n_ids] };
		n_ids++;
		if (hop->position <= in->mark[lane]) {
			r->duplicates[side]++;
			continue;
		}
		in->mark[lane] = hop->position;
		r->taken[side]++;
		if (receipt) {
			r->receipts_forwarded++;
			enqueue(other, lane, blob, len, true, hop->to[0]);
		} else if (side == 0) {
			misbehave(r, lane, idbuf[n_ids - 1], blob, len, hop->to[0]);
		} else {
			r->forwarded[0]++;
			enqueue(other, lane, blob, len, false, hop->to[0]);
		}
	}
	apply_skips(in, b);

	Liaison__LaneMark marks[N_LANES], *ptrs[N_LANES];
	Liaison__PeerAck ack = LIAISON__PEER_ACK__INIT;
	Liaison__PeerFrame f = LIAISON__PEER_FRAME__INIT;
	Liaison__SignedReceipt *sr = NULL;
	fill_marks(in->mark, marks, ptrs);
	ack.marks = ptrs;
	ack.n_marks = N_LANES;
	if (n_ids) {
		Liaison__DeliveryReceipt dr = LIAISON__DELIVERY_RECEIPT__INIT;
		uint8_t *signed_buf = NULL;
		size_t signed_len = 0;
		dr.version = 1;
		dr.recipient = r->key->cert.name;
		dr.received = (int64_t)time(NULL) * 1000;
		dr.message_ids = ids;
		dr.n_message_ids = n_ids;
		if (receipt_sign(r->key, &dr, &signed_buf, &signed_len) == LIAISON_OK)
			sr = liaison__signed_receipt__unpack(NULL, signed_len, signed_buf);
		free(signed_buf);
		ack.receipt = sr;
	}
	f.version = 1;
	f.kind_case = LIAISON__PEER_FRAME__KIND_ACK;
	f.ack = &ack;
	send_packed(r->router, rid, rid_len, &f);
	if (sr)
		liaison__signed_receipt__free_unpacked(sr, NULL);
	flush(other);
out:
	free(ids);
	free(idbuf);
}

static void router_read(struct relay *r)
{
	for (;;) {
		zmq_msg_t rid, body;
		zmq_msg_init(&rid);
		zmq_msg_init(&body);
		if (zmq_msg_recv(&rid, r->router, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&rid);
			zmq_msg_close(&body);
			return;
		}
		if (!zmq_msg_more(&rid) || zmq_msg_recv(&body, r->router, 0) < 0) {
			zmq_msg_close(&rid);
			zmq_msg_close(&body);
			continue;
		}
		const char *user = zmq_msg_gets(&body, "User-Id");
		int side = !user ? -1 : !strcmp(user, r->out[0].cert.name) ? 0 : !strcmp(user, r->out[1].cert.name) ? 1 : -1;
		Liaison__PeerFrame *f =
			side >= 0 ? liaison__peer_frame__unpack(NULL, zmq_msg_size(&body), zmq_msg_data(&body)) : NULL;
		if (f && f->kind_case == LIAISON__PEER_FRAME__KIND_HELLO)
			reply_state(r, side, zmq_msg_data(&rid), zmq_msg_size(&rid));
		else if (f && f->kind_case == LIAISON__PEER_FRAME__KIND_BATCH)
			handle_batch(r, side, zmq_msg_data(&rid), zmq_msg_size(&rid), f->batch);
		if (f)
			liaison__peer_frame__free_unpacked(f, NULL);
		zmq_msg_close(&rid);
		zmq_msg_close(&body);
	}
}

static void dealer_read(struct relay *r, struct out_link *o)
{
	for (;;) {
		zmq_msg_t m;
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, o->dealer, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&m);
			return;
		}
		out_frame(r, o, zmq_msg_data(&m), zmq_msg_size(&m));
		zmq_msg_close(&m);
	}
}

/* ZAP (RFC 27): admits the origin's and the member's keys, user id their name. */
static void zap_answer(struct relay *r)
{
	zmq_msg_t f[8];
	int count = 0;
	for (;;) {
		if (count == 8)
			zmq_msg_close(&f[--count]);
		zmq_msg_init(&f[count]);
		if (zmq_msg_recv(&f[count], r->zap, count == 0 ? ZMQ_DONTWAIT : 0) < 0) {
			zmq_msg_close(&f[count]);
			if (count == 0)
				return;
			break;
		}
		count++;
		if (!zmq_msg_more(&f[count - 1]))
			break;
	}
	const char *status = "400", *user = "";
	if (count == 7 && zmq_msg_size(&f[6]) == 32)
		for (int i = 0; i < 2; i++)
			if (!memcmp(zmq_msg_data(&f[6]), r->out[i].cert.box_pk, 32)) {
				status = "200";
				user = r->out[i].cert.name;
			}
	zmq_send(r->zap, "1.0", 3, ZMQ_SNDMORE);
	if (count >= 2)
		zmq_send(r->zap, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]), ZMQ_SNDMORE);
	else
		zmq_send(r->zap, "", 0, ZMQ_SNDMORE);
	zmq_send(r->zap, status, 3, ZMQ_SNDMORE);
	zmq_send(r->zap, *status == '2' ? "OK" : "unknown key", *status == '2' ? 2 : 11, ZMQ_SNDMORE);
	zmq_send(r->zap, user, strlen(user), ZMQ_SNDMORE);
	zmq_send(r->zap, "", 0, 0);
	for (int i = 0; i < count; i++)
		zmq_msg_close(&f[i]);
}

/* ------------------------------------------------------------ setup */

static int open_dealer(struct relay *r, struct out_link *o)
{
	int zero = 0, ivl = 100;
	o->dealer = zmq_socket(r->ctx, ZMQ_DEALER);
	if (!o->dealer)
		return -1;
	zmq_setsockopt(o->dealer, ZMQ_CURVE_SERVERKEY, o->cert.box_pk, 32);
	zmq_setsockopt(o->dealer, ZMQ_CURVE_PUBLICKEY, r->key->cert.box_pk, 32);
	zmq_setsockopt(o->dealer, ZMQ_CURVE_SECRETKEY, r->key->secret->box_sk, 32);
	zmq_setsockopt(o->dealer, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(o->dealer, ZMQ_RECONNECT_IVL, &ivl, sizeof(ivl));
	if (zmq_connect(o->dealer, o->endpoint) < 0) {
		fprintf(stderr, "rogue_relay: cannot connect to %s: %s\n", o->endpoint, zmq_strerror(zmq_errno()));
		return -1;
	}
	return 0;
}

static int open_router(struct relay *r, const char *listen)
{
	int one = 1, zero = 0;
	r->zap = zmq_socket(r->ctx, ZMQ_REP);
	if (!r->zap || zmq_bind(r->zap, "inproc://zeromq.zap.01") < 0)
		return -1;
	r->router = zmq_socket(r->ctx, ZMQ_ROUTER);
	if (!r->router)
		return -1;
	zmq_setsockopt(r->router, ZMQ_CURVE_SERVER, &one, sizeof(one));
	zmq_setsockopt(r->router, ZMQ_CURVE_SECRETKEY, r->key->secret->box_sk, 32);
	zmq_setsockopt(r->router, ZMQ_ZAP_DOMAIN, "peer", 4);
	zmq_setsockopt(r->router, ZMQ_LINGER, &zero, sizeof(zero));
	if (zmq_bind(r->router, listen) < 0) {
		fprintf(stderr, "rogue_relay: cannot bind %s: %s\n", listen, zmq_strerror(zmq_errno()));
		return -1;
	}
	return 0;
}

static const char *const mode_names[] = { "honest", "tamper", "drop", "reorder", "replay" };

static void totals(struct relay *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "mode", json_string(mode_names[r->mode]));
	json_object_set_new(o, "every", json_integer(r->every));
	json_object_set_new(o, "from_origin", json_integer((json_int_t)r->taken[0]));
	json_object_set_new(o, "from_member", json_integer((json_int_t)r->taken[1]));
	json_object_set_new(o, "link_duplicates", json_integer((json_int_t)(r->duplicates[0] + r->duplicates[1])));
	json_object_set_new(o, "forwarded_to_member", json_integer((json_int_t)r->forwarded[1]));
	json_object_set_new(o, "forwarded_to_origin", json_integer((json_int_t)r->forwarded[0]));
	json_object_set_new(o, "receipts_forwarded", json_integer((json_int_t)r->receipts_forwarded));
	json_object_set_new(o, "dropped", json_integer((json_int_t)r->dropped));
	json_object_set_new(o, "tampered", json_integer((json_int_t)r->tampered));
	json_object_set_new(o, "swapped", json_integer((json_int_t)r->swapped));
	json_object_set_new(o, "replayed", json_integer((json_int_t)r->replayed));
	json_object_set_new(o, "link_resent", json_integer((json_int_t)r->resent));
	json_object_set_new(o, "rejected_by_member", json_integer((json_int_t)r->rejected_by_member));
	json_object_set(o, "reasons", r->reasons);
	json_object_set_new(o, "totals", json_true());
	print_json(o);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: rogue_relay --key HQ.key --listen EP --origin A.pub --origin-at EP\n"
		   "                   --member C.pub --member-at EP [--mode MODE] [--every N] [--seconds S]\n"
		   "modes: honest tamper drop reorder replay\n");
}

static void run(struct relay *r, int seconds)
{
	int64_t end = seconds > 0 ? now_ms() + (int64_t)seconds * 1000 : 0;
	while (!stop && (!end || now_ms() < end)) {
		zmq_pollitem_t it[4] = {
			{ .socket = r->zap, .events = ZMQ_POLLIN },
			{ .socket = r->router, .events = ZMQ_POLLIN },
			{ .socket = r->out[0].dealer, .events = ZMQ_POLLIN },
			{ .socket = r->out[1].dealer, .events = ZMQ_POLLIN },
		};
		if (zmq_poll(it, 4, 100) < 0 && zmq_errno() != EINTR)
			break;
		zap_answer(r);
		dealer_read(r, &r->out[0]);
		dealer_read(r, &r->out[1]);
		if (r->out[0].synced && r->out[1].synced) /* positions start after the stated marks */
			router_read(r);
		int64_t now = now_ms();
		if (r->have_held && now - r->held_at >= PAIR_WAIT_MS) {
			release_held(r);
			flush(&r->out[1]);
		}
		for (int i = 0; i < 2; i++) {
			struct out_link *o = &r->out[i];
			bool waiting = o->n > 0 && now - o->last_progress >= RESYNC_MS;
			if ((!o->synced || waiting) && now - o->last_hello >= (o->synced ? RESYNC_MS : 500))
				send_hello(r, o);
		}
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },       { "listen", required_argument, NULL, 'l' },
		{ "origin", required_argument, NULL, 'o' },    { "origin-at", required_argument, NULL, 'O' },
		{ "member", required_argument, NULL, 'm' },    { "member-at", required_argument, NULL, 'M' },
		{ "mode", required_argument, NULL, 'x' },      { "every", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 's' },   { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *key_path = NULL, *listen = NULL, *origin = NULL, *member = NULL, *mode = "honest";
	struct relay r = { .every = 4 };
	int seconds = 0, c, ret = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'k': key_path = optarg; break;
		case 'l': listen = optarg; break;
		case 'o': origin = optarg; break;
		case 'O': r.out[0].endpoint = optarg; break;
		case 'm': member = optarg; break;
		case 'M': r.out[1].endpoint = optarg; break;
		case 'x': mode = optarg; break;
		case 'n': r.every = atoi(optarg); break;
		case 's': seconds = atoi(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 64;
		}
	}
	int mi = 0;
	while (mi < 5 && strcmp(mode, mode_names[mi]))
		mi++;
	if (!key_path || !listen || !origin || !member || !r.out[0].endpoint || !r.out[1].endpoint || mi == 5 ||
	    r.every < 1 || optind != argc) {
		usage(stderr);
		return 64;
	}
	r.mode = (enum mode)mi;
	if (sodium_init() < 0)
		return 1;
	int err = key_load(key_path, &r.key);
	if (err != LIAISON_OK) {
		fprintf(stderr, "rogue_relay: %s: %s\n", key_path, liaison_strerror(err));
		return 1;
	}
	const char *certs[2] = { origin, member };
	for (int i = 0; i < 2; i++)
		if ((err = cert_load(certs[i], &r.out[i].cert)) != LIAISON_OK) {
			fprintf(stderr, "rogue_relay: %s: %s\n", certs[i], liaison_strerror(err));
			goto out;
		}
	struct sigaction sa = { 0 };
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	r.reasons = json_object();
	r.ctx = zmq_ctx_new();
	if (!r.ctx || !r.reasons || open_router(&r, listen) < 0 || open_dealer(&r, &r.out[0]) < 0 ||
	    open_dealer(&r, &r.out[1]) < 0)
		goto out;
	run(&r, seconds);
	if (!r.out[0].synced || !r.out[1].synced) {
		fprintf(stderr, "rogue_relay: %s never answered a hello\n",
			!r.out[0].synced ? r.out[0].endpoint : r.out[1].endpoint);
		ret = 69;
	} else {
		ret = 0;
	}
	totals(&r);
out:
	for (int i = 0; i < 2; i++) {
		for (size_t k = 0; k < r.out[i].n; k++)
			free(r.out[i].items[k].blob);
		free(r.out[i].items);
		if (r.out[i].dealer)
			zmq_close(r.out[i].dealer);
	}
	for (size_t k = 0; k < r.n_history; k++)
		free(r.history[k].blob);
	free(r.history);
	free(r.harmed);
	if (r.have_held)
		free(r.held.blob);
	if (r.router)
		zmq_close(r.router);
	if (r.zap)
		zmq_close(r.zap);
	if (r.ctx)
		zmq_ctx_term(r.ctx);
	json_decref(r.reasons);
	key_destroy(&r.key);
	return ret;
}

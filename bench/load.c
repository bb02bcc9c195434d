/* liaison load generator: drives one node's client API like `liaison send`
 * does (pipelined SendRequests on a CURVE DEALER) and measures at the
 * receiving nodes, through their own APIs.
 *
 *   load tput    A_DIR B_DIR N WINDOW          durable A->B throughput: msgs/s
 *   load latency A_DIR B_DIR N RATE            paced sends, p50/p99 send-to-subscriber (ms)
 *   load flash   A_DIR B_DIR BACKLOG           one FLASH behind BACKLOG routine: latency (ms)
 *   load fanout  A_DIR N WINDOW DIR...         N warnings --all: msgs/s until all have all
 *
 * Each prints one line of numbers (documented at its printf) on stdout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>
#include "bench.h"

#define BODY 1024
#define MAX_WATCH 16

static void *ctx;

static int fail(const char *what)
{
	fprintf(stderr, "load: %s\n", what);
	return 1;
}

/* Counts a send reply; false (after printing) if the node refused it. */
static bool take_send_reply(Liaison__ApiReply *r, uint64_t *acked)
{
	bool ok = r->error == 0;
	if (!ok)
		fprintf(stderr, "load: send refused: %s\n", r->message);
	(*acked)++;
	liaison__api_reply__free_unpacked(r, NULL);
	return ok;
}

/* Drains every reply waiting on a without blocking. */
static bool drain_sends(struct bconn *a, uint64_t *acked)
{
	Liaison__ApiReply *r;
	while ((r = bconn_recv(a, 0)))
		if (!take_send_reply(r, acked))
			return false;
	return true;
}

static uint64_t received(struct bconn *c)
{
	Liaison__ApiReply *r = bconn_status(c, NULL, NULL);
	uint64_t v = r && r->status ? status_counter(r->status, "received") : 0;
	if (r)
		liaison__api_reply__free_unpacked(r, NULL);
	return v;
}

/* Sends n messages from a (to one peer, or to all when to is NULL) with at
 * most window unanswered, and polls each watcher's "received" counter until
 * every one has n more than when it started. Returns seconds from the first
 * send to the moment the last watcher had them all, or a negative number. */
static double pipeline(struct bconn *a, const char *to, Liaison__MessageType t, uint64_t n, uint64_t window,
		       struct bconn *w, size_t nw)
{
	uint64_t base[MAX_WATCH], got[MAX_WATCH] = { 0 }, pending[MAX_WATCH] = { 0 };
	uint64_t sent = 0, acked = 0;
	int64_t last_poll[MAX_WATCH] = { 0 };
	zmq_pollitem_t items[1 + MAX_WATCH];
	char title[64];

	for (size_t i = 0; i < nw; i++)
		base[i] = received(&w[i]);
	int64_t t0 = now_mono_us(), deadline = t0 + 120000000;
	for (;;) {
		while (sent < n && sent - acked < window) {
			snprintf(title, sizeof(title), "load %llu", (unsigned long long)sent);
			if (!bconn_send(a, bench_message(t, 0, to, title, BODY)))
				return -1;
			sent++;
		}
		int64_t now = now_mono_us();
		size_t done = 0;
		for (size_t i = 0; i < nw; i++) {
			done += got[i] >= n;
			if (got[i] < n && !pending[i] && now - last_poll[i] >= 20000) {
				Liaison__ApiRequest req = LIAISON__API_REQUEST__INIT;
				Liaison__StatusRequest st = LIAISON__STATUS_REQUEST__INIT;
				req.kind_case = LIAISON__API_REQUEST__KIND_STATUS;
				req.status = &st;
				pending[i] = bconn_send(&w[i], &req);
				last_poll[i] = now;
			}
		}
		if (done == nw && acked == n)
			break;
		if (now > deadline) {
			fprintf(stderr, "load: timed out: %llu sent, %llu acknowledged\n", (unsigned long long)sent,
				(unsigned long long)acked);
			for (size_t i = 0; i < nw; i++)
				fprintf(stderr, "load: %s has %llu of %llu\n", w[i].name, (unsigned long long)got[i],
					(unsigned long long)n);
			return -1;
		}
		items[0] = (zmq_pollitem_t){ .socket = a->sock, .events = ZMQ_POLLIN };
		for (size_t i = 0; i < nw; i++)
			items[1 + i] = (zmq_pollitem_t){ .socket = w[i].sock, .events = ZMQ_POLLIN };
		if (zmq_poll(items, (int)(1 + nw), 5) < 0)
			return -1;
		if ((items[0].revents & ZMQ_POLLIN) && !drain_sends(a, &acked))
			return -1;
		for (size_t i = 0; i < nw; i++) {
			if (!(items[1 + i].revents & ZMQ_POLLIN))
				continue;
			Liaison__ApiReply *r;
			while ((r = bconn_recv(&w[i], 0))) {
				if (r->request_id == pending[i] && r->status) {
					got[i] = status_counter(r->status, "received") - base[i];
					pending[i] = 0;
				}
				liaison__api_reply__free_unpacked(r, NULL);
			}
		}
	}
	return (double)(now_mono_us() - t0) / 1e6;
}

static int run_tput(char **argv)
{
	struct bconn a, b;
	uint64_t n = strtoull(argv[2], NULL, 10), window = strtoull(argv[3], NULL, 10);
	if (bconn_open(ctx, argv[0], "officer", &a) || bconn_open(ctx, argv[1], "reader", &b))
		return 1;
	if (!wait_peers(&a, 0))
		return 1;
	double s = pipeline(&a, b.name, LIAISON__MESSAGE_TYPE__SITREP, n, window, &b, 1);
	if (s <= 0)
		return fail("throughput run failed");
	printf("%.3f %.1f\n", s, (double)n / s); /* seconds, msgs/s */
	bconn_close(&a);
	bconn_close(&b);
	return 0;
}

static int cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
	return a < b ? -1 : a > b;
}

/* Subscribes c to type t (credit 1024) and waits for the first frame. */
static bool subscribe(struct bconn *c, Liaison__MessageType t)
{
	Liaison__ApiRequest req = LIAISON__API_REQUEST__INIT;
	Liaison__SubscribeRequest s = LIAISON__SUBSCRIBE_REQUEST__INIT;
	s.type = t;
	s.credit = 1024;
	req.kind_case = LIAISON__API_REQUEST__KIND_SUBSCRIBE;
	req.subscribe = &s;
	if (!bconn_send(c, &req))
		return false;
	Liaison__ApiReply *r = bconn_recv(c, 10000);
	bool ok = r && r->error == 0 && r->kind_case == LIAISON__API_REPLY__KIND_SUBSCRIBE;
	if (r)
		liaison__api_reply__free_unpacked(r, NULL);
	return ok;
}

/* Handles a subscription frame: the latency of each message (its title is
 * the send time in CLOCK_REALTIME microseconds) into lat, then the ack. */
static size_t take_frame(struct bconn *c, Liaison__ApiReply *r, int64_t *lat, size_t n_lat, size_t cap)
{
	int64_t now = now_real_us();
	if (!r->subscribe)
		return n_lat;
	Liaison__SubscribeReply *s = r->subscribe;
	uint64_t cursor = 0;
	for (size_t i = 0; i < s->n_messages; i++) {
		const Liaison__Payload *p = s->messages[i]->payload;
		const char *title = !p ? NULL
				    : p->body_case == LIAISON__PAYLOAD__BODY_SITREP  ? p->sitrep->title
				    : p->body_case == LIAISON__PAYLOAD__BODY_WARNING ? p->warning->headline
										     : NULL;
		if (title && n_lat < cap)
			lat[n_lat++] = now - strtoll(title, NULL, 10);
		cursor = s->messages[i]->cursor;
	}
	if (s->n_messages) {
		Liaison__ApiRequest req = LIAISON__API_REQUEST__INIT;
		Liaison__SubscribeAck ack = LIAISON__SUBSCRIBE_ACK__INIT;
		ack.cursor = cursor;
		ack.credit = 1024;
		req.kind_case = LIAISON__API_REQUEST__KIND_SUBSCRIBE_ACK;
		req.subscribe_ack = &ack;
		bconn_send(c, &req);
	}
	return n_lat;
}

static int run_latency(char **argv)
{
	struct bconn a, b;
	uint64_t n = strtoull(argv[2], NULL, 10), sent = 0, acked = 0;
	double rate = strtod(argv[3], NULL);
	char title[64];
	if (n == 0 || rate <= 0)
		return fail("latency: N and RATE must be positive");
	int64_t *lat = calloc(n, sizeof(*lat));
	size_t n_lat = 0;
	if (!lat || bconn_open(ctx, argv[0], "officer", &a) || bconn_open(ctx, argv[1], "reader", &b))
		return 1;
	if (!wait_peers(&a, 0) || !subscribe(&b, LIAISON__MESSAGE_TYPE__SITREP))
		return fail("latency: cannot subscribe");
	int64_t t0 = now_mono_us(), deadline = 0;
	while (n_lat < n) {
		int64_t now = now_mono_us();
		while (sent < n && now >= t0 + (int64_t)((double)sent * 1e6 / rate)) {
			snprintf(title, sizeof(title), "%lld", (long long)now_real_us());
			if (!bconn_send(&a, bench_message(LIAISON__MESSAGE_TYPE__SITREP, 0, b.name, title, BODY)))
				return fail("latency: send failed");
			sent++;
		}
		if (sent == n && !deadline)
			deadline = now + 30000000;
		if (deadline && now > deadline) {
			fprintf(stderr, "load: latency: %zu of %llu arrived\n", n_lat, (unsigned long long)n);
			return 1;
		}
		long wait = 1;
		if (sent < n) {
			int64_t next = t0 + (int64_t)((double)sent * 1e6 / rate) - now;
			wait = next <= 0 ? 0 : (long)((next + 999) / 1000);
		} else {
			wait = 100;
		}
		zmq_pollitem_t items[2] = { { .socket = a.sock, .events = ZMQ_POLLIN },
					    { .socket = b.sock, .events = ZMQ_POLLIN } };
		if (zmq_poll(items, 2, wait) < 0)
			return 1;
		if ((items[0].revents & ZMQ_POLLIN) && !drain_sends(&a, &acked))
			return 1;
		Liaison__ApiReply *r;
		while ((items[1].revents & ZMQ_POLLIN) && (r = bconn_recv(&b, 0))) {
			n_lat = take_frame(&b, r, lat, n_lat, n);
			liaison__api_reply__free_unpacked(r, NULL);
		}
	}
	qsort(lat, n_lat, sizeof(*lat), cmp_i64);
	/* p50 ms, p99 ms, max ms, achieved send rate */
	printf("%.3f %.3f %.3f %.1f\n", (double)lat[n_lat / 2] / 1000, (double)lat[(n_lat * 99) / 100] / 1000,
	       (double)lat[n_lat - 1] / 1000, (double)n / ((double)(now_mono_us() - t0) / 1e6));
	free(lat);
	bconn_close(&a);
	bconn_close(&b);
	return 0;
}

static int run_flash(char **argv)
{
	struct bconn a, b, bs;
	uint64_t backlog = strtoull(argv[2], NULL, 10), sent = 0, acked = 0;
	char title[64];
	int64_t lat[1];
	size_t n_lat = 0;
	if (bconn_open(ctx, argv[0], "officer", &a) || bconn_open(ctx, argv[1], "reader", &b) ||
	    bconn_open(ctx, argv[1], "reader", &bs))
		return 1;
	if (!wait_peers(&a, 0) || !subscribe(&b, LIAISON__MESSAGE_TYPE__WARNING))
		return fail("flash: cannot subscribe");
	uint64_t base = received(&bs);
	while (acked < backlog) {
		while (sent < backlog && sent - acked < 512) {
			snprintf(title, sizeof(title), "backlog %llu", (unsigned long long)sent);
			if (!bconn_send(&a, bench_message(LIAISON__MESSAGE_TYPE__SITREP, LIAISON__PRECEDENCE__ROUTINE,
							  b.name, title, BODY)))
				return 1;
			sent++;
		}
		Liaison__ApiReply *r = bconn_recv(&a, 10000);
		if (!r || !take_send_reply(r, &acked))
			return fail("flash: backlog send failed");
	}
	snprintf(title, sizeof(title), "%lld", (long long)now_real_us());
	if (!bconn_send(&a, bench_message(LIAISON__MESSAGE_TYPE__WARNING, LIAISON__PRECEDENCE__FLASH, b.name, title,
					  BODY)))
		return 1;
	int64_t deadline = now_mono_us() + 60000000;
	while (n_lat == 0 && now_mono_us() < deadline) {
		Liaison__ApiReply *r = bconn_recv(&b, 100);
		if (r) {
			n_lat = take_frame(&b, r, lat, n_lat, 1);
			liaison__api_reply__free_unpacked(r, NULL);
		}
	}
	if (!n_lat)
		return fail("flash: the FLASH warning did not arrive");
	uint64_t have = received(&bs) - base; /* routine (and the FLASH) stored at B by now */
	drain_sends(&a, &acked);
	/* FLASH latency ms, routine messages still queued behind it when it arrived */
	printf("%.3f %lld\n", (double)lat[0] / 1000, (long long)backlog - (long long)(have > 0 ? have - 1 : 0));
	bconn_close(&a);
	bconn_close(&b);
	bconn_close(&bs);
	return 0;
}

static int run_fanout(int argc, char **argv)
{
	struct bconn a, w[MAX_WATCH];
	uint64_t n = strtoull(argv[1], NULL, 10), window = strtoull(argv[2], NULL, 10);
	size_t nw = (size_t)argc - 3;
	if (nw == 0 || nw > MAX_WATCH)
		return fail("fanout: 1 to 16 recipients");
	if (bconn_open(ctx, argv[0], "officer", &a))
		return 1;
	for (size_t i = 0; i < nw; i++)
		if (bconn_open(ctx, argv[3 + i], "reader", &w[i]))
			return 1;
	if (!wait_peers(&a, 0))
		return 1;
	double s = pipeline(&a, NULL, LIAISON__MESSAGE_TYPE__WARNING, n, window, w, nw);
	if (s <= 0)
		return fail("fan-out run failed");
	printf("%.3f %.1f %.1f\n", s, (double)n / s, (double)(n * nw) / s); /* seconds, msgs/s, deliveries/s */
	bconn_close(&a);
	for (size_t i = 0; i < nw; i++)
		bconn_close(&w[i]);
	return 0;
}

int main(int argc, char **argv)
{
	int ret = 64;
	setvbuf(stdout, NULL, _IOLBF, 0);
	ctx = zmq_ctx_new();
	if (argc == 6 && !strcmp(argv[1], "tput"))
		ret = run_tput(argv + 2);
	else if (argc == 6 && !strcmp(argv[1], "latency"))
		ret = run_latency(argv + 2);
	else if (argc == 5 && !strcmp(argv[1], "flash"))
		ret = run_flash(argv + 2);
	else if (argc >= 6 && !strcmp(argv[1], "fanout"))
		ret = run_fanout(argc - 2, argv + 2);
	else
		fprintf(stderr, "usage: load tput|latency A_DIR B_DIR N WINDOW|RATE\n"
				"       load flash A_DIR B_DIR BACKLOG\n"
				"       load fanout A_DIR N WINDOW DIR...\n");
	if (ret == 0) /* on failure sockets may still be open: just exit */
		zmq_ctx_term(ctx);
	return ret;
}

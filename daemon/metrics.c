/* Prometheus text exposition at /metrics on the optional `metrics` endpoint,
 * served from the event loop through a ZMQ_STREAM socket (plain HTTP/1.0:
 * one request, one response, then the connection is closed). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>
#include "node.h"
#include "log.h"
#include "timefmt.h"

int metrics_open(struct node *n)
{
	if (!n->conf->metrics)
		return 0;
	n->metrics = zmq_socket(n->zctx, ZMQ_STREAM);
	int zero = 0;
	if (!n->metrics)
		return -1;
	zmq_setsockopt(n->metrics, ZMQ_LINGER, &zero, sizeof(zero));
	if (zmq_bind(n->metrics, n->conf->metrics) < 0) {
		log_error("cannot serve metrics on %s: %s", n->conf->metrics, zmq_strerror(errno));
		return -1;
	}
	return 0;
}

/* Appends to a growing text buffer; returns false when out of memory. */
struct text {
	char *buf;
	size_t len, cap;
};

static bool add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int w = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (w < 0)
			return false;
		if ((size_t)w < t->cap - t->len) {
			t->len += (size_t)w;
			return true;
		}
		size_t cap = (t->cap + (size_t)w) * 2;
		char *b = realloc(t->buf, cap);
		if (!b)
			return false;
		t->buf = b;
		t->cap = cap;
	}
}

static const char *const lane_names[LANES] = { "FLASH", "IMMEDIATE", "PRIORITY", "ROUTINE" };

static void render(struct node *n, struct text *t)
{
	const struct counters *c = &n->counters;
	add(t, "# HELP liaison_messages_total Envelopes by what happened to them.\n"
	       "# TYPE liaison_messages_total counter\n");
	add(t, "liaison_messages_total{event=\"sent\"} %llu\n", (unsigned long long)c->sent);
	add(t, "liaison_messages_total{event=\"received\"} %llu\n", (unsigned long long)c->received);
	add(t, "liaison_messages_total{event=\"rejected\"} %llu\n", (unsigned long long)c->rejected);
	add(t, "liaison_messages_total{event=\"duplicate\"} %llu\n", (unsigned long long)c->duplicates);
	add(t, "liaison_messages_total{event=\"delivered\"} %llu\n", (unsigned long long)c->delivered);
	add(t, "liaison_messages_total{event=\"refused\"} %llu\n", (unsigned long long)c->refused);
	add(t, "# HELP liaison_api_requests_total Client API requests.\n# TYPE liaison_api_requests_total counter\n"
	       "liaison_api_requests_total %llu\n", (unsigned long long)c->api_requests);
	add(t, "# HELP liaison_queue_depth Messages waiting for a peer's acknowledgement.\n"
	       "# TYPE liaison_queue_depth gauge\n");
	for (size_t i = 0; i < n->n_links; i++)
		for (int lane = 0; lane < LANES; lane++)
			add(t, "liaison_queue_depth{peer=\"%s\",precedence=\"%s\"} %llu\n", n->links[i].name,
			    lane_names[lane], (unsigned long long)(n->links[i].next_seq[lane] - n->links[i].acked[lane]));
	add(t, "# HELP liaison_peer_connected Whether the link to a peer is up.\n# TYPE liaison_peer_connected gauge\n");
	for (size_t i = 0; i < n->n_links; i++)
		add(t, "liaison_peer_connected{peer=\"%s\"} %d\n", n->links[i].name, n->links[i].connected ? 1 : 0);
	add(t, "# HELP liaison_subscribers Connected client subscriptions.\n# TYPE liaison_subscribers gauge\n"
	       "liaison_subscribers %zu\n", n->n_subs);
	add(t, "# HELP liaison_uptime_seconds Seconds since the node started.\n# TYPE liaison_uptime_seconds gauge\n"
	       "liaison_uptime_seconds %lld\n", (long long)((time_now_ms() - n->started) / 1000));
}

static void respond(struct node *n, const void *id, size_t id_len, const char *status, const char *body,
		    size_t body_len)
{
	char head[256];
	int hl = snprintf(head, sizeof(head),
			  "HTTP/1.0 %s\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: %zu\r\n"
			  "Connection: close\r\n\r\n", status, body_len);
	zmq_send(n->metrics, id, id_len, ZMQ_SNDMORE);
	zmq_send(n->metrics, head, (size_t)hl, ZMQ_SNDMORE);
	zmq_send(n->metrics, id, id_len, ZMQ_SNDMORE | ZMQ_DONTWAIT);
	zmq_send(n->metrics, body, body_len, ZMQ_DONTWAIT);
	/* an empty frame closes the connection */
	zmq_send(n->metrics, id, id_len, ZMQ_SNDMORE | ZMQ_DONTWAIT);
	zmq_send(n->metrics, "", 0, ZMQ_DONTWAIT);
}

void metrics_handle(struct node *n)
{
	for (int budget = 16; budget > 0; budget--) {
		zmq_msg_t id, data;
		zmq_msg_init(&id);
		zmq_msg_init(&data);
		if (zmq_msg_recv(&id, n->metrics, ZMQ_DONTWAIT) < 0 || zmq_msg_recv(&data, n->metrics, 0) < 0) {
			zmq_msg_close(&id);
			zmq_msg_close(&data);
			return;
		}
		size_t len = zmq_msg_size(&data);
		const char *req = zmq_msg_data(&data);
		if (len > 0) { /* an empty frame is a connect or disconnect notice */
			if (len >= 13 && !memcmp(req, "GET /metrics", 12) && (req[12] == ' ' || req[12] == '?')) {
				struct text t = { 0 };
				render(n, &t);
				respond(n, zmq_msg_data(&id), zmq_msg_size(&id), "200 OK", t.buf ? t.buf : "", t.len);
				free(t.buf);
			} else {
				static const char nf[] = "not found: try /metrics\n";
				respond(n, zmq_msg_data(&id), zmq_msg_size(&id), "404 Not Found", nf, sizeof(nf) - 1);
			}
		}
		zmq_msg_close(&id);
		zmq_msg_close(&data);
	}
}

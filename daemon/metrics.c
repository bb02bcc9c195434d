/* Prometheus text exposition at /metrics on the optional `metrics` endpoint
 * (tcp://HOST:PORT): plain HTTP/1.0 on ordinary sockets polled by the event
 * loop, one request and one response per connection. At most
 * METRICS_CONNS connections are served at once; a connection that sends no
 * complete request within a second is closed. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zmq.h>
#include "metrics.h"
#include "zap_refusals.h"
#include "log.h"
#include "timefmt.h"
#include "link_health.h"
#include "version.h"

static int set_nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int metrics_open(struct node *n)
{
	char host[256], *colon;
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE }, *ai;
	n->metrics_fd = -1;
	for (size_t i = 0; i < METRICS_CONNS; i++)
		n->metrics_conns[i].fd = -1;
	if (!n->conf->metrics)
		return 0;
	/* the configuration has checked the form tcp://HOST:PORT */
	snprintf(host, sizeof(host), "%s", n->conf->metrics + strlen("tcp://"));
	if (!(colon = strrchr(host, ':')))
		return -1;
	*colon = '\0';
	char *h = host;
	if (*h == '[' && colon[-1] == ']') { /* [IPv6] */
		h++;
		colon[-1] = '\0';
	}
	int rc = getaddrinfo(!strcmp(h, "*") ? NULL : h, colon + 1, &hints, &ai);
	if (rc != 0) {
		log_error("metrics %s: %s", n->conf->metrics, gai_strerror(rc));
		return -1;
	}
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0), one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 16) < 0 || set_nonblocking(fd) < 0) {
		log_error("cannot serve metrics on %s: %s", n->conf->metrics, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	n->metrics_fd = fd;
	return 0;
}

void metrics_close(struct node *n)
{
	for (size_t i = 0; i < METRICS_CONNS; i++)
		if (n->metrics_conns[i].fd >= 0) {
			close(n->metrics_conns[i].fd);
			n->metrics_conns[i].fd = -1;
		}
	if (n->metrics_fd >= 0)
		close(n->metrics_fd);
	n->metrics_fd = -1;
}

size_t metrics_pollitems(struct node *n, zmq_pollitem_t *items)
{
	size_t k = 0;
	if (n->metrics_fd < 0)
		return 0;
	items[k++] = (zmq_pollitem_t){ .fd = n->metrics_fd, .events = ZMQ_POLLIN };
	for (size_t i = 0; i < METRICS_CONNS; i++)
		items[k++] = (zmq_pollitem_t){ .fd = n->metrics_conns[i].fd, .events = n->metrics_conns[i].fd >= 0 ? ZMQ_POLLIN : 0 };
	return k;
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
	add(t, "liaison_messages_total{event=\"damaged\"} %llu\n", (unsigned long long)c->damaged);
	add(t, "liaison_messages_total{event=\"deleted_retention\"} %llu\n", (unsigned long long)c->deleted_retention);
	add(t, "liaison_messages_total{event=\"deleted_expired\"} %llu\n", (unsigned long long)c->deleted_expired);
	add(t, "liaison_messages_total{event=\"relayed\"} %llu\n", (unsigned long long)c->relayed);
	add(t, "liaison_messages_total{event=\"relay_gap\"} %llu\n", (unsigned long long)c->relay_gaps);
	add(t, "liaison_messages_total{event=\"relay_resent\"} %llu\n", (unsigned long long)c->relay_resent);
	add(t, "liaison_messages_total{event=\"relay_held\"} %llu\n", (unsigned long long)c->relay_held);
	add(t, "# HELP liaison_relaying Items this node holds for others (relaying).\n# TYPE liaison_relaying gauge\n"
	       "liaison_relaying %llu\n", (unsigned long long)store_relay_count(n->store));
	add(t, "# HELP liaison_refused_keys_total Handshakes refused by the ZAP handler, by reason.\n"
	       "# TYPE liaison_refused_keys_total counter\n");
	for (int i = 0; i < REFUSAL_REASONS; i++)
		add(t, "liaison_refused_keys_total{reason=\"%s\"} %llu\n", refusals_reason_name((enum refusal_reason)i),
		    (unsigned long long)n->refusals.count[i]);
	add(t, "# HELP liaison_api_requests_total Client API requests.\n# TYPE liaison_api_requests_total counter\n"
	       "liaison_api_requests_total %llu\n", (unsigned long long)c->api_requests);
	add(t, "# HELP liaison_queue_depth Messages waiting for a peer's acknowledgement.\n"
	       "# TYPE liaison_queue_depth gauge\n");
	for (size_t i = 0; i < n->n_links; i++)
		for (int lane = 0; lane < LANES; lane++)
			add(t, "liaison_queue_depth{peer=\"%s\",precedence=\"%s\"} %llu\n", n->links[i].name,
			    lane_names[lane], (unsigned long long)link_queued(&n->links[i], lane));
	add(t, "# HELP liaison_peer_connected Whether the link to a peer is up.\n# TYPE liaison_peer_connected gauge\n");
	for (size_t i = 0; i < n->n_links; i++)
		add(t, "liaison_peer_connected{peer=\"%s\"} %d\n", n->links[i].name, n->links[i].connected ? 1 : 0);
	int64_t mono = time_mono_ms(), now = time_now_ms();
	add(t, "# HELP liaison_peer_last_seen_timestamp_seconds When a peer was last heard from (unix time).\n"
	       "# TYPE liaison_peer_last_seen_timestamp_seconds gauge\n");
	for (size_t i = 0; i < n->n_links; i++)
		if (n->links[i].last_seen)
			add(t, "liaison_peer_last_seen_timestamp_seconds{peer=\"%s\"} %.3f\n", n->links[i].name,
			    (double)(now - (mono - n->links[i].last_seen)) / 1000.0);
	add(t, "# HELP liaison_peer_lag_seconds Age of the oldest message still queued for a peer.\n"
	       "# TYPE liaison_peer_lag_seconds gauge\n");
	for (size_t i = 0; i < n->n_links; i++)
		add(t, "liaison_peer_lag_seconds{peer=\"%s\"} %lld\n", n->links[i].name,
		    (long long)link_lag_seconds(n, &n->links[i], now));
	add(t, "# HELP liaison_rejected_total Envelopes and frames rejected, by reason.\n"
	       "# TYPE liaison_rejected_total counter\n");
	for (int e = 1; e < LIAISON_E_COUNT; e++)
		if (c->rejected_by[e])
			add(t, "liaison_rejected_total{reason=\"%s\"} %llu\n", liaison_errname(e),
			    (unsigned long long)c->rejected_by[e]);
	add(t, "# HELP liaison_store_bytes Bytes of the store on disk (database and write-ahead log).\n"
	       "# TYPE liaison_store_bytes gauge\nliaison_store_bytes %llu\n",
	    (unsigned long long)store_size_bytes(n->store));
	add(t, "# HELP liaison_build_info The node's version.\n# TYPE liaison_build_info gauge\n"
	       "liaison_build_info{version=\"%s\"} 1\n", LIAISON_VERSION);
	add(t, "# HELP liaison_subscribers Connected client subscriptions.\n# TYPE liaison_subscribers gauge\n"
	       "liaison_subscribers %zu\n", n->n_subs);
	add(t, "# HELP liaison_uptime_seconds Seconds since the node started.\n# TYPE liaison_uptime_seconds gauge\n"
	       "liaison_uptime_seconds %lld\n", (long long)((time_now_ms() - n->started) / 1000));
}

/* Writes the whole response (a few kilobytes: the socket buffer takes it)
 * and closes the connection. */
static void respond(struct metrics_conn *c, const char *status, const char *body, size_t body_len)
{
	struct text t = { 0 };
	if (add(&t, "HTTP/1.0 %s\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: %zu\r\n"
		    "Connection: close\r\n\r\n%.*s", status, body_len, (int)body_len, body)) {
		size_t off = 0;
		while (off < t.len) {
			ssize_t w = send(c->fd, t.buf + off, t.len - off, MSG_NOSIGNAL);
			if (w <= 0)
				break;
			off += (size_t)w;
		}
	}
	free(t.buf);
	shutdown(c->fd, SHUT_WR);
	close(c->fd);
	c->fd = -1;
}

static void serve(struct node *n, struct metrics_conn *c)
{
	ssize_t r = recv(c->fd, c->req + c->len, sizeof(c->req) - 1 - c->len, 0);
	if (r <= 0) {
		if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
			close(c->fd);
			c->fd = -1;
		}
		return;
	}
	c->len += (size_t)r;
	c->req[c->len] = '\0';
	/* Answer only once the whole request head is in: closing with unread
	 * request bytes would reset the connection and lose the response. */
	if (!strstr(c->req, "\r\n\r\n") && !strstr(c->req, "\n\n") && c->len < sizeof(c->req) - 1)
		return;
	if (!strncmp(c->req, "GET /metrics", 12) && (c->req[12] == ' ' || c->req[12] == '?')) {
		struct text t = { 0 };
		render(n, &t);
		respond(c, "200 OK", t.buf ? t.buf : "", t.len);
		free(t.buf);
	} else {
		static const char nf[] = "not found: try /metrics\n";
		respond(c, "404 Not Found", nf, sizeof(nf) - 1);
	}
}

void metrics_handle(struct node *n, const zmq_pollitem_t *items)
{
	int64_t now = time_mono_ms();
	for (size_t i = 0; i < METRICS_CONNS; i++) {
		struct metrics_conn *c = &n->metrics_conns[i];
		if (c->fd >= 0 && (items[1 + i].revents & ZMQ_POLLIN))
			serve(n, c);
		else if (c->fd >= 0 && now - c->since > 1000) { /* too slow: give the slot back */
			close(c->fd);
			c->fd = -1;
		}
	}
	if (!(items[0].revents & ZMQ_POLLIN))
		return;
	for (;;) {
		int fd = accept4(n->metrics_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		struct metrics_conn *slot = NULL;
		for (size_t i = 0; i < METRICS_CONNS && !slot; i++)
			if (n->metrics_conns[i].fd < 0)
				slot = &n->metrics_conns[i];
		if (!slot) {
			close(fd); /* all slots busy */
			continue;
		}
		slot->fd = fd;
		slot->len = 0;
		slot->since = now;
	}
}

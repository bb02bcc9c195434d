/* The connection to the node: one ZeroMQ context, a CURVE DEALER, a monitor
 * that tells a refused handshake from silence, and ApiRequest/ApiReply
 * frames matched by request_id.
 *
 * Only a ZAP refusal (libzmq's HANDSHAKE_FAILED_AUTH with status 400) means
 * "not permitted" (77). A handshake that fails without detail or on a
 * protocol error is what a node that stops or restarts mid-handshake looks
 * like: libzmq reconnects, and if no answer comes in time the node counts as
 * unreachable (69), which scripts retry. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <zmq.h>

#include "client.h"
#include "timefmt.h"

struct conn {
	void *ctx;
	void *sock;
	void *mon;
	char *endpoint;
	uint8_t server_pk[32];
	uint8_t pk[32];
	const uint8_t *sk; /* the caller's (sodium_malloc'ed) secret key, never copied here */
	void *owner;       /* what holds sk, released on close */
	void (*release)(void *);
	double timeout_s;
	uint64_t next_id;
	int linger;
	unsigned generation; /* names each monitor endpoint */
	bool dropped;        /* the connection went down ... */
	bool renewed;        /* ... and came back: a node restart loses its subscriptions */
	unsigned failed;     /* handshakes that failed without a refusal */
};

static void close_socket(struct conn *c)
{
	int linger = c->linger;
	if (c->sock) {
		zmq_setsockopt(c->sock, ZMQ_LINGER, &linger, sizeof(linger));
		zmq_socket_monitor(c->sock, NULL, 0);
		zmq_close(c->sock);
		c->sock = NULL;
	}
	if (c->mon) {
		linger = 0;
		zmq_setsockopt(c->mon, ZMQ_LINGER, &linger, sizeof(linger));
		zmq_close(c->mon);
		c->mon = NULL;
	}
}

/* Creates the DEALER and its monitor and connects; sk is the client's
 * secret key, copied by libzmq only. */
static int open_socket(struct conn *c, const uint8_t *sk)
{
	char mon_ep[64];
	int zero = 0;

	c->sock = zmq_socket(c->ctx, ZMQ_DEALER);
	if (!c->sock)
		goto fail;
	if (zmq_setsockopt(c->sock, ZMQ_LINGER, &zero, sizeof(zero)) ||
	    zmq_setsockopt(c->sock, ZMQ_CURVE_SERVERKEY, c->server_pk, 32) ||
	    zmq_setsockopt(c->sock, ZMQ_CURVE_PUBLICKEY, c->pk, 32) ||
	    zmq_setsockopt(c->sock, ZMQ_CURVE_SECRETKEY, sk, 32))
		goto fail;
	snprintf(mon_ep, sizeof(mon_ep), "inproc://liaison-monitor-%p-%u", (void *)c,
		 c->generation++);
	if (zmq_socket_monitor(c->sock, mon_ep,
			       ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
				       ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_DISCONNECTED |
				       ZMQ_EVENT_HANDSHAKE_SUCCEEDED))
		goto fail;
	c->mon = zmq_socket(c->ctx, ZMQ_PAIR);
	if (!c->mon || zmq_connect(c->mon, mon_ep))
		goto fail;
	if (zmq_connect(c->sock, c->endpoint)) {
		client_err("api endpoint '%s': %s", c->endpoint, zmq_strerror(errno));
		close_socket(c);
		return CLIENT_EX_CONFIG;
	}
	return 0;
fail:
	client_err("cannot open a socket: %s", zmq_strerror(errno));
	close_socket(c);
	return CLIENT_EX_FAIL;
}

/* For an ipc:// endpoint, whether a node listens there: libzmq would wait
 * the whole timeout for a socket file that does not exist or that nobody
 * accepts on, where the answer is known at once. Returns 0, or 69 with
 * one line said. Other transports are left to the timeout. */
static int probe_ipc(const char *endpoint)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *path;
	int fd, rc, err;

	if (strncmp(endpoint, "ipc://", 6) != 0)
		return 0;
	path = endpoint + 6;
	if (path[0] == '@' || strlen(path) >= sizeof(sa.sun_path))
		return 0; /* abstract or too long for a probe: let libzmq try */
	memcpy(sa.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	err = errno;
	close(fd);
	if (rc == 0)
		return 0;
	if (err == ENOENT) {
		client_err("node unreachable: no API socket %s (is liaisond running?)", path);
		return CLIENT_EX_UNAVAILABLE;
	}
	if (err == ECONNREFUSED) {
		client_err("node unreachable: nothing listens on %s (is liaisond running?)", path);
		return CLIENT_EX_UNAVAILABLE;
	}
	if (err == EACCES) {
		client_err("not permitted: %s: %s (is this user in the node's group?)", path, strerror(err));
		return CLIENT_EX_NOPERM;
	}
	return 0;
}

int conn_open(const char *endpoint, const uint8_t server_pk[32], const uint8_t pk[32],
	      const uint8_t *sk, double timeout_s, struct conn **out)
{
	struct conn *c;
	int ret;

	*out = NULL;
	ret = probe_ipc(endpoint);
	if (ret)
		return ret;
	c = calloc(1, sizeof(*c));
	if (!c || !(c->endpoint = strdup(endpoint))) {
		free(c);
		client_err("out of memory");
		return CLIENT_EX_FAIL;
	}
	memcpy(c->server_pk, server_pk, 32);
	memcpy(c->pk, pk, 32);
	c->timeout_s = timeout_s;
	c->ctx = zmq_ctx_new();
	if (!c->ctx) {
		client_err("cannot start ZeroMQ: %s", zmq_strerror(errno));
		free(c->endpoint);
		free(c);
		return CLIENT_EX_FAIL;
	}
	c->sk = sk;
	ret = open_socket(c, sk);
	if (ret) {
		conn_close(&c);
		return ret;
	}
	*out = c;
	return 0;
}

int conn_reconnect(struct conn *c)
{
	int linger = c->linger;

	c->linger = 0;
	close_socket(c);
	c->linger = linger;
	return open_socket(c, c->sk);
}

void conn_keep(struct conn *c, void *owner, void (*release)(void *))
{
	c->owner = owner;
	c->release = release;
}

void conn_close(struct conn **cp)
{
	struct conn *c = cp ? *cp : NULL;
	if (!c)
		return;
	close_socket(c);
	if (c->ctx)
		zmq_ctx_term(c->ctx);
	if (c->release)
		c->release(c->owner);
	free(c->endpoint);
	free(c);
	*cp = NULL;
}

void conn_set_linger(struct conn *c, int ms)
{
	c->linger = ms;
	if (c->sock)
		zmq_setsockopt(c->sock, ZMQ_LINGER, &ms, sizeof(ms));
}

bool conn_take_renewed(struct conn *c)
{
	bool r = c->renewed;
	c->renewed = false;
	return r;
}

double conn_timeout(const struct conn *c)
{
	return c->timeout_s;
}

const char *conn_endpoint(const struct conn *c)
{
	return c->endpoint;
}

int conn_send(struct conn *c, Liaison__ApiRequest *req, uint64_t *id_out)
{
	size_t len;
	uint8_t *buf;
	int rc, tmo = (int)(c->timeout_s * 1000);

	req->version = 1;
	req->request_id = ++c->next_id;
	if (id_out)
		*id_out = req->request_id;
	len = liaison__api_request__get_packed_size(req);
	buf = malloc(len ? len : 1);
	if (!buf) {
		client_err("out of memory");
		return CLIENT_EX_FAIL;
	}
	liaison__api_request__pack(req, buf);
	zmq_setsockopt(c->sock, ZMQ_SNDTIMEO, &tmo, sizeof(tmo));
	rc = zmq_send(c->sock, buf, len, 0);
	free(buf);
	if (rc < 0) {
		if (errno == EAGAIN)
			return conn_timeout_error(c);
		client_err("cannot send to %s: %s", c->endpoint, zmq_strerror(errno));
		return CLIENT_EX_UNAVAILABLE;
	}
	return 0;
}

/* Reads one monitor event; returns its number (its value in *value: for
 * HANDSHAKE_FAILED_AUTH the ZAP status code), or 0 if none. */
static int read_event(struct conn *c, uint32_t *value)
{
	zmq_msg_t m;
	uint16_t ev = 0;
	int more;

	*value = 0;
	zmq_msg_init(&m);
	if (zmq_msg_recv(&m, c->mon, ZMQ_DONTWAIT) < 0) {
		zmq_msg_close(&m);
		return 0;
	}
	if (zmq_msg_size(&m) >= 6) {
		memcpy(&ev, zmq_msg_data(&m), sizeof(ev));
		memcpy(value, (const uint8_t *)zmq_msg_data(&m) + 2, sizeof(*value));
	}
	more = zmq_msg_more(&m);
	zmq_msg_close(&m);
	while (more) { /* the endpoint frame */
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, c->mon, 0) < 0)
			more = 0;
		else
			more = zmq_msg_more(&m);
		zmq_msg_close(&m);
	}
	return ev;
}

int conn_recv(struct conn *c, int timeout_ms, Liaison__ApiReply **out)
{
	int64_t deadline = time_mono_ms() + timeout_ms;
	zmq_pollitem_t items[2] = {
		{.socket = c->sock, .events = ZMQ_POLLIN},
		{.socket = c->mon, .events = ZMQ_POLLIN},
	};
	zmq_msg_t m;

	*out = NULL;
	for (;;) {
		int64_t left = deadline - time_mono_ms();
		if (left < 0)
			left = 0;
		int n = zmq_poll(items, 2, (long)left);
		if (n < 0) {
			if (errno == EINTR)
				return CONN_TIMEOUT; /* a signal: let the caller look at its flags */
			client_err("cannot poll: %s", zmq_strerror(errno));
			return CLIENT_EX_FAIL;
		}
		if (items[1].revents & ZMQ_POLLIN) {
			uint32_t value;
			int ev = read_event(c, &value);
			if (ev == ZMQ_EVENT_DISCONNECTED)
				c->dropped = true;
			if (ev == ZMQ_EVENT_HANDSHAKE_SUCCEEDED && c->dropped)
				c->renewed = true, c->dropped = false;
			if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH && value == 400) {
				client_err("not permitted: the node at %s refused this client's key",
					   c->endpoint);
				return CLIENT_EX_NOPERM;
			}
			if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
				/* 300 or 500: the node could not decide now, which is not a refusal */
				client_err("the node at %s could not check this client's key now (status %u): try again",
					   c->endpoint, (unsigned)value);
				return CLIENT_EX_UNAVAILABLE;
			}
			if (ev & (ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)) {
				c->failed++; /* libzmq tries again; the deadline decides */
				c->dropped = true;
			}
		}
		if (items[0].revents & ZMQ_POLLIN) {
			zmq_msg_init(&m);
			if (zmq_msg_recv(&m, c->sock, ZMQ_DONTWAIT) < 0) {
				zmq_msg_close(&m);
				continue;
			}
			bool more = zmq_msg_more(&m);
			Liaison__ApiReply *r = more ? NULL
				: liaison__api_reply__unpack(NULL, zmq_msg_size(&m), zmq_msg_data(&m));
			zmq_msg_close(&m);
			while (more) { /* not ours: a reply is one frame */
				zmq_msg_init(&m);
				more = zmq_msg_recv(&m, c->sock, 0) >= 0 && zmq_msg_more(&m);
				zmq_msg_close(&m);
			}
			if (!r || r->version != 1) {
				if (r)
					liaison__api_reply__free_unpacked(r, NULL);
				client_err("the node at %s sent a malformed reply", c->endpoint);
				return CLIENT_EX_FAIL;
			}
			*out = r;
			return 0;
		}
		if (n == 0 && time_mono_ms() >= deadline)
			return CONN_TIMEOUT;
	}
}

int conn_timeout_error(const struct conn *c)
{
	if (c->failed)
		client_err("no answer from node at %s within %g s (%u handshakes failed: is it restarting, and is "
			   "node_cert its certificate?)", c->endpoint, c->timeout_s, c->failed);
	else
		client_err("no answer from node at %s within %g s", c->endpoint, c->timeout_s);
	return CLIENT_EX_UNAVAILABLE;
}

int conn_call(struct conn *c, Liaison__ApiRequest *req, Liaison__ApiReply **out)
{
	uint64_t id;
	int ret, tmo = (int)(c->timeout_s * 1000);
	int64_t deadline;
	Liaison__ApiReply *r;

	*out = NULL;
	ret = conn_send(c, req, &id);
	if (ret)
		return ret;
	deadline = time_mono_ms() + tmo;
	for (;;) {
		int64_t left = deadline - time_mono_ms();
		ret = conn_recv(c, left > 0 ? (int)left : 0, &r);
		if (ret == CONN_TIMEOUT) {
			if (time_mono_ms() < deadline)
				continue; /* interrupted */
			return conn_timeout_error(c);
		}
		if (ret)
			return ret;
		if (r->request_id == id)
			break;
		liaison__api_reply__free_unpacked(r, NULL); /* a late reply to an earlier request */
	}
	if (r->error) {
		ret = r->error > 0 && r->error < 256 ? r->error : CLIENT_EX_FAIL;
		client_err("%s", r->message && r->message[0] ? r->message : "the node refused the request");
		liaison__api_reply__free_unpacked(r, NULL);
		return ret;
	}
	*out = r;
	return 0;
}

int conn_call_expect(struct conn *c, Liaison__ApiRequest *req, Liaison__ApiReply__KindCase kind,
		     Liaison__ApiReply **out)
{
	int ret = conn_call(c, req, out);
	if (ret)
		return ret;
	if ((*out)->kind_case != kind) {
		client_err("the node sent an unexpected reply");
		liaison__api_reply__free_unpacked(*out, NULL);
		*out = NULL;
		return CLIENT_EX_FAIL;
	}
	return 0;
}

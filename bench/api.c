/* The benchmark's side of the client API: a CURVE DEALER to a node, one
 * ApiRequest frame out, one ApiReply frame in, and the messages it sends. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include <zmq.h>
#include "bench.h"
#include "keyfile.h"

int64_t now_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t now_real_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int bconn_open(void *ctx, const char *dir, const char *who, struct bconn *c)
{
	char path[4096], ep[4200];
	struct liaison_cert node;
	struct liaison_key *key = NULL;
	const char *base = strrchr(dir, '/');
	int zero = 0, ret = -1;

	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", base ? base + 1 : dir);
	snprintf(path, sizeof(path), "%s/%s.pub", dir, c->name);
	if (cert_load(path, &node) != 0) {
		fprintf(stderr, "bench: cannot load %s\n", path);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s.key", dir, who);
	if (key_load(path, &key) != 0) {
		fprintf(stderr, "bench: cannot load %s\n", path);
		return -1;
	}
	snprintf(ep, sizeof(ep), "ipc://%s/api.sock", dir);
	c->sock = zmq_socket(ctx, ZMQ_DEALER);
	if (!c->sock || zmq_setsockopt(c->sock, ZMQ_LINGER, &zero, sizeof(zero)) ||
	    zmq_setsockopt(c->sock, ZMQ_CURVE_SERVERKEY, node.box_pk, 32) ||
	    zmq_setsockopt(c->sock, ZMQ_CURVE_PUBLICKEY, key->cert.box_pk, 32) ||
	    zmq_setsockopt(c->sock, ZMQ_CURVE_SECRETKEY, key->secret->box_sk, 32) || zmq_connect(c->sock, ep)) {
		fprintf(stderr, "bench: cannot connect to %s: %s\n", ep, zmq_strerror(zmq_errno()));
		goto out;
	}
	ret = 0;
out:
	key_destroy(&key);
	if (ret && c->sock) {
		zmq_close(c->sock);
		c->sock = NULL;
	}
	return ret;
}

void bconn_close(struct bconn *c)
{
	if (c->sock)
		zmq_close(c->sock);
	c->sock = NULL;
}

uint64_t bconn_send(struct bconn *c, Liaison__ApiRequest *req)
{
	req->version = 1;
	req->request_id = ++c->next_id;
	size_t len = liaison__api_request__get_packed_size(req);
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return 0;
	liaison__api_request__pack(req, buf);
	int rc = zmq_send(c->sock, buf, len, 0);
	free(buf);
	return rc < 0 ? 0 : req->request_id;
}

Liaison__ApiReply *bconn_recv(struct bconn *c, int timeout_ms)
{
	zmq_pollitem_t it = { .socket = c->sock, .events = ZMQ_POLLIN };
	if (zmq_poll(&it, 1, timeout_ms) <= 0)
		return NULL;
	zmq_msg_t m;
	zmq_msg_init(&m);
	if (zmq_msg_recv(&m, c->sock, ZMQ_DONTWAIT) < 0) {
		zmq_msg_close(&m);
		return NULL;
	}
	Liaison__ApiReply *r = liaison__api_reply__unpack(NULL, zmq_msg_size(&m), zmq_msg_data(&m));
	zmq_msg_close(&m);
	return r;
}

Liaison__ApiReply *bconn_status(struct bconn *c, void (*other)(void *, Liaison__ApiReply *), void *arg)
{
	Liaison__ApiRequest req = LIAISON__API_REQUEST__INIT;
	Liaison__StatusRequest st = LIAISON__STATUS_REQUEST__INIT;
	req.kind_case = LIAISON__API_REQUEST__KIND_STATUS;
	req.status = &st;
	uint64_t id = bconn_send(c, &req);
	int64_t deadline = now_mono_us() + 10000000;
	while (id && now_mono_us() < deadline) {
		Liaison__ApiReply *r = bconn_recv(c, 100);
		if (!r)
			continue;
		if (r->request_id == id && r->kind_case == LIAISON__API_REPLY__KIND_STATUS)
			return r;
		if (other)
			other(arg, r);
		else
			liaison__api_reply__free_unpacked(r, NULL);
	}
	fprintf(stderr, "bench: no status from %s\n", c->name);
	return NULL;
}

uint64_t status_counter(const Liaison__StatusReply *s, const char *name)
{
	for (size_t i = 0; i < s->n_counters; i++)
		if (!strcmp(s->counters[i]->name, name))
			return s->counters[i]->value;
	return 0;
}

bool wait_peers(struct bconn *c, unsigned want)
{
	int64_t deadline = now_mono_us() + 15000000;
	while (now_mono_us() < deadline) {
		Liaison__ApiReply *r = bconn_status(c, NULL, NULL);
		bool ok = r && r->status && r->status->peers_connected >= (want ? want : r->status->peers);
		if (r)
			liaison__api_reply__free_unpacked(r, NULL);
		if (ok)
			return true;
		struct timespec ts = { 0, 50000000 };
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "bench: %s did not connect to %u peers\n", c->name, want);
	return false;
}

Liaison__ApiRequest *bench_message(Liaison__MessageType t, Liaison__Precedence p, const char *to,
				   const char *title, size_t body_bytes)
{
	static Liaison__ApiRequest req;
	static Liaison__SendRequest s;
	static Liaison__Payload pl;
	static Liaison__SituationReport sr;
	static Liaison__EarlyWarning ew;
	static char body[64 * 1024], titlebuf[128], tobuf[65];
	static char *tolist[1];

	liaison__api_request__init(&req);
	liaison__send_request__init(&s);
	liaison__payload__init(&pl);
	if (body_bytes >= sizeof(body))
		body_bytes = sizeof(body) - 1;
	memset(body, 'x', body_bytes);
	body[body_bytes] = '\0';
	snprintf(titlebuf, sizeof(titlebuf), "%s", title);
	if (t == LIAISON__MESSAGE_TYPE__WARNING) {
		liaison__early_warning__init(&ew);
		ew.category = "Met";
		ew.event = "bench";
		ew.urgency = "Immediate";
		ew.severity = "Severe";
		ew.certainty = "Observed";
		ew.headline = titlebuf;
		ew.description = body;
		pl.body_case = LIAISON__PAYLOAD__BODY_WARNING;
		pl.warning = &ew;
	} else {
		liaison__situation_report__init(&sr);
		sr.reporting_unit = "bench";
		sr.title = titlebuf;
		sr.summary = body;
		pl.body_case = LIAISON__PAYLOAD__BODY_SITREP;
		pl.sitrep = &sr;
		t = LIAISON__MESSAGE_TYPE__SITREP;
	}
	s.type = t;
	s.precedence = p;
	s.topic = "bench";
	s.payload = &pl;
	if (to) {
		snprintf(tobuf, sizeof(tobuf), "%s", to);
		tolist[0] = tobuf;
		s.to = tolist;
		s.n_to = 1;
	} else {
		s.all = true;
	}
	req.kind_case = LIAISON__API_REQUEST__KIND_SEND;
	req.send = &s;
	return &req;
}

/* The client against a fake node (a CURVE ROUTER with a ZAP handler in a
 * thread, answering canned replies): calls, exit codes 69 and 77, node
 * errors, pipelined batches and the subscribe/ack flow. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <cmocka.h>
#include <sodium.h>
#include <zmq.h>

#include "../../client/client.h"
#include "timefmt.h"

enum fake_mode { FAKE_ANSWER, FAKE_SUBSCRIBE };

struct fake {
	void *ctx;
	pthread_t thread;
	volatile int stop;
	bool deny;                /* ZAP answers 400 */
	enum fake_mode mode;
	char endpoint[300];
	uint8_t pk[32], sk[32];
	/* what the node saw */
	uint32_t sub_credit;
	int n_acks;
	uint64_t ack_cursor[16];
	uint32_t ack_credit[16];
	int n_requests;
	uint64_t last_request_id;
	bool in_order;
	volatile int bound;       /* the router is bound: clients may connect */
};

static char tmpdir[] = "/tmp/liaison-client-conn.XXXXXX";
static uint8_t client_pk[32], client_sk[32];

static void zap_answer(void *zap, bool deny)
{
	zmq_msg_t parts[8];
	int n = 0, more = 1;
	while (more && n < 8) {
		zmq_msg_init(&parts[n]);
		if (zmq_msg_recv(&parts[n], zap, 0) < 0)
			return;
		more = zmq_msg_more(&parts[n]);
		n++;
	}
	const char *status = deny ? "400" : "200";
	zmq_send(zap, "1.0", 3, ZMQ_SNDMORE);
	zmq_send(zap, zmq_msg_data(&parts[1]), zmq_msg_size(&parts[1]), ZMQ_SNDMORE);
	zmq_send(zap, status, 3, ZMQ_SNDMORE);
	zmq_send(zap, deny ? "unknown key" : "OK", deny ? 11 : 2, ZMQ_SNDMORE);
	zmq_send(zap, deny ? "" : "officer1", deny ? 0 : 8, ZMQ_SNDMORE);
	zmq_send(zap, "", 0, 0);
	for (int i = 0; i < n; i++)
		zmq_msg_close(&parts[i]);
}

static void reply(void *router, zmq_msg_t *ident, Liaison__ApiReply *r)
{
	size_t len = liaison__api_reply__get_packed_size(r);
	uint8_t *buf = malloc(len + 1);
	liaison__api_reply__pack(r, buf);
	zmq_send(router, zmq_msg_data(ident), zmq_msg_size(ident), ZMQ_SNDMORE);
	zmq_send(router, buf, len, 0);
	free(buf);
}

/* Sends a subscribe frame with messages of cursors first..last (none if first > last). */
static void send_batch(void *router, zmq_msg_t *ident, uint64_t rid, uint64_t first, uint64_t last)
{
	Liaison__ApiReply r = LIAISON__API_REPLY__INIT;
	Liaison__SubscribeReply s = LIAISON__SUBSCRIBE_REPLY__INIT;
	Liaison__Message msgs[8], *ptrs[8];
	Liaison__Payload pl[8];
	Liaison__StatusUpdate st[8];
	uint8_t ids[8][16];
	size_t n = 0;

	for (uint64_t c = first; c <= last && n < 8; c++, n++) {
		liaison__message__init(&msgs[n]);
		liaison__payload__init(&pl[n]);
		liaison__status_update__init(&st[n]);
		memset(ids[n], (int)c, 16);
		msgs[n].id.data = ids[n];
		msgs[n].id.len = 16;
		msgs[n].from = "BRAVO";
		msgs[n].type = LIAISON__MESSAGE_TYPE__STATUS;
		msgs[n].cursor = c;
		st[n].title = "ready";
		pl[n].body_case = LIAISON__PAYLOAD__BODY_STATUS;
		pl[n].status = &st[n];
		msgs[n].payload = &pl[n];
		ptrs[n] = &msgs[n];
	}
	s.n_messages = n;
	s.messages = ptrs;
	r.version = 1;
	r.request_id = rid;
	r.kind_case = LIAISON__API_REPLY__KIND_SUBSCRIBE;
	r.subscribe = &s;
	reply(router, ident, &r);
}

static void handle(struct fake *f, void *router, zmq_msg_t *ident, Liaison__ApiRequest *q)
{
	Liaison__ApiReply r = LIAISON__API_REPLY__INIT;
	Liaison__StatusReply st = LIAISON__STATUS_REPLY__INIT;
	Liaison__SendReply sr = LIAISON__SEND_REPLY__INIT;
	uint8_t id[16] = {0};

	if (f->n_requests && q->request_id <= f->last_request_id)
		f->in_order = false;
	f->n_requests++;
	f->last_request_id = q->request_id;
	r.version = 1;
	r.request_id = q->request_id;
	switch (q->kind_case) {
	case LIAISON__API_REQUEST__KIND_STATUS:
		st.name = "ALPHA";
		st.uptime = 5;
		r.kind_case = LIAISON__API_REPLY__KIND_STATUS;
		r.status = &st;
		reply(router, ident, &r);
		break;
	case LIAISON__API_REQUEST__KIND_SEND:
		if (strcmp(q->send->topic, "refuse") == 0) {
			r.error = 1;
			r.message = "unknown recipient 'ZULU'";
		} else {
			/* the id says which request it answers */
			memcpy(id + 8, &q->request_id, sizeof(q->request_id));
			sr.id.data = id;
			sr.id.len = 16;
			r.kind_case = LIAISON__API_REPLY__KIND_SEND;
			r.send = &sr;
		}
		reply(router, ident, &r);
		break;
	case LIAISON__API_REQUEST__KIND_SUBSCRIBE:
		f->sub_credit = q->subscribe->credit;
		send_batch(router, ident, q->request_id, 1, 3);
		break;
	case LIAISON__API_REQUEST__KIND_SUBSCRIBE_ACK:
		if (f->n_acks < 16) {
			f->ack_cursor[f->n_acks] = q->subscribe_ack->cursor;
			f->ack_credit[f->n_acks] = q->subscribe_ack->credit;
		}
		f->n_acks++;
		if (f->n_acks == 1)
			send_batch(router, ident, q->request_id, 1, 0); /* a heartbeat */
		else if (f->n_acks == 2)
			send_batch(router, ident, q->request_id, 4, 5);
		break;
	default:
		r.error = 64;
		r.message = "malformed request";
		reply(router, ident, &r);
	}
}

static void *fake_run(void *arg)
{
	struct fake *f = arg;
	void *zap = zmq_socket(f->ctx, ZMQ_REP);
	void *router = zmq_socket(f->ctx, ZMQ_ROUTER);
	int one = 1, zero = 0;

	zmq_bind(zap, "inproc://zeromq.zap.01");
	zmq_setsockopt(router, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(router, ZMQ_CURVE_SERVER, &one, sizeof(one));
	zmq_setsockopt(router, ZMQ_CURVE_SECRETKEY, f->sk, 32);
	if (zmq_bind(router, f->endpoint) != 0)
		fprintf(stderr, "fake node: bind %s: %s\n", f->endpoint, zmq_strerror(errno));
	f->bound = 1;
	while (!f->stop) {
		zmq_pollitem_t items[] = {{.socket = router, .events = ZMQ_POLLIN},
					  {.socket = zap, .events = ZMQ_POLLIN}};
		if (zmq_poll(items, 2, 20) <= 0)
			continue;
		if (items[1].revents & ZMQ_POLLIN)
			zap_answer(zap, f->deny);
		if (items[0].revents & ZMQ_POLLIN) {
			zmq_msg_t ident, body;
			zmq_msg_init(&ident);
			zmq_msg_init(&body);
			zmq_msg_recv(&ident, router, 0);
			zmq_msg_recv(&body, router, 0);
			Liaison__ApiRequest *q =
				liaison__api_request__unpack(NULL, zmq_msg_size(&body), zmq_msg_data(&body));
			if (q && q->version == 1)
				handle(f, router, &ident, q);
			if (q)
				liaison__api_request__free_unpacked(q, NULL);
			zmq_msg_close(&ident);
			zmq_msg_close(&body);
		}
	}
	zmq_close(router);
	zmq_close(zap);
	return NULL;
}

static struct fake *fake_start(bool deny, enum fake_mode mode)
{
	static int n;
	struct fake *f = calloc(1, sizeof(*f));
	f->deny = deny;
	f->mode = mode;
	f->in_order = true;
	crypto_box_keypair(f->pk, f->sk);
	snprintf(f->endpoint, sizeof(f->endpoint), "ipc://%s/api%d.sock", tmpdir, n++);
	f->ctx = zmq_ctx_new();
	pthread_create(&f->thread, NULL, fake_run, f);
	while (!f->bound) /* the client checks that an ipc socket exists */
		usleep(1000);
	return f;
}

static void fake_stop(struct fake *f)
{
	f->stop = 1;
	pthread_join(f->thread, NULL);
	zmq_ctx_term(f->ctx);
	free(f);
}

static int setup(void **state)
{
	(void)state;
	if (sodium_init() < 0 || !mkdtemp(tmpdir))
		return -1;
	crypto_box_keypair(client_pk, client_sk);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd);
}

static struct conn *connect_to(struct fake *f, const char *endpoint, double timeout)
{
	struct conn *c = NULL;
	uint8_t server[32];
	if (f)
		memcpy(server, f->pk, 32);
	else
		crypto_box_keypair(server, (uint8_t[32]){0});
	assert_int_equal(conn_open(endpoint, server, client_pk, client_sk, timeout, &c), 0);
	return c;
}

static void test_status_call(void **state)
{
	struct fake *f = fake_start(false, FAKE_ANSWER);
	struct conn *c = connect_to(f, f->endpoint, 5);
	struct status_opts o = {.json = true};
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	(void)state;

	assert_int_equal(status_run(c, out, &o), 0);
	fclose(out);
	json_t *j = json_loads(buf, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "name")), "ALPHA");
	assert_int_equal(json_integer_value(json_object_get(j, "uptime")), 5);
	json_decref(j);
	free(buf);
	conn_close(&c);
	assert_null(c);
	fake_stop(f);
}

/* A unix socket at path: listening (accepting nothing, so never
 * answering), or bound and closed (a stale file nobody listens on). */
static int unix_socket_at(const char *path, bool listening)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (listening)
		assert_int_equal(listen(fd, 8), 0);
	else
		close(fd);
	return listening ? fd : -1;
}

static void test_unreachable_is_69(void **state)
{
	char ep[300];
	uint8_t server[32], unused[32];
	struct status_opts o = {0};
	struct conn *c = NULL;
	(void)state;
	crypto_box_keypair(server, unused);

	/* no socket file: at once, without a connection */
	snprintf(ep, sizeof(ep), "ipc://%s/nobody.sock", tmpdir);
	int64_t t0 = time_mono_ms();
	assert_int_equal(conn_open(ep, server, client_pk, client_sk, 5, &c), CLIENT_EX_UNAVAILABLE);
	assert_null(c);
	assert_true(time_mono_ms() - t0 < 250);

	/* a socket file nobody listens on (a node that died): at once too */
	snprintf(ep, sizeof(ep), "ipc://%s/stale.sock", tmpdir);
	unix_socket_at(ep + 6, false);
	t0 = time_mono_ms();
	assert_int_equal(conn_open(ep, server, client_pk, client_sk, 5, &c), CLIENT_EX_UNAVAILABLE);
	assert_null(c);
	assert_true(time_mono_ms() - t0 < 250);

	/* a node that accepts and never answers: 69 when the timeout is up */
	snprintf(ep, sizeof(ep), "ipc://%s/silent.sock", tmpdir);
	int fd = unix_socket_at(ep + 6, true);
	c = connect_to(NULL, ep, 0.3);
	t0 = time_mono_ms();
	assert_int_equal(status_run(c, stdout, &o), CLIENT_EX_UNAVAILABLE);
	int64_t took = time_mono_ms() - t0;
	assert_true(took >= 250 && took < 3000);
	conn_close(&c);
	close(fd);
}

static void test_refused_is_77(void **state)
{
	struct fake *f = fake_start(true, FAKE_ANSWER);
	struct conn *c = connect_to(f, f->endpoint, 5);
	struct status_opts o = {0};
	(void)state;
	int64_t t0 = time_mono_ms();
	assert_int_equal(status_run(c, stdout, &o), CLIENT_EX_NOPERM);
	assert_true(time_mono_ms() - t0 < 4000); /* told, not timed out */
	conn_close(&c);
	fake_stop(f);
}

/* A node that goes away in the middle of every handshake, as one that
 * restarts does: it reads the client's greeting and closes. */
struct dropper {
	int fd;
	volatile int stop;
	pthread_t thread;
	int accepted;
};

static void *drop_run(void *arg)
{
	struct dropper *d = arg;
	while (!d->stop) {
		struct pollfd p = {.fd = d->fd, .events = POLLIN};
		if (poll(&p, 1, 20) <= 0)
			continue;
		int c = accept(d->fd, NULL, NULL);
		if (c < 0)
			continue;
		d->accepted++;
		char buf[64];
		struct pollfd q = {.fd = c, .events = POLLIN};
		if (poll(&q, 1, 200) > 0 && read(c, buf, sizeof(buf)) < 0)
			buf[0] = 0;
		close(c);
	}
	return NULL;
}

static void test_dropped_handshake_is_69(void **state)
{
	struct dropper d = {0};
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char ep[300];
	struct status_opts o = {0};
	(void)state;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/dropper.sock", tmpdir);
	snprintf(ep, sizeof(ep), "ipc://%s", sa.sun_path);
	d.fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(d.fd >= 0);
	assert_int_equal(bind(d.fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(d.fd, 16), 0);
	pthread_create(&d.thread, NULL, drop_run, &d);
	struct conn *c = connect_to(NULL, ep, 1.5);
	assert_int_equal(status_run(c, stdout, &o), CLIENT_EX_UNAVAILABLE);
	assert_true(d.accepted >= 1); /* handshakes did start, and failed */
	conn_close(&c);
	d.stop = 1;
	pthread_join(d.thread, NULL);
	close(d.fd);
}

static void test_bad_endpoint_is_78(void **state)
{
	struct conn *c = NULL;
	uint8_t server[32] = {0};
	(void)state;
	assert_int_equal(conn_open("nonsense://x", server, client_pk, client_sk, 1, &c),
			 CLIENT_EX_CONFIG);
	assert_null(c);
}

static void test_node_error_code(void **state)
{
	struct fake *f = fake_start(false, FAKE_ANSWER);
	struct conn *c = connect_to(f, f->endpoint, 5);
	struct client cl;
	struct send_opts o;
	char *argv[] = {"send", "sitrep", "--to", "ZULU", "--topic", "refuse", "--body", "x", NULL};
	(void)state;
	client_init(&cl);
	assert_int_equal(send_parse(&cl, 8, argv, &o), 0);
	assert_int_equal(send_run(c, &cl, &o), 1);
	send_opts_clear(&o);
	conn_close(&c);
	fake_stop(f);
}

/* Writes n batch lines; line bad (1-based, 0: none) is refused by the node. */
static void write_batch(const char *path, int n, int bad)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 1; i <= n; i++)
		fprintf(f, "{\"type\": \"status\", \"to\": [\"BRAVO\"], \"topic\": \"%s\", "
			   "\"body\": {\"title\": \"n%d\"}}\n", i == bad ? "refuse" : "ok", i);
	fclose(f);
}

static void test_batch_pipelined(void **state)
{
	struct fake *f = fake_start(false, FAKE_ANSWER);
	struct conn *c = connect_to(f, f->endpoint, 5);
	struct client cl;
	struct send_opts o = {.batch = NULL};
	char path[300], *buf = NULL, line[64];
	size_t len = 0;
	(void)state;

	snprintf(path, sizeof(path), "%s/batch.jsonl", tmpdir);
	write_batch(path, 600, 0);
	client_init(&cl);
	cl.out = open_memstream(&buf, &len);
	o.batch = path;
	assert_int_equal(send_run(c, &cl, &o), 0);
	fclose(cl.out);
	/* 600 ids, in input order: each names the request that carried it */
	FILE *in = fmemopen(buf, len, "r");
	uint64_t prev = 0;
	int n = 0;
	while (fgets(line, sizeof(line), in)) {
		uint64_t rid; /* the request id, its bytes printed as hex */
		uint8_t b[8];
		for (int i = 0; i < 8; i++)
			sscanf(line + 16 + 2 * i, "%2hhx", &b[i]);
		memcpy(&rid, b, 8);
		assert_true(rid > prev);
		prev = rid;
		n++;
	}
	fclose(in);
	assert_int_equal(n, 600);
	assert_int_equal(f->n_requests, 600);
	assert_true(f->in_order);
	free(buf);
	conn_close(&c);
	fake_stop(f);
}

static void test_batch_error_drains(void **state)
{
	struct fake *f = fake_start(false, FAKE_ANSWER);
	struct conn *c = connect_to(f, f->endpoint, 5);
	struct client cl;
	struct send_opts o = {.batch = NULL};
	char path[300], *buf = NULL;
	size_t len = 0;
	(void)state;

	snprintf(path, sizeof(path), "%s/batch-bad.jsonl", tmpdir);
	write_batch(path, 600, 10);
	client_init(&cl);
	cl.out = open_memstream(&buf, &len);
	o.batch = path;
	assert_int_equal(send_run(c, &cl, &o), 1);
	fclose(cl.out);
	/* what was in flight was drained; nothing after the window was sent */
	int lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += buf[i] == '\n';
	assert_int_equal(lines, f->n_requests - 1);
	assert_true(f->n_requests >= 10 && f->n_requests <= 10 + 256);
	free(buf);
	conn_close(&c);
	fake_stop(f);

	/* a malformed line: nothing is sent at all */
	f = fake_start(false, FAKE_ANSWER);
	c = connect_to(f, f->endpoint, 5);
	FILE *bf = fopen(path, "a");
	fputs("{\"type\": \"status\", \"all\": true, \"body\": {\"nope\": 1}}\n", bf);
	fclose(bf);
	cl.out = open_memstream(&buf, &len);
	assert_int_equal(send_run(c, &cl, &o), CLIENT_EX_USAGE);
	fclose(cl.out);
	assert_int_equal(len, 0);
	usleep(100000);
	assert_int_equal(f->n_requests, 0);
	free(buf);
	conn_close(&c);
	fake_stop(f);
}

static void test_subscribe_acks(void **state)
{
	struct fake *f = fake_start(false, FAKE_SUBSCRIBE);
	struct conn *c = connect_to(f, f->endpoint, 5);
	struct client cl;
	struct subscribe_opts o;
	char *argv[] = {"subscribe", "--count", "4", "--json", NULL};
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	(void)state;

	client_init(&cl);
	assert_int_equal(subscribe_parse(&cl, 4, argv, &o), 0);
	assert_int_equal(subscribe_run(c, out, &o), 0);
	fclose(out);
	conn_close(&c); /* lingers until the last ack left */
	for (int i = 0; i < 100 && f->n_acks < 3; i++)
		usleep(20000);
	/* credit never above what --count still wants */
	assert_int_equal(f->sub_credit, 4);
	assert_int_equal(f->n_acks, 3);
	assert_int_equal(f->ack_cursor[0], 3); /* after the first batch */
	assert_int_equal(f->ack_credit[0], 1);
	assert_int_equal(f->ack_cursor[1], 3); /* after the heartbeat */
	assert_int_equal(f->ack_cursor[2], 4); /* the 4th message, then stop */
	assert_int_equal(f->ack_credit[2], 0);
	int lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += buf[i] == '\n';
	assert_int_equal(lines, 4);
	assert_non_null(strstr(buf, "\"cursor\":4"));
	assert_null(strstr(buf, "\"cursor\":5"));
	free(buf);
	subscribe_opts_clear(&o);
	fake_stop(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_call),
		cmocka_unit_test(test_unreachable_is_69),
		cmocka_unit_test(test_refused_is_77),
		cmocka_unit_test(test_dropped_handshake_is_69),
		cmocka_unit_test(test_bad_endpoint_is_78),
		cmocka_unit_test(test_node_error_code),
		cmocka_unit_test(test_batch_pipelined),
		cmocka_unit_test(test_batch_error_drains),
		cmocka_unit_test(test_subscribe_acks),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

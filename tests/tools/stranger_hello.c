/* stranger_hello: many CURVE handshakes from keys nobody pinned.
 *
 * COUNT times: makes a fresh X25519 key pair, connects a CURVE DEALER to the
 * endpoint with the node's transport key (from its certificate) as server
 * key, queues one frame, waits until the node has answered the handshake
 * (refused or admitted, as the socket monitor reports) or a second passes,
 * and closes. Prints "refused N admitted N silent N" on stdout.
 *
 * usage: stranger_hello ENDPOINT NODE.pub COUNT
 * Exit: 0 done, 64 usage, 1 failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <zmq.h>
#include "keyfile.h"

/* Waits for the handshake's outcome: 1 refused, 2 admitted, 0 none. */
static int outcome(void *mon, int timeout_ms)
{
	for (;;) {
		zmq_pollitem_t it = { .socket = mon, .events = ZMQ_POLLIN };
		if (zmq_poll(&it, 1, timeout_ms) <= 0)
			return 0;
		zmq_msg_t m;
		uint16_t ev = 0;
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, mon, 0) < 0) {
			zmq_msg_close(&m);
			return 0;
		}
		if (zmq_msg_size(&m) >= 2)
			memcpy(&ev, zmq_msg_data(&m), 2);
		int more = zmq_msg_more(&m);
		zmq_msg_close(&m);
		while (more) {
			zmq_msg_init(&m);
			more = zmq_msg_recv(&m, mon, 0) >= 0 && zmq_msg_more(&m);
			zmq_msg_close(&m);
		}
		if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
			return 1;
		if (ev == ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
			return 2;
	}
}

int main(int argc, char **argv)
{
	struct liaison_cert node;
	int ret = 1;
	if (argc != 4 || atoi(argv[3]) <= 0) {
		fprintf(stderr, "usage: stranger_hello ENDPOINT NODE.pub COUNT\n");
		return 64;
	}
	if (sodium_init() < 0 || cert_load(argv[2], &node) != 0) {
		fprintf(stderr, "stranger_hello: cannot load %s\n", argv[2]);
		return 1;
	}
	int count = atoi(argv[3]), refused = 0, admitted = 0, silent = 0, zero = 0;
	void *ctx = zmq_ctx_new();
	if (!ctx)
		return 1;
	for (int i = 0; i < count; i++) {
		uint8_t pk[32], sk[32];
		char mon_ep[64];
		crypto_box_keypair(pk, sk);
		void *s = zmq_socket(ctx, ZMQ_DEALER);
		snprintf(mon_ep, sizeof(mon_ep), "inproc://stranger-%d", i);
		if (!s || zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero)) ||
		    zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, node.box_pk, 32) ||
		    zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, pk, 32) || zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, sk, 32) ||
		    zmq_socket_monitor(s, mon_ep, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_SUCCEEDED)) {
			fprintf(stderr, "stranger_hello: socket: %s\n", zmq_strerror(zmq_errno()));
			if (s)
				zmq_close(s);
			goto out;
		}
		sodium_memzero(sk, sizeof(sk));
		void *mon = zmq_socket(ctx, ZMQ_PAIR);
		if (!mon || zmq_connect(mon, mon_ep) || zmq_connect(s, argv[1])) {
			fprintf(stderr, "stranger_hello: connect: %s\n", zmq_strerror(zmq_errno()));
			zmq_close(s);
			if (mon)
				zmq_close(mon);
			goto out;
		}
		zmq_send(s, "hello", 5, ZMQ_DONTWAIT);
		switch (outcome(mon, 1000)) {
		case 1: refused++; break;
		case 2: admitted++; break;
		default: silent++; break;
		}
		zmq_socket_monitor(s, NULL, 0);
		zmq_close(s);
		zmq_setsockopt(mon, ZMQ_LINGER, &zero, sizeof(zero));
		zmq_close(mon);
	}
	printf("refused %d admitted %d silent %d\n", refused, admitted, silent);
	ret = 0;
out:
	zmq_ctx_term(ctx);
	return ret;
}

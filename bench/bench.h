/* liaison benchmarks: what the load generator's parts share (a CURVE DEALER
 * to a node's client API, request and reply frames, clocks). */
#ifndef LIAISON_BENCH_H
#define LIAISON_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "liaison.pb-c.h"

/* A connection to one node's API, made from the node's folder as
 * scripts/mkfed.sh lays it out: DIR/api.sock, DIR/NAME.pub, DIR/WHO.key. */
struct bconn {
	void *sock;
	char name[65];     /* the node's name: the folder's last component */
	uint64_t next_id;
};

/* Connects a DEALER in ctx as client WHO (officer or reader). Returns 0, or
 * -1 after printing why. */
int bconn_open(void *ctx, const char *dir, const char *who, struct bconn *c);
void bconn_close(struct bconn *c);
/* Sends req (version and request id filled in); returns the request id, 0 on failure. */
uint64_t bconn_send(struct bconn *c, Liaison__ApiRequest *req);
/* Waits up to timeout_ms for one reply; NULL on timeout. Caller frees with
 * liaison__api_reply__free_unpacked. */
Liaison__ApiReply *bconn_recv(struct bconn *c, int timeout_ms);
/* A status call; returns the reply (caller frees) or NULL. Replies to other
 * requests that arrive first are handed to other (if not NULL) or freed. */
Liaison__ApiReply *bconn_status(struct bconn *c, void (*other)(void *, Liaison__ApiReply *), void *arg);
/* The node's "received" counter from a status reply. */
uint64_t status_counter(const Liaison__StatusReply *s, const char *name);

/* A SendRequest of type t with a body of about body_bytes, title set to
 * title; to is one peer name, or NULL for all peers. Static storage: one
 * message at a time per thread. */
Liaison__ApiRequest *bench_message(Liaison__MessageType t, Liaison__Precedence p, const char *to,
				   const char *title, size_t body_bytes);

int64_t now_mono_us(void);
int64_t now_real_us(void);
/* Waits until the node behind c reports at least want peers connected
 * (0: all it has); false after 15 s. */
bool wait_peers(struct bconn *c, unsigned want);

#endif

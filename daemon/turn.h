/* A loop turn's transaction and the frames that wait for its commit. */
#ifndef LIAISOND_TURN_H
#define LIAISOND_TURN_H

#include "node.h"

/* Opens the write transaction of this loop turn if none is open; it
 * commits at the end of the turn. */
int node_tx(struct node *n);
/* The same for bookkeeping that may wait: it commits with the next urgent
 * write or within LAZY_COMMIT_MS. Only for writes whose loss in a crash is
 * repaired by the protocol (delivery receipts are asked for again). */
int node_tx_lazy(struct node *n);
/* Queues a frame to send once the turn's transaction commits; fail (or
 * nothing, if NULL) goes out instead when it fails. Takes ownership of both
 * (malloc'ed; they may be one buffer, for a frame that goes out either way). */
void node_defer(struct node *n, void *socket, const uint8_t *rid, size_t rid_len, uint8_t *ok, size_t ok_len,
		uint8_t *fail, size_t fail_len);
/* Sends one frame (with the routing id first when rid is not NULL) without
 * blocking; -1 when the socket would block or failed. */
int node_send_frame(void *socket, const uint8_t *rid, size_t rid_len, const uint8_t *data, size_t len);
/* The same for a malloc'ed frame whose ownership passes to libzmq without a
 * copy: it is wiped and freed once written or dropped (also on failure). */
int node_send_owned(void *socket, const uint8_t *rid, size_t rid_len, uint8_t *data, size_t len);
/* Frees (wiping) a deferred entry's frames, except keep (one that was sent
 * with node_send_owned), each buffer once. */
void deferred_drop(struct deferred *d, const uint8_t *keep);

#endif

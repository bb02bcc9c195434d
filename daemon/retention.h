/* Retention in the event loop: deletes what is due a small chunk per turn
 * (store_retention.c says what is due and what is kept regardless). */
#ifndef LIAISOND_RETENTION_H
#define LIAISOND_RETENTION_H

#include <stdbool.h>
#include "node.h"

/* At most this many messages per chunk: one chunk is one transaction and
 * one fsync, between two turns of traffic. */
#define RETENTION_CHUNK 128
/* How often the store is looked at for due messages when the last look
 * found fewer than a chunk's worth (monotonic ms). */
#define RETENTION_IDLE_MS 1000

/* Deletes one chunk if one is due, in a transaction of its own; call with
 * no transaction open. Sets n->retention_busy while more is due, so that
 * the loop does not sleep between chunks. */
void retention_tick(struct node *n, int64_t now_mono);

#endif

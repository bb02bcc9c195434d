/* How fast each federation link delivers, and how large its batches may be
 * so that a FLASH message never waits behind more than about a second of
 * routine bytes, however slow the link. */
#ifndef LIAISOND_LINK_RATE_H
#define LIAISOND_LINK_RATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store.h" /* LANES */

/* A batch's byte budget is what the link delivers in LINK_RATE_BATCH_MS at
 * its measured rate, never below LINK_RATE_FLOOR (a batch always takes one
 * envelope, however large) nor above the ceiling the caller gives.
 * LINK_RATE_INITIAL is the budget on a new connection until the first
 * batch is acknowledged. */
#define LINK_RATE_BATCH_MS 500
#define LINK_RATE_FLOOR (4 * 1024)
#define LINK_RATE_INITIAL (8 * 1024)
#define LINK_RATE_RECORDS 8 /* batches in flight remembered (WINDOW + 1, with room) */

struct link_rate_batch {
	size_t bytes;
	uint64_t delivered;  /* the link's delivered bytes when this batch was sent */
	int64_t delivered_at; /* and when they were (monotonic ms) */
	uint64_t top[LANES]; /* the link's sent marks once this batch was sent */
	bool small;          /* under half its budget: the queue, not the link, set its size */
};

struct link_rate {
	double bps;          /* smoothed bytes acknowledged per second; 0 until measured */
	uint64_t delivered;  /* bytes acknowledged on this connection */
	int64_t delivered_at; /* monotonic ms of the latest ack, or of a send after a pause */
	struct link_rate_batch out[LINK_RATE_RECORDS];
	size_t n_out;
	uint64_t samples;    /* rate samples taken on this connection */
};

/* A new connection: forgets the rate and starts again from LINK_RATE_INITIAL. */
void link_rate_reset(struct link_rate *r);
/* The peer restated what it holds and the link resends from there: the
 * batches in flight are no longer timed (the rate is kept). */
void link_rate_forget(struct link_rate *r);
/* The byte budget of the next batch, at most ceiling. */
size_t link_rate_budget(const struct link_rate *r, size_t ceiling);
/* A batch of bytes went out at now (monotonic ms) under budget; top holds
 * the link's sent marks with it. When more batches are in flight than it
 * remembers, the oldest is no longer timed. */
void link_rate_sent(struct link_rate *r, int64_t now, size_t bytes, size_t budget, const uint64_t top[LANES]);
/* The peer acknowledged up to acked; sent holds the link's sent marks (a
 * batch above them was rewound and will not be timed). An ack that covers
 * batches yields one rate sample: the bytes acknowledged since the newest
 * of them was sent, over the time since the ack before that send (or the
 * send itself, when nothing was in flight). Spanning a whole round trip,
 * the sample times the link's pace, not a batch's wait behind others, and
 * is not fooled by acks the peer sends together. A sample of small batches
 * only ever raises the rate: a short queue says nothing about what the
 * link could carry. */
void link_rate_acked(struct link_rate *r, int64_t now, const uint64_t acked[LANES], const uint64_t sent[LANES]);

#endif

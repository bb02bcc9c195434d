/* The delivery rate of a federation link and the batch budget it sets.
 *
 * On a 64 kbit/s radio or satellite link, a batch of 128 routine envelopes
 * takes most of a minute to cross, and a FLASH message sent meanwhile
 * queues behind every batch in flight. Sizing batches by time instead of by
 * count bounds that wait: with WINDOW batches of LINK_RATE_BATCH_MS each in
 * flight, a FLASH waits behind about a second of routine bytes. On a fast
 * link the budget reaches its ceiling after the first acknowledgement, so
 * batches are as large as before. */
#include <string.h>
#include "link_rate.h"

void link_rate_reset(struct link_rate *r)
{
	memset(r, 0, sizeof(*r));
}

void link_rate_forget(struct link_rate *r)
{
	r->n_out = 0;
}

size_t link_rate_budget(const struct link_rate *r, size_t ceiling)
{
	double budget = r->samples ? r->bps * LINK_RATE_BATCH_MS / 1000.0 : LINK_RATE_INITIAL;
	if (budget < LINK_RATE_FLOOR)
		budget = LINK_RATE_FLOOR;
	return budget >= (double)ceiling ? ceiling : (size_t)budget;
}

void link_rate_sent(struct link_rate *r, int64_t now, size_t bytes, size_t budget, const uint64_t top[LANES])
{
	if (r->n_out == 0)
		r->delivered_at = now; /* the link was idle: its pause is no part of the pace */
	if (r->n_out == LINK_RATE_RECORDS) {
		memmove(&r->out[0], &r->out[1], (LINK_RATE_RECORDS - 1) * sizeof(r->out[0]));
		r->n_out--;
	}
	struct link_rate_batch *b = &r->out[r->n_out++];
	b->bytes = bytes;
	b->delivered = r->delivered;
	b->delivered_at = r->delivered_at;
	memcpy(b->top, top, sizeof(b->top));
	b->small = bytes < budget / 2;
}

static bool covered(const uint64_t top[LANES], const uint64_t marks[LANES])
{
	for (int lane = 0; lane < LANES; lane++)
		if (top[lane] > marks[lane])
			return false;
	return true;
}

static void sample(struct link_rate *r, double bps, bool small)
{
	if (r->samples++ == 0)
		r->bps = bps;
	else if (bps > r->bps) /* rise fast, but acks that came together do not double it */
		r->bps += ((bps > 2 * r->bps ? 2 * r->bps : bps) - r->bps) / 2;
	else if (!small)
		r->bps -= (r->bps - bps) / 4;
}

void link_rate_acked(struct link_rate *r, int64_t now, const uint64_t acked[LANES], const uint64_t sent[LANES])
{
	size_t kept = 0;
	bool small = true, any = false;
	struct link_rate_batch newest = {0};
	for (size_t i = 0; i < r->n_out; i++) {
		struct link_rate_batch *b = &r->out[i];
		if (covered(b->top, acked)) {
			r->delivered += b->bytes;
			small = small && b->small;
			newest = *b; /* records are in send order */
			any = true;
		} else if (covered(b->top, sent)) {
			r->out[kept++] = *b;
		} /* else rewound: sent again later as another batch */
	}
	r->n_out = kept;
	if (!any)
		return;
	r->delivered_at = now;
	int64_t ms = now - newest.delivered_at;
	if (ms < 1)
		ms = 1;
	sample(r, (double)(r->delivered - newest.delivered) * 1000.0 / (double)ms, small);
}

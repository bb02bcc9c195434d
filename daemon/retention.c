/* Retention in the event loop.
 *
 * Deletion never stalls the loop: each chunk is at most RETENTION_CHUNK
 * messages in a transaction of its own, run between turns, and the loop
 * polls without sleeping while a backlog remains, so that a FLASH arriving
 * meanwhile waits for one chunk at most. A chunk that fails is rolled back
 * whole (its audit record with it) and tried again later. */
#include <string.h>
#include "retention.h"
#include "readcache.h"
#include "log.h"
#include "timefmt.h"

static void forget(void *ctx, int64_t pos)
{
	struct node *n = ctx;
	readcache_forget(n->readcache, pos);
}

void retention_tick(struct node *n, int64_t now_mono)
{
	if (now_mono < n->retention_next || store_in_transaction(n->store))
		return;
	struct store_retention r = { .now = time_now_ms(), .clock_skew_ms = n->conf->clock_skew_ms,
				     .max = RETENTION_CHUNK };
	for (int t = 0; t < STORE_TYPES && t < CONFIG_TYPES; t++)
		r.keep_ms[t] = n->conf->retention_ms[t];
	struct store_deleted d;
	int64_t t0 = time_mono_ms();
	int rc = -1;
	if (store_begin(n->store) == 0) {
		/* a position forgotten from the cache before a commit that then
		 * fails costs one full check when next read, nothing more */
		rc = store_retention_chunk(n->store, &r, &d, forget, n);
		if (rc < 0)
			store_rollback(n->store);
		else if (store_commit(n->store) < 0)
			rc = -1;
	}
	if (rc < 0) {
		log_error("retention: %s; trying again in a minute", store_errmsg(n->store));
		n->retention_busy = false;
		n->retention_next = now_mono + 60000;
		return;
	}
	if (rc > 0) {
		n->counters.deleted_expired += d.expired;
		n->counters.deleted_retention += d.aged;
		n->deleted_total += (uint64_t)rc;
		n->retention_pass += (uint64_t)rc;
		int64_t took = time_mono_ms() - t0;
		if (took > n->retention_longest_ms)
			n->retention_longest_ms = took;
		store_scrub_wal(n->store);
	}
	n->retention_busy = rc >= RETENTION_CHUNK;
	if (!n->retention_busy) {
		if (n->retention_pass)
			log_info("retention: deleted %llu messages (since start: %llu expired, %llu by retention;"
				 " longest chunk %lld ms)",
				 (unsigned long long)n->retention_pass, (unsigned long long)n->counters.deleted_expired,
				 (unsigned long long)n->counters.deleted_retention, (long long)n->retention_longest_ms);
		n->retention_pass = 0;
		n->retention_next = now_mono + RETENTION_IDLE_MS;
	}
}

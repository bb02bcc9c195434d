/* Messages still waiting for a receipt, counted per peer: what stays
 * queued for a peer that was removed is reported, never dropped. */
#include "store_internal.h"

int store_pending_by_peer(struct store *s, store_pending_fn fn, void *ctx)
{
	sqlite3_stmt *st = NULL;
	/* recipients_pending (state = 0) keeps this O(pending) */
	if (sqlite3_prepare_v2(s->db, "SELECT peer, COUNT(*) FROM recipients WHERE state = 0 GROUP BY peer", -1, &st,
			       NULL) != SQLITE_OK)
		return store_fail(s, "pending by peer");
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(ctx, (const char *)sqlite3_column_text(st, 0), (uint64_t)sqlite3_column_int64(st, 1));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, "pending by peer");
}

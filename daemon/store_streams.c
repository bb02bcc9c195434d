/* Streams between nodes: outgoing recipients (the per-peer outbox and each
 * recipient's state), receipts, and incoming lane marks. */
#include <stdio.h>
#include <string.h>
#include "store_internal.h"

int store_add_recipient(struct store *s, int64_t pos, const char *peer, int lane, uint64_t stream_seq)
{
	sqlite3_stmt *st = store_stmt(s, ST_ADD_RCPT);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, peer, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, lane);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)stream_seq);
	sqlite3_bind_int64(st, 4, pos);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail(s, "store recipient");
}

static int64_t peer_lane_int(struct store *s, enum store_stmt idx, const char *peer, int lane)
{
	sqlite3_stmt *st = store_stmt(s, idx);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, peer, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, lane);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return store_fail(s, "query");
	return sqlite3_column_int64(st, 0);
}

uint64_t store_max_stream_seq(struct store *s, const char *peer, int lane)
{
	int64_t v = peer_lane_int(s, ST_MAX_STREAM, peer, lane);
	return v < 0 ? 0 : (uint64_t)v;
}

uint64_t store_first_pending(struct store *s, const char *peer, int lane)
{
	int64_t v = peer_lane_int(s, ST_FIRST_PENDING, peer, lane);
	return v < 0 ? 0 : (uint64_t)v;
}

int64_t store_oldest_pending(struct store *s, const char *peer, int lane)
{
	int64_t v = peer_lane_int(s, ST_OLDEST_PENDING, peer, lane);
	return v < 0 ? 0 : v;
}

uint64_t store_lane_mark(struct store *s, const char *sender, int lane)
{
	int64_t v = peer_lane_int(s, ST_LANE_GET, sender, lane);
	return v < 0 ? 0 : (uint64_t)v;
}

int store_set_lane_mark(struct store *s, const char *sender, int lane, uint64_t mark)
{
	sqlite3_stmt *st = store_stmt(s, ST_LANE_SET);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, sender, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, lane);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)mark);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail(s, "store lane mark");
}

int store_outbox(struct store *s, const char *peer, int lane, uint64_t after, uint32_t limit, store_out_fn fn, void *ctx)
{
	sqlite3_stmt *st = store_stmt(s, ST_OUTBOX);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, peer, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, lane);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)after);
	sqlite3_bind_int64(st, 4, limit);
	int rc, n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		n++;
		if (fn(ctx, (uint64_t)sqlite3_column_int64(st, 0), sqlite3_column_blob(st, 1),
		       (size_t)sqlite3_column_bytes(st, 1), (const char *)sqlite3_column_text(st, 2),
		       sqlite3_column_int(st, 3)) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, "outbox");
	sqlite3_reset(st);
	return n;
}

int store_requeue(struct store *s, const char *peer, int lane, uint64_t after)
{
	sqlite3_stmt *st = store_stmt(s, ST_REQUEUE);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, peer, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, lane);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)after);
	return sqlite3_step(st) == SQLITE_DONE ? sqlite3_changes(s->db) : store_fail(s, "requeue");
}

int store_set_recipient_state(struct store *s, const uint8_t id[16], const char *peer, int state, int64_t at,
			      int64_t receipt)
{
	sqlite3_stmt *st = store_stmt(s, ST_SET_RCPT);
	if (!st)
		return -1;
	sqlite3_bind_int(st, 1, state);
	sqlite3_bind_int64(st, 2, at);
	if (receipt > 0)
		sqlite3_bind_int64(st, 3, receipt);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_text(st, 4, peer, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, id, 16, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_DONE ? sqlite3_changes(s->db) : store_fail(s, "recipient state");
}

int store_drop_receipt(struct store *s, int64_t receipt)
{
	sqlite3_stmt *st = store_stmt(s, ST_DROP_RECEIPT);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, receipt);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail(s, "drop receipt");
}

int64_t store_put_receipt(struct store *s, const char *peer, int64_t at, const uint8_t *blob, size_t len)
{
	sqlite3_stmt *st = store_stmt(s, ST_PUT_RECEIPT);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, peer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, at);
	sqlite3_bind_blob(st, 3, blob, (int)len, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, "store receipt");
	return sqlite3_last_insert_rowid(s->db);
}

int store_recipients(struct store *s, int64_t pos, store_rcpt_fn fn, void *ctx)
{
	sqlite3_stmt *st = store_stmt(s, ST_RCPTS);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, pos);
	int rc, n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		n++;
		fn(ctx, (const char *)sqlite3_column_text(st, 0), sqlite3_column_int(st, 1),
		   (uint64_t)sqlite3_column_int64(st, 2), sqlite3_column_int(st, 3), sqlite3_column_int64(st, 4),
		   (const char *)sqlite3_column_text(st, 5));
	}
	if (rc != SQLITE_DONE)
		return store_fail(s, "recipients");
	return n;
}

int store_sub_get(struct store *s, const char *name, char *client, size_t client_len, int64_t *cursor)
{
	sqlite3_stmt *st = store_stmt(s, ST_SUB_GET);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return store_fail(s, "subscription");
	snprintf(client, client_len, "%s", (const char *)sqlite3_column_text(st, 0));
	*cursor = sqlite3_column_int64(st, 1);
	return 1;
}

int store_sub_put(struct store *s, const char *name, const char *client, int64_t cursor)
{
	sqlite3_stmt *st = store_stmt(s, ST_SUB_PUT);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, client, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, cursor);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail(s, "subscription");
}

/* What this node carries for others: relay items (sealed envelopes it
 * cannot open, recipients' receipts on their way back to an origin), hop
 * rows in the outbox, and the end-to-end rows of members reached through
 * relays. */
#include <stdio.h>
#include <string.h>
#include "store_internal.h"

int store_relay_put(struct store *s, const struct relay_item *it, int64_t *rpos)
{
	sqlite3_stmt *st = store_stmt(s, ST_RELAY_PUT);
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, it->id, 16, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, it->origin, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, it->kind);
	sqlite3_bind_int64(st, 4, it->received);
	sqlite3_bind_int64(st, 5, it->expires);
	sqlite3_bind_blob(st, 6, it->blob, (int)it->len, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, "store relay item");
	if (sqlite3_changes(s->db) == 0)
		return store_relay_find(s, it->id, rpos) == 1 ? 1 : -1;
	*rpos = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int store_relay_find(struct store *s, const uint8_t id[16], int64_t *rpos)
{
	sqlite3_stmt *st = store_stmt(s, ST_RELAY_FIND);
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, id, 16, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return store_fail(s, "find relay item");
	if (rpos)
		*rpos = sqlite3_column_int64(st, 0);
	return 1;
}

int store_add_hop(struct store *s, int64_t pos, const char *peer, int lane, uint64_t stream_seq, const char *dest)
{
	sqlite3_stmt *st = store_stmt(s, ST_ADD_HOP);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, peer, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, lane);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)stream_seq);
	sqlite3_bind_int64(st, 4, pos);
	if (dest)
		sqlite3_bind_text(st, 5, dest, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 5);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail(s, "store hop");
}

/* An item every next hop holds (or refused) is of no more use here; with
 * secure_delete its bytes are overwritten, not only unlinked from the tree. */
int store_relay_settle(struct store *s, const uint8_t id[16])
{
	int64_t rpos;
	int rc = store_relay_find(s, id, &rpos);
	if (rc <= 0)
		return rc;
	sqlite3_stmt *st = store_stmt(s, ST_RELAY_DROP);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, rpos);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail(s, "settle relay item");
}

int store_member_rows(struct store *s, const char *member, int lane, uint64_t after, uint32_t limit, bool all,
		      store_pending_row_fn fn, void *ctx)
{
	sqlite3_stmt *st = store_stmt(s, all ? ST_MEMBER_ROWS : ST_MEMBER_PENDING);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, member, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, lane);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)after);
	sqlite3_bind_int64(st, 4, limit);
	int rc, n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		n++;
		if (fn(ctx, sqlite3_column_int64(st, 0), (uint64_t)sqlite3_column_int64(st, 1), sqlite3_column_int(st, 2)) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, "pending for member");
	sqlite3_reset(st);
	return n;
}

int store_hop_withdraw(struct store *s, int64_t pos, const char *peer, const char *dest, int64_t at)
{
	sqlite3_stmt *st = store_stmt(s, ST_HOP_WITHDRAW);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, at);
	sqlite3_bind_int64(st, 2, pos);
	sqlite3_bind_text(st, 3, peer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, dest, -1, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_DONE ? sqlite3_changes(s->db) : store_fail(s, "withdraw hop");
}

int store_hop_waiting(struct store *s, int64_t pos, const char *peer)
{
	sqlite3_stmt *st = store_stmt(s, ST_HOP_WAITING);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, pos);
	sqlite3_bind_text(st, 2, peer, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		return store_fail(s, "hop waiting");
	return sqlite3_column_int(st, 0) > 0;
}

int store_hop_dest(struct store *s, const uint8_t id[16], const char *peer, char *buf, size_t len)
{
	sqlite3_stmt *st = store_stmt(s, ST_HOP_DEST);
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, id, 16, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, peer, -1, SQLITE_STATIC);
	buf[0] = '\0';
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(buf, len, "%s", (const char *)sqlite3_column_text(st, 0));
	else if (rc != SQLITE_DONE)
		return store_fail(s, "hop destination");
	sqlite3_reset(st);
	return rc == SQLITE_ROW;
}

uint64_t store_relay_count(struct store *s)
{
	sqlite3_stmt *st = store_stmt(s, ST_RELAY_COUNT);
	if (!st || sqlite3_step(st) != SQLITE_ROW)
		return 0;
	return (uint64_t)sqlite3_column_int64(st, 0);
}

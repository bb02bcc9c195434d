/* The size contract in the store: the limits each peer last stated (so a
 * send while the peer is down is checked against what it takes), and the
 * reason a recipient was marked rejected. Rare writes: statements are
 * prepared per call. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "store_internal.h"

static sqlite3_stmt *prepare(struct store *s, const char *q)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(s->db, q, -1, &st, NULL) != SQLITE_OK) {
		store_fail(s, "prepare");
		return NULL;
	}
	return st;
}

/* Runs a statement to its end; 0 or -1. */
static int finish(struct store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		store_fail(s, what);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

int store_peer_limits_get(struct store *s, const char *peer, uint64_t *max_envelope, uint64_t *max_frame)
{
	char key[128];
	snprintf(key, sizeof(key), "limits:%s", peer);
	sqlite3_stmt *st = prepare(s, "SELECT value FROM meta WHERE key = ?");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st), found = 0;
	if (rc == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		found = v && sscanf(v, "%" SCNu64 " %" SCNu64, max_envelope, max_frame) == 2;
	} else if (rc != SQLITE_DONE) {
		found = store_fail(s, "peer limits");
	}
	sqlite3_finalize(st);
	return found;
}

int store_peer_limits_put(struct store *s, const char *peer, uint64_t max_envelope, uint64_t max_frame)
{
	char key[128], value[64];
	snprintf(key, sizeof(key), "limits:%s", peer);
	snprintf(value, sizeof(value), "%" PRIu64 " %" PRIu64, max_envelope, max_frame);
	sqlite3_stmt *st = prepare(s, "INSERT INTO meta(key, value) VALUES (?,?)"
				      " ON CONFLICT(key) DO UPDATE SET value = excluded.value");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_TRANSIENT);
	return finish(s, st, "store peer limits");
}

static int put_reason(struct store *s, int64_t pos, const char *peer, const char *reason)
{
	sqlite3_stmt *st = prepare(s, "INSERT INTO rejections(pos, peer, reason) VALUES (?,?,?)"
				      " ON CONFLICT(pos, peer) DO UPDATE SET reason = excluded.reason");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, pos);
	sqlite3_bind_text(st, 2, peer, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, reason, -1, SQLITE_TRANSIENT);
	return finish(s, st, "store rejection");
}

int store_withdraw(struct store *s, const char *peer, int lane, uint64_t stream_seq, int64_t at, const char *reason,
		   uint8_t id_out[16])
{
	sqlite3_stmt *st = prepare(s, "SELECT r.pos, m.id FROM recipients r JOIN messages m ON m.pos = r.pos"
				      " WHERE r.peer = ? AND r.lane = ? AND r.stream_seq = ? AND r.state = 0");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, peer, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, lane);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)stream_seq);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return rc == SQLITE_DONE ? 0 : store_fail(s, "withdraw");
	}
	int64_t pos = sqlite3_column_int64(st, 0);
	memset(id_out, 0, 16);
	if (sqlite3_column_bytes(st, 1) == 16)
		memcpy(id_out, sqlite3_column_blob(st, 1), 16);
	sqlite3_finalize(st);
	st = prepare(s, "UPDATE recipients SET state = 3, updated = ?"
			" WHERE peer = ? AND lane = ? AND stream_seq = ? AND state = 0");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, at);
	sqlite3_bind_text(st, 2, peer, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, lane);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)stream_seq);
	if (finish(s, st, "withdraw") < 0 || put_reason(s, pos, peer, reason) < 0)
		return -1;
	return 1;
}

int store_set_rejection(struct store *s, const uint8_t id[16], const char *peer, const char *reason)
{
	sqlite3_stmt *st = prepare(s, "SELECT pos FROM messages WHERE id = ?");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, id, 16, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	int64_t pos = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, "rejection");
	return pos ? put_reason(s, pos, peer, reason) : 0;
}

int store_rejection(struct store *s, int64_t pos, const char *peer, char *buf, size_t len)
{
	buf[0] = '\0';
	sqlite3_stmt *st = prepare(s, "SELECT reason FROM rejections WHERE pos = ? AND peer = ?");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, pos);
	sqlite3_bind_text(st, 2, peer, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(buf, len, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_fail(s, "rejection");
}

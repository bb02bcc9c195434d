/* The store's database: opening, schema, statements and transactions.
 *
 * Crash safety: WAL with synchronous=FULL makes every COMMIT durable (the
 * WAL is fsynced) before it returns; a process killed at any instruction
 * leaves either the whole transaction or none of it. Callers acknowledge
 * nothing until store_commit has returned 0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <errno.h>
#include "store_internal.h"

static const char *const schema =
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);"
	"CREATE TABLE IF NOT EXISTS messages("
	" pos INTEGER PRIMARY KEY, id BLOB NOT NULL UNIQUE, sender TEXT NOT NULL,"
	" sequence INTEGER NOT NULL, type INTEGER NOT NULL, topic TEXT NOT NULL,"
	" precedence INTEGER NOT NULL, classification INTEGER NOT NULL,"
	" created INTEGER NOT NULL, expires INTEGER NOT NULL, received INTEGER NOT NULL,"
	" envelope BLOB NOT NULL);"
	"CREATE INDEX IF NOT EXISTS messages_type ON messages(type, pos);"
	"CREATE INDEX IF NOT EXISTS messages_sender ON messages(sender, sequence);"
	"CREATE INDEX IF NOT EXISTS messages_received ON messages(received);"
	"CREATE TABLE IF NOT EXISTS recipients("
	" peer TEXT NOT NULL, lane INTEGER NOT NULL, stream_seq INTEGER NOT NULL,"
	" pos INTEGER NOT NULL, state INTEGER NOT NULL DEFAULT 0, updated INTEGER NOT NULL DEFAULT 0,"
	" receipt INTEGER, PRIMARY KEY(peer, lane, stream_seq)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS recipients_pos ON recipients(pos);"
	/* the outbox: only what still waits for a receipt, so its scans stay O(pending) */
	"CREATE INDEX IF NOT EXISTS recipients_pending ON recipients(peer, lane, stream_seq) WHERE state = 0;"
	"CREATE TABLE IF NOT EXISTS receipts(id INTEGER PRIMARY KEY, peer TEXT NOT NULL,"
	" received INTEGER NOT NULL, signed BLOB NOT NULL);"
	"CREATE TABLE IF NOT EXISTS lanes_in(sender TEXT NOT NULL, lane INTEGER NOT NULL,"
	" mark INTEGER NOT NULL, PRIMARY KEY(sender, lane)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS subscriptions(name TEXT PRIMARY KEY, client TEXT NOT NULL,"
	" cursor INTEGER NOT NULL);"
	/* why a recipient was marked rejected: its own words, or its size limit */
	"CREATE TABLE IF NOT EXISTS rejections(pos INTEGER NOT NULL, peer TEXT NOT NULL,"
	" reason TEXT NOT NULL, PRIMARY KEY(pos, peer)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS audit(seq INTEGER PRIMARY KEY, at INTEGER NOT NULL,"
	" kind TEXT NOT NULL, detail TEXT NOT NULL, hash BLOB NOT NULL);"
	/* CAP chains (store_cap.c); created on a store of any age */
	"CREATE TABLE IF NOT EXISTS cap_refs(sender TEXT NOT NULL, identifier TEXT NOT NULL,"
	" pos INTEGER NOT NULL, origin TEXT NOT NULL, kind INTEGER NOT NULL,"
	" PRIMARY KEY(sender, identifier, pos)) WITHOUT ROWID;"
	/* Retention (store_retention.c) finds what expired, what hangs off a
	 * message and which receipts are still referenced through these; each
	 * is appended to in order (or only for CAP messages), so it costs an
	 * insert a few bytes, not a scattered page. */
	"CREATE INDEX IF NOT EXISTS messages_expires ON messages(expires) WHERE expires > 0;"
	"CREATE INDEX IF NOT EXISTS recipients_receipt ON recipients(receipt) WHERE receipt IS NOT NULL;"
	"CREATE INDEX IF NOT EXISTS cap_refs_pos ON cap_refs(pos);"
	/* what this node carries for others (relaying): sealed envelopes it
	 * cannot open (kind 0) and recipients' signed receipts on their way
	 * back to an origin (kind 1), each kept until every next hop holds it;
	 * its outbox rows in recipients point at it with pos = -rpos, and stay
	 * after it is deleted: AUTOINCREMENT, so that no later item takes its
	 * number */
	/* the highest stream position each (peer or member, lane) had among
	 * rows that retention deleted (store_retention.c) */
	"CREATE TABLE IF NOT EXISTS stream_floor(peer TEXT NOT NULL, lane INTEGER NOT NULL, seq INTEGER NOT NULL,"
	" PRIMARY KEY(peer, lane)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS relay_items(rpos INTEGER PRIMARY KEY AUTOINCREMENT, id BLOB NOT NULL UNIQUE,"
	" origin TEXT NOT NULL, kind INTEGER NOT NULL, received INTEGER NOT NULL, expires INTEGER NOT NULL,"
	" blob BLOB NOT NULL);"
	"INSERT OR IGNORE INTO meta(key, value) VALUES ('schema', '1');";

static const char *const sql[ST_COUNT_ALL] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_PUT_MSG] = "INSERT OR IGNORE INTO messages(id, sender, sequence, type, topic, precedence,"
		       " classification, created, expires, received, envelope)"
		       " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
	[ST_HAS_MSG] = "SELECT 1 FROM messages WHERE id = ?",
	[ST_MAX_POS] = "SELECT COALESCE(MAX(pos), 0) FROM messages",
	/* reads the received index from t on only (narrow entries), never the
	 * history before t; NULL when nothing was received since t */
	[ST_POS_AT] = "SELECT MIN(pos) FROM messages INDEXED BY messages_received WHERE received >= ?",
	[ST_COUNT] = "SELECT COUNT(*) FROM messages",
	[ST_MAX_SEQUENCE] = "SELECT COALESCE(MAX(sequence), 0) FROM messages WHERE sender = ?",
	[ST_ADD_RCPT] = "INSERT INTO recipients(peer, lane, stream_seq, pos) VALUES (?,?,?,?)",
	/* positions of deleted messages' rows live on in stream_floor (retention) */
	[ST_MAX_STREAM] = "SELECT MAX(COALESCE((SELECT MAX(stream_seq) FROM recipients WHERE peer = ?1 AND lane = ?2), 0),"
			  " COALESCE((SELECT seq FROM stream_floor WHERE peer = ?1 AND lane = ?2), 0))",
	/* a row's pos is a stored message's, or minus a relay item's */
	[ST_OUTBOX] = "SELECT r.stream_seq, COALESCE(m.envelope, x.blob), r.dest, COALESCE(x.kind, 0)"
		      " FROM recipients r LEFT JOIN messages m ON m.pos = r.pos LEFT JOIN relay_items x ON x.rpos = -r.pos"
		      " WHERE r.peer = ? AND r.lane = ? AND r.stream_seq > ? AND r.state = 0"
		      " ORDER BY r.stream_seq LIMIT ?",
	/* INDEXED BY: without statistics SQLite would walk the primary key
	 * through every delivered row of the lane (the whole history) */
	[ST_FIRST_PENDING] = "SELECT MIN(stream_seq) FROM recipients INDEXED BY recipients_pending"
			     " WHERE peer = ? AND lane = ? AND state = 0",
	/* walks recipients_pending to the lane's first row: one indexed step */
	[ST_OLDEST_PENDING] = "SELECT m.received FROM recipients r INDEXED BY recipients_pending"
			      " JOIN messages m ON m.pos = r.pos"
			      " WHERE r.peer = ? AND r.lane = ? AND r.state = 0 ORDER BY r.stream_seq LIMIT 1",
	[ST_REQUEUE] = "UPDATE recipients SET state = 0 WHERE peer = ? AND lane = ? AND stream_seq > ? AND state = 2",
	/* INDEXED BY: without statistics SQLite walks the primary key through
	 * every row of the peer (the whole history) and tests pos IN (...) on
	 * each, once per receipt; the index on pos finds the row directly */
	[ST_SET_RCPT] = "UPDATE recipients INDEXED BY recipients_pos SET state = ?1, updated = ?2, receipt = COALESCE(?3, receipt)"
			" WHERE peer = ?4 AND pos IN (SELECT pos FROM messages WHERE id = ?5"
			" UNION ALL SELECT -rpos FROM relay_items WHERE id = ?5) AND state = 0",
	[ST_PUT_RECEIPT] = "INSERT INTO receipts(peer, received, signed) VALUES (?,?,?)",
	[ST_DROP_RECEIPT] = "DELETE FROM receipts WHERE id = ?",
	[ST_RCPTS] = "SELECT peer, lane, stream_seq, state, updated, dest FROM recipients WHERE pos = ?"
		     " ORDER BY peer, stream_seq",
	[ST_LANE_GET] = "SELECT mark FROM lanes_in WHERE sender = ? AND lane = ?",
	[ST_LANE_SET] = "INSERT INTO lanes_in(sender, lane, mark) VALUES (?,?,?)"
			" ON CONFLICT(sender, lane) DO UPDATE SET mark = excluded.mark",
	[ST_SUB_GET] = "SELECT client, cursor FROM subscriptions WHERE name = ?",
	[ST_SUB_PUT] = "INSERT INTO subscriptions(name, client, cursor) VALUES (?,?,?)"
		       " ON CONFLICT(name) DO UPDATE SET cursor = excluded.cursor",
	[ST_AUDIT_PUT] = "INSERT INTO audit(seq, at, kind, detail, hash) VALUES (?,?,?,?,?)",
	[ST_CAP_REF_PUT] = "INSERT OR IGNORE INTO cap_refs(sender, identifier, pos, origin, kind) VALUES (?,?,?,?,?)",
	[ST_RELAY_PUT] = "INSERT OR IGNORE INTO relay_items(id, origin, kind, received, expires, blob) VALUES (?,?,?,?,?,?)",
	[ST_RELAY_FIND] = "SELECT rpos FROM relay_items WHERE id = ?",
	[ST_ADD_HOP] = "INSERT INTO recipients(peer, lane, stream_seq, pos, dest) VALUES (?,?,?,?,?)",
	/* the item's rows stay (small): they hold the link positions used, which
	 * must never be handed out again (store_max_stream_seq) */
	[ST_RELAY_DROP] = "DELETE FROM relay_items WHERE rpos = ?1 AND NOT EXISTS"
			  " (SELECT 1 FROM recipients WHERE pos = -?1 AND state = 0)",
	[ST_MEMBER_PENDING] = "SELECT pos, stream_seq, state FROM recipients INDEXED BY recipients_pending"
			      " WHERE peer = ? AND lane = ? AND state = 0 AND stream_seq > ? ORDER BY stream_seq LIMIT ?",
	[ST_MEMBER_ROWS] = "SELECT pos, stream_seq, state FROM recipients"
			   " WHERE peer = ? AND lane = ? AND stream_seq > ? ORDER BY stream_seq LIMIT ?",
	[ST_HOP_WITHDRAW] = "UPDATE recipients SET state = 3, updated = ? WHERE pos = ? AND peer = ? AND dest = ? AND state = 0",
	[ST_HOP_WAITING] = "SELECT COUNT(*) FROM recipients WHERE pos = ? AND peer = ? AND state = 0",
	[ST_RELAY_COUNT] = "SELECT COUNT(*) FROM relay_items",
	[ST_HOP_DEST] = "SELECT r.dest FROM recipients r INDEXED BY recipients_pos WHERE r.peer = ?2 AND r.dest IS NOT NULL AND r.pos IN"
			" (SELECT pos FROM messages WHERE id = ?1 UNION ALL SELECT -rpos FROM relay_items WHERE id = ?1)",
	[ST_CAP_STATE] = "SELECT COALESCE(MAX(kind), 0) FROM cap_refs WHERE sender = ? AND identifier = ? AND origin = ?",
	/* retention (store_retention.c); ELIGIBLE is what every deletion needs */
#define ELIGIBLE                                                                                          \
	" AND m.pos < ?2 AND NOT EXISTS (SELECT 1 FROM recipients r WHERE r.pos = m.pos AND r.state = 0)" \
	" AND m.sequence < (SELECT MAX(x.sequence) FROM messages x WHERE x.sender = m.sender)"
	[ST_RET_SUB_FLOOR] = "SELECT MIN(cursor) FROM subscriptions",
	[ST_RET_EXPIRED] = "SELECT m.pos FROM messages m INDEXED BY messages_expires"
			   " WHERE m.expires > 0 AND m.expires < ?1" ELIGIBLE " ORDER BY m.expires LIMIT ?3",
	/* ?2 is at most the newest position minus one: "m.pos < ?2" then
	 * keeps the bound itself; the bound is inclusive here */
	[ST_RET_AGED] = "SELECT m.pos FROM messages m INDEXED BY messages_type"
			" WHERE m.type = ?1 AND m.pos <= ?2"
			" AND NOT EXISTS (SELECT 1 FROM recipients r WHERE r.pos = m.pos AND r.state = 0)"
			" AND m.sequence < (SELECT MAX(x.sequence) FROM messages x WHERE x.sender = m.sender)"
			" ORDER BY m.pos LIMIT ?3",
	[ST_RET_ENVELOPE] = "SELECT envelope FROM messages WHERE pos = ?",
	[ST_RET_RECEIPTS_OF] = "SELECT DISTINCT receipt FROM recipients WHERE pos = ? AND receipt IS NOT NULL",
	[ST_RET_FLOOR] = "INSERT INTO stream_floor(peer, lane, seq) SELECT peer, lane, stream_seq FROM recipients"
			 " WHERE pos = ?1 ON CONFLICT(peer, lane) DO UPDATE SET seq = MAX(seq, excluded.seq)",
	[ST_RET_DEL_RCPTS] = "DELETE FROM recipients WHERE pos = ?",
	[ST_RET_DEL_REJECTIONS] = "DELETE FROM rejections WHERE pos = ?",
	[ST_RET_DEL_CAP_REFS] = "DELETE FROM cap_refs WHERE pos = ?",
	[ST_RET_DEL_MSG] = "DELETE FROM messages WHERE pos = ?",
	/* a receipt goes with the last recipients row that refers to it */
	[ST_RET_DEL_RECEIPT] = "DELETE FROM receipts WHERE id = ?1"
			       " AND NOT EXISTS (SELECT 1 FROM recipients WHERE receipt = ?1)",
	[ST_RET_BUMP] = "INSERT INTO meta(key, value) VALUES (?1, ?2)"
			" ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + ?2",
	[ST_RET_COUNTS] = "SELECT key, CAST(value AS INTEGER) FROM meta"
			  " WHERE key IN ('deleted_expired', 'deleted_retention')",
#undef ELIGIBLE
};

int store_fail(struct store *s, const char *what)
{
	snprintf(s->err, sizeof(s->err), "%s: %s", what, sqlite3_errmsg(s->db));
	return -1;
}

const char *store_errmsg(const struct store *s)
{
	return s->err;
}

uint64_t store_size_bytes(struct store *s)
{
	const char *db = sqlite3_db_filename(s->db, "main");
	char wal[4096];
	struct stat st;
	uint64_t total = 0;
	if (!db || !db[0])
		return 0;
	if (stat(db, &st) == 0)
		total += (uint64_t)st.st_size;
	snprintf(wal, sizeof(wal), "%s-wal", db);
	if (stat(wal, &st) == 0)
		total += (uint64_t)st.st_size;
	return total;
}

sqlite3_stmt *store_stmt(struct store *s, enum store_stmt idx)
{
	if (!s->stmts[idx] &&
	    sqlite3_prepare_v3(s->db, sql[idx], -1, SQLITE_PREPARE_PERSISTENT, &s->stmts[idx], NULL) != SQLITE_OK) {
		store_fail(s, "prepare");
		return NULL;
	}
	sqlite3_reset(s->stmts[idx]);
	sqlite3_clear_bindings(s->stmts[idx]);
	return s->stmts[idx];
}

static int exec(struct store *s, const char *q)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, q, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(s->err, sizeof(s->err), "%s", msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

struct store *store_open(const char *dir, bool read_only, char *err, size_t errlen)
{
	char path[4096];
	struct stat st;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "data_dir %s: %s", dir, errno ? strerror(errno) : "not a directory");
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/liaison.db", dir);
	struct store *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->read_only = read_only;
	int flags = read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, s->db ? sqlite3_errmsg(s->db) : "cannot open");
		store_close(&s);
		return NULL;
	}
	sqlite3_busy_timeout(s->db, 5000);
	/* Pages stay at 4 KiB: 8 KiB pages would hold five sealed 1 KiB
	 * messages where 4 KiB hold two (1,640 instead of 2,050 bytes each),
	 * but every insert into the index on random message ids dirties a whole
	 * page, and that costs more than the packing saves once the store holds
	 * a few thousand messages; see docs/performance.md. */
	const char *setup = read_only ? "PRAGMA query_only = ON;"
				      : "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
					"PRAGMA foreign_keys = OFF; PRAGMA wal_autocheckpoint = 0;"
					"PRAGMA journal_size_limit = 67108864; PRAGMA cache_size = -16384;"
					"PRAGMA mmap_size = 268435456; PRAGMA temp_store = MEMORY;"
					/* what is deleted is overwritten, not only
					 * unlinked from the b-tree (store_retention.c) */
					"PRAGMA secure_delete = ON;";
	if (exec(s, setup) < 0 || store_schema_check(s, read_only) < 0 || (!read_only && exec(s, schema) < 0) ||
	    (!read_only && store_schema_upgrade(s) < 0) || store_audit_load_head(s) < 0) {
		snprintf(err, errlen, "%s: %s", path, s->err);
		store_close(&s);
		return NULL;
	}
	if (!read_only && !(s->checkpointer = checkpointer_start(path))) {
		snprintf(err, errlen, "%s: cannot start the checkpoint thread", path);
		store_close(&s);
		return NULL;
	}
	/* replaces SQLite's automatic checkpoint, which is off (wal_autocheckpoint = 0) */
	if (!read_only)
		sqlite3_wal_hook(s->db, store_wal_hook, s);
	return s;
}

void store_close(struct store **sp)
{
	struct store *s = *sp;
	if (!s)
		return;
	if (s->in_tx)
		store_rollback(s);
	checkpointer_stop(&s->checkpointer);
	for (int i = 0; i < ST_COUNT_ALL; i++)
		sqlite3_finalize(s->stmts[i]);
	sqlite3_close(s->db);
	free(s);
	*sp = NULL;
}

static int step_done(struct store *s, enum store_stmt idx, const char *what)
{
	sqlite3_stmt *st = store_stmt(s, idx);
	if (!st || sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, what);
	return 0;
}

int store_begin(struct store *s)
{
	if (s->in_tx)
		return 0;
	if (step_done(s, ST_BEGIN, "begin") < 0)
		return -1;
	s->in_tx = true;
	memcpy(s->audit_head_tx, s->audit_head, 32);
	s->audit_seq_tx = s->audit_seq;
	return 0;
}

void store_rollback(struct store *s)
{
	if (!s->in_tx)
		return;
	sqlite3_stmt *st = store_stmt(s, ST_ROLLBACK);
	if (st)
		sqlite3_step(st);
	s->in_tx = false;
	memcpy(s->audit_head, s->audit_head_tx, 32);
	s->audit_seq = s->audit_seq_tx;
}

/* A COMMIT whose fsync failed has still written its frames, commit frame
 * and checksums included, to the WAL file past the end of the WAL's index.
 * SQLite ignores them while this connection lives, but if the process dies
 * before another commit overwrites them, recovery on the next open reads
 * them back: a message whose client was told it was not stored would be
 * stored and sent after all. A small write of our own, at once, lands on
 * the same offset and breaks their checksum chain, so that only it can come
 * back. (If the write fails too, the fault has reached more than fsync and
 * nothing here can promise more.) */
static void store_bury_failed_commit(struct store *s)
{
	sqlite3_exec(s->db,
		     "INSERT OR REPLACE INTO meta(key, value) VALUES ('failed_commits',"
		     " COALESCE((SELECT value FROM meta WHERE key = 'failed_commits'), 0) + 1)",
		     NULL, NULL, NULL);
}

int store_commit(struct store *s)
{
	if (!s->in_tx)
		return 0;
	if (step_done(s, ST_COMMIT, "commit") < 0) {
		char keep[sizeof(s->err)];
		memcpy(keep, s->err, sizeof(keep));
		store_rollback(s);
		store_bury_failed_commit(s);
		memcpy(s->err, keep, sizeof(keep));
		return -1;
	}
	s->in_tx = false;
	return 0;
}

void store_release(struct store *s)
{
	for (int i = 0; i < ST_COUNT_ALL; i++)
		if (s->stmts[i])
			sqlite3_reset(s->stmts[i]);
}

void store_scrub_wal(struct store *s)
{
	checkpointer_scrub(s->checkpointer);
}

bool store_in_transaction(const struct store *s)
{
	return s->in_tx;
}

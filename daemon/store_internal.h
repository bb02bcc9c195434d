/* Internals shared by the store_*.c files. */
#ifndef LIAISOND_STORE_INTERNAL_H
#define LIAISOND_STORE_INTERNAL_H

#include <sqlite3.h>
#include "store.h"

enum store_stmt {
	ST_BEGIN, ST_COMMIT, ST_ROLLBACK,
	ST_PUT_MSG, ST_HAS_MSG, ST_MAX_POS, ST_POS_AT, ST_COUNT, ST_MAX_SEQUENCE,
	ST_ADD_RCPT, ST_MAX_STREAM, ST_OUTBOX, ST_FIRST_PENDING, ST_OLDEST_PENDING, ST_REQUEUE, ST_SET_RCPT,
	ST_PUT_RECEIPT, ST_DROP_RECEIPT, ST_RCPTS, ST_LANE_GET, ST_LANE_SET,
	ST_SUB_GET, ST_SUB_PUT, ST_AUDIT_PUT,
	ST_CAP_REF_PUT, ST_CAP_STATE,
	ST_RET_SUB_FLOOR, ST_RET_EXPIRED, ST_RET_AGED, ST_RET_ENVELOPE, ST_RET_RECEIPTS_OF, ST_RET_FLOOR, ST_RET_DEL_RCPTS,
	ST_RET_DEL_REJECTIONS, ST_RET_DEL_CAP_REFS, ST_RET_DEL_MSG, ST_RET_DEL_RECEIPT, ST_RET_BUMP, ST_RET_COUNTS,
	ST_RELAY_PUT, ST_RELAY_FIND, ST_ADD_HOP, ST_RELAY_DROP, ST_MEMBER_PENDING, ST_MEMBER_ROWS,
	ST_HOP_WITHDRAW, ST_HOP_WAITING, ST_RELAY_COUNT, ST_HOP_DEST,
	ST_COUNT_ALL
};

struct checkpointer;
struct checkpointer *checkpointer_start(const char *path);
void checkpointer_stop(struct checkpointer **c);
/* asks for a checkpoint now rather than at the next interval */
void checkpointer_kick(struct checkpointer *c);
/* store_checkpoint.c: calls checkpointer_kick once the WAL holds enough frames */
int store_wal_hook(void *store, sqlite3 *db, const char *name, int frames);
void checkpointer_scrub(struct checkpointer *c);

struct store {
	sqlite3 *db;
	struct checkpointer *checkpointer;
	bool read_only;
	bool in_tx;
	sqlite3_stmt *stmts[ST_COUNT_ALL];
	uint8_t audit_head[32];
	int64_t audit_seq;
	/* audit position to return to when a transaction is rolled back */
	uint8_t audit_head_tx[32];
	int64_t audit_seq_tx;
	char err[256];
};

/* The prepared statement idx (prepared once, reset before use); NULL on error. */
sqlite3_stmt *store_stmt(struct store *s, enum store_stmt idx);
int store_fail(struct store *s, const char *what); /* records the error, returns -1 */
int store_audit_load_head(struct store *s);
/* store_schema.c: the schema's version (PRAGMA user_version). Check refuses
 * a store newer than this code; upgrade brings an older one up to date. */
int store_schema_check(struct store *s, bool read_only);
int store_schema_upgrade(struct store *s);
void store_audit_hash_envelope(const uint8_t *env, size_t len, char hex[65]);
/* the detail of the audit record of the message stored at pos (store_audit.c) */
void store_audit_store_detail(int64_t pos, const char *sender, const uint8_t *env, size_t len, char *out,
			      size_t outlen);
/* store_retention.c: the digest a "retention" audit record gives, over
 * each deleted (position, envelope hash) in ascending order. */
#include <sodium.h>
void store_retention_digest_init(crypto_generichash_state *st);
void store_retention_digest_add(crypto_generichash_state *st, int64_t pos, const uint8_t envhash[32]);

#endif

/* The store schema's version, kept in PRAGMA user_version.
 *
 * Version 0 is a store made before the schema had a number; version 1 is
 * the schema of store_db.c before relaying; version 2 adds recipients.dest. A newer liaisond upgrades an older store at
 * start, each step in one transaction with the version it reaches, so a
 * crash mid-upgrade leaves the store at the version before it. An older
 * liaisond refuses a newer store rather than guess at what it holds. */
#include <stdio.h>
#include "store_internal.h"

#define STORE_SCHEMA_VERSION 2

/* Each step takes the store from version i to i + 1. Version 0 stores have
 * version 1's tables already (store_db.c creates what is missing); the step
 * only records the number. */
static const char *const upgrades[STORE_SCHEMA_VERSION] = {
	[0] = "",
	/* relaying: a row of recipients may be a hop that carries the message
	 * on toward members (dest names them); relay_items is created by
	 * store_db.c's schema on a store of any age */
	[1] = "ALTER TABLE recipients ADD COLUMN dest TEXT;",
};

static int user_version(struct store *s, int *out)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return store_fail(s, "schema version");
	}
	*out = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return 0;
}

int store_schema_check(struct store *s, bool read_only)
{
	(void)read_only;
	int v;
	if (user_version(s, &v) < 0)
		return -1;
	if (v > STORE_SCHEMA_VERSION) {
		snprintf(s->err, sizeof(s->err),
			 "store schema version %d is newer than this liaisond understands (%d)", v,
			 STORE_SCHEMA_VERSION);
		return -1;
	}
	return 0;
}

int store_schema_upgrade(struct store *s)
{
	int v;
	if (user_version(s, &v) < 0)
		return -1;
	for (; v < STORE_SCHEMA_VERSION; v++) {
		char q[4096];
		snprintf(q, sizeof(q), "BEGIN IMMEDIATE; %s PRAGMA user_version = %d; COMMIT;", upgrades[v], v + 1);
		char *msg = NULL;
		if (sqlite3_exec(s->db, q, NULL, NULL, &msg) != SQLITE_OK) {
			snprintf(s->err, sizeof(s->err), "upgrading the store from schema version %d: %s", v,
				 msg ? msg : sqlite3_errmsg(s->db));
			sqlite3_free(msg);
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
	}
	return 0;
}

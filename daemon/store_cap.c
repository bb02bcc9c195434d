/* CAP chains in the store: the warnings an Update or a Cancel refers to, by
 * CAP sender and identifier. A reference is kept whether or not its target
 * has arrived, so a target that comes later finds it (resolution at read
 * time, nothing to patch when it arrives). */
#include "store_cap.h"
#include "store_internal.h"

int store_cap_ref_put(struct store *s, int64_t pos, const char *origin, const char *sender,
		      const char *identifier, int kind)
{
	sqlite3_stmt *st = store_stmt(s, ST_CAP_REF_PUT);
	if (!st)
		return store_fail(s, "cap reference");
	sqlite3_bind_text(st, 1, sender, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, identifier, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, pos);
	sqlite3_bind_text(st, 4, origin, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, kind);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, "cap reference");
}

int store_cap_state(struct store *s, const char *origin, const char *sender, const char *identifier)
{
	sqlite3_stmt *st = store_stmt(s, ST_CAP_STATE);
	int kind;
	if (!st)
		return store_fail(s, "cap state");
	sqlite3_bind_text(st, 1, sender, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, identifier, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, origin, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return store_fail(s, "cap state");
	}
	kind = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return kind;
}

/* Stored messages: insert, query and lookup. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store_internal.h"
#include "labels.h"

int store_put_message(struct store *s, const Liaison__Header *h, const uint8_t *env, size_t env_len,
		      int64_t received, int64_t *pos_out)
{
	sqlite3_stmt *st = store_stmt(s, ST_PUT_MSG);
	if (!st)
		return -1;
	int cls = h->label ? (int)h->label->classification : 0;
	sqlite3_bind_blob(st, 1, h->id.data, (int)h->id.len, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, h->sender, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)h->sequence);
	sqlite3_bind_int(st, 4, (int)h->type);
	sqlite3_bind_text(st, 5, h->topic ? h->topic : "", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, (int)h->precedence);
	sqlite3_bind_int(st, 7, cls);
	sqlite3_bind_int64(st, 8, h->created);
	sqlite3_bind_int64(st, 9, h->expires);
	sqlite3_bind_int64(st, 10, received);
	sqlite3_bind_blob(st, 11, env, (int)env_len, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, "store message");
	if (sqlite3_changes(s->db) == 0)
		return 1;
	*pos_out = sqlite3_last_insert_rowid(s->db);

	char detail[256];
	store_audit_store_detail(*pos_out, h->sender, env, env_len, detail, sizeof(detail));
	return store_audit(s, "store", detail) < 0 ? -1 : 0;
}

bool store_has_message(struct store *s, const uint8_t id[16])
{
	sqlite3_stmt *st = store_stmt(s, ST_HAS_MSG);
	if (!st)
		return false;
	sqlite3_bind_blob(st, 1, id, 16, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_ROW;
}

static int64_t single_int(struct store *s, enum store_stmt idx, const char *text)
{
	sqlite3_stmt *st = store_stmt(s, idx);
	if (!st)
		return -1;
	if (text)
		sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		return store_fail(s, "query");
	return sqlite3_column_int64(st, 0);
}

int64_t store_max_pos(struct store *s) { return single_int(s, ST_MAX_POS, NULL); }
/* The position before the first message received at or after t: a cursor
 * from which a scan in store order sees every message received since t.
 * Costs the messages received since t, not the history before. */
int64_t store_pos_at(struct store *s, int64_t t)
{
	sqlite3_stmt *st = store_stmt(s, ST_POS_AT);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, t);
	if (sqlite3_step(st) != SQLITE_ROW)
		return store_fail(s, "query");
	if (sqlite3_column_type(st, 0) == SQLITE_NULL)
		return store_max_pos(s);
	return sqlite3_column_int64(st, 0) - 1;
}
uint64_t store_count(struct store *s) { return (uint64_t)single_int(s, ST_COUNT, NULL); }
uint64_t store_max_sequence(struct store *s, const char *sender)
{
	return (uint64_t)single_int(s, ST_MAX_SEQUENCE, sender);
}

#define MSG_COLUMNS "pos, id, sender, sequence, type, topic, precedence, classification, created, expires, received, envelope"

static void row_to_msg(sqlite3_stmt *st, struct stored_msg *m)
{
	m->pos = sqlite3_column_int64(st, 0);
	const void *id = sqlite3_column_blob(st, 1);
	memset(m->id, 0, 16);
	if (id && sqlite3_column_bytes(st, 1) == 16)
		memcpy(m->id, id, 16);
	m->sender = (const char *)sqlite3_column_text(st, 2);
	m->sequence = (uint64_t)sqlite3_column_int64(st, 3);
	m->type = sqlite3_column_int(st, 4);
	m->topic = (const char *)sqlite3_column_text(st, 5);
	m->precedence = sqlite3_column_int(st, 6);
	m->classification = sqlite3_column_int(st, 7);
	m->created = sqlite3_column_int64(st, 8);
	m->expires = sqlite3_column_int64(st, 9);
	m->received = sqlite3_column_int64(st, 10);
	m->envelope = sqlite3_column_blob(st, 11);
	m->envelope_len = (size_t)sqlite3_column_bytes(st, 11);
}

static int run_rows(struct store *s, sqlite3_stmt *st, store_msg_fn fn, void *ctx)
{
	int rc, n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct stored_msg m;
		row_to_msg(st, &m);
		n++;
		if (fn(ctx, &m) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, "query");
	return n;
}

int store_query(struct store *s, const struct store_filter *f, store_msg_fn fn, void *ctx)
{
	char where[256] = "pos > ?1", q[1024];
	if (f->type)
		strcat(where, " AND type = ?2");
	if (f->from && *f->from)
		strcat(where, " AND sender = ?3");
	if (f->topic_glob && *f->topic_glob)
		strcat(where, " AND topic GLOB ?4");
	if (f->since)
		strcat(where, " AND received >= ?5");
	/* Start the scan at the first message received since `since`, found
	 * through the received index: a query over the last hour reads that
	 * hour, not the whole history before it. */
	int64_t after = f->after;
	if (f->since) {
		int64_t from = store_pos_at(s, f->since);
		if (from < 0)
			return -1;
		if (from > after)
			after = from;
	}
	if (f->until)
		strcat(where, " AND received <= ?6");
	if (f->live_at)
		strcat(where, " AND (expires = 0 OR expires >= ?8)");
	if (f->newest)
		snprintf(q, sizeof(q), "SELECT * FROM (SELECT " MSG_COLUMNS " FROM messages WHERE %s"
			 " ORDER BY pos DESC LIMIT ?7) ORDER BY pos", where);
	else
		snprintf(q, sizeof(q), "SELECT " MSG_COLUMNS " FROM messages WHERE %s ORDER BY pos LIMIT ?7", where);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, q, -1, &st, NULL) != SQLITE_OK)
		return store_fail(s, "query");
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int(st, 2, f->type);
	sqlite3_bind_text(st, 3, f->from ? f->from : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, f->topic_glob ? f->topic_glob : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, f->since);
	sqlite3_bind_int64(st, 6, f->until);
	sqlite3_bind_int64(st, 7, f->limit ? (int64_t)f->limit : -1);
	sqlite3_bind_int64(st, 8, f->live_at);
	int n = run_rows(s, st, fn, ctx);
	sqlite3_finalize(st);
	return n;
}

int store_get_by_prefix(struct store *s, const uint8_t prefix[16], size_t ndigits, store_msg_fn fn, void *ctx)
{
	/* Range scan on the id index: [prefix, prefix with the remaining bits set]. */
	uint8_t lo[16], hi[16];
	memcpy(lo, prefix, 16);
	memcpy(hi, prefix, 16);
	for (size_t i = ndigits; i < 32; i++)
		hi[i / 2] |= (uint8_t)(i % 2 ? 0x0f : 0xf0);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT " MSG_COLUMNS " FROM messages WHERE id BETWEEN ? AND ? LIMIT 2", -1,
			       &st, NULL) != SQLITE_OK)
		return store_fail(s, "get");
	sqlite3_bind_blob(st, 1, lo, 16, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, hi, 16, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	int ret;
	if (rc == SQLITE_DONE) {
		ret = 0;
	} else if (rc != SQLITE_ROW) {
		ret = store_fail(s, "get");
	} else {
		struct stored_msg m;
		row_to_msg(st, &m);
		/* a second match makes the prefix ambiguous */
		struct stored_msg first = m;
		uint8_t *copy = malloc(m.envelope_len ? m.envelope_len : 1);
		char *sender = strdup(m.sender ? m.sender : ""), *topic = strdup(m.topic ? m.topic : "");
		if (!copy || !sender || !topic) {
			ret = -1;
		} else {
			memcpy(copy, m.envelope, m.envelope_len);
			first.envelope = copy;
			first.sender = sender;
			first.topic = topic;
			if (sqlite3_step(st) == SQLITE_ROW) {
				ret = 2;
			} else {
				fn(ctx, &first);
				ret = 1;
			}
		}
		free(copy);
		free(sender);
		free(topic);
	}
	sqlite3_finalize(st);
	return ret;
}

/* The indexed columns against the signed header they were copied from. */
int store_check_columns(const struct stored_msg *m, const Liaison__Header *h, char *why, size_t len)
{
	int cls = h->label ? (int)h->label->classification : 0;
	const char *topic = h->topic ? h->topic : "";
	if (memcmp(m->id, h->id.data, 16))
		snprintf(why, len, "id column differs from the signed header");
	else if (!m->sender || strcmp(m->sender, h->sender))
		snprintf(why, len, "sender column says '%.40s', the signed header '%s'", m->sender ? m->sender : "",
			 h->sender);
	else if (m->sequence != h->sequence)
		snprintf(why, len, "sequence column differs from the signed header");
	else if (m->type != (int)h->type)
		snprintf(why, len, "type column says %s, the signed header %s",
			 label_type_name((Liaison__MessageType)m->type), label_type_name(h->type));
	else if (!m->topic || strcmp(m->topic, topic))
		snprintf(why, len, "topic column differs from the signed header");
	else if (m->precedence != (int)h->precedence)
		snprintf(why, len, "precedence column says %s, the signed header %s",
			 label_precedence_name((Liaison__Precedence)m->precedence),
			 label_precedence_name(h->precedence));
	else if (m->classification != cls)
		snprintf(why, len, "classification column says %s, the signed header %s",
			 label_classification_name((Liaison__Classification)m->classification),
			 label_classification_name((Liaison__Classification)cls));
	else if (m->created != h->created)
		snprintf(why, len, "created column differs from the signed header");
	else if (m->expires != h->expires)
		snprintf(why, len, "expires column differs from the signed header");
	else
		return 0;
	return -1;
}

int store_get_at(struct store *s, int64_t pos, store_msg_fn fn, void *ctx)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT " MSG_COLUMNS " FROM messages WHERE pos = ?", -1, &st, NULL) != SQLITE_OK)
		return store_fail(s, "get");
	sqlite3_bind_int64(st, 1, pos);
	int rc = run_rows(s, st, fn, ctx);
	sqlite3_finalize(st);
	return rc;
}

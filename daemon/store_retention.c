/* Retention: deleting messages for good, a small chunk at a time.
 *
 * A message goes when its type's retention has passed since it was
 * received, or when it expired (its header's expires plus the allowed
 * clock skew is past). It stays, whatever its age, while
 *   - a peer still waits for it (a recipients row in state 0): it goes
 *     once delivered or rejected;
 *   - a durable subscription has not acknowledged it (its cursor is before
 *     it), unless it expired: subscriptions pass over expired messages;
 *   - it is the newest message in the store, or its sender's newest: store
 *     positions and a sender's sequence numbers are taken from those
 *     maxima, and must never be handed out twice.
 * With the message go its recipients rows, rejection reasons, CAP
 * references, and the signed receipts no remaining row refers to. The
 * stream positions its recipients rows held are kept in stream_floor:
 * a position on a link or in a member's stream is never handed out twice,
 * or the peer would take the new message for one it has (a duplicate).
 *
 * Each chunk appends one "retention" record to the audit chain in the same
 * transaction: the positions deleted and a digest over their envelope
 * hashes, so that the verifier can tell these deletions from a message that
 * vanished without one (store_audit.c). PRAGMA secure_delete (store_db.c)
 * overwrites the deleted cells and pages with zeros; freed pages go to the
 * freelist and new messages are written into them, so the file stops
 * growing once deletion keeps pace with arrivals (it does not shrink: no
 * VACUUM, which would rewrite the whole store in one transaction). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "store_internal.h"

static const char digest_prefix[] = "liaison-retention-v1";

static void be64(uint8_t out[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		out[i] = (uint8_t)v;
}

void store_retention_digest_init(crypto_generichash_state *st)
{
	crypto_generichash_init(st, NULL, 0, 32);
	crypto_generichash_update(st, (const uint8_t *)digest_prefix, sizeof(digest_prefix));
}

void store_retention_digest_add(crypto_generichash_state *st, int64_t pos, const uint8_t envhash[32])
{
	uint8_t num[8];
	be64(num, (uint64_t)pos);
	crypto_generichash_update(st, num, 8);
	crypto_generichash_update(st, envhash, 32);
}

/* The candidates of one chunk, ascending, each once. */
struct picks {
	int64_t *pos;
	bool *expired;
	uint32_t n, max;
};

static bool picked(const struct picks *p, int64_t pos)
{
	for (uint32_t i = 0; i < p->n; i++)
		if (p->pos[i] == pos)
			return true;
	return false;
}

static int pick(struct store *s, sqlite3_stmt *st, struct picks *p, bool expired)
{
	int rc = SQLITE_DONE;
	while (p->n < p->max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t pos = sqlite3_column_int64(st, 0);
		if (picked(p, pos))
			continue;
		p->expired[p->n] = expired;
		p->pos[p->n++] = pos;
	}
	if (p->n < p->max && rc != SQLITE_DONE)
		return store_fail(s, "retention");
	sqlite3_reset(st);
	return 0;
}

static int64_t one_int(struct store *s, enum store_stmt idx, int64_t dflt)
{
	sqlite3_stmt *st = store_stmt(s, idx);
	if (!st || sqlite3_step(st) != SQLITE_ROW)
		return store_fail(s, "retention");
	int64_t v = sqlite3_column_type(st, 0) == SQLITE_NULL ? dflt : sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return v;
}

static int exec_pos(struct store *s, enum store_stmt idx, int64_t pos)
{
	sqlite3_stmt *st = store_stmt(s, idx);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, pos);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, "retention delete");
	return 0;
}

/* Receipt ids the chunk's recipients rows referred to, each once. */
struct receipt_ids {
	int64_t *id;
	size_t n, cap;
};

static int receipt_add(struct receipt_ids *r, int64_t id)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->id[i] == id)
			return 0;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		int64_t *a = realloc(r->id, cap * sizeof(*a));
		if (!a)
			return -1;
		r->id = a;
		r->cap = cap;
	}
	r->id[r->n++] = id;
	return 0;
}

/* Deletes the message at pos and what hangs off it; its envelope's hash
 * into envhash. Receipt ids it referred to are added to rc. Returns 1
 * deleted, 0 gone already, -1 error. */
static int delete_one(struct store *s, int64_t pos, uint8_t envhash[32], struct receipt_ids *rc)
{
	sqlite3_stmt *st = store_stmt(s, ST_RET_ENVELOPE);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, pos);
	int r = sqlite3_step(st);
	if (r == SQLITE_DONE)
		return 0;
	if (r != SQLITE_ROW)
		return store_fail(s, "retention");
	crypto_generichash(envhash, 32, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), NULL, 0);
	sqlite3_reset(st);
	if (!(st = store_stmt(s, ST_RET_RECEIPTS_OF)))
		return -1;
	sqlite3_bind_int64(st, 1, pos);
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		if (receipt_add(rc, sqlite3_column_int64(st, 0)) < 0) {
			snprintf(s->err, sizeof(s->err), "retention: out of memory");
			return -1;
		}
	if (r != SQLITE_DONE)
		return store_fail(s, "retention");
	sqlite3_reset(st);
	if (exec_pos(s, ST_RET_FLOOR, pos) < 0 || exec_pos(s, ST_RET_DEL_RCPTS, pos) < 0 ||
	    exec_pos(s, ST_RET_DEL_REJECTIONS, pos) < 0 ||
	    exec_pos(s, ST_RET_DEL_CAP_REFS, pos) < 0 || exec_pos(s, ST_RET_DEL_MSG, pos) < 0)
		return -1;
	return 1;
}

/* "1-200,205,207-300": the positions, ascending, as runs. */
static int format_runs(const int64_t *pos, uint32_t n, char *out, size_t len)
{
	size_t used = 0;
	out[0] = '\0';
	for (uint32_t i = 0; i < n;) {
		uint32_t j = i;
		while (j + 1 < n && pos[j + 1] == pos[j] + 1)
			j++;
		int w = j > i ? snprintf(out + used, len - used, "%s%lld-%lld", i ? "," : "", (long long)pos[i],
					 (long long)pos[j])
			      : snprintf(out + used, len - used, "%s%lld", i ? "," : "", (long long)pos[i]);
		if (w < 0 || (size_t)w >= len - used)
			return -1;
		used += (size_t)w;
		i = j + 1;
	}
	return 0;
}

static int cmp_pos(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static int bump_meta(struct store *s, const char *key, uint32_t by)
{
	if (!by)
		return 0;
	sqlite3_stmt *st = store_stmt(s, ST_RET_BUMP);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, by);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, "retention");
	return 0;
}

int store_retention_chunk(struct store *s, const struct store_retention *r, struct store_deleted *out,
			  store_gone_fn gone, void *ctx)
{
	memset(out, 0, sizeof(*out));
	uint32_t max = r->max ? r->max : 1;
	struct picks p = { .pos = calloc(max, sizeof(int64_t)), .expired = calloc(max, sizeof(bool)), .max = max };
	struct receipt_ids receipts = { 0 };
	uint8_t (*hashes)[32] = calloc(max, 32);
	char *detail = NULL;
	int ret = -1;
	if (!p.pos || !p.expired || !hashes) {
		snprintf(s->err, sizeof(s->err), "retention: out of memory");
		goto out;
	}
	if (!s->in_tx) {
		snprintf(s->err, sizeof(s->err), "retention: no transaction open");
		goto out;
	}
	int64_t maxpos = one_int(s, ST_MAX_POS, 0);
	int64_t floor = one_int(s, ST_RET_SUB_FLOOR, INT64_MAX);
	if (maxpos < 0 || floor < 0)
		goto out;

	/* expired first: whatever the subscriptions' cursors */
	sqlite3_stmt *st = store_stmt(s, ST_RET_EXPIRED);
	if (!st)
		goto out;
	sqlite3_bind_int64(st, 1, r->now - r->clock_skew_ms);
	sqlite3_bind_int64(st, 2, maxpos);
	sqlite3_bind_int64(st, 3, max);
	if (pick(s, st, &p, true) < 0)
		goto out;
	for (int type = 1; type < STORE_TYPES && p.n < max; type++) {
		if (r->keep_ms[type] <= 0 || r->keep_ms[type] > r->now)
			continue;
		/* every position up to hi was received before the cutoff */
		int64_t hi = store_pos_at(s, r->now - r->keep_ms[type]);
		if (hi < 0)
			goto out;
		if (hi > floor)
			hi = floor;
		if (hi >= maxpos)
			hi = maxpos - 1;
		if (hi <= 0)
			continue;
		if (!(st = store_stmt(s, ST_RET_AGED)))
			goto out;
		sqlite3_bind_int(st, 1, type);
		sqlite3_bind_int64(st, 2, hi);
		sqlite3_bind_int64(st, 3, max - p.n);
		if (pick(s, st, &p, false) < 0)
			goto out;
	}
	if (p.n == 0) {
		ret = 0;
		goto out;
	}
	/* ascending, with the expired flags following their positions */
	int64_t *keyed = calloc(p.n, 2 * sizeof(int64_t));
	if (!keyed) {
		snprintf(s->err, sizeof(s->err), "retention: out of memory");
		goto out;
	}
	for (uint32_t i = 0; i < p.n; i++) {
		keyed[2 * i] = p.pos[i];
		keyed[2 * i + 1] = p.expired[i];
	}
	qsort(keyed, p.n, 2 * sizeof(int64_t), cmp_pos);
	uint32_t n = 0;
	for (uint32_t i = 0; i < p.n; i++) {
		int d = delete_one(s, keyed[2 * i], hashes[n], &receipts);
		if (d < 0) {
			free(keyed);
			goto out;
		}
		if (d == 0)
			continue;
		p.pos[n] = keyed[2 * i];
		if (keyed[2 * i + 1])
			out->expired++;
		else
			out->aged++;
		n++;
	}
	free(keyed);
	for (size_t i = 0; i < receipts.n; i++) {
		if (!(st = store_stmt(s, ST_RET_DEL_RECEIPT)))
			goto out;
		sqlite3_bind_int64(st, 1, receipts.id[i]);
		if (sqlite3_step(st) != SQLITE_DONE) {
			store_fail(s, "retention delete");
			goto out;
		}
		out->receipts += (uint32_t)sqlite3_changes(s->db);
	}
	if (n == 0) {
		ret = 0;
		goto out;
	}
	crypto_generichash_state dg;
	uint8_t digest[32];
	char hex[65];
	store_retention_digest_init(&dg);
	for (uint32_t i = 0; i < n; i++)
		store_retention_digest_add(&dg, p.pos[i], hashes[i]);
	crypto_generichash_final(&dg, digest, 32);
	sodium_bin2hex(hex, sizeof(hex), digest, 32);
	size_t len = 128 + (size_t)n * 44;
	if (!(detail = malloc(len))) {
		snprintf(s->err, sizeof(s->err), "retention: out of memory");
		goto out;
	}
	int w = snprintf(detail, len, "count=%u expired=%u aged=%u digest=%s positions=", n, out->expired, out->aged,
			 hex);
	if (w < 0 || format_runs(p.pos, n, detail + w, len - (size_t)w) < 0) {
		snprintf(s->err, sizeof(s->err), "retention: audit record too long");
		goto out;
	}
	if (store_audit(s, "retention", detail) < 0 || bump_meta(s, "deleted_expired", out->expired) < 0 ||
	    bump_meta(s, "deleted_retention", out->aged) < 0)
		goto out;
	out->first = p.pos[0];
	out->last = p.pos[n - 1];
	if (gone)
		for (uint32_t i = 0; i < n; i++)
			gone(ctx, p.pos[i]);
	ret = (int)n;
out:
	free(p.pos);
	free(p.expired);
	free(receipts.id);
	free(hashes);
	free(detail);
	return ret;
}

int store_deleted_counts(struct store *s, uint64_t *expired, uint64_t *aged)
{
	*expired = *aged = 0;
	sqlite3_stmt *st = store_stmt(s, ST_RET_COUNTS);
	if (!st)
		return -1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st, 0);
		uint64_t v = (uint64_t)sqlite3_column_int64(st, 1);
		if (key && !strcmp(key, "deleted_expired"))
			*expired = v;
		else if (key && !strcmp(key, "deleted_retention"))
			*aged = v;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, "retention");
}

/* The audit log: a hash chain in the store over every stored envelope and
 * administrative event.
 *
 * Record n's hash is BLAKE2b-256("liaison-audit-v1\0" || hash(n-1) || n ||
 * at || kind || "\0" || detail), with hash(0) all zero. A changed, removed or
 * reordered record breaks every later hash. Someone who can rewrite the
 * whole database can also rebuild the chain: the head hash is logged at
 * start and stop and shown by `liaison audit`, so an administrator who records it
 * elsewhere can detect that too. Stored envelopes are checked against their
 * records' envelope hashes.
 *
 * Deletion: a "retention" record (store_retention.c) lists the positions
 * of the messages it deleted and a digest over their envelope hashes. The
 * verifier accepts a message that is gone only when such a record lists it
 * and the digest matches the store records of everything it lists; a
 * message deleted without one, or a record listing a message still stored,
 * is a fault. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "store_internal.h"
#include "timefmt.h"
#include "envelope.h"
#include "error.h"

static const char prefix[] = "liaison-audit-v1";

static void be64(uint8_t out[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		out[i] = (uint8_t)v;
}

static void chain_hash(const uint8_t prev[32], int64_t seq, int64_t at, const char *kind, const char *detail,
		       uint8_t out[32])
{
	crypto_generichash_state st;
	uint8_t num[8];
	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const uint8_t *)prefix, sizeof(prefix));
	crypto_generichash_update(&st, prev, 32);
	be64(num, (uint64_t)seq);
	crypto_generichash_update(&st, num, 8);
	be64(num, (uint64_t)at);
	crypto_generichash_update(&st, num, 8);
	crypto_generichash_update(&st, (const uint8_t *)kind, strlen(kind) + 1);
	crypto_generichash_update(&st, (const uint8_t *)detail, strlen(detail));
	crypto_generichash_final(&st, out, 32);
}

void store_audit_hash_envelope(const uint8_t *env, size_t len, char hex[65])
{
	uint8_t h[32];
	crypto_generichash(h, 32, env, len, NULL, 0);
	sodium_bin2hex(hex, 65, h, 32);
}

int store_audit_load_head(struct store *s)
{
	sqlite3_stmt *st;
	memset(s->audit_head, 0, 32);
	s->audit_seq = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", -1, &st, NULL) !=
	    SQLITE_OK)
		return store_fail(s, "audit");
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 1) == 32) {
		s->audit_seq = sqlite3_column_int64(st, 0);
		memcpy(s->audit_head, sqlite3_column_blob(st, 1), 32);
	}
	sqlite3_finalize(st);
	return 0;
}

int64_t store_audit_head(const struct store *s, char hex[65])
{
	sodium_bin2hex(hex, 65, s->audit_head, 32);
	return s->audit_seq;
}

int store_audit(struct store *s, const char *kind, const char *detail)
{
	bool own_tx = !s->in_tx;
	if (own_tx && store_begin(s) < 0)
		return -1;
	int64_t seq = s->audit_seq + 1, at = time_now_ms();
	uint8_t h[32];
	chain_hash(s->audit_head, seq, at, kind, detail, h);
	sqlite3_stmt *st = store_stmt(s, ST_AUDIT_PUT);
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_int64(st, 2, at);
	sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, detail, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, h, 32, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		store_fail(s, "audit");
		goto fail;
	}
	s->audit_seq = seq;
	memcpy(s->audit_head, h, 32);
	if (own_tx && store_commit(s) < 0)
		return -1;
	return 0;
fail:
	if (own_tx)
		store_rollback(s);
	return -1;
}

int store_audit_envelope_hash(struct store *s, int64_t pos, char hex[65])
{
	/* No index serves this: it is the fallback for envelopes whose sender
	 * is no longer pinned, so a scan of the chain is acceptable. */
	char prefix[40];
	snprintf(prefix, sizeof(prefix), "pos=%lld ", (long long)pos);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT detail FROM audit WHERE kind = 'store' AND substr(detail, 1, length(?1)) = ?1"
			       " ORDER BY seq LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		return store_fail(s, "audit");
	sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st), ret = 0;
	if (rc == SQLITE_ROW) {
		const char *detail = (const char *)sqlite3_column_text(st, 0);
		const char *h = detail ? strstr(detail, " envelope=") : NULL;
		if (h && strlen(h + 10) == 64) {
			memcpy(hex, h + 10, 65);
			ret = 1;
		}
	} else if (rc != SQLITE_DONE) {
		ret = store_fail(s, "audit");
	}
	sqlite3_finalize(st);
	return ret;
}

struct envelope_check {
	const char *want; /* hex hash from the audit record */
	char why[200];    /* empty: it holds */
};

static int check_row(void *ctx, const struct stored_msg *m)
{
	struct envelope_check *c = ctx;
	char got[65];
	store_audit_hash_envelope(m->envelope, m->envelope_len, got);
	if (strcmp(got, c->want)) {
		snprintf(c->why, sizeof(c->why), "was altered");
		return 0;
	}
	/* the envelope is the one recorded; its indexed columns must say what
	 * its signed header says (a SECRET message must not read UNCLASSIFIED) */
	struct opened o;
	int rc = envelope_parse(m->envelope, m->envelope_len, (size_t)-1, &o);
	if (rc != LIAISON_OK)
		snprintf(c->why, sizeof(c->why), "cannot be parsed: %s", liaison_strerror(rc));
	else
		store_check_columns(m, o.header, c->why, sizeof(c->why)); /* why names a differing column */
	opened_clear(&o);
	return 0;
}

/* Checks that the envelope stored at pos hashes to the record's value and
 * that its columns match its header. Returns 0, -1 (a fault in err, or
 * err empty when the store could not be read), or 1 when the message is
 * not there: *pos_out and want (hex) then say which it was. */
static int check_envelope(struct store *s, const char *detail, char *err, size_t errlen, int64_t seq,
			  int64_t *pos_out, char want[65])
{
	long long pos;
	if (sscanf(detail, "pos=%lld id=%*s from=%*s envelope=%64s", &pos, want) != 2 || strlen(want) != 64) {
		snprintf(err, errlen, "audit record %lld: malformed store record", (long long)seq);
		return -1;
	}
	err[0] = '\0';
	struct envelope_check c = { .want = want };
	int rc = store_get_at(s, pos, check_row, &c);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		*pos_out = pos;
		return 1;
	}
	if (c.why[0]) {
		snprintf(err, errlen, "audit record %lld: stored message %lld %s", (long long)seq, pos, c.why);
		return -1;
	}
	return 0;
}

/* Messages whose store record the walk met but which are not in the store,
 * ascending by position (records come in store order): each must be
 * covered by a later "retention" record, or it vanished. */
struct missing_msg {
	int64_t pos, seq;
	uint8_t hash[32];
	bool covered;
};
struct missing {
	struct missing_msg *m;
	size_t n, cap;
	int64_t deleted; /* the retention records' counts, summed */
};

static int missing_add(struct missing *ms, int64_t pos, int64_t seq, const char *hex)
{
	if (ms->n == ms->cap) {
		size_t cap = ms->cap ? ms->cap * 2 : 256;
		struct missing_msg *m = realloc(ms->m, cap * sizeof(*m));
		if (!m)
			return -1;
		ms->m = m;
		ms->cap = cap;
	}
	struct missing_msg *e = &ms->m[ms->n++];
	e->pos = pos;
	e->seq = seq;
	e->covered = false;
	if (sodium_hex2bin(e->hash, 32, hex, 64, NULL, NULL, NULL) != 0)
		memset(e->hash, 0, 32);
	return 0;
}

static struct missing_msg *missing_find(struct missing *ms, int64_t pos)
{
	size_t lo = 0, hi = ms->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ms->m[mid].pos < pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ms->n && ms->m[lo].pos == pos ? &ms->m[lo] : NULL;
}

/* A "retention" record: "count=N expired=E aged=A digest=HEX
 * positions=RUNS". Every position it lists must be a message whose store
 * record came before and which is gone, deleted once, and the digest over
 * their (position, envelope hash) must be the record's: then the chain
 * vouches for exactly these deletions and no other. Writes a fault into
 * err and returns -1, or 0. */
static int check_retention(struct missing *ms, const char *detail, int64_t seq, char *err, size_t errlen)
{
	unsigned count, expired, aged;
	char want[65];
	int at = 0;
	if (sscanf(detail, "count=%u expired=%u aged=%u digest=%64s positions=%n", &count, &expired, &aged, want,
		   &at) != 4 || at == 0 || strlen(want) != 64) {
		snprintf(err, errlen, "audit record %lld: malformed retention record", (long long)seq);
		return -1;
	}
	crypto_generichash_state dg;
	store_retention_digest_init(&dg);
	const char *p = detail + at;
	unsigned listed = 0;
	while (*p) {
		char *end;
		long long a = strtoll(p, &end, 10), b = a;
		if (end == p)
			break;
		p = end;
		if (*p == '-') {
			b = strtoll(p + 1, &end, 10);
			if (end == p + 1)
				break;
			p = end;
		}
		if (b < a || b - a > (long long)count) {
			snprintf(err, errlen, "audit record %lld: malformed retention record", (long long)seq);
			return -1;
		}
		for (long long pos = a; pos <= b; pos++, listed++) {
			struct missing_msg *m = missing_find(ms, pos);
			if (!m) {
				snprintf(err, errlen,
					 "audit record %lld: retention deleted message %lld, but it is still stored or was never recorded",
					 (long long)seq, pos);
				return -1;
			}
			if (m->covered) {
				snprintf(err, errlen, "audit record %lld: message %lld deleted twice", (long long)seq, pos);
				return -1;
			}
			m->covered = true;
			store_retention_digest_add(&dg, pos, m->hash);
		}
		if (*p == ',')
			p++;
	}
	uint8_t got[32], exp[32];
	crypto_generichash_final(&dg, got, 32);
	if (*p || listed != count || sodium_hex2bin(exp, 32, want, 64, NULL, NULL, NULL) != 0) {
		snprintf(err, errlen, "audit record %lld: malformed retention record", (long long)seq);
		return -1;
	}
	if (sodium_memcmp(got, exp, 32)) {
		snprintf(err, errlen,
			 "audit record %lld: retention digest does not match the deleted messages' store records",
			 (long long)seq);
		return -1;
	}
	ms->deleted += count;
	return 0;
}

/* One fault found: to the caller's function, and the first into err. */
struct faults {
	store_audit_fault_fn fn;
	void *ctx;
	char *err;
	size_t errlen;
	int64_t count;
};

static void fault(struct faults *f, const char *line)
{
	if (f->count++ == 0)
		snprintf(f->err, f->errlen, "%s", line);
	if (f->fn)
		f->fn(f->ctx, line);
}

int64_t store_audit_verify(struct store *s, store_audit_fault_fn fn, void *ctx, char *err, size_t errlen,
			   uint8_t head[32])
{
	struct faults f = { fn, ctx, err, errlen, 0 };
	struct missing ms = { 0 };
	char line[512];
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT seq, at, kind, detail, hash FROM audit ORDER BY seq", -1, &st, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "audit: %s", sqlite3_errmsg(s->db));
		return -1;
	}
	uint8_t prev[32] = { 0 }, h[32];
	int64_t n = 0, last = 0, ret = -1;
	int rc;
	/* Every bad record is reported, not only the first: after one, the
	 * check goes on from that record's stored hash, so a single altered
	 * record is named once and the records after it are still checked. */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t seq = sqlite3_column_int64(st, 0), at = sqlite3_column_int64(st, 1);
		const char *kind = (const char *)sqlite3_column_text(st, 2);
		const char *detail = (const char *)sqlite3_column_text(st, 3);
		bool stored_ok = sqlite3_column_bytes(st, 4) == 32;
		bool after_gap = seq != last + 1;
		if (after_gap) {
			if (seq == last + 2)
				snprintf(line, sizeof(line), "audit record %lld missing (found %lld)", (long long)(last + 1),
					 (long long)seq);
			else
				snprintf(line, sizeof(line), "audit records %lld to %lld missing (found %lld)",
					 (long long)(last + 1), (long long)(seq - 1), (long long)seq);
			fault(&f, line);
		}
		chain_hash(prev, seq, at, kind ? kind : "", detail ? detail : "", h);
		/* right after a gap the predecessor is gone: this record cannot be checked */
		if (!after_gap && (!stored_ok || sodium_memcmp(h, sqlite3_column_blob(st, 4), 32))) {
			snprintf(line, sizeof(line), "audit record %lld: hash chain broken", (long long)seq);
			fault(&f, line);
		}
		if (kind && !strcmp(kind, "store")) {
			int64_t pos;
			char want[65];
			int ce = check_envelope(s, detail ? detail : "", line, sizeof(line), seq, &pos, want);
			if (ce < 0 && !line[0]) { /* the store could not be read */
				snprintf(err, errlen, "audit: %s", store_errmsg(s));
				goto out;
			}
			if (ce < 0)
				fault(&f, line);
			if (ce == 1 && missing_add(&ms, pos, seq, want) < 0) {
				snprintf(err, errlen, "audit: out of memory");
				goto out;
			}
		}
		if (kind && !strcmp(kind, "retention") &&
		    check_retention(&ms, detail ? detail : "", seq, line, sizeof(line)) < 0)
			fault(&f, line);
		if (stored_ok)
			memcpy(prev, sqlite3_column_blob(st, 4), 32);
		else
			memcpy(prev, h, 32);
		last = seq;
		n++;
	}
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "audit: %s", sqlite3_errmsg(s->db));
		goto out;
	}
	/* a message gone without a retention record covering it vanished */
	for (size_t i = 0; i < ms.n; i++)
		if (!ms.m[i].covered) {
			snprintf(line, sizeof(line), "audit record %lld: stored message %lld is missing",
				 (long long)ms.m[i].seq, (long long)ms.m[i].pos);
			fault(&f, line);
		}
	/* every stored message must have its record */
	sqlite3_finalize(st);
	st = NULL;
	int64_t stored = (int64_t)store_count(s) + ms.deleted, recorded = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT COUNT(*) FROM audit WHERE kind = 'store'", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		recorded = sqlite3_column_int64(st, 0);
	if (stored != recorded) {
		snprintf(line, sizeof(line), "%lld stored messages but %lld audit records of them", (long long)stored,
			 (long long)recorded);
		fault(&f, line);
	}
	if (f.count) {
		if (f.count > 1) {
			snprintf(line, sizeof(line), "%lld faults, the first: %s", (long long)f.count, err);
			snprintf(err, errlen, "%s", line);
		}
		goto out;
	}
	memcpy(head, prev, 32);
	ret = n;
out:
	free(ms.m);
	sqlite3_finalize(st);
	return ret;
}

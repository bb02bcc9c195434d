/* Retention's cost: fills a store with N delivered 1 KiB SITREPs (each with
 * a recipients row and, every 128, a signed receipt) received two days
 * ago, then deletes them with a one-day retention the way the node does,
 * one chunk of RETENTION_CHUNK per transaction, each chunk followed by a
 * group commit of 128 new messages (traffic going on meanwhile). Times
 * every chunk (begin, delete, commit: what a loop turn waits for) and every
 * insert commit.
 *
 * usage: retention DIR N
 * prints: deleted seconds msgs_per_s chunk_p50_ms chunk_p99_ms chunk_max_ms
 *         insert_p50_ms insert_max_ms db_bytes_before db_bytes_after free_pages */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <sodium.h>
#include <sqlite3.h>
#include "store.h"
#include "retention.h"

#define ENV_LEN 1450
#define BATCH 128

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int put(struct store *s, uint64_t seq, int64_t received, int64_t receipt)
{
	static uint8_t env[ENV_LEN];
	uint8_t id[16];
	randombytes_buf(id, 16);
	randombytes_buf(env, sizeof(env));
	Liaison__Header h = LIAISON__HEADER__INIT;
	h.id.data = id;
	h.id.len = 16;
	h.sender = "alpha";
	h.sequence = seq;
	h.type = 1;
	h.topic = "area/1";
	h.precedence = 4;
	h.created = received;
	int64_t pos;
	if (store_put_message(s, &h, env, sizeof(env), received, &pos) != 0 ||
	    store_add_recipient(s, pos, "bravo", 3, seq) < 0)
		return -1;
	return receipt ? store_set_recipient_state(s, id, "bravo", RCPT_DELIVERED, received, receipt) : 0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static long long file_size(const char *dir)
{
	char p[4096];
	struct stat st;
	snprintf(p, sizeof(p), "%s/liaison.db", dir);
	return stat(p, &st) == 0 ? (long long)st.st_size : -1;
}

int main(int argc, char **argv)
{
	if (argc != 3 || sodium_init() < 0) {
		fprintf(stderr, "usage: retention DIR N\n");
		return 2;
	}
	const char *dir = argv[1];
	uint64_t n = strtoull(argv[2], NULL, 10);
	char err[256];
	struct store *s = store_open(dir, false, err, sizeof(err));
	if (!s) {
		fprintf(stderr, "retention: %s\n", err);
		return 1;
	}
	int64_t old = wall_ms() - 2 * 86400000LL, receipt = 0;
	static const uint8_t blob[200];
	for (uint64_t i = 1; i <= n; i++) {
		if ((i - 1) % 10000 == 0 && store_begin(s) < 0)
			goto fail;
		if ((i - 1) % BATCH == 0 && (receipt = store_put_receipt(s, "bravo", old, blob, sizeof(blob))) < 0)
			goto fail;
		if (put(s, i, old + (int64_t)i, receipt) < 0)
			goto fail;
		if ((i % 10000 == 0 || i == n) && store_commit(s) < 0)
			goto fail;
	}
	store_close(&s);
	long long before = file_size(dir);
	if (!(s = store_open(dir, false, err, sizeof(err)))) {
		fprintf(stderr, "retention: %s\n", err);
		return 1;
	}
	struct store_retention r = { .max = RETENTION_CHUNK, .clock_skew_ms = 15 * 60000 };
	r.keep_ms[1] = 86400000LL;
	size_t cap = n / RETENTION_CHUNK + 16, nc = 0, ni = 0;
	double *chunk = calloc(cap, sizeof(double)), *ins = calloc(cap, sizeof(double));
	uint64_t deleted = 0, seq = n;
	double start = now_ms();
	while (chunk && ins && nc < cap) {
		r.now = wall_ms();
		struct store_deleted d;
		double t0 = now_ms();
		if (store_begin(s) < 0)
			goto fail;
		int rc = store_retention_chunk(s, &r, &d, NULL, NULL);
		if (rc < 0 || store_commit(s) < 0)
			goto fail;
		chunk[nc++] = now_ms() - t0;
		deleted += (uint64_t)rc;
		if (rc < RETENTION_CHUNK)
			break;
		/* the traffic between two chunks: one group commit */
		t0 = now_ms();
		if (store_begin(s) < 0)
			goto fail;
		for (int i = 0; i < BATCH; i++)
			if (put(s, ++seq, wall_ms(), 0) < 0)
				goto fail;
		if (store_commit(s) < 0)
			goto fail;
		ins[ni++] = now_ms() - t0;
	}
	double secs = (now_ms() - start) / 1000;
	double chunk_only = 0;
	for (size_t i = 0; i < nc; i++)
		chunk_only += chunk[i];
	store_close(&s);
	qsort(chunk, nc, sizeof(double), cmp);
	qsort(ins, ni, sizeof(double), cmp);
	sqlite3 *db;
	char path[4096];
	snprintf(path, sizeof(path), "%s/liaison.db", dir);
	long long free_pages = -1;
	sqlite3_stmt *st;
	if (sqlite3_open(path, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "PRAGMA freelist_count", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			free_pages = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	printf("%llu %.1f %.0f %.2f %.2f %.2f %.2f %.2f %lld %lld %lld\n", (unsigned long long)deleted, secs,
	       chunk_only > 0 ? (double)deleted / (chunk_only / 1000) : 0, nc ? chunk[nc / 2] : 0,
	       nc ? chunk[nc * 99 / 100] : 0, nc ? chunk[nc - 1] : 0, ni ? ins[ni / 2] : 0, ni ? ins[ni - 1] : 0,
	       before, file_size(dir), free_pages);
	free(chunk);
	free(ins);
	return 0;
fail:
	fprintf(stderr, "retention: %s\n", store_errmsg(s));
	return 1;
}

/* Store cost as the history grows: fills a store with N messages through
 * the store interface (daemon/store.h) in large transactions, then times,
 * on that store, opening it and loading what a node loads at start, a
 * query for a topic over the last hour, a get by id, and the durable
 * insert of more messages in group commits of 128; prints them with the
 * store's bytes per message.
 *
 * usage: history DIR N
 * prints: N open_ms query_ms get_ms insert_msgs_per_s bytes_per_msg
 *         written_per_insert (bytes written to disk per inserted message,
 *         WAL and checkpoint, from /proc/self/io) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include "store.h"

#define ENV_LEN 1450  /* a sealed 1 KiB SITREP */
#define TOPICS 64     /* the history's messages spread over 64 topics */
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

/* Stores message `seq`, received at `received`, with a random id and
 * envelope; keeps its id in last_id. */
static int put(struct store *s, uint64_t seq, int64_t received, uint8_t last_id[16])
{
	static uint8_t env[ENV_LEN];
	char topic[32];
	randombytes_buf(last_id, 16);
	randombytes_buf(env, 64); /* the rest of the envelope: same bytes, incompressible enough */
	snprintf(topic, sizeof(topic), "area/%u", (unsigned)(seq % TOPICS));
	Liaison__Header h = LIAISON__HEADER__INIT;
	h.id.data = last_id;
	h.id.len = 16;
	h.sender = "alpha";
	h.sequence = seq;
	h.type = 1;
	h.topic = topic;
	h.precedence = 4;
	h.created = received;
	h.expires = received + 86400000LL * 365;
	int64_t pos;
	if (store_put_message(s, &h, env, sizeof(env), received, &pos) != 0)
		return -1;
	return store_add_recipient(s, pos, "bravo", 3, seq);
}

/* Bytes this process has caused to be written to storage so far. */
static unsigned long long written(void)
{
	unsigned long long v = 0;
	char line[128];
	FILE *f = fopen("/proc/self/io", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "write_bytes: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

static int count_fn(void *ctx, const struct stored_msg *m)
{
	(void)m;
	(*(int *)ctx)++;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3 || sodium_init() < 0) {
		fprintf(stderr, "usage: history DIR N\n");
		return 2;
	}
	const char *dir = argv[1];
	uint64_t n = strtoull(argv[2], NULL, 10);
	char err[256];
	struct store *s = store_open(dir, false, err, sizeof(err));
	if (!s) {
		fprintf(stderr, "history: %s\n", err);
		return 1;
	}
	/* The history: spread over the last 30 days, oldest first, in
	 * transactions of 20,000 (a bulk load, not what a node does). */
	int64_t now = wall_ms(), span = 30LL * 86400000;
	uint8_t id[16], probe[16];
	memset(probe, 0, sizeof(probe));
	for (uint64_t i = 1; i <= n; i++) {
		if ((i - 1) % 20000 == 0 && store_begin(s) < 0)
			goto fail;
		if (put(s, i, now - span + (int64_t)((double)span * (double)i / (double)n) - 3600000, id) < 0)
			goto fail;
		if (i == n / 2)
			memcpy(probe, id, 16);
		if ((i % 20000 == 0 || i == n) && store_commit(s) < 0)
			goto fail;
	}
	store_close(&s);

	/* start-up: open and load what node_load_streams loads */
	double t0 = now_ms();
	s = store_open(dir, false, err, sizeof(err));
	if (!s)
		goto fail_open;
	for (int lane = 0; lane < LANES; lane++) {
		store_max_stream_seq(s, "bravo", lane);
		store_lane_mark(s, "bravo", lane);
		store_first_pending(s, "bravo", lane);
	}
	store_max_sequence(s, "alpha");
	store_max_pos(s);
	double open_ms = now_ms() - t0;

	/* insert: 20 group commits of 128, the last hour's traffic */
	unsigned long long w0 = written();
	t0 = now_ms();
	uint64_t seq = n;
	for (int c = 0; c < 20; c++) {
		if (store_begin(s) < 0)
			goto fail;
		for (int i = 0; i < BATCH; i++)
			if (put(s, ++seq, wall_ms(), id) < 0)
				goto fail;
		if (store_commit(s) < 0)
			goto fail;
	}
	double rate = 20.0 * BATCH / ((now_ms() - t0) / 1e3);
	store_release(s);
	/* the checkpoint thread copies them into the database within a second */
	struct timespec pause = { 1, 500000000 };
	nanosleep(&pause, NULL);
	double per_insert = (double)(written() - w0) / (20.0 * BATCH);

	/* query --topic area/7 --since 1h: median of 5 */
	double q[5], g[5];
	for (int r = 0; r < 5; r++) {
		int got = 0;
		struct store_filter f = { .topic_glob = "area/7", .since = wall_ms() - 3600000, .limit = 100 };
		t0 = now_ms();
		if (store_query(s, &f, count_fn, &got) < 0)
			goto fail;
		q[r] = now_ms() - t0;
		got = 0;
		t0 = now_ms();
		if (store_get_by_prefix(s, probe, 32, count_fn, &got) != 1)
			goto fail;
		g[r] = now_ms() - t0;
		store_release(s);
	}
	for (int i = 0; i < 5; i++)
		for (int j = i + 1; j < 5; j++) {
			if (q[j] < q[i]) { double x = q[i]; q[i] = q[j]; q[j] = x; }
			if (g[j] < g[i]) { double x = g[i]; g[i] = g[j]; g[j] = x; }
		}
	uint64_t bytes = store_size_bytes(s);
	printf("%llu %.3f %.3f %.3f %.0f %.0f %.0f\n", (unsigned long long)n, open_ms, q[2], g[2], rate,
	       (double)bytes / (double)seq, per_insert);
	store_close(&s);
	return 0;
fail:
	fprintf(stderr, "history: %s\n", store_errmsg(s));
	store_close(&s);
	return 1;
fail_open:
	fprintf(stderr, "history: %s\n", err);
	return 1;
}

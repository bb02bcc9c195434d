/* This machine's limits, measured in the same run as the benchmark:
 * Ed25519 sign and verify rates on one core over 600-byte messages, the
 * fsync'd SQLite commit rate (WAL, synchronous=FULL, one small insert per
 * commit), and the rows per second of fsync'd group commits shaped like a
 * node's (128 rows of 1.6 KiB, each under a random 16-byte unique key), in a
 * folder on the filesystem the nodes use.
 *
 *   limits DIR      prints "sign/s verify/s commits/s grouped-rows/s" */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include <sqlite3.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double sign_rate(const unsigned char *sk, const unsigned char *msg, size_t len, unsigned char *sig)
{
	double t0 = now_s(), t;
	unsigned long n = 0;
	do {
		for (int i = 0; i < 100; i++, n++)
			crypto_sign_detached(sig, NULL, msg, len, sk);
	} while ((t = now_s() - t0) < 1.0);
	return (double)n / t;
}

static double verify_rate(const unsigned char *pk, const unsigned char *msg, size_t len, const unsigned char *sig)
{
	double t0 = now_s(), t;
	unsigned long n = 0;
	do {
		for (int i = 0; i < 100; i++, n++)
			if (crypto_sign_verify_detached(sig, msg, len, pk) != 0)
				return -1;
	} while ((t = now_s() - t0) < 1.0);
	return (double)n / t;
}

/* Rows per second through fsync'd commits of `rows` rows of `len` bytes,
 * each row under a random 16-byte unique key (as message ids are). */
static double commit_rate(const char *dir, int rows, size_t len)
{
	char path[4096];
	sqlite3 *db = NULL;
	sqlite3_stmt *ins = NULL;
	double rate = -1;
	unsigned char blob[2048], key[16];
	snprintf(path, sizeof(path), "%s/limits.db", dir);
	if (len > sizeof(blob) ||
	    sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			     "CREATE TABLE t (id INTEGER PRIMARY KEY, k BLOB UNIQUE, v BLOB);", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO t (k, v) VALUES (?, ?)", -1, &ins, NULL) != SQLITE_OK)
		goto out;
	randombytes_buf(blob, sizeof(blob));
	double t0 = now_s(), t;
	unsigned long n = 0;
	do {
		if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
			goto out;
		for (int r = 0; r < rows; r++, n++) {
			randombytes_buf(key, sizeof(key));
			sqlite3_bind_blob(ins, 1, key, sizeof(key), SQLITE_STATIC);
			sqlite3_bind_blob(ins, 2, blob, (int)len, SQLITE_STATIC);
			if (sqlite3_step(ins) != SQLITE_DONE)
				goto out;
			sqlite3_reset(ins);
		}
		if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			goto out;
	} while ((t = now_s() - t0) < 1.5);
	rate = (double)n / t;
out:
	if (rate < 0)
		fprintf(stderr, "limits: sqlite in %s: %s\n", dir, db ? sqlite3_errmsg(db) : "cannot open");
	sqlite3_finalize(ins);
	sqlite3_close(db);
	remove(path);
	snprintf(path, sizeof(path), "%s/limits.db-wal", dir);
	remove(path);
	snprintf(path, sizeof(path), "%s/limits.db-shm", dir);
	remove(path);
	return rate;
}

int main(int argc, char **argv)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sig[crypto_sign_BYTES], msg[600];
	unsigned char *sk;
	if (argc != 2) {
		fprintf(stderr, "usage: limits DIR\n");
		return 64;
	}
	if (sodium_init() < 0 || !(sk = sodium_malloc(crypto_sign_SECRETKEYBYTES)))
		return 1;
	crypto_sign_keypair(pk, sk);
	randombytes_buf(msg, sizeof(msg));
	double s = sign_rate(sk, msg, sizeof(msg), sig);
	double v = verify_rate(pk, msg, sizeof(msg), sig);
	sodium_free(sk);
	double c = commit_rate(argv[1], 1, 64);
	double g = commit_rate(argv[1], 128, 1600);
	if (v < 0 || c < 0 || g < 0)
		return 1;
	printf("%.0f %.0f %.0f %.0f\n", s, v, c, g);
	return 0;
}

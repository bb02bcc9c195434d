/* Online backup of the store with SQLite's backup API, on a thread of its
 * own with its own read-only connection.
 *
 * Consistency: the copy is made in one sqlite3_backup_step(-1), inside one
 * read transaction of that connection. In WAL mode a reader sees one
 * committed snapshot and never blocks the writer, so the node's loop keeps
 * committing while the copy runs, and the copy holds exactly the store as
 * of one commit: every acknowledged message up to it, and an audit chain
 * that verifies. (Stepping in pieces from a separate connection would
 * restart the copy at every commit of the loop.) The file is created with
 * O_EXCL, mode 0600, and fsynced before the job reports success. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>
#include "store_backup.h"

struct store_backup {
	char src[4096], dst[4096];
	pthread_t thread;
	atomic_bool done;
	int rc;
	int64_t pages;
	char err[512];
};

static void *run(void *arg)
{
	struct store_backup *b = arg;
	sqlite3 *src = NULL, *dst = NULL;
	int rc = sqlite3_open_v2(b->src, &src, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_open_v2(b->dst, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(b->err, sizeof(b->err), "%s", sqlite3_errmsg(dst ? dst : src));
		goto out;
	}
	sqlite3_busy_timeout(src, 5000);
	sqlite3_backup *bk = sqlite3_backup_init(dst, "main", src, "main");
	if (!bk) {
		snprintf(b->err, sizeof(b->err), "%s", sqlite3_errmsg(dst));
		rc = SQLITE_ERROR;
		goto out;
	}
	do {
		rc = sqlite3_backup_step(bk, -1);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(20);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	b->pages = sqlite3_backup_pagecount(bk);
	sqlite3_backup_finish(bk);
	if (rc != SQLITE_DONE) {
		snprintf(b->err, sizeof(b->err), "%s", sqlite3_errstr(rc));
		goto out;
	}
	rc = SQLITE_OK;
out:
	sqlite3_close(src);
	sqlite3_close(dst);
	if (rc == SQLITE_OK) { /* the copy is durable before anyone is told it exists */
		int fd = open(b->dst, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fsync(fd) < 0) {
			snprintf(b->err, sizeof(b->err), "fsync: %s", strerror(errno));
			rc = SQLITE_IOERR;
		}
		if (fd >= 0)
			close(fd);
	}
	if (rc != SQLITE_OK)
		unlink(b->dst);
	b->rc = rc == SQLITE_OK ? 0 : -1;
	atomic_store(&b->done, true);
	return NULL;
}

struct store_backup *store_backup_start(const char *data_dir, const char *dest, char *err, size_t errlen)
{
	if (dest[0] != '/') {
		snprintf(err, errlen, "backup path %s is not absolute (the node writes it on its own host)", dest);
		return NULL;
	}
	struct store_backup *b = calloc(1, sizeof(*b));
	if (!b) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(b->src, sizeof(b->src), "%s/liaison.db", data_dir);
	snprintf(b->dst, sizeof(b->dst), "%s", dest);
	int fd = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", dest, strerror(errno));
		free(b);
		return NULL;
	}
	close(fd);
	if (pthread_create(&b->thread, NULL, run, b) != 0) {
		snprintf(err, errlen, "cannot start the backup thread");
		unlink(dest);
		free(b);
		return NULL;
	}
	return b;
}

int store_backup_poll(struct store_backup **bp, int64_t *pages, char *err, size_t errlen)
{
	struct store_backup *b = *bp;
	if (!atomic_load(&b->done))
		return 1;
	pthread_join(b->thread, NULL);
	int rc = b->rc;
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", b->dst, b->err);
	*pages = b->pages;
	free(b);
	*bp = NULL;
	return rc;
}

/* WAL checkpoints off the event loop.
 *
 * SQLite's automatic checkpoint runs inside the COMMIT that crosses the
 * threshold: that commit then copies thousands of pages and fsyncs the
 * database file, and every message waiting behind it pays. Instead the
 * event loop's connection never checkpoints, and this thread, with its own
 * connection, runs a PASSIVE checkpoint twice a second: it copies what the
 * WAL holds into the database without blocking the writer, and the writer
 * restarts the WAL once a checkpoint has caught up. Durability is
 * unchanged: every commit is already fsynced in the WAL. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sqlite3.h>
#include "store_internal.h"

#define WAL_RESTART_FRAMES 4096 /* 16 MiB of 4 KiB pages */

struct checkpointer {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
	bool scrub; /* truncate the WAL once it is all in the database */
	sqlite3 *db;
};

static void *run(void *arg)
{
	struct checkpointer *c = arg;
	pthread_mutex_lock(&c->lock);
	while (!c->stop) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 500 * 1000 * 1000;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&c->wake, &c->lock, &until);
		if (c->stop)
			break;
		pthread_mutex_unlock(&c->lock);
		int log = 0, done = 0;
		sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
		/* Everything copied: a RESTART, which waits briefly for the event
		 * loop's writer, makes the next commit start the WAL from its
		 * beginning, so the file stops growing. */
		pthread_mutex_lock(&c->lock);
		bool scrub = c->scrub;
		pthread_mutex_unlock(&c->lock);
		/* After deletions, old WAL frames may still hold the deleted
		 * envelopes as they were written: a TRUNCATE, once everything is
		 * copied, cuts the file to nothing (it waits at most the busy
		 * timeout for the writer, as the RESTART does, and is tried
		 * again at the next wake-up if it could not). */
		if (scrub && done == log) {
			if (sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL) == SQLITE_OK) {
				pthread_mutex_lock(&c->lock);
				c->scrub = false;
				pthread_mutex_unlock(&c->lock);
			}
		} else if (log >= WAL_RESTART_FRAMES && done == log) {
			sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_RESTART, NULL, NULL);
		}
		pthread_mutex_lock(&c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

struct checkpointer *checkpointer_start(const char *path)
{
	struct checkpointer *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		sqlite3_close(c->db);
		free(c);
		return NULL;
	}
	sqlite3_busy_timeout(c->db, 100);
	/* a connection learns that the database is in WAL mode on its first read */
	sqlite3_exec(c->db, "PRAGMA journal_mode", NULL, NULL, NULL);
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	if (pthread_create(&c->thread, NULL, run, c) != 0) {
		pthread_mutex_destroy(&c->lock);
		pthread_cond_destroy(&c->wake);
		sqlite3_close(c->db);
		free(c);
		return NULL;
	}
	/* named so that its disk writes (the checkpoints) can be told apart
	 * from the loop's (the WAL) in /proc/PID/task/TID/io */
	pthread_setname_np(c->thread, "checkpoint");
	return c;
}

void checkpointer_scrub(struct checkpointer *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->scrub = true;
	pthread_mutex_unlock(&c->lock);
}

void checkpointer_stop(struct checkpointer **cp)
{
	struct checkpointer *c = *cp;
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->stop = true;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->wake);
	sqlite3_close(c->db);
	free(c);
	*cp = NULL;
}

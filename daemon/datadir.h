/* The node's data directory: checked before a start, locked for the life of
 * the process so that one node owns it, and kept private. */
#ifndef LIAISOND_DATADIR_H
#define LIAISOND_DATADIR_H

#include <stddef.h>
#include <sys/types.h>

#define DATADIR_LOCK_FILE "liaisond.lock"

/* Checks that dir exists, is a directory, and that this process may create
 * files in it. Returns 0, or -1 with "data_dir DIR does not exist" (is not
 * a directory, is not writable: ...) in err. Changes nothing. */
int datadir_check(const char *dir, char *err, size_t errlen);

/* Locks DIR/liaisond.lock for the life of the process (the lock goes with
 * the process, however it ends) and writes this process's pid into it.
 * Returns the lock's descriptor (keep it open; O_CLOEXEC), or -1 with one
 * line in err; when another process holds the lock, *holder is its pid (0
 * if it could not be read) and err says "data directory DIR is in use by
 * liaisond pid N". */
int datadir_lock(const char *dir, pid_t *holder, char *err, size_t errlen);

/* Without taking the lock: the pid of the process that holds it, 0 when
 * none does, -1 when it is held but the pid cannot be read or the lock
 * cannot be tested. */
pid_t datadir_holder(const char *dir);

/* Makes the directory 0700 and the store's files 0600: liaison.db is
 * created empty with 0600 when missing, so that SQLite, which gives its
 * WAL and shared-memory files the database file's mode, creates them 0600
 * whatever the umask; existing files are set to 0600. Call before the store
 * opens. Returns 0, or -1 with one line in err. */
int datadir_secure(const char *dir, char *err, size_t errlen);

#endif

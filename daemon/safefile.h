/* Crash-safe file writes under the node's data directory. */
#ifndef LIAISOND_SAFEFILE_H
#define LIAISOND_SAFEFILE_H

#include <stddef.h>
#include <sys/types.h>

/* Replaces path with data atomically: a fresh PATH.tmp (O_EXCL, mode),
 * written, fsynced, renamed over path, and the folder fsynced. Returns 0, or
 * -1 with errno set; on failure path is unchanged. */
int safefile_replace(const char *path, const void *data, size_t len, mode_t mode);
/* Creates path with data (O_EXCL: an existing file is an error, EEXIST),
 * fsynced, and fsyncs the folder. Returns 0 or -1 with errno set. */
int safefile_create(const char *path, const void *data, size_t len, mode_t mode);
/* mkdir -p of one level: creates dir with mode unless it exists as a folder. */
int safefile_mkdir(const char *dir, mode_t mode);
/* fsyncs the folder that holds path (a rename is durable only then). */
int safefile_sync_dir(const char *path);

#endif

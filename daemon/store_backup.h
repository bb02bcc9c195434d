/* Online backup of the store (SQLite's backup API) on a thread. */
#ifndef LIAISOND_STORE_BACKUP_H
#define LIAISOND_STORE_BACKUP_H

#include <stddef.h>
#include <stdint.h>

struct store_backup;

/* Creates dest (absolute; an existing file is refused; mode 0600) and
 * starts copying DATA_DIR/liaison.db into it. NULL with err set on failure. */
struct store_backup *store_backup_start(const char *data_dir, const char *dest, char *err, size_t errlen);
/* 1 while it runs; then 0 (done, *pages copied) or -1 (err set, dest
 * removed), and *b is freed and cleared. */
int store_backup_poll(struct store_backup **b, int64_t *pages, char *err, size_t errlen);

#endif

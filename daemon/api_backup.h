/* liaison admin backup: a consistent copy of the store while the node runs. */
#ifndef LIAISOND_API_BACKUP_H
#define LIAISOND_API_BACKUP_H

#include "node.h"

void api_backup(struct node *n, const uint8_t *rid, size_t rid_len, const char *client, uint64_t request_id,
		const Liaison__BackupRequest *req);
/* From the loop: answers the client once the copy is done. */
void api_backup_poll(struct node *n);
/* At shutdown: waits for a copy in progress. */
void api_backup_finish(struct node *n);

#endif

/* liaison admin backup FILE: the node writes a consistent copy of its store
 * to FILE on its own host (store_backup.c) while it keeps running, and
 * answers the client when the copy is durable. One backup at a time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "api_backup.h"
#include "api_reply.h"
#include "store_backup.h"
#include "turn.h"
#include "log.h"

struct backup_job {
	struct store_backup *b;
	uint8_t rid[256];
	size_t rid_len;
	uint64_t request_id;
	char path[4096];
};

void api_backup(struct node *n, const uint8_t *rid, size_t rid_len, const char *client, uint64_t request_id,
		const Liaison__BackupRequest *req)
{
	char err[600];
	if (n->backup) {
		api_error(n, rid, rid_len, request_id, 1, "a backup is already running");
		return;
	}
	if (!req->path || !*req->path || rid_len > sizeof(n->backup->rid)) {
		api_error(n, rid, rid_len, request_id, 64, "backup needs a file name");
		return;
	}
	struct backup_job *j = calloc(1, sizeof(*j));
	if (!j) {
		api_error(n, rid, rid_len, request_id, 1, "out of memory");
		return;
	}
	j->b = store_backup_start(n->conf->data_dir, req->path, err, sizeof(err));
	if (!j->b) {
		free(j);
		api_error(n, rid, rid_len, request_id, 1, "backup refused: %s", err);
		return;
	}
	memcpy(j->rid, rid, rid_len);
	j->rid_len = rid_len;
	j->request_id = request_id;
	snprintf(j->path, sizeof(j->path), "%s", req->path);
	n->backup = j;
	log_info("client %s asked for a backup to %s", client, req->path);
}

void api_backup_poll(struct node *n)
{
	struct backup_job *j = n->backup;
	char err[700], text[4300], detail[4200];
	int64_t pages = 0;
	if (!j)
		return;
	int rc = store_backup_poll(&j->b, &pages, err, sizeof(err));
	if (rc > 0)
		return;
	if (rc < 0) {
		log_error("backup failed: %s", err);
		api_error(n, j->rid, j->rid_len, j->request_id, 1, "backup failed: %s", err);
	} else {
		snprintf(detail, sizeof(detail), "path=%s pages=%lld", j->path, (long long)pages);
		if (node_tx(n) < 0 || store_audit(n->store, "backup", detail) < 0)
			n->tx_failed = true;
		log_info("backup written to %s (%lld pages)", j->path, (long long)pages);
		Liaison__ApiReply r = LIAISON__API_REPLY__INIT;
		Liaison__AdminReply a = LIAISON__ADMIN_REPLY__INIT;
		r.version = 1;
		r.request_id = j->request_id;
		r.kind_case = LIAISON__API_REPLY__KIND_ADMIN;
		r.admin = &a;
		snprintf(text, sizeof(text), "backup written to %s on the node's host", j->path);
		a.message = text;
		api_reply(n, j->rid, j->rid_len, &r);
	}
	free(j);
	n->backup = NULL;
}

void api_backup_finish(struct node *n)
{
	while (n->backup && n->backup->b) {
		api_backup_poll(n);
		if (n->backup)
			nanosleep(&(struct timespec){ .tv_nsec = 20 * 1000 * 1000 }, NULL);
	}
}

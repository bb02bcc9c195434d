/* Administrative requests (role admin): reload the configuration, verify
 * the audit chain. Each is itself recorded in the audit chain. */
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include "api_admin.h"
#include "api_reply.h"
#include "log.h"

void api_admin(struct node *n, const uint8_t *rid, size_t rid_len, const char *client, uint64_t request_id,
	       Liaison__ApiRequest__KindCase kind)
{
	Liaison__ApiReply r = LIAISON__API_REPLY__INIT;
	Liaison__AdminReply a = LIAISON__ADMIN_REPLY__INIT;
	char err[512], text[600], head[65] = "";
	r.version = 1;
	r.request_id = request_id;
	r.kind_case = LIAISON__API_REPLY__KIND_ADMIN;
	r.admin = &a;
	if (kind == LIAISON__API_REQUEST__KIND_RELOAD) {
		log_info("client %s asked for a reload", client);
		if (node_reload_file(n, err, sizeof(err)) < 0) {
			api_error(n, rid, rid_len, request_id, 78, "reload refused, the node keeps its configuration: %s",
				  err);
			return;
		}
		snprintf(text, sizeof(text), "reloaded %s: %zu peers, %zu clients", n->conf->path, n->conf->n_peers,
			 n->conf->n_clients);
	} else {
		uint8_t h[32];
		int64_t records = store_audit_verify(n->store, NULL, NULL, err, sizeof(err), h);
		if (records < 0) {
			log_error("audit chain check failed: %s", err);
			api_error(n, rid, rid_len, request_id, 1, "audit chain broken: %s", err);
			return;
		}
		sodium_bin2hex(head, sizeof(head), h, 32);
		a.records = records;
		a.head = head;
		snprintf(text, sizeof(text), "audit chain holds: %lld records, head %s", (long long)records, head);
	}
	a.message = text;
	api_reply(n, rid, rid_len, &r);
}

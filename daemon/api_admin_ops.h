/* Administration without editing files: peers and clients added and
 * removed through the API (admin role), recorded in DATA_DIR/admin.conf. */
#ifndef LIAISOND_API_ADMIN_OPS_H
#define LIAISOND_API_ADMIN_OPS_H

#include "node.h"
#include "config_overlay.h"

void api_admin_member(struct node *n, const uint8_t *rid, size_t rid_len, const char *client, uint64_t request_id,
		      const Liaison__AdminMemberRequest *req);
void api_admin_peer(struct node *n, const uint8_t *rid, size_t rid_len, const char *client, uint64_t request_id,
		    const Liaison__AdminPeerRequest *req);
void api_admin_client(struct node *n, const uint8_t *rid, size_t rid_len, const char *client, uint64_t request_id,
		      const Liaison__AdminClientRequest *req);
/* Builds the configuration from the main file and o, saves o, and applies
 * it at once as a reload does. On failure nothing changed: -1, err set. */
int admin_commit(struct node *n, struct overlay *o, char *err, size_t errlen);

#endif

/* Rotating this node's key without downtime, and pinning a peer's new key
 * from its announcement (docs/architecture.md, "Key rotation"). */
#ifndef LIAISOND_ROTATE_H
#define LIAISOND_ROTATE_H

#include "node.h"

#define ROTATE_DOMAIN "liaison-key-rotate-v1"
#define ROTATE_DEFAULT_OVERLAP_S (7 * 86400)
#define ROTATE_MAX_OVERLAP_S (90 * 86400) /* longest a peer's old key is accepted here */

/* liaison admin rotate-key [--overlap DURATION] */
void api_rotate_key(struct node *n, const uint8_t *rid, size_t rid_len, const char *client, uint64_t request_id,
		    const Liaison__RotateKeyRequest *req);
/* Binds s to endpoint again with the node's current key. Unbinding ends
 * every connection accepted on it: peers (or clients) reconnect, and the
 * ZAP handler admits only those still configured. */
void rotate_rebind(struct node *n, void *s, const char *endpoint);
/* The key of the API socket: the previous one during the overlap. */
const struct liaison_key *rotate_api_key(const struct node *n);
/* Writes DATA_DIR/certs/NAME.pub when it does not hold the current certificate. */
int rotate_publish_cert(struct node *n);
/* At start: resumes a rotation whose overlap has not ended (admin.conf). */
int rotate_resume(struct node *n);
/* From the loop: sends announcements not yet acknowledged, rebinds the
 * sockets, ends the overlap. */
void rotate_tick(struct node *n, struct link *l, int64_t now_mono);
void rotate_tick_node(struct node *n);
/* A peer's announcement arrived on our ROUTER: verify, pin, acknowledge. */
void rotate_take_announce(struct node *n, struct link *l, const uint8_t *rid, size_t rid_len,
			  const Liaison__PeerKeyAnnounce *a);
/* A peer acknowledged our announcement. */
void rotate_on_ack(struct node *n, struct link *l, const Liaison__PeerKeyAck *ack);

#endif

/* A stored envelope as a client sees it, checked against what its sender
 * signed before anything of it is served. */
#ifndef LIAISOND_MSGVIEW_H
#define LIAISOND_MSGVIEW_H

#include "node.h"

struct msgview {
	struct opened opened;
	Liaison__Message msg;
	char **to;
	/* for a damaged message: its id and what is wrong (on the heap, so
	 * that an array of views may move) */
	struct msgview_damage {
		uint8_t id[16];
		char why[200];
	} *damage;
};

enum msgview_state {
	MSGVIEW_OK,      /* v->msg holds the message */
	MSGVIEW_EXPIRED, /* valid, but its expiry has passed by now_ms: not to be served */
	MSGVIEW_DAMAGED, /* v->msg holds only id, received, cursor and damaged */
	MSGVIEW_NOMEM,
};

/* Opens the stored message m for a client. What is served must be what was
 * signed: the envelope's signature and ciphertext hash are checked against
 * the sender's pinned certificate (for a sender no longer pinned, or pinned
 * under a new key, the envelope's hash against its audit record), then
 * every indexed column (id, sender, sequence, type, topic, precedence,
 * classification, created, expires) against the signed header, then the
 * payload is decrypted. A message that fails is DAMAGED, never served as
 * valid. now_ms 0 skips the expiry check. Clear v with msgview_clear
 * whatever the result. */
enum msgview_state msgview_open(struct node *n, const struct stored_msg *m, int64_t now_ms, struct msgview *v);
void msgview_clear(struct msgview *v);

/* Counts and logs (rate-limited) a damaged message a reader came across. */
void msgview_report_damaged(struct node *n, const struct stored_msg *m, const struct msgview *v);

#endif

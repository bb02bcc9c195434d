/* Relaying: carrying sealed envelopes on toward members and peers, and
 * recipients' signed receipts back toward origins. */
#ifndef LIAISOND_RELAY_H
#define LIAISOND_RELAY_H

#include "node.h"

enum { RELAY_TAKEN = 0, RELAY_REFUSED = 1 };

/* Carries on an envelope that the link from `from` handed this node with
 * the routing hint `to`. Each name must be a recipient of the signed
 * header (not its origin, not this node) that this node reaches (a peer,
 * or a member through its relay) by another link than `from`, and within
 * the release policy set for it here. pos: where this node stored the
 * message as one of its recipients, or 0 (then it is kept sealed as a
 * relay item, never shown by query or get). Returns RELAY_TAKEN (queued,
 * or held already), RELAY_REFUSED (why says why; nothing queued) or -1
 * (the store failed: the turn fails). */
int relay_envelope(struct node *n, const struct link *from, const Liaison__Header *h, const uint8_t *env,
		   size_t len, int64_t pos, char **to, size_t n_to, char *why, size_t whylen);

/* Whether origin may have one more envelope relayed now (a token bucket
 * per origin): a link that floods is held back, and resends later. */
bool relay_rate_take(struct node *n, const char *origin);

/* What a receipt item signed by this node tells a member: the ids of its
 * messages stored here, those refused here for good, (gap) this node's
 * end-to-end marks for it, which make it send again from there, or (from
 * an origin) positions of our stream to it that will never come. */
struct relay_receipt {
	const ProtobufCBinaryData *ids;
	size_t n_ids;
	Liaison__RejectedEnvelope **rejected;
	size_t n_rejected;
	Liaison__LaneSkip **skips;
	size_t n_skips;
	bool gap;
};
/* Queues one toward member `to` in lane; 0 or -1. */
int relay_receipt_out(struct node *n, struct member *to, int lane, const struct relay_receipt *rr);

/* Whether the comma-separated list holds name exactly. */
bool relay_names_has(const char *list, const char *name);

/* A receipt item from the link of `from`: applied when it is addressed to
 * this node, else carried on toward its addressee. id receives the item's
 * id (for the link's own receipt). Returns RELAY_TAKEN, RELAY_REFUSED or -1. */
int relay_receipt_in(struct node *n, const struct link *from, const Liaison__HopItem *hop, uint8_t id[16],
		     char *why, size_t whylen);

/* The id of a receipt item: the first 16 bytes of BLAKE2b of its bytes. */
void relay_receipt_id(const uint8_t *blob, size_t len, uint8_t id[16]);

#endif

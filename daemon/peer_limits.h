/* The size contract between peers: what each side takes, stated in the
 * handshake, checked at send time and before anything goes on the wire. */
#ifndef LIAISOND_PEER_LIMITS_H
#define LIAISOND_PEER_LIMITS_H

#include "node.h"

/* Room in a batch frame for everything but the envelopes' bytes. */
#define FRAME_SLACK 8192

/* The envelope that carries a body of max_message bytes, and back. */
uint64_t limits_envelope_for(uint64_t max_message);
uint64_t limits_message_for(uint64_t max_envelope);
/* The largest frame (ZMQ_MAXMSGSIZE) a federation socket takes, given its
 * node's largest envelope: a full batch plus one envelope. */
uint64_t limits_frame_for(uint64_t max_envelope);
/* This node's own limits, as stated to peers. */
uint64_t node_max_frame(const struct node *n);

/* Sets l's limits from the store (what the peer last stated), or the
 * defaults of a peer that never stated any. */
void limits_load(struct node *n, struct link *l);
/* The peer stated its limits (0: it stated none, an older node): applied
 * at once and kept in the store for sends while it is down. */
void limits_stated(struct node *n, struct link *l, uint64_t max_envelope, uint64_t max_frame);
/* Whether every recipient takes a message body of body_len bytes; if not,
 * writes the refusal naming the first that does not into why. */
bool limits_check_send(const struct node *n, struct link **sel, size_t n_sel, size_t body_len, char *why,
		       size_t whylen);
/* "10.0 MiB", "512.0 KiB" or "100 bytes". */
void limits_format(uint64_t bytes, char *buf, size_t len);

#endif

/* Finding a peer, a certificate and the envelope size limit. */
#ifndef LIAISOND_NODE_LOOKUP_H
#define LIAISOND_NODE_LOOKUP_H

#include "node.h"

struct link *node_link(struct node *n, const char *name);
/* The certificate of this node, a peer or a member by name, for the opener. */
const struct liaison_cert *node_cert_lookup(void *ctx, const char *name);
/* A peer's previous certificate while its key rotation's overlap lasts. */
const struct liaison_cert *node_cert_lookup_prev(void *ctx, const char *name);
size_t node_max_envelope(const struct node *n);

#endif

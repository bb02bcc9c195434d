/* Finding a peer's link and a certificate (of a peer or a member) by name, and the largest
 * envelope this node takes. */
#include <string.h>
#include "node_lookup.h"
#include "peer_limits.h"
#include "member.h"

size_t node_max_envelope(const struct node *n)
{
	return limits_envelope_for(n->conf->max_message);
}

const struct liaison_cert *node_cert_lookup(void *ctx, const char *name)
{
	struct node *n = ctx;
	if (!strcmp(name, n->key->cert.name))
		return &n->key->cert;
	struct link *l = node_link(n, name);
	if (l)
		return &l->cert;
	struct member *m = member_find(n, name);
	return m ? &m->cert : NULL;
}

const struct liaison_cert *node_cert_lookup_prev(void *ctx, const char *name)
{
	struct link *l = node_link(ctx, name);
	return l && l->prev_until ? &l->prev_cert : NULL;
}

struct link *node_link(struct node *n, const char *name)
{
	for (size_t i = 0; i < n->n_links; i++)
		if (!strcmp(n->links[i].name, name))
			return &n->links[i];
	return NULL;
}

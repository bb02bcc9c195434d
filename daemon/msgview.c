/* A stored envelope opened for a client: the header fields and the payload
 * as a Liaison__Message whose strings point into the opened envelope. */
#include <stdlib.h>
#include <string.h>
#include "msgview.h"
#include "node_lookup.h"
#include "keyring.h"
#include "cap_chain.h"

int msgview_open(struct node *n, const struct stored_msg *m, struct msgview *v)
{
	memset(v, 0, sizeof(*v));
	/* Stored envelopes were verified when they arrived or were sealed here;
	 * reading them back only needs parsing and decryption. */
	int rc = envelope_parse(m->envelope, m->envelope_len, node_max_envelope(n), &v->opened);
	if (rc == LIAISON_OK)
		rc = keyring_decrypt(n, &v->opened, 0);
	if (rc != LIAISON_OK) {
		opened_clear(&v->opened);
		return rc;
	}
	const Liaison__Header *h = v->opened.header;
	v->to = calloc(h->n_recipients + 1, sizeof(char *));
	if (!v->to) {
		opened_clear(&v->opened);
		return LIAISON_E_NOMEM;
	}
	Liaison__Message *msg = &v->msg;
	liaison__message__init(msg);
	for (size_t i = 0; i < h->n_recipients; i++)
		if (strcmp(h->recipients[i]->node, h->sender))
			v->to[msg->n_to++] = h->recipients[i]->node;
	msg->to = v->to;
	msg->id = h->id;
	msg->from = h->sender;
	msg->type = h->type;
	msg->topic = h->topic;
	msg->precedence = h->precedence;
	msg->label = h->label;
	msg->created = h->created;
	msg->received = m->received;
	msg->expires = h->expires;
	msg->sequence = h->sequence;
	msg->references = h->references;
	msg->n_references = h->n_references;
	msg->payload = v->opened.payload;
	msg->cursor = (uint64_t)m->pos;
	const char *state = cap_chain_state(n->store, h, v->opened.payload);
	if (state)
		msg->cap_state = (char *)state;
	return LIAISON_OK;
}

void msgview_clear(struct msgview *v)
{
	opened_clear(&v->opened);
	free(v->to);
	memset(v, 0, sizeof(*v));
}

/* A stored envelope opened for a client: checked against what its sender
 * signed, then the header fields and the payload as a Liaison__Message
 * whose strings point into the opened envelope.
 *
 * Why every read checks again: the store is a file. A flipped bit on disk,
 * or someone who edits a column with sqlite3, must not turn a SECRET
 * message into an UNCLASSIFIED one on an officer's screen. The signature
 * check costs about 46 us per message; envelopes verified before (on
 * receipt, when sent, or on an earlier read) are recognised by the
 * BLAKE2b-256 of their bytes in readcache.c instead, about 1 us a KiB. The
 * columns are compared with the signed header they were copied from. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "msgview.h"
#include "node_lookup.h"
#include "keyring.h"
#include "cap_chain.h"
#include "labels.h"
#include "lograte.h"
#include "readcache.h"
#include "hexid.h"

/* Signature and ciphertext hash by the pinned certificate; for a sender no
 * longer pinned (or pinned under a new key), the envelope against the hash
 * in its audit record, written when it was stored. */
static int check_signed(struct node *n, const struct stored_msg *m, struct opened *o, char *why, size_t len)
{
	size_t max = node_max_envelope(n);
	int rc;
	/* the same bytes verified before at this position: parsing is enough */
	if (readcache_holds(n->readcache, m->pos, m->envelope, m->envelope_len)) {
		rc = envelope_parse(m->envelope, m->envelope_len, max, o);
		if (rc == LIAISON_OK)
			return 0;
	}
	rc = envelope_open_header(m->envelope, m->envelope_len, max, node_cert_lookup, n, o);
	if (rc == LIAISON_OK) {
		readcache_put(n->readcache, m->pos, m->envelope, m->envelope_len);
		return 0;
	}
	if (rc != LIAISON_E_UNKNOWN_SENDER && rc != LIAISON_E_WRONG_KEY) {
		snprintf(why, len, "envelope: %s", liaison_strerror(rc));
		return -1;
	}
	char want[65], got[65];
	int found = store_audit_envelope_hash(n->store, m->pos, want);
	if (found <= 0) {
		snprintf(why, len, "envelope: %s, and no audit record to check it against", liaison_strerror(rc));
		return -1;
	}
	store_audit_hash_envelope(m->envelope, m->envelope_len, got);
	if (sodium_memcmp(want, got, 64) != 0) {
		snprintf(why, len, "envelope: %s, and it differs from its audit record", liaison_strerror(rc));
		return -1;
	}
	rc = envelope_parse(m->envelope, m->envelope_len, max, o);
	if (rc != LIAISON_OK) {
		snprintf(why, len, "envelope: %s", liaison_strerror(rc));
		return -1;
	}
	return 0;
}

/* Leaves v as a damaged entry: only what locates the row, and why. */
static enum msgview_state damaged(const struct stored_msg *m, struct msgview *v, const char *why)
{
	opened_clear(&v->opened);
	free(v->to);
	v->to = NULL;
	if (!(v->damage = malloc(sizeof(*v->damage))))
		return MSGVIEW_NOMEM;
	memcpy(v->damage->id, m->id, 16);
	snprintf(v->damage->why, sizeof(v->damage->why), "%s", why);
	liaison__message__init(&v->msg);
	v->msg.id.data = v->damage->id;
	v->msg.id.len = 16;
	v->msg.received = m->received;
	v->msg.cursor = (uint64_t)m->pos;
	v->msg.damaged = v->damage->why;
	return MSGVIEW_DAMAGED;
}

enum msgview_state msgview_open(struct node *n, const struct stored_msg *m, int64_t now_ms, struct msgview *v)
{
	char why[200];
	memset(v, 0, sizeof(*v));
	if (check_signed(n, m, &v->opened, why, sizeof(why)) < 0 ||
	    store_check_columns(m, v->opened.header, why, sizeof(why)) < 0)
		return damaged(m, v, why);
	int rc = keyring_decrypt(n, &v->opened, 0);
	if (rc == LIAISON_E_NOMEM)
		return MSGVIEW_NOMEM;
	if (rc != LIAISON_OK) {
		snprintf(why, sizeof(why), "cannot open the payload: %s", liaison_strerror(rc));
		return damaged(m, v, why);
	}
	const Liaison__Header *h = v->opened.header;
	/* Reading uses this node's own clock, with no skew: the skew is for
	 * disagreement between two nodes' clocks, and an officer must not be
	 * shown an order whose sender said it ends before now. */
	if (now_ms && h->expires && h->expires < now_ms)
		return MSGVIEW_EXPIRED;
	v->to = calloc(h->n_recipients + 1, sizeof(char *));
	if (!v->to)
		return MSGVIEW_NOMEM;
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
	return MSGVIEW_OK;
}

void msgview_clear(struct msgview *v)
{
	opened_clear(&v->opened);
	free(v->to);
	free(v->damage);
	memset(v, 0, sizeof(*v));
}

void msgview_report_damaged(struct node *n, const struct stored_msg *m, const struct msgview *v)
{
	char hex[HEXID_LEN];
	hexid_format(m->id, hex);
	n->counters.damaged++;
	log_limited("store", LOG_ERROR, "stored message %s at position %lld is damaged: %s", hex, (long long)m->pos,
		    v->damage ? v->damage->why : "?");
}

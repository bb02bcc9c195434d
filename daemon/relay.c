/* Relaying: what a node carries for others.
 *
 * A relay never opens what it carries: it checks the origin's signature
 * (the origin must be a peer or a member here), that each name it is asked
 * to carry the envelope toward is among the signed recipients, and its own
 * release policy for that name; then it keeps the envelope, sealed, as a
 * relay item until every next hop holds it. Order and completeness are the
 * recipients' to check, end to end, by the stream positions the origin
 * signed; a relay that drops, reorders or replays is noticed there (see
 * member.c and peer_inbound.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "relay.h"
#include "member.h"
#include "node_lookup.h"
#include "turn.h"
#include "labels.h"
#include "log.h"
#include "timefmt.h"
#include "textsafe.h"

#define RELAY_RATE 500.0   /* envelopes a second, per origin */
#define RELAY_BURST 4000.0

bool relay_rate_take(struct node *n, const char *origin)
{
	int64_t now = time_mono_ms();
	struct relay_rate *slot = NULL, *oldest = &n->relay_rates[0];
	for (size_t i = 0; i < RELAY_ORIGINS && !slot; i++) {
		struct relay_rate *r = &n->relay_rates[i];
		if (!strcmp(r->origin, origin))
			slot = r;
		else if (r->at < oldest->at)
			oldest = r;
	}
	if (!slot) {
		slot = oldest;
		snprintf(slot->origin, sizeof(slot->origin), "%s", origin);
		slot->tokens = RELAY_BURST;
		slot->at = now;
	}
	slot->tokens += (double)(now - slot->at) * RELAY_RATE / 1000.0;
	if (slot->tokens > RELAY_BURST)
		slot->tokens = RELAY_BURST;
	slot->at = now;
	if (slot->tokens < 1.0)
		return false;
	slot->tokens -= 1.0;
	return true;
}

static const Liaison__Recipient *recipient_of(const Liaison__Header *h, const char *name)
{
	for (size_t i = 0; i < h->n_recipients; i++)
		if (!strcmp(h->recipients[i]->node, name))
			return h->recipients[i];
	return NULL;
}

/* The link toward name from here, with the limit set for it, or NULL. */
static struct link *next_hop(struct node *n, const char *name, Liaison__Classification *limit)
{
	struct link *l = node_link(n, name);
	if (l) {
		*limit = l->max_classification;
		return l;
	}
	struct member *m = member_find(n, name);
	if (!m)
		return NULL;
	*limit = m->max_classification;
	return member_route(n, m);
}

bool relay_names_has(const char *list, const char *name)
{
	size_t len = strlen(name);
	for (const char *p = list; len && (p = strstr(p, name)); p += len)
		if ((p == list || p[-1] == ',') && (p[len] == ',' || p[len] == '\0'))
			return true;
	return false;
}

struct hop_group {
	struct link *l;
	char dest[256];
};

int relay_envelope(struct node *n, const struct link *from, const Liaison__Header *h, const uint8_t *env,
		   size_t len, int64_t pos, char **to, size_t n_to, char *why, size_t whylen)
{
	struct hop_group groups[ENVELOPE_MAX_RECIPIENTS];
	size_t n_groups = 0;
	const char *me = n->key->cert.name;
	Liaison__Classification cls = h->label ? h->label->classification : 0;
	int lane = (int)h->precedence - 1;
	for (size_t i = 0; i < n_to; i++) {
		const char *name = to[i];
		if (!strcmp(name, me))
			continue;
		const Liaison__Recipient *r = recipient_of(h, name);
		if (!r || r->stream_seq == 0 || !strcmp(name, h->sender)) {
			snprintf(why, whylen, "relay: '%.64s' is not a recipient of this message", name);
			return RELAY_REFUSED;
		}
		Liaison__Classification limit = 0;
		struct link *l = next_hop(n, name, &limit);
		if (!l) {
			snprintf(why, whylen, "relay: no route from %s to '%.64s'", me, name);
			return RELAY_REFUSED;
		}
		if (l == from) {
			snprintf(why, whylen, "relay: %s reaches '%.64s' only through %s, which sent it", me, name, from->name);
			return RELAY_REFUSED;
		}
		if (limit && cls > limit) {
			snprintf(why, whylen, "relay: release refused: %s exceeds %s's limit %s at %s",
				 label_classification_name(cls), name, label_classification_name(limit), me);
			return RELAY_REFUSED;
		}
		size_t g = 0;
		while (g < n_groups && groups[g].l != l)
			g++;
		if (g == n_groups) {
			if (n_groups == ENVELOPE_MAX_RECIPIENTS)
				continue;
			groups[n_groups].l = l;
			groups[n_groups++].dest[0] = '\0';
		}
		size_t used = strlen(groups[g].dest);
		if (!relay_names_has(groups[g].dest, name))
			snprintf(groups[g].dest + used, sizeof(groups[g].dest) - used, "%s%s", used ? "," : "", name);
	}
	if (n_groups == 0)
		return RELAY_TAKEN;
	if (node_tx(n) < 0)
		return -1;
	if (pos == 0) {
		struct relay_item it = { .origin = h->sender, .kind = RELAY_ENVELOPE, .received = time_now_ms(),
					 .expires = h->expires, .blob = env, .len = len };
		memcpy(it.id, h->id.data, 16);
		int64_t rpos;
		int rc = store_relay_put(n->store, &it, &rpos);
		if (rc < 0)
			goto fail;
		if (rc == 1)
			return RELAY_TAKEN; /* held already (another relay's copy): carried once */
		pos = -rpos;
	}
	for (size_t g = 0; g < n_groups; g++) {
		struct link *l = groups[g].l;
		if (store_add_hop(n->store, pos, l->name, lane, l->next_seq[lane] + 1, groups[g].dest) < 0)
			goto fail;
		l->next_seq[lane]++;
	}
	n->counters.relayed++;
	return RELAY_TAKEN;
fail:
	log_error("store: %s", store_errmsg(n->store));
	n->tx_failed = true;
	return -1;
}

void relay_receipt_id(const uint8_t *blob, size_t len, uint8_t id[16])
{
	crypto_generichash(id, 16, blob, len, NULL, 0);
}

/* Keeps a receipt item and queues it on the link toward `to`. */
static int queue_receipt(struct node *n, struct link *l, int lane, const char *origin, const char *to,
			 const uint8_t *blob, size_t len, uint8_t id[16])
{
	struct relay_item it = { .origin = origin, .kind = RELAY_RECEIPT, .received = time_now_ms(), .blob = blob,
				 .len = len };
	relay_receipt_id(blob, len, it.id);
	if (id)
		memcpy(id, it.id, 16);
	int64_t rpos;
	if (node_tx(n) < 0)
		return -1;
	int rc = store_relay_put(n->store, &it, &rpos);
	if (rc == 1)
		return 0;
	if (rc < 0 || store_add_hop(n->store, -rpos, l->name, lane, l->next_seq[lane] + 1, to) < 0) {
		log_error("store: %s", store_errmsg(n->store));
		n->tx_failed = true;
		return -1;
	}
	l->next_seq[lane]++;
	return 0;
}

int relay_receipt_out(struct node *n, struct member *to, int lane, const struct relay_receipt *rr)
{
	struct link *l = member_route(n, to);
	if (!l)
		return 0;
	Liaison__DeliveryReceipt dr = LIAISON__DELIVERY_RECEIPT__INIT;
	Liaison__LaneMark marks[LANES], *ptrs[LANES];
	dr.version = 1;
	dr.recipient = n->key->cert.name;
	dr.received = time_now_ms();
	dr.message_ids = (ProtobufCBinaryData *)rr->ids;
	dr.n_message_ids = rr->n_ids;
	dr.rejected = rr->rejected;
	dr.n_rejected = rr->n_rejected;
	dr.skips = rr->skips;
	dr.n_skips = rr->n_skips;
	if (rr->gap) {
		for (int i = 0; i < LANES; i++) {
			liaison__lane_mark__init(&marks[i]);
			marks[i].lane = (Liaison__Precedence)(i + 1);
			marks[i].seq = to->in_mark[i];
			ptrs[i] = &marks[i];
		}
		dr.marks = ptrs;
		dr.n_marks = LANES;
	}
	uint8_t *blob = NULL;
	size_t len = 0;
	if (receipt_sign(n->key, &dr, &blob, &len) != LIAISON_OK)
		return -1;
	int rc = queue_receipt(n, l, lane, n->key->cert.name, to->name, blob, len, NULL);
	free(blob);
	return rc;
}

/* A receipt addressed to this node: the signer's own word that it holds
 * these messages of ours (or, with marks, that it misses some). */
static int apply_receipt(struct node *n, const char *signer, const Liaison__DeliveryReceipt *r,
			 const ProtobufCBinaryData *blob)
{
	if (node_tx_lazy(n) < 0)
		return -1;
	int64_t row = store_put_receipt(n->store, signer, r->received, blob->data, blob->len);
	int settled = 0;
	for (size_t i = 0; row > 0 && i < r->n_message_ids; i++) {
		if (r->message_ids[i].len != 16)
			continue;
		int rc = store_set_recipient_state(n->store, r->message_ids[i].data, signer, RCPT_DELIVERED,
						   r->received, row);
		if (rc < 0)
			row = -1;
		else
			settled += rc;
	}
	if (row > 0 && settled == 0 && store_drop_receipt(n->store, row) < 0) /* settled nothing: not kept */
		row = -1;
	if (row < 0) {
		log_error("store: %s", store_errmsg(n->store));
		n->tx_failed = true;
		return -1;
	}
	n->counters.delivered += r->n_message_ids;
	for (size_t i = 0; i < r->n_rejected; i++) {
		const Liaison__RejectedEnvelope *rj = r->rejected[i];
		char why[200], reason[260];
		if (rj->id.len != 16)
			continue;
		textsafe_escape(why, sizeof(why), rj->reason ? rj->reason : "", rj->reason ? strlen(rj->reason) : 0, 0);
		snprintf(reason, sizeof(reason), "%s: %s", signer, why);
		log_warn("member %s rejected a message: %s", signer, why);
		if (store_set_recipient_state(n->store, rj->id.data, signer, RCPT_REJECTED, r->received, 0) < 0 ||
		    store_set_rejection(n->store, rj->id.data, signer, reason) < 0) {
			log_error("store: %s", store_errmsg(n->store));
			n->tx_failed = true;
			return -1;
		}
	}
	struct member *m = member_find(n, signer);
	if (m) {
		member_heard(n, m);
		if (r->n_marks)
			member_gap(n, m, r->marks, r->n_marks);
		if (r->n_skips && member_skip(n, m, r->skips, r->n_skips) < 0)
			return -1;
	}
	return 0;
}

int relay_receipt_in(struct node *n, const struct link *from, const Liaison__HopItem *hop, uint8_t id[16],
		     char *why, size_t whylen)
{
	relay_receipt_id(hop->receipt.data, hop->receipt.len, id);
	if (hop->n_to != 1) {
		snprintf(why, whylen, "relay: a receipt goes to one origin");
		return RELAY_REFUSED;
	}
	Liaison__SignedReceipt *sr = liaison__signed_receipt__unpack(NULL, hop->receipt.len, hop->receipt.data);
	Liaison__DeliveryReceipt *peek = sr ? liaison__delivery_receipt__unpack(NULL, sr->receipt.len, sr->receipt.data)
					    : NULL;
	Liaison__DeliveryReceipt *r = NULL;
	char signer[LIAISON_NAME_MAX + 1] = "";
	int rc = RELAY_REFUSED;
	if (!peek || !peek->recipient || !liaison_name_valid(peek->recipient)) {
		snprintf(why, whylen, "relay: malformed receipt");
		goto out;
	}
	snprintf(signer, sizeof(signer), "%s", peek->recipient);
	const struct liaison_cert *cert = strcmp(signer, n->key->cert.name) ? node_cert_lookup(n, signer) : NULL;
	int err = cert ? receipt_verify(cert, sr, &r) : LIAISON_E_UNKNOWN_SENDER;
	if (err != LIAISON_OK) {
		snprintf(why, whylen, "relay: receipt of '%s' refused: %s", signer, liaison_strerror(err));
		goto out;
	}
	const char *to = hop->to[0];
	int lane = (int)hop->lane - 1;
	if (!strcmp(to, n->key->cert.name)) {
		rc = apply_receipt(n, signer, r, &hop->receipt) < 0 ? -1 : RELAY_TAKEN;
		goto out;
	}
	Liaison__Classification limit;
	struct link *l = next_hop(n, to, &limit);
	if (!l || l == from || lane < 0 || lane >= LANES) {
		snprintf(why, whylen, "relay: no route from %s to '%.64s'", n->key->cert.name, to);
		goto out;
	}
	rc = queue_receipt(n, l, lane, signer, to, hop->receipt.data, hop->receipt.len, NULL) < 0 ? -1 : RELAY_TAKEN;
out:
	if (r)
		liaison__delivery_receipt__free_unpacked(r, NULL);
	if (peek)
		liaison__delivery_receipt__free_unpacked(peek, NULL);
	if (sr)
		liaison__signed_receipt__free_unpacked(sr, NULL);
	return rc;
}

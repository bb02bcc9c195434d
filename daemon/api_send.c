/* The send request: validate, apply the release policy, seal once for every
 * recipient, store the message and its outbox entries in this turn's
 * transaction, and answer with the id after the commit. Nothing is queued
 * for anyone when any check fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api_send.h"
#include "cap_chain.h"
#include "turn.h"
#include "node_lookup.h"
#include "api_reply.h"
#include "peer_limits.h"
#include "labels.h"
#include "log.h"
#include "timefmt.h"
#include "hexid.h"
#include "readcache.h"
#include "member.h"

static const Liaison__Payload__BodyCase body_for_type[] = {
	[LIAISON__MESSAGE_TYPE__SITREP] = LIAISON__PAYLOAD__BODY_SITREP,
	[LIAISON__MESSAGE_TYPE__STATUS] = LIAISON__PAYLOAD__BODY_STATUS,
	[LIAISON__MESSAGE_TYPE__WARNING] = LIAISON__PAYLOAD__BODY_WARNING,
	[LIAISON__MESSAGE_TYPE__INTEL] = LIAISON__PAYLOAD__BODY_INTEL,
};

struct send_ctx {
	struct node *n;
	const uint8_t *rid;
	size_t rid_len;
	uint64_t request_id;
};

#define REFUSE(ctx, code, ...)                                                                  \
	do {                                                                                    \
		api_error((ctx)->n, (ctx)->rid, (ctx)->rid_len, (ctx)->request_id, code, __VA_ARGS__); \
		goto out;                                                                       \
	} while (0)

/* Adds p to the list once. */
static void add_once(void **sel, size_t *n_sel, void *p)
{
	for (size_t i = 0; i < *n_sel; i++)
		if (sel[i] == p)
			return;
	sel[(*n_sel)++] = p;
}

/* Members reached through the same relay share its hop row: dest names them. */
static void dest_add(char *dest, size_t len, const char *name)
{
	size_t used = strlen(dest);
	snprintf(dest + used, len - used, "%s%s", used ? "," : "", name);
}

/* The outbox rows of a new message: one per peer recipient, one per member
 * (its end-to-end state), and one hop per relay in use that is not a
 * recipient itself; a relay that is also a recipient carries the members'
 * names on its own row. */
static int add_rows(struct node *n, int64_t pos, int lane, struct link **sel, size_t n_sel, struct member **mem,
		    size_t n_mem, const struct envelope_recipient *rc)
{
	struct link *routes[ENVELOPE_MAX_RECIPIENTS];
	char dests[ENVELOPE_MAX_RECIPIENTS][256];
	size_t n_routes = 0;
	for (size_t i = 0; i < n_mem; i++) {
		struct link *l = member_route(n, mem[i]);
		size_t r = 0;
		while (r < n_routes && routes[r] != l)
			r++;
		if (r == n_routes) {
			routes[n_routes] = l;
			dests[n_routes++][0] = '\0';
		}
		dest_add(dests[r], sizeof(dests[r]), mem[i]->name);
	}
	for (size_t i = 0; i < n_sel; i++) {
		const char *dest = NULL;
		for (size_t r = 0; r < n_routes; r++)
			if (routes[r] == sel[i]) {
				dest = dests[r];
				routes[r] = NULL; /* served by this row */
			}
		if (store_add_hop(n->store, pos, sel[i]->name, lane, rc[i + 1].stream_seq, dest) < 0)
			return -1;
	}
	for (size_t i = 0; i < n_mem; i++)
		if (store_add_recipient(n->store, pos, mem[i]->name, lane, rc[n_sel + 1 + i].stream_seq) < 0)
			return -1;
	for (size_t r = 0; r < n_routes; r++)
		if (routes[r] && store_add_hop(n->store, pos, routes[r]->name, lane, routes[r]->next_seq[lane] + 1,
					       dests[r]) < 0)
			return -1;
	/* every position is taken only now that every row is written */
	for (size_t r = 0; r < n_routes; r++)
		if (routes[r])
			routes[r]->next_seq[lane]++;
	for (size_t i = 0; i < n_sel; i++)
		sel[i]->next_seq[lane]++;
	for (size_t i = 0; i < n_mem; i++) {
		mem[i]->next_seq[lane]++;
		if (!mem[i]->resend_at)
			member_heard(n, mem[i]); /* starts its resend timer */
	}
	return 0;
}

void api_send(struct node *n, const uint8_t *rid, size_t rid_len, const char *client, uint64_t request_id,
	      const Liaison__SendRequest *req)
{
	struct send_ctx cx = { n, rid, rid_len, request_id };
	struct link **sel = calloc(n->n_links + 1, sizeof(*sel));
	struct link **check = calloc(n->n_links + 1, sizeof(*check));
	struct member **mem = calloc(n->n_members + 1, sizeof(*mem));
	struct envelope_recipient *rc = calloc(n->n_links + n->n_members + 1, sizeof(*rc));
	uint8_t *env = NULL;
	size_t n_sel = 0, n_mem = 0, n_check = 0, env_len = 0;
	int64_t now = time_now_ms();
	if (!sel || !check || !mem || !rc)
		REFUSE(&cx, 1, "out of memory");

	Liaison__MessageType type = req->type;
	if (type < LIAISON__MESSAGE_TYPE__SITREP || type > LIAISON__MESSAGE_TYPE__INTEL)
		REFUSE(&cx, 64, "message type must be sitrep, status, warning or intel");
	if (!req->payload || req->payload->body_case != body_for_type[type])
		REFUSE(&cx, 64, "the payload does not match the type %s", label_type_name(type));
	size_t body_len = liaison__payload__get_packed_size(req->payload);
	if (body_len > n->conf->max_message) {
		char size[32], ours[32];
		limits_format(body_len, size, sizeof(size));
		limits_format(n->conf->max_message, ours, sizeof(ours));
		REFUSE(&cx, 1, "message of %s (%zu bytes) exceeds this node's limit of %s (max_message)", size,
		       body_len, ours);
	}
	size_t bad_at;
	if (req->topic && !label_topic_valid(req->topic, &bad_at)) {
		char why[160];
		label_topic_explain(req->topic, bad_at, why, sizeof(why));
		REFUSE(&cx, 64, "%s", why);
	}
	Liaison__Precedence prec = req->precedence ? req->precedence : label_default_precedence(type);
	if (prec < LIAISON__PRECEDENCE__FLASH || prec > LIAISON__PRECEDENCE__ROUTINE)
		REFUSE(&cx, 64, "unknown precedence %d", (int)prec);
	Liaison__Classification cls = LIAISON__CLASSIFICATION__UNCLASSIFIED;
	if (req->label && req->label->classification)
		cls = req->label->classification;
	if (cls > LIAISON__CLASSIFICATION__TOP_SECRET)
		REFUSE(&cx, 64, "unknown classification %d", (int)cls);
	if (req->label && req->label->tlp > LIAISON__TLP__TLP_RED)
		REFUSE(&cx, 64, "unknown TLP marking %d", (int)req->label->tlp);
	if (req->expires && req->expires <= now)
		REFUSE(&cx, 64, "the expiry time has already passed");

	if (req->all) {
		for (size_t i = 0; i < n->n_links; i++)
			add_once((void **)sel, &n_sel, &n->links[i]);
		for (size_t i = 0; i < n->n_members; i++)
			add_once((void **)mem, &n_mem, &n->members[i]);
	}
	for (size_t i = 0; i < req->n_to; i++) {
		if (!strcmp(req->to[i], n->key->cert.name))
			continue; /* the sender always keeps its own copy */
		struct link *l = node_link(n, req->to[i]);
		struct member *m = l ? NULL : member_find(n, req->to[i]);
		if (!l && !m)
			REFUSE(&cx, 1, "unknown recipient '%s': not a peer or member of %s", req->to[i],
			       n->key->cert.name);
		if (m && !member_route(n, m))
			REFUSE(&cx, 1, "member '%s' has no relay configured here", m->name);
		if (l)
			add_once((void **)sel, &n_sel, l);
		else
			add_once((void **)mem, &n_mem, m);
	}
	if (n_sel + n_mem == 0)
		REFUSE(&cx, 64, "no recipients: name peers or members with --to, or use --all");
	if (n_sel + n_mem + 1 > ENVELOPE_MAX_RECIPIENTS)
		REFUSE(&cx, 64, "more than %d recipients", ENVELOPE_MAX_RECIPIENTS - 1);

	/* The size contract: a message one recipient (or the relay that carries
	 * it to a member) would not take is refused as a whole, so that what the
	 * others get never differs from what the sender asked for. */
	char why[256];
	for (size_t i = 0; i < n_sel; i++)
		add_once((void **)check, &n_check, sel[i]);
	for (size_t i = 0; i < n_mem; i++)
		add_once((void **)check, &n_check, member_route(n, mem[i]));
	if (!limits_check_send(n, check, n_check, body_len, why, sizeof(why))) {
		log_info("send refused: %s", why);
		n->counters.refused++;
		REFUSE(&cx, 1, "%s", why);
	}

	/* Release policy: refuse before anything is sent to anyone. A member's
	 * limit is its own: the relays that carry it cannot read it. */
	for (size_t i = 0; i < n_sel + n_mem; i++) {
		const char *name = i < n_sel ? sel[i]->name : mem[i - n_sel]->name;
		Liaison__Classification limit = i < n_sel ? sel[i]->max_classification : mem[i - n_sel]->max_classification;
		if (limit && cls > limit) {
			char detail[256];
			snprintf(detail, sizeof(detail), "client=%s to=%s classification=%s limit=%s", client, name,
				 label_classification_name(cls), label_classification_name(limit));
			log_info("release refused: %s", detail);
			n->counters.refused++;
			if (node_tx(n) < 0 || store_audit(n->store, "release-refused", detail) < 0) {
				/* the refusal stands; the turn's writes are not kept without their record */
				log_error("audit of a refused release: %s", store_errmsg(n->store));
				n->tx_failed = true;
			}
			REFUSE(&cx, 1, "release refused: %s exceeds %s's limit %s", label_classification_name(cls), name,
			       label_classification_name(limit));
		}
	}
	for (size_t i = 0; i < req->n_references; i++) {
		const Liaison__Reference *ref = req->references[i];
		if (ref->id.len != 16 || ref->kind < LIAISON__REFERENCE_KIND__UPDATES ||
		    ref->kind > LIAISON__REFERENCE_KIND__CANCELS)
			REFUSE(&cx, 64, "malformed reference");
		if (!store_has_message(n->store, ref->id.data)) {
			char hex[HEXID_LEN];
			hexid_format(ref->id.data, hex);
			REFUSE(&cx, 1, "reference %s: no such message at this node", hex);
		}
	}

	int lane = (int)prec - 1;
	rc[0] = (struct envelope_recipient){ n->key->cert.name, n->key->cert.box_pk, 0 };
	for (size_t i = 0; i < n_sel; i++)
		rc[i + 1] = (struct envelope_recipient){ sel[i]->name, sel[i]->cert.box_pk, sel[i]->next_seq[lane] + 1 };
	for (size_t i = 0; i < n_mem; i++)
		rc[n_sel + 1 + i] =
			(struct envelope_recipient){ mem[i]->name, mem[i]->cert.box_pk, mem[i]->next_seq[lane] + 1 };

	Liaison__SecurityLabel label = LIAISON__SECURITY_LABEL__INIT;
	if (req->label)
		label = *req->label;
	label.classification = cls;
	Liaison__Header h = LIAISON__HEADER__INIT;
	h.sender = n->key->cert.name;
	h.sequence = n->sequence + 1;
	h.created = now;
	h.expires = req->expires;
	h.type = type;
	h.topic = req->topic ? req->topic : "";
	h.precedence = prec;
	h.label = &label;
	h.references = req->references;
	h.n_references = req->n_references;
	uint8_t id[ENVELOPE_ID_LEN];
	int err = envelope_seal(n->sealer, &h, req->payload, rc, n_sel + n_mem + 1, now, &env, &env_len, id);
	if (err != LIAISON_OK)
		REFUSE(&cx, 1, "cannot seal: %s", liaison_strerror(err));

	if (node_tx(n) < 0)
		REFUSE(&cx, 1, "the node cannot store messages now");
	h.id.data = id;
	h.id.len = ENVELOPE_ID_LEN;
	int64_t pos;
	if (store_put_message(n->store, &h, env, env_len, now, &pos) != 0 ||
	    cap_chain_record(n->store, pos, &h, req->payload) < 0)
		goto store_failed;
	if (add_rows(n, pos, lane, sel, n_sel, mem, n_mem, rc) < 0)
		goto store_failed;
	n->sequence++;
	readcache_put(n->readcache, pos, env, env_len); /* sealed here */

	Liaison__ApiReply reply = LIAISON__API_REPLY__INIT;
	Liaison__SendReply sr = LIAISON__SEND_REPLY__INIT;
	sr.id.data = id;
	sr.id.len = ENVELOPE_ID_LEN;
	reply.version = 1;
	reply.request_id = request_id;
	reply.kind_case = LIAISON__API_REPLY__KIND_SEND;
	reply.send = &sr;
	size_t ok_len, fail_len;
	uint8_t *ok = api_reply_pack(&reply, &ok_len);
	uint8_t *fail = api_error_pack(request_id, 1, &fail_len,
				       "the node could not store the message (see its log); nothing was sent");
	node_defer(n, n->api, rid, rid_len, ok, ok_len, fail, fail_len);
	goto out;
store_failed:
	log_error("store: %s", store_errmsg(n->store));
	n->tx_failed = true;
	api_error(n, rid, rid_len, request_id, 1, "the node could not store the message: %s", store_errmsg(n->store));
out:
	free(env);
	free(sel);
	free(check);
	free(mem);
	free(rc);
}

/* Administration without editing files: `liaison admin peer|member|client
 * add|remove`. The client sends the certificate's text; the node checks it
 * as configuration loading does, stores it under its data directory, records
 * the change in DATA_DIR/admin.conf, applies it at once (node_reload) and
 * writes it to the audit chain. Removal is revocation: the ZAP handler and
 * every API request consult the running configuration, so a removed peer's
 * link closes and a removed client's next request is refused (77). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api_admin_ops.h"
#include "api_reply.h"
#include "api_subscribe.h"
#include "node_lookup.h"
#include "turn.h"
#include "log.h"
#include "rotate.h"
#include "labels.h"
#include "config_value.h"
#include "member.h"

int admin_commit(struct node *n, struct overlay *o, char *err, size_t errlen)
{
	struct config *conf = NULL;
	if (config_load(n->conf->path, &conf, err, errlen) < 0)
		return -1;
	if (overlay_apply(o, conf, err, errlen) < 0 || overlay_save(o, err, errlen) < 0) {
		config_free(&conf);
		return -1;
	}
	return node_reload(n, conf);
}


/* A certificate sent by an admin client: checked as configuration loading
 * checks it, then kept under the data directory (*rel: its path there,
 * caller frees). 0, or -1 with the reason in err. */
static int take_cert(struct node *n, const ProtobufCBinaryData *text, bool client, const char *name,
		     struct liaison_cert *cert, char **rel, char *err, size_t errlen)
{
	if (overlay_cert_check(text->data, text->len, client ? CERT_CLIENT : CERT_NODE, name, cert, err, errlen) < 0)
		return -1;
	return overlay_store_cert(n->conf->data_dir, client, cert, rel, err, errlen);
}
static void reply_text(struct node *n, const uint8_t *rid, size_t rid_len, uint64_t request_id, const char *text)
{
	Liaison__ApiReply r = LIAISON__API_REPLY__INIT;
	Liaison__AdminReply a = LIAISON__ADMIN_REPLY__INIT;
	r.version = 1;
	r.request_id = request_id;
	r.kind_case = LIAISON__API_REPLY__KIND_ADMIN;
	r.admin = &a;
	a.message = (char *)text;
	api_reply(n, rid, rid_len, &r);
}

static void audit(struct node *n, const char *kind, const char *detail)
{
	if (node_tx(n) < 0 || store_audit(n->store, kind, detail) < 0)
		n->tx_failed = true;
}

/* Records the removal of (kind, name) in the overlay and applies it; on a
 * refusal answers the client and returns false. exists: whether the
 * running configuration has it. */
static bool commit_removal(struct node *n, struct overlay *o, enum overlay_kind kind, const char *what,
			   const char *name, bool exists, const uint8_t *rid, size_t rid_len, uint64_t request_id)
{
	char err[600];
	struct overlay_entry *e = exists ? overlay_put(o, kind, name) : NULL;
	if (!exists) {
		api_error(n, rid, rid_len, request_id, 1, "no %s '%s' to remove", what, name);
		return false;
	}
	if (!e) {
		api_error(n, rid, rid_len, request_id, 1, "out of memory");
		return false;
	}
	e->removed = true;
	if (admin_commit(n, o, err, sizeof(err)) < 0) {
		api_error(n, rid, rid_len, request_id, 1, "%s %s not removed: %s", what, name, err);
		return false;
	}
	return true;
}

/* Messages still queued for a peer that is gone: reported, kept. */
static uint64_t queued_for(struct node *n, const char *peer)
{
	uint64_t total = 0;
	for (int lane = 0; lane < LANES; lane++) {
		uint64_t first = store_first_pending(n->store, peer, lane);
		if (first)
			total += store_max_stream_seq(n->store, peer, lane) - first + 1;
	}
	return total;
}

void api_admin_peer(struct node *n, const uint8_t *rid, size_t rid_len, const char *client, uint64_t request_id,
		    const Liaison__AdminPeerRequest *req)
{
	/* client names the running configuration, which admin_commit replaces */
	char by[LIAISON_NAME_MAX + 1];
	snprintf(by, sizeof(by), "%s", client);
	client = by;
	char err[600], text[700], detail[300];
	struct overlay *o = NULL;
	struct liaison_cert cert;
	const char *name = req->name ? req->name : "";
	if (!liaison_name_valid(name)) {
		api_error(n, rid, rid_len, request_id, 64, "invalid peer name '%s'", name);
		return;
	}
	if (overlay_load(n->conf->data_dir, &o, err, sizeof(err)) < 0) {
		api_error(n, rid, rid_len, request_id, 78, "%s", err);
		return;
	}
	if (req->remove) {
		if (!commit_removal(n, o, OVERLAY_PEER, "peer", name, node_link(n, name) != NULL, rid, rid_len,
				    request_id))
			goto out;
		/* Its connection into our listening socket ends too: libzmq cannot
		 * close one peer of a ROUTER, so every inbound connection is
		 * dropped; the others reconnect at once, and ZAP refuses this one. */
		rotate_rebind(n, n->router, n->conf->listen);
		uint64_t queued = queued_for(n, name);
		snprintf(detail, sizeof(detail), "peer=%s by=%s queued=%llu", name, client, (unsigned long long)queued);
		audit(n, "peer-remove", detail);
		log_info("peer %s removed by %s: link closed, its key refused; %llu messages stay queued for it", name,
			 client, (unsigned long long)queued);
		snprintf(text, sizeof(text), "peer %s removed: its link is closed and its key refused; %llu queued "
					    "messages for it stay in the store",
			 name, (unsigned long long)queued);
		reply_text(n, rid, rid_len, request_id, text);
		goto out;
	}
	if (!strcmp(name, n->key->cert.name)) {
		api_error(n, rid, rid_len, request_id, 1, "peer '%s' has the name of this node", name);
		goto out;
	}
	if (node_link(n, name)) {
		api_error(n, rid, rid_len, request_id, 1, "peer %s exists: remove it first", name);
		goto out;
	}
	if (!req->endpoint || !config_endpoint_valid(req->endpoint, true)) {
		api_error(n, rid, rid_len, request_id, 64, "endpoint '%s' is not tcp://HOST:PORT or ipc://PATH",
			  req->endpoint ? req->endpoint : "");
		goto out;
	}
	char *rel = NULL;
	if (take_cert(n, &req->cert, false, name, &cert, &rel, err, sizeof(err)) < 0) {
		api_error(n, rid, rid_len, request_id, 1, "peer %s not added: %s", name, err);
		goto out;
	}
	struct overlay_entry *e = overlay_put(o, OVERLAY_PEER, name);
	if (!e || !(e->endpoint = strdup(req->endpoint))) {
		free(rel);
		api_error(n, rid, rid_len, request_id, 1, "out of memory");
		goto out;
	}
	e->cert = rel;
	e->max_classification = req->max_classification;
	if (admin_commit(n, o, err, sizeof(err)) < 0) {
		api_error(n, rid, rid_len, request_id, 1, "peer %s not added: %s", name, err);
		goto out;
	}
	char fp[LIAISON_FINGERPRINT_LEN];
	cert_fingerprint(&cert, fp);
	snprintf(detail, sizeof(detail), "peer=%s fingerprint=%s endpoint=%s by=%s", name, fp, req->endpoint, client);
	audit(n, "peer-add", detail);
	log_info("peer %s (%s) at %s added by %s", name, fp, req->endpoint, client);
	snprintf(text, sizeof(text), "peer %s (%s) added at %s", name, fp, req->endpoint);
	reply_text(n, rid, rid_len, request_id, text);
out:
	overlay_free(&o);
}

void api_admin_client(struct node *n, const uint8_t *rid, size_t rid_len, const char *client, uint64_t request_id,
		      const Liaison__AdminClientRequest *req)
{
	/* client names the running configuration, which admin_commit replaces */
	char by[LIAISON_NAME_MAX + 1];
	snprintf(by, sizeof(by), "%s", client);
	client = by;
	char err[600], text[700], detail[300];
	struct overlay *o = NULL;
	struct liaison_cert cert;
	enum role role = ROLE_READER;
	const char *name = req->name ? req->name : "";
	if (!liaison_name_valid(name)) {
		api_error(n, rid, rid_len, request_id, 64, "invalid client name '%s'", name);
		return;
	}
	if (overlay_load(n->conf->data_dir, &o, err, sizeof(err)) < 0) {
		api_error(n, rid, rid_len, request_id, 78, "%s", err);
		return;
	}
	/* admin_commit replaces n->conf: keep only whether the client existed */
	bool have = config_client(n->conf, name) != NULL;
	if (req->remove) {
		if (!commit_removal(n, o, OVERLAY_CLIENT, "client", name, have, rid, rid_len, request_id))
			goto out;
		sub_end_client(n, name);
		snprintf(detail, sizeof(detail), "client=%s by=%s", name, client);
		audit(n, "client-remove", detail);
		log_info("client %s removed by %s: its key is refused and its subscriptions ended", name, client);
		snprintf(text, sizeof(text), "client %s removed: its key is refused, its requests and subscriptions "
					    "end now",
			 name);
		reply_text(n, rid, rid_len, request_id, text);
		goto out;
	}
	if (!req->role || !config_role_parse(req->role, &role)) {
		api_error(n, rid, rid_len, request_id, 64, "unknown role '%s' (reader, officer or admin)",
			  req->role ? req->role : "");
		goto out;
	}
	if (have && !req->replace) {
		api_error(n, rid, rid_len, request_id, 1, "client %s exists: use --replace to give it a new certificate",
			  name);
		goto out;
	}
	char *rel = NULL;
	if (take_cert(n, &req->cert, true, name, &cert, &rel, err, sizeof(err)) < 0) {
		api_error(n, rid, rid_len, request_id, 1, "client %s not added: %s", name, err);
		goto out;
	}
	struct overlay_entry *e = overlay_put(o, OVERLAY_CLIENT, name);
	if (!e) {
		free(rel);
		api_error(n, rid, rid_len, request_id, 1, "out of memory");
		goto out;
	}
	e->cert = rel;
	e->role = role;
	if (admin_commit(n, o, err, sizeof(err)) < 0) {
		api_error(n, rid, rid_len, request_id, 1, "client %s not added: %s", name, err);
		goto out;
	}
	if (have) /* the old certificate's subscriptions end with it */
		sub_end_client(n, name);
	char fp[LIAISON_FINGERPRINT_LEN];
	cert_fingerprint(&cert, fp);
	snprintf(detail, sizeof(detail), "client=%s fingerprint=%s role=%s by=%s%s", name, fp, role_name(role), client,
		 have ? " replaced" : "");
	audit(n, have ? "client-replace" : "client-add", detail);
	log_info("client %s (%s, %s) %s by %s", name, fp, role_name(role), have ? "given a new certificate" : "added",
		 client);
	snprintf(text, sizeof(text), "client %s (%s) %s with role %s", name, fp,
		 have ? "has a new certificate" : "added", role_name(role));
	reply_text(n, rid, rid_len, request_id, text);
out:
	overlay_free(&o);
}

void api_admin_member(struct node *n, const uint8_t *rid, size_t rid_len, const char *client, uint64_t request_id,
		      const Liaison__AdminMemberRequest *req)
{
	char by[LIAISON_NAME_MAX + 1];
	snprintf(by, sizeof(by), "%s", client);
	client = by;
	char err[600], text[700], detail[400], via[MEMBER_VIA_MAX * (LIAISON_NAME_MAX + 2)] = "";
	struct overlay *o = NULL;
	struct liaison_cert cert;
	const char *name = req->name ? req->name : "";
	if (!liaison_name_valid(name)) {
		api_error(n, rid, rid_len, request_id, 64, "invalid member name '%s'", name);
		return;
	}
	if (!req->remove) {
		if (req->n_via == 0 || req->n_via > MEMBER_VIA_MAX) {
			api_error(n, rid, rid_len, request_id, 64, "a member needs 1 to %d relays (--via PEER[,PEER])",
				  MEMBER_VIA_MAX);
			return;
		}
		for (size_t i = 0; i < req->n_via; i++) {
			if (!node_link(n, req->via[i])) {
				api_error(n, rid, rid_len, request_id, 1, "via '%s' is not a peer of %s", req->via[i],
					  n->key->cert.name);
				return;
			}
			size_t used = strlen(via);
			snprintf(via + used, sizeof(via) - used, "%s%s", i ? ", " : "", req->via[i]);
		}
	}
	if (overlay_load(n->conf->data_dir, &o, err, sizeof(err)) < 0) {
		api_error(n, rid, rid_len, request_id, 78, "%s", err);
		return;
	}
	if (req->remove) {
		if (!commit_removal(n, o, OVERLAY_MEMBER, "member", name, member_find(n, name) != NULL, rid, rid_len,
				    request_id))
			goto out;
		uint64_t queued = queued_for(n, name);
		snprintf(detail, sizeof(detail), "member=%s by=%s queued=%llu", name, client, (unsigned long long)queued);
		audit(n, "member-remove", detail);
		log_info("member %s removed by %s; %llu messages stay queued for it", name, client,
			 (unsigned long long)queued);
		snprintf(text, sizeof(text), "member %s removed; %llu queued messages for it stay in the store", name,
			 (unsigned long long)queued);
		reply_text(n, rid, rid_len, request_id, text);
		goto out;
	}
	if (!strcmp(name, n->key->cert.name) || node_link(n, name) || member_find(n, name)) {
		api_error(n, rid, rid_len, request_id, 1, "%s '%s' exists%s", member_find(n, name) ? "member" : "peer",
			  name, member_find(n, name) ? ": remove it first" : "");
		goto out;
	}
	char *rel = NULL;
	if (take_cert(n, &req->cert, false, name, &cert, &rel, err, sizeof(err)) < 0) {
		api_error(n, rid, rid_len, request_id, 1, "member %s not added: %s", name, err);
		goto out;
	}
	struct overlay_entry *e = overlay_put(o, OVERLAY_MEMBER, name);
	if (!e || !(e->via = strdup(via))) {
		free(rel);
		api_error(n, rid, rid_len, request_id, 1, "out of memory");
		goto out;
	}
	e->cert = rel;
	e->max_classification = req->max_classification;
	if (admin_commit(n, o, err, sizeof(err)) < 0) {
		api_error(n, rid, rid_len, request_id, 1, "member %s not added: %s", name, err);
		goto out;
	}
	char fp[LIAISON_FINGERPRINT_LEN];
	cert_fingerprint(&cert, fp);
	snprintf(detail, sizeof(detail), "member=%s fingerprint=%s via=%s by=%s", name, fp, via, client);
	audit(n, "member-add", detail);
	log_info("member %s (%s) via %s added by %s", name, fp, via, client);
	snprintf(text, sizeof(text), "member %s (%s) added, reached via %s", name, fp, via);
	reply_text(n, rid, rid_len, request_id, text);
out:
	overlay_free(&o);
}

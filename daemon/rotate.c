/* Key rotation without downtime.
 *
 * The rotating node makes a new key (same name) under DATA_DIR/keys, keeps
 * every certificate it had under DATA_DIR/certs, names the new key in
 * admin.conf ([node] key, which wins over the main file), and announces the new certificate to every peer in
 * a frame signed by the old key (which the peer has pinned) and by the new
 * one (proof of possession), over "liaison-key-rotate-v1\0" || certificate
 * || overlap end. A peer that verifies both pins the new certificate in its
 * admin.conf and accepts the old key too until the overlap ends.
 *
 * Transport: the listening socket takes the new CURVE key at once (a peer
 * that has not pinned it yet cannot connect in until it has). The API
 * socket keeps the old key for the overlap, so local clients go on working,
 * and takes the new one at its end, when DATA_DIR/certs/NAME.pub (the
 * clients' node_cert) changes with it. Our own links to peers keep the old
 * key until that peer acknowledged the announcement, because the
 * announcement travels on them and an unannounced peer admits only the old
 * key; then they reconnect with the new one. During the overlap we open
 * envelopes sealed to either key. The announcement is resent on every
 * reconnect and every RESYNC_MS until acknowledged; a peer that never heard
 * it by the end of the overlap must be given the new certificate by hand. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>
#include <sodium.h>
#include "rotate.h"
#include "config_overlay.h"
#include "api_admin_ops.h"
#include "api_reply.h"
#include "node_lookup.h"
#include "peer_link.h"
#include "safefile.h"
#include "turn.h"
#include "log.h"
#include "keyring.h"
#include "timefmt.h"

/* The signed message: domain (with its NUL), certificate text, overlap end (big endian). */
static uint8_t *signed_message(const uint8_t *cert, size_t cert_len, int64_t until, size_t *len)
{
	size_t dl = sizeof(ROTATE_DOMAIN);
	*len = dl + cert_len + 8;
	uint8_t *m = malloc(*len);
	if (!m)
		return NULL;
	memcpy(m, ROTATE_DOMAIN, dl);
	memcpy(m + dl, cert, cert_len);
	for (int i = 0; i < 8; i++)
		m[dl + cert_len + (size_t)i] = (uint8_t)((uint64_t)until >> (56 - 8 * i));
	return m;
}

static void kid_hex(const struct liaison_cert *c, char out[2 * LIAISON_KEY_ID + 1])
{
	uint8_t kid[LIAISON_KEY_ID];
	cert_key_id(c, kid);
	sodium_bin2hex(out, 2 * LIAISON_KEY_ID + 1, kid, sizeof(kid));
}

/* Packs the announcement of n->key, signed by n->prev_key and n->key. */
static int build_announce(struct node *n)
{
	char *text = cert_format(&n->key->cert);
	size_t mlen;
	uint8_t *m = text ? signed_message((uint8_t *)text, strlen(text), n->prev_until, &mlen) : NULL;
	if (!m) {
		free(text);
		return -1;
	}
	uint8_t sig_old[crypto_sign_BYTES], sig_new[crypto_sign_BYTES];
	crypto_sign_detached(sig_old, NULL, m, mlen, n->prev_key->secret->sign_sk);
	crypto_sign_detached(sig_new, NULL, m, mlen, n->key->secret->sign_sk);
	free(m);
	Liaison__PeerFrame f = LIAISON__PEER_FRAME__INIT;
	Liaison__PeerKeyAnnounce a = LIAISON__PEER_KEY_ANNOUNCE__INIT;
	a.new_cert.data = (uint8_t *)text;
	a.new_cert.len = strlen(text);
	a.sig_old.data = sig_old;
	a.sig_old.len = sizeof(sig_old);
	a.sig_new.data = sig_new;
	a.sig_new.len = sizeof(sig_new);
	a.overlap_until = n->prev_until;
	f.version = 1;
	f.kind_case = LIAISON__PEER_FRAME__KIND_KEY_ANNOUNCE;
	f.key_announce = &a;
	free(n->announce);
	n->announce_len = liaison__peer_frame__get_packed_size(&f);
	n->announce = malloc(n->announce_len);
	if (n->announce)
		liaison__peer_frame__pack(&f, n->announce);
	free(text);
	return n->announce ? 0 : -1;
}

/* Both sockets that others reach us on take the current key. Unbinding
 * ends the connections accepted on them; peers and clients reconnect. */
void rotate_rebind(struct node *n, void *s, const char *endpoint)
{
	const struct liaison_key *k = s == n->api ? rotate_api_key(n) : n->key;
	zmq_unbind(s, endpoint);
	zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, k->secret->box_sk, 32);
	for (int i = 0; i < 100; i++) { /* the old listener closes asynchronously */
		if (zmq_bind(s, endpoint) == 0)
			return;
		usleep(20000);
	}
	log_error("cannot listen on %s again after the key rotation: %s", endpoint, zmq_strerror(errno));
}

static void swap_openers(struct node *n)
{
	struct sealer *s = sealer_new(n->key, 3600, 100000);
	struct opener *o = opener_new(n->key);
	if (!s || !o) {
		sealer_destroy(&s);
		opener_destroy(&o);
		log_error("key rotation: out of memory; the node keeps sealing with its previous key");
		return;
	}
	sealer_destroy(&n->sealer);
	opener_destroy(&n->opener);
	n->sealer = s;
	n->opener = o;
	keyring_load(n);
}

static char *pending_list(struct node *n)
{
	size_t cap = n->n_links * (LIAISON_NAME_MAX + 1) + 1, len = 0;
	char *s = calloc(1, cap);
	for (size_t i = 0; s && i < n->n_links; i++)
		if (n->links[i].announce_pending)
			len += (size_t)snprintf(s + len, cap - len, "%s%s", len ? " " : "", n->links[i].name);
	return s;
}

/* Records the rotation state in admin.conf (prev_rel NULL: none), and the
 * node's current key when key_rel is not NULL. One atomic rewrite. */
static int save_rotation(struct node *n, const char *prev_rel, const char *key_rel, char *err, size_t errlen)
{
	struct overlay *o = NULL;
	if (overlay_load(n->conf->data_dir, &o, err, errlen) < 0)
		return -1;
	free(o->prev_key);
	free(o->pending);
	o->prev_key = prev_rel ? strdup(prev_rel) : NULL;
	o->pending = prev_rel ? pending_list(n) : NULL;
	o->prev_until = n->prev_until;
	int rc = 0;
	if (key_rel) {
		free(o->node_key);
		if (!(o->node_key = strdup(key_rel)))
			rc = -1;
	}
	if (rc == 0 && prev_rel && (!o->prev_key || !o->pending))
		rc = -1;
	if (rc < 0)
		snprintf(err, errlen, "out of memory");
	else
		rc = overlay_save(o, err, errlen);
	overlay_free(&o);
	return rc;
}

const struct liaison_key *rotate_api_key(const struct node *n)
{
	return n->prev_key ? n->prev_key : n->key;
}

/* DATA_DIR/certs/NAME.pub: the certificate of the key the API socket uses,
 * for local clients (node_cert). */
int rotate_publish_cert(struct node *n)
{
	char dir[4096], path[4200];
	snprintf(dir, sizeof(dir), "%s/certs", n->conf->data_dir);
	const struct liaison_key *k = rotate_api_key(n);
	snprintf(path, sizeof(path), "%s/%s.pub", dir, k->cert.name);
	struct liaison_cert have;
	if (cert_load(path, &have) == LIAISON_OK && !memcmp(&have, &k->cert, sizeof(have)))
		return 0;
	char *text = cert_format(&k->cert);
	int rc = text && safefile_mkdir(dir, 0755) == 0 ? safefile_replace(path, text, strlen(text), 0644) : -1;
	if (rc < 0)
		log_warn("cannot write %s: %s", path, strerror(errno));
	free(text);
	return rc;
}

void api_rotate_key(struct node *n, const uint8_t *rid, size_t rid_len, const char *client, uint64_t request_id,
		    const Liaison__RotateKeyRequest *req)
{
	char err[600], path[4200], key_rel[300], hex_old[17], hex_new[17], dir[4096];
	struct liaison_key *fresh = NULL, *old = n->key;
	if (n->prev_key) {
		api_error(n, rid, rid_len, request_id, 1, "a key rotation is in progress until its overlap ends");
		return;
	}
	int64_t overlap = req->overlap > 0 ? req->overlap : ROTATE_DEFAULT_OVERLAP_S;
	if (overlap > ROTATE_MAX_OVERLAP_S) {
		api_error(n, rid, rid_len, request_id, 64, "an overlap of at most 90d: peers accept an old key no longer");
		return;
	}
	if (key_generate(old->cert.name, CERT_NODE, &fresh) != LIAISON_OK) {
		api_error(n, rid, rid_len, request_id, 1, "cannot generate a key");
		return;
	}
	kid_hex(&old->cert, hex_old);
	kid_hex(&fresh->cert, hex_new);
	/* 1. the new key under DATA_DIR/keys (O_EXCL, 0600, fsynced), both
	 * certificates under DATA_DIR/certs. The configured key file is not
	 * touched: the service may not write /etc, and it stays the record of
	 * the key the node started with. */
	snprintf(dir, sizeof(dir), "%s/keys", n->conf->data_dir);
	snprintf(key_rel, sizeof(key_rel), "keys/%s.%s.key", fresh->cert.name, hex_new);
	snprintf(path, sizeof(path), "%s/%s", n->conf->data_dir, key_rel);
	if (safefile_mkdir(dir, 0700) < 0 || key_write(fresh, path) != LIAISON_OK || safefile_sync_dir(path) < 0) {
		api_error(n, rid, rid_len, request_id, 1, "cannot write the new key to %s: %s", path, strerror(errno));
		goto fail;
	}
	/* the old key too, beside it: what was sealed to it stays readable */
	snprintf(path, sizeof(path), "%s/keys/%s.%s.key", n->conf->data_dir, old->cert.name, hex_old);
	int krc = key_write(old, path);
	if ((krc != LIAISON_OK && krc != LIAISON_E_EXISTS) || safefile_sync_dir(path) < 0) {
		api_error(n, rid, rid_len, request_id, 1, "cannot keep the old key in %s: %s", path, strerror(errno));
		goto fail;
	}
	snprintf(dir, sizeof(dir), "%s/certs", n->conf->data_dir);
	const struct liaison_cert *certs[2] = { &old->cert, &fresh->cert };
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s-%s.pub", dir, certs[i]->name, i ? hex_new : hex_old);
		int rc = safefile_mkdir(dir, 0755) < 0 ? LIAISON_E_IO : cert_write(certs[i], path);
		if (rc != LIAISON_OK && rc != LIAISON_E_EXISTS) {
			api_error(n, rid, rid_len, request_id, 1, "cannot write %s: %s", path, strerror(errno));
			goto fail;
		}
	}
	/* 2. the one commit point: admin.conf names the new key as the node's
	 * and the old one as accepted until the overlap ends. A crash before
	 * it leaves an unused key file; after it, the node starts with the new
	 * key and resumes the announcements. */
	n->prev_until = time_now_ms() + overlap * 1000;
	for (size_t i = 0; i < n->n_links; i++)
		n->links[i].announce_pending = true;
	if (save_rotation(n, n->conf->key_path, key_rel, err, sizeof(err)) < 0) {
		api_error(n, rid, rid_len, request_id, 1, "cannot record the rotation: %s", err);
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/%s", n->conf->data_dir, key_rel);
	char *kp = strdup(path);
	if (kp) {
		free(n->conf->key_path);
		n->conf->key_path = kp;
	}
	/* 3. in memory: new key, both openers, the announcement */
	n->prev_key = old;
	n->key = fresh;
	cert_fingerprint(&fresh->cert, n->fingerprint);
	swap_openers(n);
	for (size_t i = 0; i < n->n_links; i++)
		n->links[i].old_transport = n->links[i].dealer != NULL;
	if (build_announce(n) < 0)
		log_error("cannot build the key announcement");
	rotate_rebind(n, n->router, n->conf->listen);
	char fp_old[LIAISON_FINGERPRINT_LEN], fp_new[LIAISON_FINGERPRINT_LEN], detail[300], text[600];
	cert_fingerprint(&old->cert, fp_old);
	cert_fingerprint(&fresh->cert, fp_new);
	snprintf(detail, sizeof(detail), "old=%s new=%s overlap=%llds by=%s", fp_old, fp_new, (long long)overlap,
		 client);
	if (node_tx(n) < 0 || store_audit(n->store, "key-rotate", detail) < 0)
		n->tx_failed = true;
	log_info("node key rotated by %s: %s -> %s; the old key stays accepted for %llds", client, fp_old, fp_new,
		 (long long)overlap);
	snprintf(text, sizeof(text),
		 "node key rotated: %s -> %s; %zu peers to tell, old key accepted for %llds; new certificate "
		 "%s/certs/%s-%s.pub",
		 fp_old, fp_new, n->n_links, (long long)overlap, n->conf->data_dir, fresh->cert.name, hex_new);
	Liaison__ApiReply r = LIAISON__API_REPLY__INIT;
	Liaison__AdminReply a = LIAISON__ADMIN_REPLY__INIT;
	r.version = 1;
	r.request_id = request_id;
	r.kind_case = LIAISON__API_REPLY__KIND_ADMIN;
	r.admin = &a;
	a.message = text;
	api_reply(n, rid, rid_len, &r);
	return;
fail:
	for (size_t i = 0; i < n->n_links; i++)
		n->links[i].announce_pending = false;
	n->prev_until = 0;
	key_destroy(&fresh);
}

static void end_overlap(struct node *n)
{
	char err[600];
	char *left = pending_list(n);
	if (left && *left)
		log_warn("key rotation: the overlap ended before %s acknowledged the new key: give them %s/certs/%s.pub "
			 "by hand",
			 left, n->conf->data_dir, n->key->cert.name);
	else
		log_info("key rotation: overlap over, the previous key is retired");
	free(left);
	/* from now on the previous key is not used: its file stays where it
	 * was, for the administrator to archive or destroy */
	for (size_t i = 0; i < n->n_links; i++) {
		struct link *l = &n->links[i];
		l->announce_pending = false;
		if (l->old_transport) {
			l->old_transport = false;
			link_close(l);
			link_open(n, l);
		}
	}
	key_destroy(&n->prev_key);
	free(n->announce);
	n->announce = NULL;
	n->prev_until = 0;
	/* local clients: the API socket and DATA_DIR/certs/NAME.pub change together */
	rotate_publish_cert(n);
	rotate_rebind(n, n->api, n->conf->api);
	if (save_rotation(n, NULL, NULL, err, sizeof(err)) < 0)
		log_error("%s", err);
}

void rotate_tick_node(struct node *n)
{
	if (n->prev_key && time_now_ms() >= n->prev_until)
		end_overlap(n);
}

void rotate_tick(struct node *n, struct link *l, int64_t now)
{
	if (!n->announce || !l->announce_pending || !l->connected || now - l->last_announce < RESYNC_MS)
		return;
	l->last_announce = now;
	if (zmq_send(l->dealer, n->announce, n->announce_len, ZMQ_DONTWAIT) == (int)n->announce_len)
		log_debug("peer %s: key announcement sent", l->name);
}

void rotate_on_ack(struct node *n, struct link *l, const Liaison__PeerKeyAck *ack)
{
	uint8_t kid[LIAISON_KEY_ID];
	char err[600];
	cert_key_id(&n->key->cert, kid);
	if (!l->announce_pending || ack->key_id.len != sizeof(kid) || memcmp(ack->key_id.data, kid, sizeof(kid)))
		return;
	l->announce_pending = false;
	log_info("peer %s pinned our new key", l->name);
	char detail[100];
	snprintf(detail, sizeof(detail), "peer=%s", l->name);
	if (node_tx(n) < 0 || store_audit(n->store, "key-rotate-ack", detail) < 0)
		n->tx_failed = true;
	struct overlay *o = NULL;
	if (overlay_load(n->conf->data_dir, &o, err, sizeof(err)) == 0 && o->prev_key) {
		char *rel = strdup(o->prev_key);
		if (rel && save_rotation(n, rel, NULL, err, sizeof(err)) < 0)
			log_error("%s", err);
		free(rel);
	}
	overlay_free(&o);
	if (l->old_transport) { /* from now on it admits our new key */
		l->old_transport = false;
		link_close(l);
		link_open(n, l);
	}
}

int rotate_resume(struct node *n)
{
	char err[600], path[4200];
	struct overlay *o = NULL;
	if (overlay_load(n->conf->data_dir, &o, err, sizeof(err)) < 0) {
		log_error("%s", err);
		return -1;
	}
	if (!o->prev_key) {
		overlay_free(&o);
		return 0;
	}
	struct liaison_key *old = NULL;
	if (o->prev_key[0] == '/')
		snprintf(path, sizeof(path), "%s", o->prev_key);
	else
		snprintf(path, sizeof(path), "%s/%s", n->conf->data_dir, o->prev_key);
	int rc = key_load(path, &old);
	bool same = rc == LIAISON_OK && !memcmp(old->cert.sign_pk, n->key->cert.sign_pk, LIAISON_SIGN_PK);
	if (rc != LIAISON_OK || same || time_now_ms() >= o->prev_until) {
		if (rc != LIAISON_OK)
			log_warn("key rotation: previous key %s: %s; the rotation is over", path, liaison_strerror(rc));
		key_destroy(&old);
		n->prev_until = 0;
		overlay_free(&o);
		return save_rotation(n, NULL, NULL, err, sizeof(err));
	}
	n->prev_key = old;
	n->prev_until = o->prev_until;
	swap_openers(n);
	for (size_t i = 0; i < n->n_links; i++) {
		char want[LIAISON_NAME_MAX + 3];
		snprintf(want, sizeof(want), " %s ", n->links[i].name);
		char hay[4096];
		snprintf(hay, sizeof(hay), " %s ", o->pending ? o->pending : "");
		n->links[i].announce_pending = n->links[i].old_transport = strstr(hay, want) != NULL;
	}
	overlay_free(&o);
	log_info("key rotation resumed: previous key accepted until %lld", (long long)n->prev_until);
	return build_announce(n);
}

void rotate_take_announce(struct node *n, struct link *l, const uint8_t *rid, size_t rid_len,
			  const Liaison__PeerKeyAnnounce *a)
{
	char err[600];
	struct liaison_cert fresh;
	struct overlay *o = NULL;
	if (overlay_cert_check(a->new_cert.data, a->new_cert.len, CERT_NODE, l->name, &fresh, err, sizeof(err)) < 0) {
		log_warn("peer %s: key announcement refused: %s", l->name, err);
		return;
	}
	bool known = !memcmp(fresh.sign_pk, l->cert.sign_pk, LIAISON_SIGN_PK);
	if (!known) {
		size_t mlen;
		uint8_t *m = signed_message(a->new_cert.data, a->new_cert.len, a->overlap_until, &mlen);
		bool ok = m && a->sig_old.len == crypto_sign_BYTES && a->sig_new.len == crypto_sign_BYTES &&
			  crypto_sign_verify_detached(a->sig_old.data, m, mlen, l->cert.sign_pk) == 0 &&
			  crypto_sign_verify_detached(a->sig_new.data, m, mlen, fresh.sign_pk) == 0;
		free(m);
		if (!ok) {
			log_warn("peer %s: key announcement refused: its signatures do not hold", l->name);
			return;
		}
		if (a->overlap_until <= time_now_ms())
			log_warn("peer %s: key announcement arrived after its overlap ended", l->name);
		char *rel_new = NULL, *rel_old = NULL;
		if (overlay_load(n->conf->data_dir, &o, err, sizeof(err)) < 0 ||
		    overlay_store_cert(n->conf->data_dir, false, &fresh, &rel_new, err, sizeof(err)) < 0 ||
		    overlay_store_cert(n->conf->data_dir, false, &l->cert, &rel_old, err, sizeof(err)) < 0) {
			log_error("peer %s: cannot pin its new key: %s", l->name, err);
			free(rel_new);
			overlay_free(&o);
			return;
		}
		struct overlay_entry *e = overlay_put(o, OVERLAY_PEER, l->name);
		char name[LIAISON_NAME_MAX + 1], fp_old[LIAISON_FINGERPRINT_LEN], fp_new[LIAISON_FINGERPRINT_LEN];
		snprintf(name, sizeof(name), "%s", l->name);
		cert_fingerprint(&l->cert, fp_old);
		cert_fingerprint(&fresh, fp_new);
		if (!e || !(e->endpoint = strdup(l->endpoint))) {
			free(rel_new);
			free(rel_old);
			overlay_free(&o);
			return;
		}
		e->cert = rel_new;
		e->prev_cert = rel_old;
		/* the peer chooses its overlap; we bound how long its old key stays good here */
		int64_t cap = time_now_ms() + (int64_t)ROTATE_MAX_OVERLAP_S * 1000;
		e->prev_until = a->overlap_until < cap ? a->overlap_until : cap;
		e->max_classification = l->max_classification;
		int64_t e_until = e->prev_until;
		if (admin_commit(n, o, err, sizeof(err)) < 0) { /* l is gone after this */
			log_error("peer %s: cannot pin its new key: %s", name, err);
			overlay_free(&o);
			return;
		}
		overlay_free(&o);
		char detail[200];
		snprintf(detail, sizeof(detail), "peer=%s old=%s new=%s until=%lld", name, fp_old, fp_new,
			 (long long)e_until);
		if (node_tx(n) < 0 || store_audit(n->store, "peer-key-pinned", detail) < 0)
			n->tx_failed = true;
		log_info("peer %s rotated its key: %s -> %s pinned; the old key is accepted until %lld", name, fp_old,
			 fp_new, (long long)e_until);
	}
	/* acknowledged after the commit: the pin is durable when we say so */
	Liaison__PeerFrame f = LIAISON__PEER_FRAME__INIT;
	Liaison__PeerKeyAck ack = LIAISON__PEER_KEY_ACK__INIT;
	uint8_t kid[LIAISON_KEY_ID];
	cert_key_id(&fresh, kid);
	ack.key_id.data = kid;
	ack.key_id.len = sizeof(kid);
	f.version = 1;
	f.kind_case = LIAISON__PEER_FRAME__KIND_KEY_ACK;
	f.key_ack = &ack;
	size_t len = liaison__peer_frame__get_packed_size(&f);
	uint8_t *buf = malloc(len);
	if (!buf)
		return;
	liaison__peer_frame__pack(&f, buf);
	if (node_tx(n) < 0)
		n->tx_failed = true;
	node_defer(n, n->router, rid, rid_len, buf, len, NULL, 0);
}

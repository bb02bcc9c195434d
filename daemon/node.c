/* Setting up and tearing down the node: sockets, keys, store state and
 * links, and applying a reloaded configuration. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zmq.h>
#include <sodium.h>
#include "node.h"
#include "readcache.h"
#include "turn.h"
#include "node_lookup.h"
#include "peer_link.h"
#include "peer_inbound.h"
#include "metrics.h"
#include "peer_limits.h"
#include "log.h"
#include "rotate.h"
#include "keyring.h"
#include "config_overlay.h"
#include "timefmt.h"
#include "member.h"
#include <systemd/sd-daemon.h>

static int link_from_conf(struct link *l, const struct peer_conf *p)
{
	memset(l, 0, sizeof(*l));
	snprintf(l->name, sizeof(l->name), "%s", p->name);
	l->cert = p->cert;
	l->endpoint = strdup(p->endpoint);
	l->max_classification = p->max_classification;
	l->prev_cert = p->prev_cert;
	l->prev_until = p->prev_until;
	return l->endpoint ? 0 : -1;
}

/* Loads both directions' stream positions for every link from the store. */
int node_load_streams(struct node *n)
{
	for (size_t i = 0; i < n->n_links; i++) {
		struct link *l = &n->links[i];
		limits_load(n, l);
		for (int lane = 0; lane < LANES; lane++) {
			l->next_seq[lane] = store_max_stream_seq(n->store, l->name, lane);
			l->in_mark[lane] = store_lane_mark(n->store, l->name, lane);
			/* everything before the first message without a receipt is done */
			uint64_t first = store_first_pending(n->store, l->name, lane);
			l->acked[lane] = l->sent[lane] = first ? first - 1 : l->next_seq[lane];
		}
	}
	for (size_t i = 0; i < n->n_members; i++) {
		struct member *m = &n->members[i];
		for (int lane = 0; lane < LANES; lane++) {
			m->next_seq[lane] = store_max_stream_seq(n->store, m->name, lane);
			m->in_mark[lane] = store_lane_mark(n->store, m->name, lane);
		}
	}
	n->sequence = store_max_sequence(n->store, n->key->cert.name);
	n->max_pos = store_max_pos(n->store);
	uint64_t expired, aged;
	if (store_deleted_counts(n->store, &expired, &aged) == 0)
		n->deleted_total = expired + aged;
	return 0;
}

#define HANDSHAKE_IVL_MS 10000

static void *bind_curve_router(struct node *n, const struct liaison_key *key, const char *endpoint,
				const char *domain, int maxmsg)
{
	void *s = zmq_socket(n->zctx, ZMQ_ROUTER);
	int one = 1, zero = 0, hwm = 1000;
	if (!s)
		return NULL;
	/* Security rests on these: a socket on which any of them failed would
	 * take plaintext or unauthenticated peers, so the node does not start. */
	if (zmq_setsockopt(s, ZMQ_CURVE_SERVER, &one, sizeof(one)) < 0 ||
	    zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, key->secret->box_sk, 32) < 0 ||
	    zmq_setsockopt(s, ZMQ_ZAP_DOMAIN, domain, strlen(domain)) < 0) {
		log_error("cannot set up CURVE on the %s socket (%s): %s", domain, endpoint, zmq_strerror(errno));
		zmq_close(s);
		return NULL;
	}
#ifdef ZMQ_ZAP_ENFORCE_DOMAIN
	/* a ZAP handler that did not answer must not mean "admitted" */
	if (zmq_setsockopt(s, ZMQ_ZAP_ENFORCE_DOMAIN, &one, sizeof(one)) < 0) {
		log_error("cannot enforce ZAP on the %s socket (%s): %s", domain, endpoint, zmq_strerror(errno));
		zmq_close(s);
		return NULL;
	}
#endif
	zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof(hwm));
	int64_t max = maxmsg;
	zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &max, sizeof(max));
	int hb = 2000, hbt = 6000;
	zmq_setsockopt(s, ZMQ_HEARTBEAT_IVL, &hb, sizeof(hb));
	zmq_setsockopt(s, ZMQ_HEARTBEAT_TIMEOUT, &hbt, sizeof(hbt));
	/* A connection that has not finished its CURVE handshake in 10 s (a
	 * few round trips even over a slow satellite link) is a stranger
	 * holding a descriptor: cut it sooner than libzmq's 30 s default. */
	int handshake = HANDSHAKE_IVL_MS;
	zmq_setsockopt(s, ZMQ_HANDSHAKE_IVL, &handshake, sizeof(handshake));
	if (zmq_bind(s, endpoint) < 0) {
		log_error("cannot listen on %s: %s", endpoint, zmq_strerror(errno));
		zmq_close(s);
		return NULL;
	}
	return s;
}

/* An ipc api socket gets 0660 whatever the umask: its owner and group may
 * connect (CURVE and the [client] list still decide who is admitted); the
 * folder that holds it decides who can reach it at all (0750 under systemd,
 * see liaisond(8)). Until this chmod the socket has the umask's mode, which
 * grants no one else write access (connect) under the usual umasks. */
static int api_socket_mode(const char *endpoint)
{
	if (strncmp(endpoint, "ipc://", 6) || endpoint[6] == '@')
		return 0; /* tcp, or an abstract socket: no file */
	const char *path = endpoint + 6;
	if (chmod(path, 0660) < 0) {
		log_error("api socket %s: cannot set mode 0660: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int node_init(struct node *n, struct config *conf, struct liaison_key *key)
{
	char err[512];
	memset(n, 0, sizeof(*n));
	/* before anything can fail: node_destroy closes every slot that is not -1 */
	n->metrics_fd = -1;
	for (size_t i = 0; i < METRICS_CONNS; i++)
		n->metrics_conns[i].fd = -1;
	n->conf = conf;
	n->key = key;
	n->started = time_now_ms();
	cert_fingerprint(&key->cert, n->fingerprint);
	n->store = store_open(conf->data_dir, false, err, sizeof(err));
	if (!n->store) {
		log_error("%s", err);
		return -1;
	}
	n->sealer = sealer_new(key, 3600, 100000);
	n->opener = opener_new(key);
	n->zctx = zmq_ctx_new();
	if (!n->sealer || !n->opener || !n->zctx)
		return -1;
	opener_set_clock_skew(n->opener, conf->clock_skew_ms);
	n->readcache = readcache_new(); /* NULL only costs speed: every read is then checked in full */
	n->links = calloc(conf->n_peers ? conf->n_peers : 1, sizeof(*n->links));
	if (!n->links)
		return -1;
	for (size_t i = 0; i < conf->n_peers; i++)
		if (link_from_conf(&n->links[n->n_links++], &conf->peers[i]) < 0)
			return -1;
	if (members_load(n) < 0)
		return -1;
	node_load_streams(n);
	if (rotate_resume(n) < 0)
		return -1;
	rotate_publish_cert(n);
	keyring_load(n);

	/* The ZAP handler must exist before any CURVE socket binds. */
	n->zap = zmq_socket(n->zctx, ZMQ_REP);
	if (!n->zap || zmq_bind(n->zap, "inproc://zeromq.zap.01") < 0)
		return -1;
	n->router = bind_curve_router(n, n->key, conf->listen, "peer", (int)node_max_frame(n));
	/* during a key rotation's overlap the API keeps the previous key (rotate.c) */
	n->api = bind_curve_router(n, rotate_api_key(n), conf->api, "api", (int)node_max_envelope(n) + 4096);
	if (!n->router || !n->api || api_socket_mode(conf->api) < 0 || metrics_open(n) < 0)
		return -1;
	for (size_t i = 0; i < n->n_links; i++)
		if (link_open(n, &n->links[i]) < 0)
			return -1;
	return 0;
}

void node_destroy(struct node *n)
{
	inbound_clear(n);
	for (size_t i = 0; i < n->n_links; i++) {
		link_close(&n->links[i]);
		free(n->links[i].endpoint);
	}
	free(n->links);
	members_free(n);
	for (size_t i = 0; i < n->n_deferred; i++)
		deferred_drop(&n->deferred[i], NULL);
	free(n->deferred);
	free(n->subs);
	if (n->router)
		zmq_close(n->router);
	if (n->api)
		zmq_close(n->api);
	if (n->zap)
		zmq_close(n->zap);
	metrics_close(n);
	if (n->zctx)
		zmq_ctx_term(n->zctx);
	sealer_destroy(&n->sealer);
	opener_destroy(&n->opener);
	keyring_free(n);
	key_destroy(&n->prev_key);
	free(n->announce);
	readcache_destroy(&n->readcache);
	store_close(&n->store);
	memset(n, 0, sizeof(*n));
}

/* Applies a new configuration's peers, members and clients. Links whose peer keeps its
 * certificate and endpoint stay up; others are closed or opened. The node's
 * own settings (name, key, endpoints, data_dir) need a restart. */
int node_reload(struct node *n, struct config *conf)
{
	if (strcmp(conf->name, n->conf->name) || strcmp(conf->listen, n->conf->listen) ||
	    strcmp(conf->api, n->conf->api) || strcmp(conf->data_dir, n->conf->data_dir))
		log_warn("reload: changes to [node] take effect at the next restart");
	struct link *links = calloc(conf->n_peers ? conf->n_peers : 1, sizeof(*links));
	if (!links) {
		config_free(&conf);
		return -1;
	}
	size_t kept = 0, added = 0, removed = 0;
	for (size_t i = 0; i < conf->n_peers; i++) {
		const struct peer_conf *p = &conf->peers[i];
		struct link *old = node_link(n, p->name);
		if (old && !memcmp(old->cert.box_pk, p->cert.box_pk, 32) && !strcmp(old->endpoint, p->endpoint)) {
			links[i] = *old;
			links[i].cert = p->cert;
			links[i].max_classification = p->max_classification;
			links[i].prev_cert = p->prev_cert;
			links[i].prev_until = p->prev_until;
			old->dealer = old->monitor = NULL;
			old->endpoint = NULL;
			kept++;
		} else {
			link_from_conf(&links[i], p);
			added++;
		}
	}
	for (size_t i = 0; i < n->n_links; i++) {
		if (n->links[i].dealer)
			removed++;
		link_close(&n->links[i]);
		free(n->links[i].endpoint);
	}
	free(n->links);
	n->links = links;
	n->n_links = conf->n_peers;
	config_free(&n->conf);
	n->conf = conf;
	opener_set_clock_skew(n->opener, conf->clock_skew_ms);
	if (members_load(n) < 0)
		log_error("reload: out of memory for members");
	node_load_streams(n);
	for (size_t i = 0; i < n->n_links; i++)
		if (!n->links[i].dealer && link_open(n, &n->links[i]) < 0)
			log_error("reload: cannot open link to %s", n->links[i].name);
	char detail[128];
	snprintf(detail, sizeof(detail), "peers=%zu kept=%zu added=%zu removed=%zu members=%zu clients=%zu",
		 conf->n_peers, kept, added, removed, conf->n_members, conf->n_clients);
	if (node_tx(n) == 0 && store_audit(n->store, "reload", detail) < 0) {
		log_error("audit record of the reload not written: %s", store_errmsg(n->store));
		n->tx_failed = true;
	}
	log_info("reloaded configuration: %s", detail);
	return 0;
}

int node_reload_file(struct node *n, char *err, size_t errlen)
{
	struct config *conf = NULL;
	sd_notify(0, "RELOADING=1");
	int rc = config_load_all(n->conf->path, &conf, err, errlen);
	if (rc < 0)
		log_error("reload refused, keeping the running configuration: %s", err);
	else
		rc = node_reload(n, conf);
	sd_notify(0, "READY=1");
	return rc;
}

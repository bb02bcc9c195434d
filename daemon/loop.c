/* The event loop: one zmq_poll over the federation ROUTER, the client API,
 * the ZAP handler and every peer link, with named timers.
 *
 * Each turn handles what is readable, then commits everything it wrote in
 * one transaction (group commit), and only then sends the acknowledgements
 * and replies that depend on that commit. Signal handlers only set flags. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>
#include <systemd/sd-daemon.h>
#include "loop.h"
#include "member.h"
#include "turn.h"
#include "zap.h"
#include "zap_refusals.h"
#include "peer_link.h"
#include "peer_inbound.h"
#include "api.h"
#include "metrics.h"
#include "api_subscribe.h"
#include "log.h"
#include "rotate.h"
#include "api_backup.h"
#include "lograte.h"
#include "timefmt.h"
#include "retention.h"

static volatile sig_atomic_t stop_requested, reload_requested;

static void on_stop(int sig) { (void)sig; stop_requested = 1; }
static void on_hup(int sig) { (void)sig; reload_requested = 1; }

/* Ends the turn's transaction and sends what waited for it. A failed commit
 * (a full disk, say) acknowledges nothing: clients get their error, peers
 * get no ack and send again, and in-memory stream state is reloaded. */
static void finish_turn(struct node *n, bool force)
{
	bool ok = !n->tx_failed;
	/* Only lazy bookkeeping is open and nothing waits for it: let it ride
	 * along with the next commit, which saves an fsync per delivery receipt. */
	if (ok && !force && !n->tx_urgent && n->n_deferred == 0 && store_in_transaction(n->store) &&
	    time_mono_ms() - n->tx_opened < LAZY_COMMIT_MS)
		return;
	n->tx_urgent = false;
	bool wrote = store_in_transaction(n->store);
	if (wrote) {
		if (ok && store_commit(n->store) < 0) {
			log_error("store commit failed: %s", store_errmsg(n->store));
			ok = false;
		} else if (!ok) {
			store_rollback(n->store);
		}
	}
	if (!ok) {
		node_load_streams(n);
		for (size_t i = 0; i < n->n_links; i++)
			n->links[i].synced = false; /* resync both directions by hello */
	} else if (wrote) {
		n->max_pos = store_max_pos(n->store);
	}
	for (size_t i = 0; i < n->n_deferred; i++) {
		struct deferred *d = &n->deferred[i];
		uint8_t *f = ok ? d->ok_frame : d->fail_frame;
		size_t len = ok ? d->ok_len : d->fail_len;
		if (f)
			node_send_owned(d->socket, d->rid_len ? d->rid : NULL, d->rid_len, f, len);
		deferred_drop(d, f);
	}
	n->n_deferred = 0;
	n->tx_failed = false;
}

static void notify_status(struct node *n)
{
	size_t up = 0;
	for (size_t i = 0; i < n->n_links; i++)
		up += n->links[i].connected;
	sd_notifyf(0, "STATUS=%zu/%zu peers connected, %llu received, %llu sent", up, n->n_links,
		   (unsigned long long)n->counters.received, (unsigned long long)n->counters.sent);
}

/* The audit chain's head: an administrator who records it elsewhere can
 * later tell a rebuilt chain from the real one. */
static void log_audit_head(struct node *n, const char *what)
{
	char hex[65];
	int64_t seq = store_audit_head(n->store, hex);
	log_info("%s; audit chain at record %lld, head %s", what, (long long)seq, hex);
}

int node_run(struct node *n)
{
	struct sigaction sa = { 0 };
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	uint64_t watchdog_usec = 0;
	bool watchdog = sd_watchdog_enabled(0, &watchdog_usec) > 0;
	int64_t last_tick = 0, last_watchdog = 0, last_status = 0;
	/* its own commit: a store that cannot take it is logged, and the
	 * turns' own commits will fail and acknowledge nothing as long as it lasts */
	if (store_audit(n->store, "start", n->key->cert.name) < 0)
		log_error("audit record of the start not written: %s", store_errmsg(n->store));
	log_audit_head(n, "started");
	sd_notify(0, "READY=1");
	log_info("node %s (%s) listening on %s, api %s, %zu peers", n->key->cert.name, n->fingerprint,
		 n->conf->listen, n->conf->api, n->n_links);

	zmq_pollitem_t *items = NULL;
	size_t cap = 0;
	int ret = 0;
	while (!stop_requested) {
		if (reload_requested) {
			char err[512];
			reload_requested = 0;
			node_reload_file(n, err, sizeof(err));
		}
		size_t want = 3 + 2 * n->n_links + 1 + METRICS_CONNS;
		if (want > cap) {
			zmq_pollitem_t *p = realloc(items, want * sizeof(*p));
			if (!p) {
				log_error("out of memory");
				ret = 1;
				break;
			}
			items = p;
			cap = want;
		}
		items[0] = (zmq_pollitem_t){ .socket = n->zap, .events = ZMQ_POLLIN };
		items[1] = (zmq_pollitem_t){ .socket = n->router, .events = ZMQ_POLLIN };
		items[2] = (zmq_pollitem_t){ .socket = n->api, .events = ZMQ_POLLIN };
		for (size_t i = 0; i < n->n_links; i++) {
			items[3 + 2 * i] = (zmq_pollitem_t){ .socket = n->links[i].dealer, .events = ZMQ_POLLIN };
			items[4 + 2 * i] = (zmq_pollitem_t){ .socket = n->links[i].monitor, .events = ZMQ_POLLIN };
		}
		zmq_pollitem_t *mitems = items + 3 + 2 * n->n_links;
		size_t used = 3 + 2 * n->n_links + metrics_pollitems(n, mitems);
		/* queued inbound batches are work already: do not sleep on them */
		long wait = n->n_inq || n->retention_busy ? 0 : store_in_transaction(n->store) ? LAZY_COMMIT_MS : 200;
		int rc = zmq_poll(items, (int)used, wait);
		if (rc < 0 && errno != EINTR) {
			log_error("poll: %s", zmq_strerror(errno));
			ret = 1;
			break;
		}
		if (rc > 0) {
			if (items[0].revents & ZMQ_POLLIN)
				while (zap_handle(n) == 0)
					;
			for (size_t i = 0; i < n->n_links; i++) {
				if (items[4 + 2 * i].revents & ZMQ_POLLIN)
					link_handle_monitor(n, &n->links[i]);
				if (items[3 + 2 * i].revents & ZMQ_POLLIN)
					link_handle_dealer(n, &n->links[i]);
			}
			if (items[1].revents & ZMQ_POLLIN)
				inbound_read(n);
			if (items[2].revents & ZMQ_POLLIN)
				api_handle(n);
			if (n->metrics_fd >= 0)
				metrics_handle(n, mitems);
		}
		inbound_process(n);
		api_backup_poll(n);
		finish_turn(n, false);
		int64_t now = time_mono_ms();
		if (now - last_tick >= 250) {
			last_tick = now;
			for (size_t i = 0; i < n->n_links; i++)
				link_tick(n, &n->links[i], now);
			sub_tick(n, now);
			members_tick(n, now);
			rotate_tick_node(n);
			refusals_tick(n, now);
			lograte_flush(now);
			finish_turn(n, false);
		}
		for (size_t i = 0; i < n->n_links; i++)
			link_pump(n, &n->links[i]);
		sub_pump(n);
		/* after the turn's own commit, never inside it: a chunk of
		 * deletions is its own short transaction between two turns */
		if (!store_in_transaction(n->store))
			retention_tick(n, now);
		if (watchdog && (uint64_t)(now - last_watchdog) * 2000 >= watchdog_usec) {
			last_watchdog = now;
			sd_notify(0, "WATCHDOG=1");
		}
		if (!store_in_transaction(n->store))
			store_release(n->store);
		if (now - last_status >= 5000) {
			last_status = now;
			notify_status(n);
		}
	}
	free(items);
	sd_notify(0, "STOPPING=1");
	api_backup_finish(n);
	refusals_flush(n);
	finish_turn(n, true);
	if (store_audit(n->store, "stop", n->key->cert.name) < 0)
		log_error("audit record of the stop not written: %s", store_errmsg(n->store));
	log_audit_head(n, "stopped");
	return ret;
}

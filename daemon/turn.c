/* A loop turn's write transaction: opened by the first write of the turn
 * (or lazily, for bookkeeping that may wait), committed once at the end of
 * the turn by the loop; frames that depend on the commit wait here. */
#include <stdlib.h>
#include <string.h>
#include <zmq.h>
#include "turn.h"
#include "log.h"
#include "timefmt.h"

int node_send_frame(void *socket, const uint8_t *rid, size_t rid_len, const uint8_t *data, size_t len)
{
	if (rid && zmq_send(socket, rid, rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
		return -1;
	return zmq_send(socket, data, len, ZMQ_DONTWAIT) < 0 ? -1 : 0;
}

int node_tx_lazy(struct node *n)
{
	if (store_in_transaction(n->store))
		return 0;
	if (store_begin(n->store) < 0) {
		log_error("store: %s", store_errmsg(n->store));
		n->tx_failed = true;
		return -1;
	}
	n->tx_opened = time_mono_ms();
	return 0;
}

int node_tx(struct node *n)
{
	n->tx_urgent = true;
	return node_tx_lazy(n);
}

void node_defer(struct node *n, void *socket, const uint8_t *rid, size_t rid_len, uint8_t *ok, size_t ok_len,
		uint8_t *fail, size_t fail_len)
{
	if (n->n_deferred == n->cap_deferred) {
		size_t cap = n->cap_deferred ? n->cap_deferred * 2 : 64;
		struct deferred *d = realloc(n->deferred, cap * sizeof(*d));
		if (!d) {
			free(ok);
			free(fail);
			n->tx_failed = true;
			return;
		}
		n->deferred = d;
		n->cap_deferred = cap;
	}
	struct deferred *d = &n->deferred[n->n_deferred++];
	d->socket = socket;
	d->rid_len = rid_len < sizeof(d->rid) ? rid_len : sizeof(d->rid);
	if (rid)
		memcpy(d->rid, rid, d->rid_len);
	d->ok_frame = ok;
	d->ok_len = ok_len;
	d->fail_frame = fail;
	d->fail_len = fail_len;
}


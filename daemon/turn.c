/* A loop turn's write transaction: opened by the first write of the turn
 * (or lazily, for bookkeeping that may wait), committed once at the end of
 * the turn by the loop; frames that depend on the commit wait here. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>
#include "zalloc.h"
#include "turn.h"
#include "log.h"
#include "timefmt.h"

int node_send_frame(void *socket, const uint8_t *rid, size_t rid_len, const uint8_t *data, size_t len)
{
	if (rid && zmq_send(socket, rid, rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
		return -1;
	return zmq_send(socket, data, len, ZMQ_DONTWAIT) < 0 ? -1 : 0;
}

/* libzmq's free function for a frame it was lent: frames may carry
 * plaintext (API replies), so they are wiped. hint is the length. */
static void frame_free(void *data, void *hint)
{
	zfree_len(data, (size_t)(uintptr_t)hint);
}

int node_send_owned(void *socket, const uint8_t *rid, size_t rid_len, uint8_t *data, size_t len)
{
	zmq_msg_t m;
	if (len == 0) {
		free(data);
		return node_send_frame(socket, rid, rid_len, (const uint8_t *)"", 0);
	}
	if (rid && zmq_send(socket, rid, rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
		zfree_len(data, len);
		return -1;
	}
	/* no copy: libzmq keeps the buffer until written and then calls frame_free */
	if (zmq_msg_init_data(&m, data, len, frame_free, (void *)(uintptr_t)len) < 0) {
		frame_free(data, (void *)(uintptr_t)len);
		return -1;
	}
	if (zmq_msg_send(&m, socket, ZMQ_DONTWAIT) < 0) {
		zmq_msg_close(&m); /* frees data */
		return -1;
	}
	return 0;
}

void deferred_drop(struct deferred *d, const uint8_t *keep)
{
	if (d->ok_frame != keep)
		zfree_len(d->ok_frame, d->ok_len);
	if (d->fail_frame != keep && d->fail_frame != d->ok_frame)
		zfree_len(d->fail_frame, d->fail_len);
	d->ok_frame = d->fail_frame = NULL;
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
			zfree_len(ok, ok_len);
			if (fail != ok)
				zfree_len(fail, fail_len);
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


/* Sealing on a thread of their own.
 *
 * Signing is most of what sending costs. The event loop validates each send
 * request, fixes its sequence numbers and hands the turn's requests to this
 * thread as one job; the thread seals them with the node's sealer, which it
 * alone uses, while the loop stores and commits the previous job. Jobs
 * travel as pointers over an inproc PAIR; whoever last received a job owns
 * it. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>
#include "node.h"
#include "timefmt.h"

struct seal_worker {
	pthread_t thread;
	void *loop_end, *worker_end;
	struct sealer *sealer;
};

static void seal_job(struct sealer *s, struct seal_job *j)
{
	int64_t now = time_now_ms();
	for (size_t i = 0; i < j->n; i++) {
		struct seal_item *it = j->items[i];
		if (it->refusal)
			continue;
		it->rc = envelope_seal(s, &it->h, it->req->send->payload, it->rcpts, it->n_rcpts, now, &it->env,
				       &it->env_len, it->id);
	}
}

static void *run(void *arg)
{
	struct seal_worker *w = arg;
	for (;;) {
		struct seal_job *j = NULL;
		if (zmq_recv(w->worker_end, &j, sizeof(j), 0) != sizeof(j) || !j)
			break;
		seal_job(w->sealer, j);
		zmq_send(w->worker_end, &j, sizeof(j), 0);
	}
	return NULL;
}

struct seal_worker *seal_worker_start(void *zctx, struct sealer *sealer)
{
	struct seal_worker *w = calloc(1, sizeof(*w));
	static int instance;
	char ep[64];
	int zero = 0;
	if (!w)
		return NULL;
	w->sealer = sealer;
	snprintf(ep, sizeof(ep), "inproc://sealer-%d", instance++);
	w->loop_end = zmq_socket(zctx, ZMQ_PAIR);
	w->worker_end = zmq_socket(zctx, ZMQ_PAIR);
	if (!w->loop_end || !w->worker_end || zmq_bind(w->loop_end, ep) < 0 || zmq_connect(w->worker_end, ep) < 0)
		goto fail;
	zmq_setsockopt(w->loop_end, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(w->worker_end, ZMQ_LINGER, &zero, sizeof(zero));
	if (pthread_create(&w->thread, NULL, run, w) != 0)
		goto fail;
	return w;
fail:
	if (w->loop_end)
		zmq_close(w->loop_end);
	if (w->worker_end)
		zmq_close(w->worker_end);
	free(w);
	return NULL;
}

void *seal_worker_socket(struct seal_worker *w)
{
	return w->loop_end;
}

int seal_worker_submit(struct seal_worker *w, struct seal_job *j)
{
	return zmq_send(w->loop_end, &j, sizeof(j), 0) == sizeof(j) ? 0 : -1;
}

struct seal_job *seal_worker_take(struct seal_worker *w, bool wait)
{
	struct seal_job *j = NULL;
	if (zmq_recv(w->loop_end, &j, sizeof(j), wait ? 0 : ZMQ_DONTWAIT) != sizeof(j))
		return NULL;
	return j;
}

void seal_worker_stop(struct seal_worker **wp)
{
	struct seal_worker *w = *wp;
	if (!w)
		return;
	struct seal_job *none = NULL;
	zmq_send(w->loop_end, &none, sizeof(none), 0);
	pthread_join(w->thread, NULL);
	zmq_close(w->loop_end);
	zmq_close(w->worker_end);
	free(w);
	*wp = NULL;
}

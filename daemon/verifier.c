/* Signature checks on a thread of their own.
 *
 * Verifying an Ed25519 signature is most of what receiving costs. The event
 * loop hands each received batch to this thread, which parses every envelope
 * and checks its sender, signature and hash (envelope_open_header: pure
 * computation on the job's own copies), while the loop goes on storing and
 * committing the previous batch. Jobs travel as pointers over an inproc
 * PAIR; the thread owns a job from the moment it is sent until it is sent
 * back, and the loop owns it before and after. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>
#include "node.h"
#include "log.h"

struct verifier {
	pthread_t thread;
	void *loop_end, *worker_end;
};

static const struct liaison_cert *job_lookup(void *ctx, const char *name)
{
	struct verify_job *j = ctx;
	for (size_t i = 0; i < j->n_certs; i++)
		if (!strcmp(j->certs[i].name, name))
			return &j->certs[i];
	return NULL;
}

static void verify(struct verify_job *j)
{
	const Liaison__PeerBatch *b = j->frame.frame->batch;
	for (size_t i = 0; i < j->n; i++)
		j->rc[i] = envelope_open_header(b->envelopes[i].data, b->envelopes[i].len, j->max_envelope, job_lookup,
						j, &j->opened[i]);
}

static void *run(void *arg)
{
	struct verifier *v = arg;
	for (;;) {
		struct verify_job *j = NULL;
		if (zmq_recv(v->worker_end, &j, sizeof(j), 0) != sizeof(j) || !j)
			break;
		verify(j);
		zmq_send(v->worker_end, &j, sizeof(j), 0);
	}
	return NULL;
}

struct verifier *verifier_start(void *zctx)
{
	struct verifier *v = calloc(1, sizeof(*v));
	static int instance;
	char ep[64];
	if (!v)
		return NULL;
	snprintf(ep, sizeof(ep), "inproc://verifier-%d", instance++);
	v->loop_end = zmq_socket(zctx, ZMQ_PAIR);
	v->worker_end = zmq_socket(zctx, ZMQ_PAIR);
	int zero = 0;
	if (!v->loop_end || !v->worker_end || zmq_bind(v->loop_end, ep) < 0 || zmq_connect(v->worker_end, ep) < 0)
		goto fail;
	zmq_setsockopt(v->loop_end, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(v->worker_end, ZMQ_LINGER, &zero, sizeof(zero));
	if (pthread_create(&v->thread, NULL, run, v) != 0)
		goto fail;
	return v;
fail:
	if (v->loop_end)
		zmq_close(v->loop_end);
	if (v->worker_end)
		zmq_close(v->worker_end);
	free(v);
	return NULL;
}

void *verifier_socket(struct verifier *v)
{
	return v->loop_end;
}

int verifier_submit(struct verifier *v, struct verify_job *j)
{
	return zmq_send(v->loop_end, &j, sizeof(j), 0) == sizeof(j) ? 0 : -1;
}

struct verify_job *verifier_take(struct verifier *v)
{
	struct verify_job *j = NULL;
	if (zmq_recv(v->loop_end, &j, sizeof(j), ZMQ_DONTWAIT) != sizeof(j))
		return NULL;
	return j;
}

/* Stops the thread; a job it still holds comes back first and is returned
 * through *pending (NULL if none) for the caller to free. */
void verifier_stop(struct verifier **vp, bool job_out, struct verify_job **pending)
{
	struct verifier *v = *vp;
	*pending = NULL;
	if (!v)
		return;
	if (job_out)
		zmq_recv(v->loop_end, pending, sizeof(*pending), 0);
	struct verify_job *none = NULL;
	zmq_send(v->loop_end, &none, sizeof(none), 0);
	pthread_join(v->thread, NULL);
	zmq_close(v->loop_end);
	zmq_close(v->worker_end);
	free(v);
	*vp = NULL;
}

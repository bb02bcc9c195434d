/* frame_storm: mutated frames against a running node, through the same
 * CURVE socket a real client or peer uses, so that the node's own request
 * and frame handlers (not only the decoders the libFuzzer targets reach)
 * meet damaged input. Seeds are valid frames (the fuzz corpora); each frame
 * sent is one seed with one to eight random mutations (bit flips, bytes set
 * to edge values, truncation, insertion, a copied run). Every 250 frames,
 * and at the end, a probe checks the node still answers: a status request
 * (api) or a hello answered by a state frame (peer).
 *
 * usage: frame_storm --key K.key --target NODE.pub --endpoint EP --kind api|peer
 *                    --seeds DIR [--frames N] [--seed S] [--timeout MS]
 * Prints one summary line; exit 0 if every probe was answered, 1 if one was
 * not (the node died or stopped serving), 64 usage. --seed repeats a run. */
#include <dirent.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include <zmq.h>
#include "error.h"
#include "keyfile.h"
#include "liaison.pb-c.h"

#define MAX_SEEDS 128
#define MAX_SEED_LEN (256 * 1024)
#define PROBE_EVERY 250
#define PROBE_ID 0x5eed5eedULL

struct storm {
	void *ctx, *dealer;
	bool peer;
	const char *name;
	uint8_t *seeds[MAX_SEEDS];
	size_t seed_len[MAX_SEEDS], n_seeds;
	uint64_t rng;
	int timeout_ms;
	uint64_t replies;
};

static uint64_t next(struct storm *s)
{
	/* xorshift64*: reproducible from --seed, which is all this needs */
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return s->rng * 0x2545F4914F6CDD1DULL;
}

static size_t below(struct storm *s, size_t n)
{
	return n ? (size_t)(next(s) % n) : 0;
}

static int load_seeds(struct storm *s, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	if (!d) {
		perror(dir);
		return -1;
	}
	while ((e = readdir(d)) && s->n_seeds < MAX_SEEDS) {
		char path[4096];
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		FILE *f = fopen(path, "rb");
		if (!f)
			continue;
		uint8_t *b = malloc(MAX_SEED_LEN);
		size_t n = b ? fread(b, 1, MAX_SEED_LEN, f) : 0;
		fclose(f);
		if (!b || n == 0) {
			free(b);
			continue;
		}
		s->seeds[s->n_seeds] = b;
		s->seed_len[s->n_seeds++] = n;
	}
	closedir(d);
	if (s->n_seeds == 0) {
		fprintf(stderr, "frame_storm: no seeds in %s\n", dir);
		return -1;
	}
	return 0;
}

/* One mutated copy of a random seed into buf (capacity cap); returns its length. */
static size_t mutate(struct storm *s, uint8_t *buf, size_t cap)
{
	static const uint8_t edge[] = { 0x00, 0x01, 0x7f, 0x80, 0xff, 0x08, 0x0a, 0x12, 0x1a };
	size_t k = below(s, s->n_seeds), len = s->seed_len[k];
	memcpy(buf, s->seeds[k], len);
	int n = 1 + (int)below(s, 8);
	for (int i = 0; i < n && len > 0; i++) {
		size_t at = below(s, len);
		switch (below(s, 6)) {
		case 0:
		case 1:
			buf[at] ^= (uint8_t)(1u << below(s, 8));
			break;
		case 2:
			buf[at] = edge[below(s, sizeof edge)];
			break;
		case 3:
			len = at ? at : 1;
			break;
		case 4: { /* insert up to 16 random bytes */
			size_t add = 1 + below(s, 16);
			if (len + add > cap)
				break;
			memmove(buf + at + add, buf + at, len - at);
			for (size_t j = 0; j < add; j++)
				buf[at + j] = (uint8_t)next(s);
			len += add;
			break;
		}
		default: { /* copy a run over another place */
			size_t from = below(s, len), run = 1 + below(s, 32);
			if (from + run > len)
				run = len - from;
			if (at + run > len)
				run = len - at;
			memmove(buf + at, buf + from, run);
			break;
		}
		}
	}
	return len;
}

/* Reads whatever the node sent, up to wait_ms; true if the probe's answer came. */
static bool drain(struct storm *s, int wait_ms)
{
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		long left = wait_ms - ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
		zmq_pollitem_t it = { .socket = s->dealer, .events = ZMQ_POLLIN };
		if (zmq_poll(&it, 1, left > 0 ? left : 0) <= 0)
			return false;
		zmq_msg_t m;
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, s->dealer, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&m);
			continue;
		}
		s->replies++;
		bool answered = false;
		if (s->peer) {
			Liaison__PeerFrame *f = liaison__peer_frame__unpack(NULL, zmq_msg_size(&m), zmq_msg_data(&m));
			answered = f && f->kind_case == LIAISON__PEER_FRAME__KIND_STATE;
			liaison__peer_frame__free_unpacked(f, NULL);
		} else {
			Liaison__ApiReply *r = liaison__api_reply__unpack(NULL, zmq_msg_size(&m), zmq_msg_data(&m));
			answered = r && r->request_id == PROBE_ID && r->kind_case == LIAISON__API_REPLY__KIND_STATUS;
			liaison__api_reply__free_unpacked(r, NULL);
		}
		zmq_msg_close(&m);
		if (answered)
			return true;
	}
}

static int send_packed(struct storm *s, const ProtobufCMessage *m)
{
	size_t len = protobuf_c_message_get_packed_size(m);
	uint8_t *b = malloc(len ? len : 1);
	if (!b)
		return -1;
	protobuf_c_message_pack(m, b);
	int rc = zmq_send(s->dealer, b, len, 0) < 0 ? -1 : 0;
	free(b);
	return rc;
}

/* Asks the node for a sign of life and waits for it. */
static bool probe(struct storm *s)
{
	int rc;
	if (s->peer) {
		Liaison__PeerFrame f = LIAISON__PEER_FRAME__INIT;
		Liaison__PeerHello h = LIAISON__PEER_HELLO__INIT;
		h.node = (char *)s->name;
		f.version = 1;
		f.kind_case = LIAISON__PEER_FRAME__KIND_HELLO;
		f.hello = &h;
		rc = send_packed(s, &f.base);
	} else {
		Liaison__ApiRequest r = LIAISON__API_REQUEST__INIT;
		Liaison__StatusRequest st = LIAISON__STATUS_REQUEST__INIT;
		r.version = 1;
		r.request_id = PROBE_ID;
		r.kind_case = LIAISON__API_REQUEST__KIND_STATUS;
		r.status = &st;
		rc = send_packed(s, &r.base);
	}
	return rc == 0 && drain(s, s->timeout_ms);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },    { "target", required_argument, NULL, 't' },
		{ "endpoint", required_argument, NULL, 'e' }, { "kind", required_argument, NULL, 'K' },
		{ "seeds", required_argument, NULL, 's' },  { "frames", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 'S' },   { "timeout", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	const char *keyp = NULL, *targetp = NULL, *endpoint = NULL, *kind = NULL, *seeds = NULL;
	unsigned long long frames = 2000, seed = 0;
	struct storm s = { .timeout_ms = 10000 };
	struct liaison_key *key = NULL;
	struct liaison_cert target;
	int c, ret = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'k': keyp = optarg; break;
		case 't': targetp = optarg; break;
		case 'e': endpoint = optarg; break;
		case 'K': kind = optarg; break;
		case 's': seeds = optarg; break;
		case 'n': frames = strtoull(optarg, NULL, 10); break;
		case 'S': seed = strtoull(optarg, NULL, 10); break;
		case 'T': s.timeout_ms = atoi(optarg); break;
		default: return 64;
		}
	}
	if (!keyp || !targetp || !endpoint || !seeds || !kind ||
	    (strcmp(kind, "api") != 0 && strcmp(kind, "peer") != 0)) {
		fprintf(stderr, "usage: frame_storm --key K.key --target NODE.pub --endpoint EP --kind api|peer "
				"--seeds DIR [--frames N] [--seed S] [--timeout MS]\n");
		return 64;
	}
	s.peer = strcmp(kind, "peer") == 0;
	if (sodium_init() < 0)
		return 1;
	if (!seed)
		seed = randombytes_random() | ((uint64_t)randombytes_random() << 32) | 1;
	s.rng = seed;
	int rc = key_load(keyp, &key);
	if (rc == LIAISON_OK)
		rc = cert_load(targetp, &target);
	if (rc != LIAISON_OK) {
		fprintf(stderr, "frame_storm: %s\n", liaison_strerror(rc));
		return 1;
	}
	s.name = key->cert.name;
	if (load_seeds(&s, seeds) != 0)
		goto out;
	int zero = 0, hwm = 10000, sndtimeo = s.timeout_ms;
	s.ctx = zmq_ctx_new();
	s.dealer = s.ctx ? zmq_socket(s.ctx, ZMQ_DEALER) : NULL;
	if (!s.dealer || zmq_setsockopt(s.dealer, ZMQ_CURVE_SERVERKEY, target.box_pk, 32) ||
	    zmq_setsockopt(s.dealer, ZMQ_CURVE_PUBLICKEY, key->cert.box_pk, 32) ||
	    zmq_setsockopt(s.dealer, ZMQ_CURVE_SECRETKEY, key->secret->box_sk, 32) ||
	    zmq_setsockopt(s.dealer, ZMQ_LINGER, &zero, sizeof zero) ||
	    zmq_setsockopt(s.dealer, ZMQ_SNDHWM, &hwm, sizeof hwm) ||
	    zmq_setsockopt(s.dealer, ZMQ_SNDTIMEO, &sndtimeo, sizeof sndtimeo) || zmq_connect(s.dealer, endpoint)) {
		fprintf(stderr, "frame_storm: cannot connect to %s: %s\n", endpoint, zmq_strerror(zmq_errno()));
		goto out;
	}
	uint64_t probes = 0;
	if (!probe(&s)) {
		fprintf(stderr, "frame_storm: no answer from %s before the storm\n", endpoint);
		goto out;
	}
	probes++;
	uint8_t *buf = malloc(MAX_SEED_LEN + 8 * 16);
	if (!buf)
		goto out;
	for (unsigned long long i = 1; i <= frames; i++) {
		size_t len = mutate(&s, buf, MAX_SEED_LEN + 8 * 16);
		if (zmq_send(s.dealer, buf, len, 0) < 0) {
			fprintf(stderr, "frame_storm: send %llu: %s\n", i, zmq_strerror(zmq_errno()));
			free(buf);
			goto out;
		}
		drain(&s, 0);
		if (i % PROBE_EVERY == 0 || i == frames) {
			if (!probe(&s)) {
				fprintf(stderr, "frame_storm: %s stopped answering after %llu frames (seed %llu)\n",
					endpoint, i, seed);
				free(buf);
				goto out;
			}
			probes++;
		}
	}
	free(buf);
	printf("frame_storm: %llu mutated %s frames from %zu seeds (seed %llu), %" PRIu64
	       " replies, %" PRIu64 " probes answered\n",
	       frames, kind, s.n_seeds, seed, s.replies, probes);
	ret = 0;
out:
	if (s.dealer)
		zmq_close(s.dealer);
	if (s.ctx)
		zmq_ctx_term(s.ctx);
	for (size_t i = 0; i < s.n_seeds; i++)
		free(s.seeds[i]);
	key_destroy(&key);
	return ret;
}

/* rogue_peer: a misbehaving federation peer for integration tests.
 *
 * Loads a node key whose certificate the target node has pinned, connects a
 * CURVE DEALER to the target's listen endpoint (server key from the target's
 * certificate) as a real peer does, says hello, and then sends frames chosen
 * by a mode. Every frame the target sends back (state marks, acks with their
 * receipts and rejections) is printed as one JSON line on stdout, so a test
 * can assert on the node's answers.
 *
 * usage: rogue_peer --key K.key --target T.pub --endpoint tcp://H:P --mode MODE
 *                   [--claim NAME] [--other C.pub] [--save FILE] [--load FILE]
 *                   [--max N] [--timeout MS] [--topic T] [--count N]
 * modes:  valid          one correct envelope
 *         garbage        random bytes that are no PeerFrame
 *         oversized      one frame of --max bytes (default 8 MiB), beyond the node's limit
 *         big-envelope   a batch holding one envelope of --max bytes
 *         bad-version    a PeerFrame of version 2 carrying a valid batch, then an
 *                        envelope of version 3 (unknown) in a version 1 batch
 *         forged         a valid envelope whose signature has one byte flipped
 *         wrong-sender   an envelope signed by this key claiming sender --claim
 *         replay         a valid envelope in two batches, then a new envelope with
 *                        the next stream seq and the same message id
 *         not-recipient  an envelope addressed to --other (or only to itself)
 *         hole           an envelope with stream seq mark+5 (saved to --save)
 *         fill           seqs mark+1..mark+4, then the envelope of --load
 *         bad-topic      --count batches (default 1), each one correctly signed
 *                        envelope whose topic is --topic (default one with ESC
 *                        sequences), at the next stream seqs
 * Exit: 0 when the target answered as a peer, 69 when it never did, 64 usage. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include <sodium.h>
#include <zmq.h>
#include "envelope.h"
#include "error.h"
#include "hexid.h"
#include "keyfile.h"
#include "pbjson.h"

#define LANE_ROUTINE 3 /* lane index of ROUTINE: precedence - 1 */
#define N_LANES 4

struct rogue {
	struct liaison_key *key;
	struct liaison_cert target, other;
	bool have_other;
	struct sealer *sealer;
	void *ctx, *dealer;
	int timeout_ms;
	uint64_t marks[N_LANES];
	uint64_t sequence;
	const char *mode;
	const char *topic; /* NULL: "rogue.MODE" */
	int count;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void print_json(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	if (s)
		printf("%s\n", s);
	fflush(stdout);
	free(s);
	json_decref(o);
}

static json_t *marks_json(Liaison__LaneMark **marks, size_t n)
{
	json_t *o = json_object();
	for (size_t i = 0; i < n; i++) {
		const ProtobufCEnumValue *v =
			protobuf_c_enum_descriptor_get_value(&liaison__precedence__descriptor, marks[i]->lane);
		json_object_set_new(o, v ? v->name : "?", json_integer((json_int_t)marks[i]->seq));
	}
	return o;
}

static void note(const char *what, json_t *detail)
{
	json_t *o = json_object();
	json_object_set_new(o, "sent", json_string(what));
	if (detail)
		json_object_set_new(o, "detail", detail);
	print_json(o);
}

static int send_bytes(struct rogue *r, const uint8_t *buf, size_t len)
{
	return zmq_send(r->dealer, buf, len, 0) < 0 ? -1 : 0;
}

static int send_frame(struct rogue *r, uint32_t version, const Liaison__PeerFrame *tmpl)
{
	Liaison__PeerFrame f = *tmpl;
	f.version = version;
	size_t len = liaison__peer_frame__get_packed_size(&f);
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return -1;
	liaison__peer_frame__pack(&f, buf);
	int rc = send_bytes(r, buf, len);
	free(buf);
	return rc;
}

static int send_hello(struct rogue *r)
{
	Liaison__PeerFrame f = LIAISON__PEER_FRAME__INIT;
	Liaison__PeerHello h = LIAISON__PEER_HELLO__INIT;
	h.node = r->key->cert.name;
	f.kind_case = LIAISON__PEER_FRAME__KIND_HELLO;
	f.hello = &h;
	return send_frame(r, 1, &f);
}

/* A batch of envelopes (each a buffer and its length). */
static int send_batch(struct rogue *r, uint32_t version, uint8_t **envs, const size_t *lens, size_t n)
{
	Liaison__PeerFrame f = LIAISON__PEER_FRAME__INIT;
	Liaison__PeerBatch b = LIAISON__PEER_BATCH__INIT;
	ProtobufCBinaryData *bd = calloc(n ? n : 1, sizeof(*bd));
	if (!bd)
		return -1;
	for (size_t i = 0; i < n; i++)
		bd[i] = (ProtobufCBinaryData){ lens[i], envs[i] };
	b.envelopes = bd;
	b.n_envelopes = n;
	f.kind_case = LIAISON__PEER_FRAME__KIND_BATCH;
	f.batch = &b;
	int rc = send_frame(r, version, &f);
	free(bd);
	return rc;
}

/* Prints one frame from the target; returns its kind (0 if unreadable). */
static int print_reply(struct rogue *r, const uint8_t *buf, size_t len)
{
	Liaison__PeerFrame *f = liaison__peer_frame__unpack(NULL, len, buf);
	json_t *o = json_object();
	int kind = 0;
	if (!f) {
		json_object_set_new(o, "frame", json_string("unreadable"));
		json_object_set_new(o, "bytes", json_integer((json_int_t)len));
		print_json(o);
		return 0;
	}
	kind = f->kind_case;
	if (f->kind_case == LIAISON__PEER_FRAME__KIND_STATE) {
		json_object_set_new(o, "frame", json_string("state"));
		json_object_set_new(o, "marks", marks_json(f->state->marks, f->state->n_marks));
		for (size_t i = 0; i < f->state->n_marks; i++)
			if (f->state->marks[i]->lane >= 1 && f->state->marks[i]->lane <= N_LANES)
				r->marks[f->state->marks[i]->lane - 1] = f->state->marks[i]->seq;
	} else if (f->kind_case == LIAISON__PEER_FRAME__KIND_ACK) {
		const Liaison__PeerAck *a = f->ack;
		json_object_set_new(o, "frame", json_string("ack"));
		json_object_set_new(o, "marks", marks_json(a->marks, a->n_marks));
		for (size_t i = 0; i < a->n_marks; i++)
			if (a->marks[i]->lane >= 1 && a->marks[i]->lane <= N_LANES)
				r->marks[a->marks[i]->lane - 1] = a->marks[i]->seq;
		json_t *rej = json_array();
		for (size_t i = 0; i < a->n_rejected; i++) {
			json_t *e = json_object();
			json_object_set_new(e, "id", pbjson_hex(a->rejected[i]->id.data, a->rejected[i]->id.len));
			json_object_set_new(e, "error", json_integer(a->rejected[i]->error));
			json_object_set_new(e, "reason", json_string(a->rejected[i]->reason ? a->rejected[i]->reason : ""));
			json_array_append_new(rej, e);
		}
		json_object_set_new(o, "rejected", rej);
		json_t *ids = json_array();
		if (a->receipt) {
			Liaison__DeliveryReceipt *dr = NULL;
			int rc = receipt_verify(&r->target, a->receipt, &dr);
			json_object_set_new(o, "receipt_valid", json_boolean(rc == LIAISON_OK));
			if (dr) {
				for (size_t i = 0; i < dr->n_message_ids; i++)
					json_array_append_new(ids, pbjson_hex(dr->message_ids[i].data,
									    dr->message_ids[i].len));
				liaison__delivery_receipt__free_unpacked(dr, NULL);
			}
		}
		json_object_set_new(o, "receipt", ids);
	} else {
		json_object_set_new(o, "frame", json_string("other"));
		json_object_set_new(o, "kind", json_integer(f->kind_case));
	}
	liaison__peer_frame__free_unpacked(f, NULL);
	print_json(o);
	return kind;
}

/* Waits up to timeout_ms for a frame of kind want, printing every frame;
 * returns 0 when it came, -1 if not. */
static int await(struct rogue *r, int want, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;
	for (;;) {
		int64_t left = end - now_ms();
		if (left <= 0)
			return -1;
		zmq_pollitem_t it = { .socket = r->dealer, .events = ZMQ_POLLIN };
		if (zmq_poll(&it, 1, (long)left) <= 0)
			continue;
		zmq_msg_t m;
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, r->dealer, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&m);
			continue;
		}
		int kind = print_reply(r, zmq_msg_data(&m), zmq_msg_size(&m));
		zmq_msg_close(&m);
		if (kind == want)
			return 0;
	}
}

/* Hello until a state comes back: proves the target is up and has handled
 * every frame sent before on this connection. Retries across reconnects. */
static int sync_state(struct rogue *r)
{
	int64_t end = now_ms() + r->timeout_ms;
	while (now_ms() < end) {
		if (send_hello(r) == 0 && await(r, LIAISON__PEER_FRAME__KIND_STATE, 500) == 0)
			return 0;
	}
	return -1;
}

/* Seals a ROUTINE sitrep from this key to the target (stream seq seq) and to
 * itself (seq 0), like a node's send. sender overrides the header's sender,
 * id (16 bytes or NULL) fixes the message id; other_only addresses --other
 * (or nobody but itself) instead of the target. Caller frees *out. */
static int seal(struct rogue *r, uint64_t seq, const char *sender, const uint8_t *id, bool other_only,
		uint8_t **out, size_t *out_len, uint8_t id_out[ENVELOPE_ID_LEN])
{
	char title[128];
	snprintf(title, sizeof(title), "rogue %s seq %llu", r->mode, (unsigned long long)seq);
	Liaison__SituationReport sitrep = LIAISON__SITUATION_REPORT__INIT;
	sitrep.title = title;
	sitrep.summary = "sent by the rogue peer test tool";
	Liaison__Payload p = LIAISON__PAYLOAD__INIT;
	p.body_case = LIAISON__PAYLOAD__BODY_SITREP;
	p.sitrep = &sitrep;
	Liaison__SecurityLabel label = LIAISON__SECURITY_LABEL__INIT;
	label.classification = LIAISON__CLASSIFICATION__UNCLASSIFIED;
	char topic[300];
	snprintf(topic, sizeof(topic), "rogue.%s", r->mode);
	if (r->topic)
		snprintf(topic, sizeof(topic), "%s", r->topic);
	Liaison__Header h = LIAISON__HEADER__INIT;
	h.sender = (char *)(sender ? sender : r->key->cert.name);
	h.sequence = ++r->sequence;
	h.created = now_ms();
	h.type = LIAISON__MESSAGE_TYPE__SITREP;
	h.topic = topic;
	h.precedence = LIAISON__PRECEDENCE__ROUTINE;
	h.label = &label;
	if (id) {
		h.id.data = (uint8_t *)id;
		h.id.len = ENVELOPE_ID_LEN;
	}
	struct envelope_recipient rc[2];
	size_t n = 0;
	rc[n++] = (struct envelope_recipient){ r->key->cert.name, r->key->cert.box_pk, 0 };
	if (!other_only)
		rc[n++] = (struct envelope_recipient){ r->target.name, r->target.box_pk, seq };
	else if (r->have_other)
		rc[n++] = (struct envelope_recipient){ r->other.name, r->other.box_pk, seq };
	int err = envelope_seal(r->sealer, &h, &p, rc, n, h.created, out, out_len, id_out);
	if (err != LIAISON_OK) {
		fprintf(stderr, "rogue_peer: cannot seal: %s\n", liaison_strerror(err));
		return -1;
	}
	json_t *d = json_object();
	json_object_set_new(d, "id", pbjson_hex(id_out, ENVELOPE_ID_LEN));
	json_object_set_new(d, "stream_seq", json_integer((json_int_t)seq));
	json_object_set_new(d, "sender", json_string(h.sender));
	note("envelope", d);
	return 0;
}

static int write_file(const char *path, const uint8_t *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t w = fwrite(buf, 1, len, f);
	return (fclose(f) == 0 && w == len) ? 0 : -1;
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	uint8_t *buf = malloc(1 << 22);
	if (buf)
		*len = fread(buf, 1, 1 << 22, f);
	fclose(f);
	return buf;
}

/* Rewrites a sealed envelope's header to claim another sender and signs it
 * again with this key (envelope_seal refuses a sender that is not its key):
 * a correct signature by the wrong key for the name it claims. */
static int resign_as(struct rogue *r, const char *claim, uint8_t **env, size_t *len)
{
	int rc = -1;
	uint8_t *msg = NULL, *hdr = NULL;
	Liaison__Envelope *e = liaison__envelope__unpack(NULL, *len, *env);
	Liaison__Header *h = e ? liaison__header__unpack(NULL, e->header.len, e->header.data) : NULL;
	if (!h || e->signature.len != crypto_sign_BYTES)
		goto out;
	free(h->sender);
	h->sender = strdup(claim);
	if (!h->sender)
		goto out;
	/* version-2 signed bytes: prefix || BLAKE2b-256(ciphertext) || header */
	size_t hl = liaison__header__get_packed_size(h), pl = sizeof(ENVELOPE_SIGN_PREFIX) + 32;
	hdr = malloc(hl);
	msg = malloc(pl + hl);
	if (!hdr || !msg)
		goto out;
	liaison__header__pack(h, hdr);
	memcpy(msg, ENVELOPE_SIGN_PREFIX, sizeof(ENVELOPE_SIGN_PREFIX)); /* with its NUL */
	crypto_generichash(msg + sizeof(ENVELOPE_SIGN_PREFIX), 32, e->ciphertext.data, e->ciphertext.len, NULL, 0);
	memcpy(msg + pl, hdr, hl);
	crypto_sign_detached(e->signature.data, NULL, msg, pl + hl, r->key->secret->sign_sk);
	free(e->header.data);
	e->header.data = hdr;
	e->header.len = hl;
	hdr = NULL;
	size_t nl = liaison__envelope__get_packed_size(e);
	uint8_t *out = malloc(nl);
	if (!out)
		goto out;
	liaison__envelope__pack(e, out);
	free(*env);
	*env = out;
	*len = nl;
	note("resigned", json_string(claim));
	rc = 0;
out:
	free(hdr);
	free(msg);
	if (h)
		liaison__header__free_unpacked(h, NULL);
	if (e)
		liaison__envelope__free_unpacked(e, NULL);
	return rc;
}

/* Sends one batch of the given envelopes and waits for its ack. */
static int batch_and_ack(struct rogue *r, uint32_t version, uint8_t **envs, size_t *lens, size_t n)
{
	if (send_batch(r, version, envs, lens, n) < 0)
		return -1;
	return await(r, LIAISON__PEER_FRAME__KIND_ACK, r->timeout_ms);
}

static int run_mode(struct rogue *r, const char *claim, const char *save, const char *load, size_t max)
{
	uint64_t next = r->marks[LANE_ROUTINE] + 1;
	uint8_t *env[5] = { 0 }, id[ENVELOPE_ID_LEN], id2[ENVELOPE_ID_LEN];
	size_t len[5] = { 0 };
	int rc = -1;
	const char *m = r->mode;

	if (!strcmp(m, "valid")) {
		if (seal(r, next, NULL, NULL, false, &env[0], &len[0], id) == 0)
			rc = batch_and_ack(r, 1, env, len, 1);
	} else if (!strcmp(m, "garbage")) {
		size_t n = 512;
		uint8_t *g = malloc(n);
		if (!g)
			goto out;
		randombytes_buf(g, n);
		g[0] = 0xff; /* field 31 with wire type 7: never a valid protobuf */
		note("garbage", json_integer((json_int_t)n));
		rc = send_bytes(r, g, n);
		free(g);
		if (rc == 0)
			rc = sync_state(r);
	} else if (!strcmp(m, "oversized")) {
		uint8_t *g = calloc(1, max);
		if (!g)
			goto out;
		note("oversized", json_integer((json_int_t)max));
		rc = send_bytes(r, g, max);
		free(g);
		if (rc == 0)
			rc = sync_state(r);
	} else if (!strcmp(m, "big-envelope")) {
		env[0] = calloc(1, max);
		if (!env[0])
			goto out;
		len[0] = max;
		note("big-envelope", json_integer((json_int_t)max));
		rc = batch_and_ack(r, 1, env, len, 1);
	} else if (!strcmp(m, "bad-version")) {
		if (seal(r, next, NULL, NULL, false, &env[0], &len[0], id) < 0)
			goto out;
		if (send_batch(r, 2, env, len, 1) < 0 || sync_state(r) < 0)
			goto out;
		Liaison__Envelope *e = liaison__envelope__unpack(NULL, len[0], env[0]);
		if (!e)
			goto out;
		e->version = 3; /* 1 and 2 are known */
		len[1] = liaison__envelope__get_packed_size(e);
		env[1] = malloc(len[1]);
		if (env[1])
			liaison__envelope__pack(e, env[1]);
		liaison__envelope__free_unpacked(e, NULL);
		if (env[1])
			rc = batch_and_ack(r, 1, &env[1], &len[1], 1);
	} else if (!strcmp(m, "forged")) {
		if (seal(r, next, NULL, NULL, false, &env[0], &len[0], id) < 0)
			goto out;
		Liaison__Envelope *e = liaison__envelope__unpack(NULL, len[0], env[0]);
		if (!e || e->signature.len == 0) {
			liaison__envelope__free_unpacked(e, NULL);
			goto out;
		}
		e->signature.data[e->signature.len / 2] ^= 0x01;
		liaison__envelope__pack(e, env[0]); /* same size */
		liaison__envelope__free_unpacked(e, NULL);
		rc = batch_and_ack(r, 1, env, len, 1);
	} else if (!strcmp(m, "wrong-sender")) {
		if (!claim) {
			fprintf(stderr, "rogue_peer: wrong-sender needs --claim NAME\n");
			goto out;
		}
		if (seal(r, next, NULL, NULL, false, &env[0], &len[0], id) < 0 ||
		    resign_as(r, claim, &env[0], &len[0]) < 0)
			goto out;
		rc = batch_and_ack(r, 1, env, len, 1);
	} else if (!strcmp(m, "replay")) {
		if (seal(r, next, NULL, NULL, false, &env[0], &len[0], id) < 0)
			goto out;
		if (batch_and_ack(r, 1, env, len, 1) < 0 || batch_and_ack(r, 1, env, len, 1) < 0)
			goto out;
		if (seal(r, next + 1, NULL, id, false, &env[1], &len[1], id2) == 0)
			rc = batch_and_ack(r, 1, &env[1], &len[1], 1);
	} else if (!strcmp(m, "bad-topic")) {
		for (int i = 0; i < r->count; i++) {
			if (seal(r, r->marks[LANE_ROUTINE] + 1, NULL, NULL, false, &env[0], &len[0], id) < 0 ||
			    batch_and_ack(r, 1, env, len, 1) < 0)
				goto out;
			free(env[0]);
			env[0] = NULL;
		}
		rc = 0;
	} else if (!strcmp(m, "not-recipient")) {
		if (seal(r, next, NULL, NULL, true, &env[0], &len[0], id) == 0)
			rc = batch_and_ack(r, 1, env, len, 1);
	} else if (!strcmp(m, "hole")) {
		if (seal(r, next + 4, NULL, NULL, false, &env[0], &len[0], id) < 0)
			goto out;
		if (save && write_file(save, env[0], len[0]) < 0) {
			perror(save);
			goto out;
		}
		rc = batch_and_ack(r, 1, env, len, 1);
	} else if (!strcmp(m, "fill")) {
		if (!load) {
			fprintf(stderr, "rogue_peer: fill needs --load FILE\n");
			goto out;
		}
		for (int i = 0; i < 4; i++)
			if (seal(r, next + (uint64_t)i, NULL, NULL, false, &env[i], &len[i], id) < 0)
				goto out;
		if (!(env[4] = read_file(load, &len[4]))) {
			perror(load);
			goto out;
		}
		rc = batch_and_ack(r, 1, env, len, 5);
	} else {
		fprintf(stderr, "rogue_peer: unknown mode '%s'\n", m);
		rc = -2;
	}
out:
	for (int i = 0; i < 5; i++)
		free(env[i]);
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: rogue_peer --key K.key --target T.pub --endpoint tcp://HOST:PORT --mode MODE\n"
		   "                  [--claim NAME] [--other C.pub] [--save FILE] [--load FILE] [--max N]\n"
		   "                  [--timeout MS] [--topic T] [--count N]\n"
		   "modes: valid garbage oversized big-envelope bad-version forged wrong-sender replay\n"
		   "       not-recipient hole fill bad-topic\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },      { "target", required_argument, NULL, 't' },
		{ "endpoint", required_argument, NULL, 'e' }, { "mode", required_argument, NULL, 'm' },
		{ "claim", required_argument, NULL, 'C' },    { "other", required_argument, NULL, 'o' },
		{ "save", required_argument, NULL, 's' },     { "load", required_argument, NULL, 'L' },
		{ "max", required_argument, NULL, 'M' },      { "timeout", required_argument, NULL, 'T' },
		{ "topic", required_argument, NULL, 'P' },    { "count", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },           { NULL, 0, NULL, 0 },
	};
	const char *key_path = NULL, *target = NULL, *endpoint = NULL, *claim = NULL, *other = NULL,
		   *save = NULL, *load = NULL;
	struct rogue r = { .timeout_ms = 5000, .count = 1 };
	size_t max = 8u << 20;
	int c, ret = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'k': key_path = optarg; break;
		case 't': target = optarg; break;
		case 'e': endpoint = optarg; break;
		case 'm': r.mode = optarg; break;
		case 'C': claim = optarg; break;
		case 'o': other = optarg; break;
		case 's': save = optarg; break;
		case 'L': load = optarg; break;
		case 'M': max = strtoul(optarg, NULL, 10); break;
		case 'T': r.timeout_ms = atoi(optarg); break;
		case 'P': r.topic = optarg; break;
		case 'N': r.count = atoi(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 64;
		}
	}
	if (!r.topic && r.mode && !strcmp(r.mode, "bad-topic"))
		r.topic = "rogue\x1b[2J\x1b]0;owned\x07";
	if (!key_path || !target || !endpoint || !r.mode || optind != argc || max == 0 || r.count < 1) {
		usage(stderr);
		return 64;
	}
	if (sodium_init() < 0)
		return 1;
	int err = key_load(key_path, &r.key);
	if (err != LIAISON_OK) {
		fprintf(stderr, "rogue_peer: %s: %s\n", key_path, liaison_strerror(err));
		return 1;
	}
	if ((err = cert_load(target, &r.target)) != LIAISON_OK) {
		fprintf(stderr, "rogue_peer: %s: %s\n", target, liaison_strerror(err));
		goto out;
	}
	if (other) {
		if ((err = cert_load(other, &r.other)) != LIAISON_OK) {
			fprintf(stderr, "rogue_peer: %s: %s\n", other, liaison_strerror(err));
			goto out;
		}
		r.have_other = true;
	}
	r.sealer = sealer_new(r.key, 3600, 100000);
	r.ctx = zmq_ctx_new();
	r.dealer = r.ctx ? zmq_socket(r.ctx, ZMQ_DEALER) : NULL;
	if (!r.sealer || !r.dealer)
		goto out;
	int zero = 0, ivl = 100;
	zmq_setsockopt(r.dealer, ZMQ_CURVE_SERVERKEY, r.target.box_pk, 32);
	zmq_setsockopt(r.dealer, ZMQ_CURVE_PUBLICKEY, r.key->cert.box_pk, 32);
	zmq_setsockopt(r.dealer, ZMQ_CURVE_SECRETKEY, r.key->secret->box_sk, 32);
	zmq_setsockopt(r.dealer, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(r.dealer, ZMQ_RECONNECT_IVL, &ivl, sizeof(ivl));
	if (zmq_connect(r.dealer, endpoint) < 0) {
		fprintf(stderr, "rogue_peer: cannot connect to %s: %s\n", endpoint, zmq_strerror(zmq_errno()));
		goto out;
	}
	/* Our own sequence numbers only need to be plausible: start from the clock. */
	r.sequence = (uint64_t)now_ms();
	if (sync_state(&r) < 0) {
		fprintf(stderr, "rogue_peer: %s never answered a hello\n", endpoint);
		ret = 69;
		goto out;
	}
	int rc = run_mode(&r, claim, save, load, max);
	if (rc == -2)
		ret = 64;
	else if (rc < 0)
		fprintf(stderr, "rogue_peer: mode %s: no answer from %s\n", r.mode, endpoint);
	else
		ret = 0;
out:
	if (r.dealer)
		zmq_close(r.dealer);
	if (r.ctx)
		zmq_ctx_term(r.ctx);
	sealer_destroy(&r.sealer);
	key_destroy(&r.key);
	return ret;
}

/* libFuzzer target: arbitrary bytes as a federation frame, as a node's
 * ROUTER receives them from a pinned peer: PeerFrame unpack, then each
 * envelope of a batch through envelope_open_header with a fixed key set,
 * each relayed receipt of a batch's hop items and the receipt of an ack
 * through receipt_verify.
 *
 * The keys come from fixed seeds, the same as fuzz_envelope's, so that the
 * seed corpus (tests/fuzz/corpus/peer_frame/: a hello, a state, batches of
 * valid ALPHA -> BRAVO envelopes, a relaying batch with hop items and a
 * relayed receipt, an ack with BRAVO's signed receipt) starts
 * deep inside the checks. Built with -DFUZZ_MAKE_SEEDS this file is the
 * program that wrote those seeds: fuzz_peer_frame_seeds ENVELOPE_DIR OUT_DIR */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "envelope.h"
#include "error.h"
#include "keyfile.h"

#include "fixed_keys.h"

static struct liaison_key alpha, bravo;

static void setup(void)
{
	if (sodium_init() < 0)
		abort();
	fixed_key(&alpha, "ALPHA", 0xa1);
	fixed_key(&bravo, "BRAVO", 0xb2);
}

#ifndef FUZZ_MAKE_SEEDS

static const struct liaison_cert *lookup(void *ctx, const char *name)
{
	(void)ctx;
	if (strcmp(name, "ALPHA") == 0)
		return &alpha.cert;
	if (strcmp(name, "BRAVO") == 0)
		return &bravo.cert;
	return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	setup();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Liaison__PeerFrame *f = liaison__peer_frame__unpack(NULL, size, data);
	if (!f)
		return 0;
	if (f->kind_case == LIAISON__PEER_FRAME__KIND_BATCH && f->batch) {
		for (size_t i = 0; i < f->batch->n_envelopes; i++) {
			struct opened op;
			const ProtobufCBinaryData *e = &f->batch->envelopes[i];
			int rc = envelope_open_header(e->data, e->len, 0, lookup, NULL, &op);
			if (rc == LIAISON_OK) {
				if (!op.envelope || !op.header || op.payload)
					abort();
				opened_clear(&op);
			} else if (op.envelope || op.header || op.payload) {
				abort(); /* a failed open must leave nothing behind */
			}
		}
		for (size_t i = 0; i < f->batch->n_hops; i++) {
			const Liaison__HopItem *h = f->batch->hops[i];
			for (size_t k = 0; k < h->n_to; k++)
				(void)liaison_name_valid(h->to[k]);
			Liaison__SignedReceipt *sr = h->receipt.len
							     ? liaison__signed_receipt__unpack(NULL, h->receipt.len, h->receipt.data)
							     : NULL;
			Liaison__DeliveryReceipt *r = NULL;
			if (sr && receipt_verify(&bravo.cert, sr, &r) == LIAISON_OK) {
				for (size_t k = 0; k < r->n_marks; k++)
					(void)r->marks[k]->seq;
				liaison__delivery_receipt__free_unpacked(r, NULL);
			} else if (r) {
				abort();
			}
			if (sr)
				liaison__signed_receipt__free_unpacked(sr, NULL);
		}
	} else if (f->kind_case == LIAISON__PEER_FRAME__KIND_ACK && f->ack) {
		for (size_t i = 0; i < f->ack->n_marks; i++)
			(void)f->ack->marks[i]->seq;
		for (size_t i = 0; i < f->ack->n_rejected; i++)
			(void)strlen(f->ack->rejected[i]->reason);
		if (f->ack->receipt) {
			Liaison__DeliveryReceipt *r = NULL;
			if (receipt_verify(&bravo.cert, f->ack->receipt, &r) == LIAISON_OK) {
				if (!r)
					abort();
				for (size_t i = 0; i < r->n_message_ids; i++)
					(void)r->message_ids[i].len;
				liaison__delivery_receipt__free_unpacked(r, NULL);
			} else if (r) {
				abort();
			}
		}
	} else if (f->kind_case == LIAISON__PEER_FRAME__KIND_HELLO && f->hello) {
		(void)liaison_name_valid(f->hello->node);
	}
	liaison__peer_frame__free_unpacked(f, NULL);
	return 0;
}

#else

#include "seed_file.h"

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = malloc(1 << 20);
	if (!f || !buf) {
		perror(path);
		exit(1);
	}
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

static void write_frame(const char *dir, const char *name, Liaison__PeerFrame *f)
{
	char path[4096];
	f->version = 1;
	size_t len = liaison__peer_frame__get_packed_size(f);
	uint8_t *buf = malloc(len ? len : 1);
	liaison__peer_frame__pack(f, buf);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	seed_write_file(path, buf, len);
	free(buf);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s ENVELOPE_DIR OUT_DIR\n", argv[0]);
		return 64;
	}
	setup();
	static const char *names[] = { "sitrep", "status", "warning", "intel" };
	ProtobufCBinaryData envs[4];
	char path[4096];
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof path, "%s/%s", argv[1], names[i]);
		envs[i].data = read_file(path, &envs[i].len);
	}
	Liaison__PeerFrame f = LIAISON__PEER_FRAME__INIT;
	Liaison__PeerHello hello = LIAISON__PEER_HELLO__INIT;
	hello.node = "ALPHA";
	f.kind_case = LIAISON__PEER_FRAME__KIND_HELLO;
	f.hello = &hello;
	write_frame(argv[2], "hello", &f);

	Liaison__LaneMark m[4], *mp[4];
	for (int i = 0; i < 4; i++) {
		liaison__lane_mark__init(&m[i]);
		m[i].lane = (Liaison__Precedence)(i + 1);
		m[i].seq = (uint64_t)(i * 7);
		mp[i] = &m[i];
	}
	Liaison__PeerState st = LIAISON__PEER_STATE__INIT;
	st.marks = mp;
	st.n_marks = 4;
	f.kind_case = LIAISON__PEER_FRAME__KIND_STATE;
	f.state = &st;
	write_frame(argv[2], "state", &f);

	Liaison__PeerBatch b = LIAISON__PEER_BATCH__INIT;
	b.envelopes = envs;
	b.n_envelopes = 1;
	f.kind_case = LIAISON__PEER_FRAME__KIND_BATCH;
	f.batch = &b;
	write_frame(argv[2], "batch1", &f);
	b.n_envelopes = 4;
	write_frame(argv[2], "batch4", &f);

	uint8_t ids[2][16] = { { 1, 2, 3 }, { 4, 5, 6 } };
	ProtobufCBinaryData idv[2] = { { 16, ids[0] }, { 16, ids[1] } };
	Liaison__DeliveryReceipt dr = LIAISON__DELIVERY_RECEIPT__INIT;
	dr.version = 1;
	dr.recipient = "BRAVO";
	dr.received = NOW;
	dr.message_ids = idv;
	dr.n_message_ids = 2;
	uint8_t *signed_buf;
	size_t signed_len;
	if (receipt_sign(&bravo, &dr, &signed_buf, &signed_len) != LIAISON_OK)
		return 1;
	Liaison__SignedReceipt *sr = liaison__signed_receipt__unpack(NULL, signed_len, signed_buf);
	Liaison__RejectedEnvelope rj = LIAISON__REJECTED_ENVELOPE__INIT, *rjp[] = { &rj };
	rj.id = idv[1];
	rj.error = LIAISON_E_SIGNATURE;
	rj.reason = "signature does not verify";
	Liaison__PeerAck ack = LIAISON__PEER_ACK__INIT;
	ack.marks = mp;
	ack.n_marks = 4;
	ack.receipt = sr;
	ack.rejected = rjp;
	ack.n_rejected = 1;
	f.kind_case = LIAISON__PEER_FRAME__KIND_ACK;
	f.ack = &ack;
	write_frame(argv[2], "ack", &f);

	/* relaying: the second envelope carried on toward CHARLIE, then BRAVO's
	 * receipt (with a gap report's marks) on its way back to ALPHA */
	dr.marks = mp;
	dr.n_marks = 4;
	uint8_t *gap_buf;
	size_t gap_len;
	if (receipt_sign(&bravo, &dr, &gap_buf, &gap_len) != LIAISON_OK)
		return 1;
	char *to_c[] = { "CHARLIE" }, *to_a[] = { "ALPHA" };
	Liaison__HopItem hops[2] = { LIAISON__HOP_ITEM__INIT, LIAISON__HOP_ITEM__INIT }, *hp[] = { &hops[0], &hops[1] };
	hops[0].index = 1;
	hops[0].position = 8;
	hops[0].to = to_c;
	hops[0].n_to = 1;
	hops[1].index = 2;
	hops[1].position = 9;
	hops[1].to = to_a;
	hops[1].n_to = 1;
	hops[1].receipt.data = gap_buf;
	hops[1].receipt.len = gap_len;
	hops[1].lane = LIAISON__PRECEDENCE__ROUTINE;
	ProtobufCBinaryData renv[3] = { envs[0], envs[1], { 0, NULL } };
	b.envelopes = renv;
	b.n_envelopes = 3;
	b.hops = hp;
	b.n_hops = 2;
	f.kind_case = LIAISON__PEER_FRAME__KIND_BATCH;
	f.batch = &b;
	write_frame(argv[2], "relay", &f);
	free(gap_buf);
	liaison__signed_receipt__free_unpacked(sr, NULL);
	free(signed_buf);
	for (int i = 0; i < 4; i++)
		free(envs[i].data);
	return 0;
}

#endif

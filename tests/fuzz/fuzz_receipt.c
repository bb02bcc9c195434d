/* libFuzzer target: arbitrary bytes as a signed delivery receipt
 * (SignedReceipt), as a node finds one in a peer's ack: unpack, then
 * receipt_verify against the peer's pinned certificate (fixed keys, the same
 * as the other targets'). A receipt that verifies must re-sign to the same
 * bytes (Ed25519 is deterministic) and every id it names must be readable.
 * A hostile but pinned peer signs whatever receipt body it likes, so the
 * same bytes are also taken as a receipt body, signed with the peer's key
 * and verified: that reaches the parsing behind the signature check.
 *
 * Seed corpus: tests/fuzz/corpus/receipt/ (receipts signed by BRAVO; built
 * with -DFUZZ_MAKE_SEEDS this file is the program that wrote them:
 * fuzz_receipt_seeds OUT_DIR). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "envelope.h"
#include "error.h"
#include "keyfile.h"

#include "fixed_keys.h"

static struct liaison_key bravo;

static void setup(void)
{
	if (sodium_init() < 0)
		abort();
	fixed_key(&bravo, "BRAVO", 0xb2);
}

#ifndef FUZZ_MAKE_SEEDS

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	setup();
	return 0;
}

static void check(const Liaison__SignedReceipt *sr);

/* data as the receipt body of a peer that signs what it likes */
static void signed_body(const uint8_t *data, size_t size)
{
	static const char prefix[] = "liaison-receipt-v1"; /* signed with its NUL */
	uint8_t sig[crypto_sign_BYTES], *m = malloc(sizeof prefix + size);
	if (!m)
		return;
	memcpy(m, prefix, sizeof prefix);
	memcpy(m + sizeof prefix, data, size);
	crypto_sign_detached(sig, NULL, m, sizeof prefix + size, bravo.secret->sign_sk);
	free(m);
	Liaison__SignedReceipt sr = LIAISON__SIGNED_RECEIPT__INIT;
	sr.receipt.data = (uint8_t *)data;
	sr.receipt.len = size;
	sr.signature.data = sig;
	sr.signature.len = sizeof sig;
	check(&sr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	signed_body(data, size);
	Liaison__SignedReceipt *sr = liaison__signed_receipt__unpack(NULL, size, data);
	if (!sr)
		return 0;
	check(sr);
	liaison__signed_receipt__free_unpacked(sr, NULL);
	return 0;
}

static void check(const Liaison__SignedReceipt *sr)
{
	Liaison__DeliveryReceipt *r = NULL;
	if (receipt_verify(&bravo.cert, sr, &r) == LIAISON_OK) {
		if (!r)
			abort();
		size_t total = 0;
		for (size_t i = 0; i < r->n_message_ids; i++)
			total += r->message_ids[i].len ? r->message_ids[i].data[0] : 0;
		(void)total;
		uint8_t *again;
		size_t again_len;
		if (receipt_sign(&bravo, r, &again, &again_len) != LIAISON_OK)
			abort();
		Liaison__SignedReceipt *sr2 = liaison__signed_receipt__unpack(NULL, again_len, again);
		Liaison__DeliveryReceipt *r2 = NULL;
		if (!sr2 || receipt_verify(&bravo.cert, sr2, &r2) != LIAISON_OK)
			abort();
		liaison__delivery_receipt__free_unpacked(r2, NULL);
		liaison__signed_receipt__free_unpacked(sr2, NULL);
		free(again);
		liaison__delivery_receipt__free_unpacked(r, NULL);
	} else if (r) {
		abort(); /* a failed check must leave nothing behind */
	}
}

#else

static void write_receipt(const char *dir, const char *name, const Liaison__DeliveryReceipt *r)
{
	uint8_t *buf;
	size_t len;
	char path[4096];
	if (receipt_sign(&bravo, r, &buf, &len) != LIAISON_OK)
		exit(1);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *out = fopen(path, "wb");
	if (!out || fwrite(buf, 1, len, out) != len || fclose(out) != 0) {
		perror(path);
		exit(1);
	}
	free(buf);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
		return 64;
	}
	setup();
	uint8_t ids[3][16] = { { 1, 2, 3 }, { 4, 5, 6 }, { 0xff, 0xee } };
	ProtobufCBinaryData idv[3] = { { 16, ids[0] }, { 16, ids[1] }, { 16, ids[2] } };
	Liaison__DeliveryReceipt dr = LIAISON__DELIVERY_RECEIPT__INIT;
	dr.version = 1;
	dr.recipient = "BRAVO";
	dr.received = NOW;
	dr.message_ids = idv;
	dr.n_message_ids = 1;
	write_receipt(argv[1], "one", &dr);
	dr.n_message_ids = 3;
	write_receipt(argv[1], "three", &dr);
	dr.n_message_ids = 0;
	write_receipt(argv[1], "none", &dr);
	return 0;
}

#endif

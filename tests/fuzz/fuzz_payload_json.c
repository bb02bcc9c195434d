/* libFuzzer target: arbitrary bytes as the JSON file of `liaison send TYPE
 * --file F.json` (here "--file -", read from memory): the first byte picks
 * the type (sitrep, status, warning, intel), the rest is the file, through
 * send_parse, jansson and pbjson_to_message. A payload that is accepted must
 * render back to JSON (pbjson_from_message, as `--json` prints it) that is
 * accepted again as the same payload, byte for byte once packed.
 *
 * Seed corpus: tests/fuzz/corpus/payload_json/ (a type byte, then a payload
 * such as docs/liaison.1 shows). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "client.h"
#include "pbjson.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		abort();
	return 0;
}

static uint8_t *packed(const ProtobufCMessage *m, size_t *len)
{
	*len = protobuf_c_message_get_packed_size(m);
	uint8_t *b = malloc(*len ? *len : 1);
	if (!b)
		abort();
	protobuf_c_message_pack(m, b);
	return b;
}

/* The accepted payload, rendered and read back, must be the same message. */
static void round_trip(const Liaison__Payload *p)
{
	json_t *j = pbjson_from_message(&p->base);
	if (!j)
		abort();
	char *text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!text)
		abort();
	json_error_t je;
	json_t *back = json_loads(text, JSON_REJECT_DUPLICATES, &je);
	free(text);
	if (!back)
		abort();
	char err[256];
	ProtobufCMessage *again = pbjson_to_message(&liaison__payload__descriptor, back, err, sizeof err);
	json_decref(back);
	if (!again)
		abort();
	size_t la, lb;
	uint8_t *a = packed(&p->base, &la), *b = packed(again, &lb);
	if (la != lb || memcmp(a, b, la) != 0)
		abort();
	free(a);
	free(b);
	protobuf_c_message_free_unpacked(again, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *types[] = { "sitrep", "status", "warning", "intel" };
	if (size < 1)
		return 0;
	struct client cl;
	struct send_opts o;
	client_init(&cl);
	cl.out = devnull;
	/* fmemopen takes no empty buffer; an empty file reads as /dev/null */
	cl.in = size > 1 ? fmemopen((void *)(data + 1), size - 1, "r") : fopen("/dev/null", "r");
	if (!cl.in)
		abort();
	char *argv[] = { "send", types[data[0] & 3], "--to", "BRAVO", "--file", "-", NULL };
	FILE *saved = stderr;
	stderr = devnull; /* the one error line per rejected input; sanitizers write to fd 2 */
	int rc = send_parse(&cl, 6, argv, &o);
	stderr = saved;
	fclose(cl.in);
	if (rc == 0) {
		if (!o.req || !o.req->send || !o.req->send->payload)
			abort();
		round_trip(o.req->send->payload);
		send_opts_clear(&o);
	} else if (o.req) {
		abort();
	}
	return 0;
}

/* libFuzzer target: arbitrary bytes as the JSON lines of `liaison send
 * --batch -` (read from memory): every line through jansson and
 * send_from_json, as cmd_send checks them all before it connects. The
 * client's configuration is a path that does not exist, so a batch whose
 * lines all pass stops at the connection step (exit 78) and nothing leaves
 * the process; a bad line stops at the usage error (64).
 *
 * Seed corpus: tests/fuzz/corpus/batch/ (batches of the form liaison(1)
 * documents). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "client.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct client cl;
	client_init(&cl);
	cl.out = devnull;
	cl.conf_path = "/nonexistent/liaison-fuzz/client.conf";
	cl.in = size ? fmemopen((void *)data, size, "r") : fopen("/dev/null", "r");
	if (!cl.in)
		abort();
	char *argv[] = { "send", "--batch", "-", NULL };
	FILE *saved = stderr;
	stderr = devnull; /* the one error line per input; sanitizers write to fd 2 */
	int rc = cmd_send(&cl, 3, argv);
	stderr = saved;
	fclose(cl.in);
	if (rc != CLIENT_EX_CONFIG && rc != CLIENT_EX_USAGE && rc != CLIENT_EX_FAIL)
		abort();
	return 0;
}

/* libFuzzer target: arbitrary bytes as the client's configuration file
 * (client.conf: api, node_cert, key), written to a scratch file and read by
 * conf_parse_file, the loader `liaison -c FILE` uses. A file that parses must
 * give every path made absolute against the file's folder; one that does not
 * must say "FILE:LINE: what" (or "FILE: why") and leave nothing behind.
 *
 * Seed corpus: tests/fuzz/corpus/client_config/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "client.h"

#include "scratch.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	scratch_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[512], err[1024];
	struct client_conf c;
	scratch_write("client.conf", data, size, 0644, path, sizeof path);
	memset(err, 'x', sizeof err);
	if (conf_parse_file(path, &c, err, sizeof err) != 0) {
		if (c.path || c.api || c.node_cert || c.key || !memchr(err, '\0', sizeof err) ||
		    strncmp(err, path, strlen(path)) != 0 || err[strlen(path)] != ':')
			abort();
		return 0;
	}
	if (!c.path || (c.node_cert && c.node_cert[0] != '/') || (c.key && c.key[0] != '/') ||
	    (c.api && !c.api[0]))
		abort();
	conf_clear(&c);
	if (c.path)
		abort();
	return 0;
}

/* libFuzzer target: arbitrary bytes as liaisond's configuration file, read
 * by config_load (the node's public loader) from a scratch folder that also
 * holds the certificates a configuration names (ALPHA.pub, BRAVO.pub and
 * CHARLIE.pub for nodes, officer1.pub and reader1.pub for clients, from the
 * fuzz targets' fixed keys). A file that loads must give a node name, every
 * endpoint and a verified certificate per peer and client; one that does not
 * must say "FILE:LINE: what" (or "FILE: why") and leave nothing behind.
 *
 * The target calls only config_load and config_free, so it keeps working
 * whatever reader sits behind them. Seed corpus:
 * tests/fuzz/corpus/node_config/ (the examples of liaisond.conf(5) and
 * near misses). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "config.h"
#include "error.h"
#include "keyfile.h"

#include "fixed_keys.h"
#include "scratch.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void write_cert(const char *name, uint8_t tag, enum cert_kind kind)
{
	struct liaison_key k;
	char file[128], path[512];
	fixed_key(&k, name, tag);
	if (kind != k.cert.kind) {
		k.cert.kind = kind;
		cert_sign(&k.cert, k.secret->sign_sk);
	}
	char *text = cert_format(&k.cert);
	if (!text)
		abort();
	snprintf(file, sizeof file, "%s.pub", name);
	scratch_write(file, text, strlen(text), 0644, path, sizeof path);
	free(text);
	sodium_free(k.secret);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	if (sodium_init() < 0)
		abort();
	scratch_init();
	write_cert("ALPHA", 0xa1, CERT_NODE);
	write_cert("BRAVO", 0xb2, CERT_NODE);
	write_cert("CHARLIE", 0xc3, CERT_NODE);
	write_cert("officer1", 0x01, CERT_CLIENT);
	write_cert("reader1", 0x02, CERT_CLIENT);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[512], err[1024];
	struct config *c = NULL;
	scratch_write("liaisond.conf", data, size, 0644, path, sizeof path);
	memset(err, 'x', sizeof err);
	if (config_load(path, &c, err, sizeof err) != 0) {
		/* one message, naming the file */
		if (c || !memchr(err, '\0', sizeof err) || strncmp(err, path, strlen(path)) != 0 ||
		    err[strlen(path)] != ':')
			abort();
		return 0;
	}
	if (!c || !liaison_name_valid(c->name) || !c->key_path || !c->listen || !c->api || !c->data_dir ||
	    c->max_message == 0)
		abort();
	for (size_t i = 0; i < c->n_peers; i++) {
		const struct peer_conf *p = &c->peers[i];
		if (!p->endpoint || !cert_verify(&p->cert) || p->cert.kind != CERT_NODE ||
		    strcmp(p->cert.name, p->name) != 0 || config_peer(c, p->name) != p ||
		    config_peer_by_key(c, p->cert.box_pk) != p)
			abort();
	}
	for (size_t i = 0; i < c->n_clients; i++) {
		const struct client_conf *cl = &c->clients[i];
		if (!cert_verify(&cl->cert) || cl->cert.kind != CERT_CLIENT || !role_name(cl->role) ||
		    config_client_by_key(c, cl->cert.box_pk) != cl)
			abort();
	}
	config_free(&c);
	if (c)
		abort();
	return 0;
}

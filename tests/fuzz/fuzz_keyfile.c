/* libFuzzer target: arbitrary bytes as a secret key file (NAME.key), written
 * to a 0600 scratch file and read by key_load, as liaisond and liaison read
 * theirs. A key that loads must carry a valid certificate, and written out
 * again (key_write) must load to the same keys.
 *
 * Seed corpus: tests/fuzz/corpus/keyfile/ (test-only key files made with
 * liaison-keys, and near misses). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "error.h"
#include "keyfile.h"

#include "scratch.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	if (sodium_init() < 0)
		abort();
	scratch_init();
	return 0;
}

static bool same_key(const struct liaison_key *a, const struct liaison_key *b)
{
	return strcmp(a->cert.name, b->cert.name) == 0 && a->cert.kind == b->cert.kind &&
	       a->cert.created == b->cert.created &&
	       memcmp(a->cert.sign_pk, b->cert.sign_pk, LIAISON_SIGN_PK) == 0 &&
	       memcmp(a->cert.box_pk, b->cert.box_pk, LIAISON_BOX_PK) == 0 &&
	       memcmp(a->cert.sig, b->cert.sig, LIAISON_SIG) == 0 &&
	       sodium_memcmp(a->secret->sign_sk, b->secret->sign_sk, LIAISON_SIGN_SK) == 0 &&
	       sodium_memcmp(a->secret->box_sk, b->secret->box_sk, LIAISON_BOX_SK) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[512], again_path[512];
	struct liaison_key *k = NULL, *again = NULL;
	scratch_write("in.key", data, size, 0600, path, sizeof path);
	int rc = key_load(path, &k);
	if (rc != LIAISON_OK) {
		if (k)
			abort(); /* a failed load must leave nothing behind */
		return 0;
	}
	if (!k || !k->secret || !cert_verify(&k->cert))
		abort();
	snprintf(again_path, sizeof again_path, "%s/again.key", scratch_dir);
	unlink(again_path);
	if (key_write(k, again_path) != LIAISON_OK || key_load(again_path, &again) != LIAISON_OK ||
	    !same_key(k, again))
		abort();
	key_destroy(&again);
	key_destroy(&k);
	if (k)
		abort();
	return 0;
}

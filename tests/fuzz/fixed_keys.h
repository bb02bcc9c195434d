/* Node keys made from fixed seeds, shared by the fuzz targets and their
 * seed makers, so the committed seed envelopes open with the same keys on
 * every build. Included by exactly one file per target. */
#ifndef LIAISON_FUZZ_FIXED_KEYS_H
#define LIAISON_FUZZ_FIXED_KEYS_H

#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "keyfile.h"

#define NOW 1800000000000LL

static void fixed_key(struct liaison_key *k, const char *name, uint8_t tag)
{
	uint8_t seed[32];
	memset(seed, tag, sizeof seed);
	k->secret = sodium_malloc(sizeof *k->secret);
	if (!k->secret)
		abort();
	strcpy(k->cert.name, name);
	k->cert.kind = CERT_NODE;
	k->cert.created = NOW / 1000;
	crypto_sign_seed_keypair(k->cert.sign_pk, k->secret->sign_sk, seed);
	seed[0] ^= 0xff;
	crypto_box_seed_keypair(k->cert.box_pk, k->secret->box_sk, seed);
	cert_sign(&k->cert, k->secret->sign_sk);
	if (!cert_verify(&k->cert))
		abort();
}

#endif

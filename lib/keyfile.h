/* Key pairs, certificates and their files.
 *
 * A certificate (NAME.pub) is the public half: name, kind, creation time, an
 * Ed25519 signing key and an X25519 key (the CurveZMQ transport key, also
 * used to wrap message keys), self-signed. A secret key file (NAME.key, mode
 * 0600) holds both secret keys and the certificate. Both are small text files
 * a person can read, mail and compare. */
#ifndef LIAISON_KEYFILE_H
#define LIAISON_KEYFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define LIAISON_NAME_MAX 64
#define LIAISON_SIGN_PK 32
#define LIAISON_SIGN_SK 64
#define LIAISON_BOX_PK 32
#define LIAISON_BOX_SK 32
#define LIAISON_SIG 64
#define LIAISON_KEY_ID 8
/* "ABCD-EFGH-JKLM-NPQR" + NUL: 80 bits of BLAKE2b in base32, read aloud in four groups. */
#define LIAISON_FINGERPRINT_LEN 20

enum cert_kind { CERT_NODE = 0, CERT_CLIENT = 1 };

struct liaison_cert {
	char name[LIAISON_NAME_MAX + 1];
	enum cert_kind kind;
	int64_t created; /* unix seconds */
	uint8_t sign_pk[LIAISON_SIGN_PK];
	uint8_t box_pk[LIAISON_BOX_PK];
	uint8_t sig[LIAISON_SIG]; /* Ed25519 by sign_pk over the fields above */
};

/* Secret material lives in one sodium_malloc'ed block, wiped when freed. */
struct liaison_secret {
	uint8_t sign_sk[LIAISON_SIGN_SK];
	uint8_t box_sk[LIAISON_BOX_SK];
};

struct liaison_key {
	struct liaison_cert cert;
	struct liaison_secret *secret; /* sodium_malloc'ed, read-only when not in use is not required */
};

/* true if name is 1..64 of letters, digits, '.', '_', '-' and does not start with '.' or '-'. */
bool liaison_name_valid(const char *name);

/* Generates a fresh key pair and self-signed certificate. Caller frees with key_destroy. */
int key_generate(const char *name, enum cert_kind kind, struct liaison_key **out);
void key_destroy(struct liaison_key **key);

/* Writes the secret key file with O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600, and
 * fsyncs it; LIAISON_E_EXISTS if path exists (nothing changed). */
int key_write(const struct liaison_key *key, const char *path);
/* Writes the certificate file (0644), also O_EXCL. */
int cert_write(const struct liaison_cert *cert, const char *path);

/* Loads a secret key file. LIAISON_E_PERM if group or others may read it;
 * LIAISON_E_PARSE/LIAISON_E_SIGNATURE if damaged (its certificate part must
 * verify and match the secret keys). Caller frees with key_destroy. */
int key_load(const char *path, struct liaison_key **out);

/* Loads and verifies a certificate file into *out. LIAISON_E_PARSE if a line
 * is malformed, LIAISON_E_SIGNATURE if the self-signature does not hold. */
int cert_load(const char *path, struct liaison_cert *out);

/* Text forms, for files and tests. cert_format returns a malloc'ed string. */
char *cert_format(const struct liaison_cert *cert);
int cert_parse(const char *text, size_t len, struct liaison_cert *out);

/* Sets the self-signature with the certificate's own signing key. */
void cert_sign(struct liaison_cert *cert, const uint8_t sign_sk[LIAISON_SIGN_SK]);
/* Checks the self-signature. */
bool cert_verify(const struct liaison_cert *cert);

/* Fingerprint "ABCD-EFGH-JKLM-NPQR" of the two public keys. */
void cert_fingerprint(const struct liaison_cert *cert, char out[LIAISON_FINGERPRINT_LEN]);
/* The first 8 bytes of the fingerprint hash: names the key in envelopes. */
void cert_key_id(const struct liaison_cert *cert, uint8_t out[LIAISON_KEY_ID]);

const char *cert_kind_name(enum cert_kind kind); /* "node" | "client" */

#endif

/* Key pairs, certificates and their text files (NAME.pub, NAME.key).
 *
 * Both files are "key: value" lines in a fixed order, after an informational
 * comment line. Every value has one canonical spelling (base64 re-encoded and
 * compared, times re-formatted and compared), so any change to a significant
 * character either fails to parse or breaks the self-signature. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>
#include "error.h"
#include "keyfile.h"

#define CERT_SIGN_PREFIX "liaison-cert-v1"          /* signed with its NUL */
#define FINGERPRINT_PREFIX "liaison-fingerprint-v1" /* hashed with its NUL */
#define KEYFILE_MAX 8192                            /* both files are well under 1 KiB */
#define FORMAT_CAP 2048
#define B64_VARIANT sodium_base64_VARIANT_ORIGINAL

bool liaison_name_valid(const char *name)
{
	if (!name)
		return false;
	size_t n = strlen(name);
	if (n == 0 || n > LIAISON_NAME_MAX || name[0] == '.' || name[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

const char *cert_kind_name(enum cert_kind kind)
{
	return kind == CERT_CLIENT ? "client" : "node";
}

/* The canonical bytes the self-signature covers; returns their length. */
static size_t cert_signed_bytes(const struct liaison_cert *c, uint8_t *buf)
{
	size_t n = 0, nl = strnlen(c->name, LIAISON_NAME_MAX);
	memcpy(buf, CERT_SIGN_PREFIX, sizeof CERT_SIGN_PREFIX);
	n += sizeof CERT_SIGN_PREFIX;
	memcpy(buf + n, c->name, nl);
	n += nl;
	buf[n++] = 0;
	buf[n++] = (uint8_t)c->kind;
	uint64_t t = (uint64_t)c->created;
	for (int i = 7; i >= 0; i--)
		buf[n++] = (uint8_t)(t >> (8 * i));
	memcpy(buf + n, c->sign_pk, LIAISON_SIGN_PK);
	n += LIAISON_SIGN_PK;
	memcpy(buf + n, c->box_pk, LIAISON_BOX_PK);
	return n + LIAISON_BOX_PK;
}

#define CERT_SIGNED_MAX (sizeof CERT_SIGN_PREFIX + LIAISON_NAME_MAX + 10 + LIAISON_SIGN_PK + LIAISON_BOX_PK)

bool cert_verify(const struct liaison_cert *cert)
{
	uint8_t buf[CERT_SIGNED_MAX];
	if (!cert || !liaison_name_valid(cert->name) ||
	    (cert->kind != CERT_NODE && cert->kind != CERT_CLIENT))
		return false;
	if (sodium_init() < 0)
		return false;
	size_t n = cert_signed_bytes(cert, buf);
	return crypto_sign_verify_detached(cert->sig, buf, n, cert->sign_pk) == 0;
}

static void fingerprint_hash(const struct liaison_cert *cert, uint8_t h[crypto_generichash_BYTES])
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, crypto_generichash_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)FINGERPRINT_PREFIX, sizeof FINGERPRINT_PREFIX);
	crypto_generichash_update(&st, cert->sign_pk, LIAISON_SIGN_PK);
	crypto_generichash_update(&st, cert->box_pk, LIAISON_BOX_PK);
	crypto_generichash_final(&st, h, crypto_generichash_BYTES);
}

void cert_fingerprint(const struct liaison_cert *cert, char out[LIAISON_FINGERPRINT_LEN])
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	uint8_t h[crypto_generichash_BYTES];
	fingerprint_hash(cert, h);
	/* 10 bytes = 80 bits = 16 base32 digits, no padding. */
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0, digits = 0;
	for (size_t i = 0; i < 10; i++) {
		acc = (acc << 8) | h[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			if (digits > 0 && digits % 4 == 0)
				out[o++] = '-';
			out[o++] = alphabet[(acc >> bits) & 31];
			digits++;
		}
	}
	out[o] = '\0';
}

void cert_key_id(const struct liaison_cert *cert, uint8_t out[LIAISON_KEY_ID])
{
	uint8_t h[crypto_generichash_BYTES];
	fingerprint_hash(cert, h);
	memcpy(out, h, LIAISON_KEY_ID);
}

/* ---------------------------------------------------------------- formatting */

static bool format_time(int64_t t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (!gmtime_r(&tt, &tm))
		return false;
	return strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) > 0;
}

struct text {
	char *buf;
	size_t cap, len;
	bool ok;
};

static void text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	if (!t->ok)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= t->cap - t->len) {
		t->ok = false;
		return;
	}
	t->len += (size_t)n;
}

/* Appends "field: base64\n"; the encoded text is wiped from the stack. */
static void text_add_b64(struct text *t, const char *field, const uint8_t *bin, size_t len)
{
	char b64[sodium_base64_ENCODED_LEN(LIAISON_SIGN_SK, B64_VARIANT)];
	sodium_bin2base64(b64, sizeof b64, bin, len, B64_VARIANT);
	text_add(t, "%s: %s\n", field, b64);
	sodium_memzero(b64, sizeof b64);
}

static void text_add_cert(struct text *t, const struct liaison_cert *c, bool secret)
{
	char fp[LIAISON_FINGERPRINT_LEN], created[32];
	cert_fingerprint(c, fp);
	if (!format_time(c->created, created)) {
		t->ok = false;
		return;
	}
	if (secret)
		text_add(t, "# liaison secret key: %s %s, fingerprint %s; keep it private\n",
			 cert_kind_name(c->kind), c->name, fp);
	else
		text_add(t, "# liaison certificate: %s %s, fingerprint %s\n", cert_kind_name(c->kind),
			 c->name, fp);
	text_add(t, "name: %s\nkind: %s\ncreated: %s\n", c->name, cert_kind_name(c->kind), created);
	text_add_b64(t, "sign-key", c->sign_pk, LIAISON_SIGN_PK);
	text_add_b64(t, "box-key", c->box_pk, LIAISON_BOX_PK);
	text_add_b64(t, "signature", c->sig, LIAISON_SIG);
}

char *cert_format(const struct liaison_cert *cert)
{
	struct text t = { malloc(FORMAT_CAP), FORMAT_CAP, 0, true };
	if (!t.buf)
		return NULL;
	t.buf[0] = '\0';
	text_add_cert(&t, cert, false);
	if (!t.ok) {
		free(t.buf);
		return NULL;
	}
	return t.buf;
}

/* ---------------------------------------------------------------- parsing */

struct lines {
	const char *p, *end;
};

/* Takes the next non-comment line, which must read "field: value". */
static int lines_field(struct lines *l, const char *field, const char **val, size_t *vlen)
{
	for (;;) {
		if (l->p >= l->end)
			return LIAISON_E_PARSE; /* missing line */
		const char *nl = memchr(l->p, '\n', (size_t)(l->end - l->p));
		const char *eol = nl ? nl : l->end;
		const char *line = l->p;
		l->p = nl ? nl + 1 : l->end;
		if (*line == '#')
			continue;
		size_t flen = strlen(field), llen = (size_t)(eol - line);
		if (llen < flen + 2 || memcmp(line, field, flen) != 0 || line[flen] != ':' ||
		    line[flen + 1] != ' ')
			return LIAISON_E_PARSE;
		*val = line + flen + 2;
		*vlen = llen - flen - 2;
		for (size_t i = 0; i < *vlen; i++)
			if ((unsigned char)(*val)[i] < 0x21 || (unsigned char)(*val)[i] > 0x7e)
				return LIAISON_E_PARSE;
		return LIAISON_OK;
	}
}

/* Only comment lines may follow the last field. */
static int lines_end(struct lines *l)
{
	while (l->p < l->end) {
		const char *nl = memchr(l->p, '\n', (size_t)(l->end - l->p));
		if (*l->p != '#')
			return LIAISON_E_PARSE;
		l->p = nl ? nl + 1 : l->end;
	}
	return LIAISON_OK;
}

/* Decodes a base64 value of exactly len bytes in its canonical spelling. */
static int decode_b64(const char *val, size_t vlen, uint8_t *out, size_t len)
{
	char again[sodium_base64_ENCODED_LEN(LIAISON_SIGN_SK, B64_VARIANT)];
	size_t got = 0;
	int ret = LIAISON_E_PARSE;
	if (len > LIAISON_SIGN_SK || vlen != sodium_base64_ENCODED_LEN(len, B64_VARIANT) - 1)
		return LIAISON_E_PARSE;
	if (sodium_base642bin(out, len, val, vlen, NULL, &got, NULL, B64_VARIANT) != 0 || got != len)
		goto out;
	sodium_bin2base64(again, sizeof again, out, len, B64_VARIANT);
	if (memcmp(again, val, vlen) == 0)
		ret = LIAISON_OK;
out:
	sodium_memzero(again, sizeof again);
	if (ret != LIAISON_OK)
		sodium_memzero(out, len);
	return ret;
}

static int parse_time(const char *val, size_t vlen, int64_t *out)
{
	char s[32], again[32];
	struct tm tm = { 0 };
	if (vlen != 20)
		return LIAISON_E_PARSE;
	memcpy(s, val, vlen);
	s[vlen] = '\0';
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!end || *end)
		return LIAISON_E_PARSE;
	time_t t = timegm(&tm);
	if (t < 0 || !format_time(t, again) || strcmp(again, s) != 0)
		return LIAISON_E_PARSE;
	*out = t;
	return LIAISON_OK;
}

static int parse_cert_fields(struct lines *l, struct liaison_cert *c)
{
	const char *v;
	size_t n;
	int rc;
	memset(c, 0, sizeof *c);
	if ((rc = lines_field(l, "name", &v, &n)) != LIAISON_OK)
		return rc;
	if (n > LIAISON_NAME_MAX)
		return LIAISON_E_PARSE;
	memcpy(c->name, v, n);
	c->name[n] = '\0';
	if (!liaison_name_valid(c->name))
		return LIAISON_E_PARSE;
	if ((rc = lines_field(l, "kind", &v, &n)) != LIAISON_OK)
		return rc;
	if (n == 4 && memcmp(v, "node", 4) == 0)
		c->kind = CERT_NODE;
	else if (n == 6 && memcmp(v, "client", 6) == 0)
		c->kind = CERT_CLIENT;
	else
		return LIAISON_E_PARSE;
	if ((rc = lines_field(l, "created", &v, &n)) != LIAISON_OK ||
	    (rc = parse_time(v, n, &c->created)) != LIAISON_OK)
		return rc;
	if ((rc = lines_field(l, "sign-key", &v, &n)) != LIAISON_OK ||
	    (rc = decode_b64(v, n, c->sign_pk, LIAISON_SIGN_PK)) != LIAISON_OK)
		return rc;
	if ((rc = lines_field(l, "box-key", &v, &n)) != LIAISON_OK ||
	    (rc = decode_b64(v, n, c->box_pk, LIAISON_BOX_PK)) != LIAISON_OK)
		return rc;
	if ((rc = lines_field(l, "signature", &v, &n)) != LIAISON_OK ||
	    (rc = decode_b64(v, n, c->sig, LIAISON_SIG)) != LIAISON_OK)
		return rc;
	return LIAISON_OK;
}

int cert_parse(const char *text, size_t len, struct liaison_cert *out)
{
	struct liaison_cert c;
	struct lines l = { text, text + len };
	int rc;
	if (!text || !out)
		return LIAISON_E_INVALID;
	if (len == 0)
		return LIAISON_E_EMPTY;
	if (memchr(text, '\0', len))
		return LIAISON_E_PARSE;
	if ((rc = parse_cert_fields(&l, &c)) != LIAISON_OK || (rc = lines_end(&l)) != LIAISON_OK)
		return rc;
	if (!cert_verify(&c))
		return LIAISON_E_SIGNATURE;
	*out = c;
	return LIAISON_OK;
}

/* ---------------------------------------------------------------- keys */

/* X25519 ignores three low bits and the top bit of a secret scalar, so a
 * stored secret that differs only there is the same key. Secrets are stored
 * already clamped and loading refuses any other form: every changed bit of
 * a key file is then detected. */
static bool box_secret_clamped(const uint8_t sk[LIAISON_BOX_SK])
{
	return (sk[0] & 7) == 0 && (sk[31] & 0xc0) == 0x40;
}

static void box_keypair_clamped(uint8_t pk[LIAISON_BOX_PK], uint8_t sk[LIAISON_BOX_SK])
{
	randombytes_buf(sk, LIAISON_BOX_SK);
	sk[0] &= 248;
	sk[31] &= 127;
	sk[31] |= 64;
	crypto_scalarmult_base(pk, sk);
}

int key_generate(const char *name, enum cert_kind kind, struct liaison_key **out)
{
	if (!out)
		return LIAISON_E_INVALID;
	*out = NULL;
	if (!liaison_name_valid(name))
		return LIAISON_E_NAME;
	if (kind != CERT_NODE && kind != CERT_CLIENT)
		return LIAISON_E_INVALID;
	if (sodium_init() < 0)
		return LIAISON_E_NOMEM;
	struct liaison_key *k = calloc(1, sizeof *k);
	if (!k)
		return LIAISON_E_NOMEM;
	k->secret = sodium_malloc(sizeof *k->secret);
	if (!k->secret) {
		free(k);
		return LIAISON_E_NOMEM;
	}
	strcpy(k->cert.name, name);
	k->cert.kind = kind;
	k->cert.created = (int64_t)time(NULL);
	crypto_sign_keypair(k->cert.sign_pk, k->secret->sign_sk);
	box_keypair_clamped(k->cert.box_pk, k->secret->box_sk);
	cert_sign(&k->cert, k->secret->sign_sk);
	*out = k;
	return LIAISON_OK;
}

void cert_sign(struct liaison_cert *cert, const uint8_t sign_sk[LIAISON_SIGN_SK])
{
	uint8_t buf[CERT_SIGNED_MAX];
	size_t n = cert_signed_bytes(cert, buf);
	crypto_sign_detached(cert->sig, NULL, buf, n, sign_sk);
}

void key_destroy(struct liaison_key **key)
{
	if (!key || !*key)
		return;
	sodium_free((*key)->secret); /* wipes */
	sodium_memzero(*key, sizeof **key);
	free(*key);
	*key = NULL;
}

/* Creates path exclusively with mode, writes data and fsyncs it. On failure
 * other than EEXIST the partial file is removed; errno tells why. */
static int write_new_file(const char *path, const char *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return errno == EEXIST ? LIAISON_E_EXISTS : LIAISON_E_IO;
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		off += (size_t)w;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	return LIAISON_OK;
fail:;
	int e = errno ? errno : EIO;
	if (fd >= 0)
		close(fd);
	unlink(path);
	errno = e;
	return LIAISON_E_IO;
}

int key_write(const struct liaison_key *key, const char *path)
{
	if (!key || !key->secret || !path)
		return LIAISON_E_INVALID;
	if (sodium_init() < 0)
		return LIAISON_E_NOMEM;
	struct text t = { sodium_malloc(FORMAT_CAP), FORMAT_CAP, 0, true };
	if (!t.buf)
		return LIAISON_E_NOMEM;
	text_add_cert(&t, &key->cert, true);
	text_add_b64(&t, "sign-secret", key->secret->sign_sk, LIAISON_SIGN_SK);
	text_add_b64(&t, "box-secret", key->secret->box_sk, LIAISON_BOX_SK);
	int rc = t.ok ? write_new_file(path, t.buf, t.len, 0600) : LIAISON_E_INVALID;
	int e = errno;
	sodium_free(t.buf);
	errno = e;
	return rc;
}

int cert_write(const struct liaison_cert *cert, const char *path)
{
	if (!cert || !path)
		return LIAISON_E_INVALID;
	char *text = cert_format(cert);
	if (!text)
		return LIAISON_E_NOMEM;
	int rc = write_new_file(path, text, strlen(text), 0644);
	int e = errno;
	free(text);
	errno = e;
	return rc;
}

/* Reads an open file of at most KEYFILE_MAX bytes into buf (cap bytes). */
static int read_all(int fd, char *buf, size_t cap, size_t *len)
{
	size_t n = 0;
	for (;;) {
		if (n == cap)
			return LIAISON_E_TOO_LARGE;
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return LIAISON_E_IO;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*len = n;
	return LIAISON_OK;
}

int cert_load(const char *path, struct liaison_cert *out)
{
	if (!path || !out)
		return LIAISON_E_INVALID;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return LIAISON_E_IO;
	char *buf = malloc(KEYFILE_MAX);
	size_t len = 0;
	int rc = buf ? read_all(fd, buf, KEYFILE_MAX, &len) : LIAISON_E_NOMEM;
	int e = errno;
	close(fd);
	if (rc == LIAISON_OK)
		rc = cert_parse(buf, len, out);
	free(buf);
	errno = e;
	return rc;
}

/* Parses a secret key file's text into k (whose secret block is allocated). */
static int parse_key(const char *text, size_t len, struct liaison_key *k)
{
	struct lines l = { text, text + len };
	const char *v;
	size_t n;
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], bpk[crypto_box_PUBLICKEYBYTES];
	uint8_t seed[crypto_sign_SEEDBYTES], sk[crypto_sign_SECRETKEYBYTES];
	int rc;
	if (len == 0)
		return LIAISON_E_EMPTY;
	if (memchr(text, '\0', len))
		return LIAISON_E_PARSE;
	if ((rc = parse_cert_fields(&l, &k->cert)) != LIAISON_OK)
		return rc;
	if ((rc = lines_field(&l, "sign-secret", &v, &n)) != LIAISON_OK ||
	    (rc = decode_b64(v, n, k->secret->sign_sk, LIAISON_SIGN_SK)) != LIAISON_OK)
		return rc;
	if ((rc = lines_field(&l, "box-secret", &v, &n)) != LIAISON_OK ||
	    (rc = decode_b64(v, n, k->secret->box_sk, LIAISON_BOX_SK)) != LIAISON_OK)
		return rc;
	if ((rc = lines_end(&l)) != LIAISON_OK)
		return rc;
	if (!cert_verify(&k->cert))
		return LIAISON_E_SIGNATURE;
	/* The secrets must be the ones the certificate publishes. An Ed25519
	 * secret key is seed || public key, so the public half is derived again
	 * from the seed rather than read back from its second half. */
	rc = LIAISON_OK;
	if (crypto_sign_ed25519_sk_to_seed(seed, k->secret->sign_sk) != 0 ||
	    crypto_sign_seed_keypair(pk, sk, seed) != 0 ||
	    sodium_memcmp(pk, k->cert.sign_pk, sizeof pk) != 0 ||
	    sodium_memcmp(sk, k->secret->sign_sk, sizeof sk) != 0 ||
	    !box_secret_clamped(k->secret->box_sk) ||
	    crypto_scalarmult_base(bpk, k->secret->box_sk) != 0 ||
	    sodium_memcmp(bpk, k->cert.box_pk, sizeof bpk) != 0)
		rc = LIAISON_E_SIGNATURE;
	sodium_memzero(seed, sizeof seed);
	sodium_memzero(sk, sizeof sk);
	sodium_memzero(pk, sizeof pk);
	sodium_memzero(bpk, sizeof bpk);
	return rc;
}

int key_load(const char *path, struct liaison_key **out)
{
	struct stat st;
	char *buf = NULL;
	struct liaison_key *k = NULL;
	size_t len = 0;
	int rc, e = 0;
	if (!path || !out)
		return LIAISON_E_INVALID;
	*out = NULL;
	if (sodium_init() < 0)
		return LIAISON_E_NOMEM;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return LIAISON_E_IO;
	/* Refuse before reading a byte: a key others can read is already exposed. */
	if (fstat(fd, &st) != 0) {
		rc = LIAISON_E_IO;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		rc = LIAISON_E_IO;
		goto out;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		rc = LIAISON_E_PERM;
		goto out;
	}
	buf = sodium_malloc(KEYFILE_MAX);
	k = calloc(1, sizeof *k);
	if (!buf || !k || !(k->secret = sodium_malloc(sizeof *k->secret))) {
		rc = LIAISON_E_NOMEM;
		goto out;
	}
	if ((rc = read_all(fd, buf, KEYFILE_MAX, &len)) != LIAISON_OK)
		goto out;
	rc = parse_key(buf, len, k);
out:
	e = errno;
	close(fd);
	if (buf)
		sodium_free(buf); /* wipes the secret text */
	if (rc == LIAISON_OK)
		*out = k;
	else
		key_destroy(&k);
	errno = e;
	return rc;
}

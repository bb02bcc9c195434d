/* Key and certificate files: round trips, fingerprints, every significant
 * character, permissions, names, exclusive creation, mismatched secrets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "error.h"
#include "keyfile.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/liaison-keyfile.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd);
}

static char *path_of(const char *name)
{
	static char p[4][128];
	static int k;
	k = (k + 1) % 4;
	snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
	return p[k];
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *b = calloc(1, 8192);
	*len = fread(b, 1, 8191, f);
	fclose(f);
	return b;
}

static void spill(const char *path, const char *text, size_t len, mode_t mode)
{
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	fchmod(fd, mode);
	close(fd);
}

static void assert_same_cert(const struct liaison_cert *a, const struct liaison_cert *b)
{
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->kind, b->kind);
	assert_int_equal(a->created, b->created);
	assert_memory_equal(a->sign_pk, b->sign_pk, LIAISON_SIGN_PK);
	assert_memory_equal(a->box_pk, b->box_pk, LIAISON_BOX_PK);
	assert_memory_equal(a->sig, b->sig, LIAISON_SIG);
}

static void test_round_trip(void **state)
{
	(void)state;
	struct liaison_key *k = NULL, *l = NULL;
	struct liaison_cert c;
	struct stat st;
	assert_int_equal(key_generate("ALPHA", CERT_NODE, &k), LIAISON_OK);
	assert_true(cert_verify(&k->cert));
	assert_int_equal(key_write(k, path_of("ALPHA.key")), LIAISON_OK);
	assert_int_equal(cert_write(&k->cert, path_of("ALPHA.pub")), LIAISON_OK);
	assert_int_equal(stat(path_of("ALPHA.key"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(key_load(path_of("ALPHA.key"), &l), LIAISON_OK);
	assert_same_cert(&k->cert, &l->cert);
	assert_memory_equal(k->secret->sign_sk, l->secret->sign_sk, LIAISON_SIGN_SK);
	assert_memory_equal(k->secret->box_sk, l->secret->box_sk, LIAISON_BOX_SK);
	assert_int_equal(cert_load(path_of("ALPHA.pub"), &c), LIAISON_OK);
	assert_same_cert(&k->cert, &c);
	/* the text names the key and reads "field: value" in order */
	size_t len;
	char *t = slurp(path_of("ALPHA.pub"), &len);
	assert_non_null(strstr(t, "# liaison certificate: node ALPHA, fingerprint "));
	assert_non_null(strstr(t, "\nname: ALPHA\nkind: node\ncreated: "));
	free(t);
	key_destroy(&k);
	key_destroy(&l);
	assert_null(k);
	assert_int_equal(key_generate("officer1", CERT_CLIENT, &k), LIAISON_OK);
	assert_int_equal(k->cert.kind, CERT_CLIENT);
	char *text = cert_format(&k->cert);
	assert_non_null(strstr(text, "kind: client\n"));
	assert_int_equal(cert_parse(text, strlen(text), &c), LIAISON_OK);
	assert_same_cert(&k->cert, &c);
	free(text);
	key_destroy(&k);
}

static void test_fingerprint(void **state)
{
	(void)state;
	struct liaison_key *k, *m;
	char a[LIAISON_FINGERPRINT_LEN], b[LIAISON_FINGERPRINT_LEN];
	uint8_t id1[LIAISON_KEY_ID], id2[LIAISON_KEY_ID];
	assert_int_equal(key_generate("ALPHA", CERT_NODE, &k), LIAISON_OK);
	assert_int_equal(key_generate("ALPHA", CERT_NODE, &m), LIAISON_OK);
	cert_fingerprint(&k->cert, a);
	cert_fingerprint(&k->cert, b);
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), 19);
	for (int i = 0; i < 19; i++) {
		if (i % 5 == 4)
			assert_int_equal(a[i], '-');
		else
			assert_true((a[i] >= 'A' && a[i] <= 'Z') || (a[i] >= '2' && a[i] <= '7'));
	}
	/* the fingerprint covers the keys, not the name or time */
	struct liaison_cert c = k->cert;
	strcpy(c.name, "OTHER");
	c.created++;
	cert_fingerprint(&c, b);
	assert_string_equal(a, b);
	cert_fingerprint(&m->cert, b);
	assert_string_not_equal(a, b);
	cert_key_id(&k->cert, id1);
	cert_key_id(&m->cert, id2);
	assert_memory_not_equal(id1, id2, LIAISON_KEY_ID);
	/* the printed certificate's comment carries the same fingerprint */
	char *text = cert_format(&k->cert);
	assert_non_null(strstr(text, a));
	free(text);
	key_destroy(&k);
	key_destroy(&m);
}

/* Every character of every field line matters. */
static void test_every_character(void **state)
{
	(void)state;
	struct liaison_key *k;
	struct liaison_cert c;
	assert_int_equal(key_generate("ALPHA.ops-1", CERT_NODE, &k), LIAISON_OK);
	char *text = cert_format(&k->cert);
	size_t len = strlen(text);
	size_t start = strchr(text, '\n') - text + 1; /* after the comment */
	int tried = 0;
	for (size_t i = start; i < len; i++) {
		char orig = text[i];
		char repl[2] = { (char)(orig ^ 0x01), orig == 'A' ? 'B' : 'A' };
		for (int r = 0; r < 2; r++) {
			text[i] = repl[r];
			int rc = cert_parse(text, len, &c);
			if (rc == LIAISON_OK && cert_verify(&c))
				fail_msg("change of '%c' to '%c' at %zu accepted", orig, repl[r], i);
			tried++;
		}
		text[i] = orig;
	}
	assert_true(tried > 2 * 200);
	assert_int_equal(cert_parse(text, len, &c), LIAISON_OK);
	/* the comment is informational */
	text[5] ^= 0x01;
	assert_int_equal(cert_parse(text, len, &c), LIAISON_OK);
	free(text);
	key_destroy(&k);
}

static void test_line_structure(void **state)
{
	(void)state;
	struct liaison_key *k;
	struct liaison_cert c;
	char buf[2048];
	assert_int_equal(key_generate("ALPHA", CERT_NODE, &k), LIAISON_OK);
	char *text = cert_format(&k->cert);
	char *kind = strstr(text, "kind: ");
	char *sig = strstr(text, "signature: ");
	/* duplicate line */
	snprintf(buf, sizeof buf, "%s%.*s", text, (int)(strchr(kind, '\n') - kind + 1), kind);
	assert_int_equal(cert_parse(buf, strlen(buf), &c), LIAISON_E_PARSE);
	/* extra line */
	snprintf(buf, sizeof buf, "%sextra: 1\n", text);
	assert_int_equal(cert_parse(buf, strlen(buf), &c), LIAISON_E_PARSE);
	/* missing line */
	snprintf(buf, sizeof buf, "%.*s", (int)(sig - text), text);
	assert_int_equal(cert_parse(buf, strlen(buf), &c), LIAISON_E_PARSE);
	/* lines out of order */
	char *created = strstr(text, "created: ");
	snprintf(buf, sizeof buf, "%.*s%.*s%s", (int)(kind - text), text, (int)(created - kind) + 0, created,
		 "");
	assert_int_not_equal(cert_parse(buf, strlen(buf), &c), LIAISON_OK);
	/* a blank line is not a comment */
	snprintf(buf, sizeof buf, "%s\n", text);
	assert_int_equal(cert_parse(buf, strlen(buf), &c), LIAISON_E_PARSE);
	/* a trailing comment is fine, a missing final newline too */
	snprintf(buf, sizeof buf, "%s# checked by phone\n", text);
	assert_int_equal(cert_parse(buf, strlen(buf), &c), LIAISON_OK);
	assert_int_equal(cert_parse(text, strlen(text) - 1, &c), LIAISON_OK);
	assert_int_equal(cert_parse(text, 0, &c), LIAISON_E_EMPTY);
	/* a valid file whose signature does not hold */
	k->cert.created++;
	free(text);
	text = cert_format(&k->cert);
	assert_int_equal(cert_parse(text, strlen(text), &c), LIAISON_E_SIGNATURE);
	assert_false(cert_verify(&k->cert));
	free(text);
	key_destroy(&k);
}

static void test_permissions(void **state)
{
	(void)state;
	static const mode_t bad[] = { 0640, 0604, 0644, 0660, 0610, 0601, 0602 };
	struct liaison_key *k, *l;
	assert_int_equal(key_generate("BRAVO", CERT_NODE, &k), LIAISON_OK);
	char *p = path_of("BRAVO.key");
	unlink(p);
	assert_int_equal(key_write(k, p), LIAISON_OK);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_int_equal(chmod(p, bad[i]), 0);
		l = (struct liaison_key *)1;
		assert_int_equal(key_load(p, &l), LIAISON_E_PERM);
		assert_null(l);
	}
	assert_int_equal(chmod(p, 0400), 0);
	assert_int_equal(key_load(p, &l), LIAISON_OK);
	key_destroy(&l);
	/* a symlink to a key is not followed */
	char *link = path_of("link.key");
	unlink(link);
	assert_int_equal(symlink(p, link), 0);
	assert_int_equal(key_load(link, &l), LIAISON_E_IO);
	assert_int_equal(errno, ELOOP);
	assert_int_equal(key_load(path_of("missing.key"), &l), LIAISON_E_IO);
	assert_int_equal(errno, ENOENT);
	key_destroy(&k);
}

static void test_names(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		bool ok;
	} cases[] = {
		{ "ALPHA", true },   { "a", true },        { "node-1.eu_west", true }, { "9", true },
		{ "_x", true },      { "a.", true },       { "", false },              { ".hidden", false },
		{ "-x", false },     { "a b", false },     { "a/b", false },           { "ä", false },
		{ "a\n", false },    { "a:b", false },     { "a,b", false },           { NULL, false },
		{ "0123456789012345678901234567890123456789012345678901234567890123", true },
		{ "01234567890123456789012345678901234567890123456789012345678901234", false },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		if (liaison_name_valid(cases[i].name) != cases[i].ok)
			fail_msg("name '%s'", cases[i].name ? cases[i].name : "(null)");
		struct liaison_key *k = NULL;
		int rc = key_generate(cases[i].name, CERT_NODE, &k);
		assert_int_equal(rc, cases[i].ok ? LIAISON_OK : LIAISON_E_NAME);
		key_destroy(&k);
	}
}

static void test_exclusive(void **state)
{
	(void)state;
	struct liaison_key *k, *l;
	assert_int_equal(key_generate("CHARLIE", CERT_NODE, &k), LIAISON_OK);
	assert_int_equal(key_generate("CHARLIE", CERT_NODE, &l), LIAISON_OK);
	char *kp = path_of("CHARLIE.key"), *cp = path_of("CHARLIE.pub");
	assert_int_equal(key_write(k, kp), LIAISON_OK);
	assert_int_equal(cert_write(&k->cert, cp), LIAISON_OK);
	assert_int_equal(key_write(l, kp), LIAISON_E_EXISTS);
	assert_int_equal(cert_write(&l->cert, cp), LIAISON_E_EXISTS);
	struct liaison_key *back;
	assert_int_equal(key_load(kp, &back), LIAISON_OK);
	assert_memory_equal(back->cert.sign_pk, k->cert.sign_pk, LIAISON_SIGN_PK);
	key_destroy(&back);
	/* a dangling symlink is not written through */
	char *link = path_of("dangling.key");
	unlink(link);
	assert_int_equal(symlink(path_of("target.key"), link), 0);
	assert_int_equal(key_write(k, link), LIAISON_E_EXISTS);
	assert_int_equal(access(path_of("target.key"), F_OK), -1);
	/* no such directory */
	assert_int_equal(key_write(k, path_of("nope/CHARLIE.key")), LIAISON_E_IO);
	assert_int_equal(errno, ENOENT);
	key_destroy(&k);
	key_destroy(&l);
}

static void test_secrets_mismatch(void **state)
{
	(void)state;
	struct liaison_key *a, *b, *l;
	assert_int_equal(key_generate("DELTA", CERT_NODE, &a), LIAISON_OK);
	assert_int_equal(key_generate("DELTA", CERT_NODE, &b), LIAISON_OK);
	struct liaison_key mixed = { .cert = a->cert, .secret = b->secret };
	char *p = path_of("mixed.key");
	unlink(p);
	assert_int_equal(key_write(&mixed, p), LIAISON_OK);
	assert_int_equal(key_load(p, &l), LIAISON_E_SIGNATURE);
	assert_null(l);
	/* one secret swapped only */
	struct liaison_secret *s = malloc(sizeof *s);
	memcpy(s->sign_sk, a->secret->sign_sk, LIAISON_SIGN_SK);
	memcpy(s->box_sk, b->secret->box_sk, LIAISON_BOX_SK);
	mixed.secret = s;
	p = path_of("mixed2.key");
	unlink(p);
	assert_int_equal(key_write(&mixed, p), LIAISON_OK);
	assert_int_equal(key_load(p, &l), LIAISON_E_SIGNATURE);
	free(s);
	/* a damaged key file: every character after the comment */
	p = path_of("DELTA.key");
	unlink(p);
	assert_int_equal(key_write(a, p), LIAISON_OK);
	size_t len;
	char *text = slurp(p, &len);
	size_t start = strchr(text, '\n') - text + 1;
	char *q = path_of("damaged.key");
	for (size_t i = start; i < len; i++) {
		text[i] ^= 0x01;
		spill(q, text, len, 0600);
		l = NULL;
		if (key_load(q, &l) == LIAISON_OK)
			fail_msg("damaged key file accepted (offset %zu)", i);
		text[i] ^= 0x01;
	}
	spill(q, text, len, 0600);
	assert_int_equal(key_load(q, &l), LIAISON_OK);
	key_destroy(&l);
	free(text);
	key_destroy(&a);
	key_destroy(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_fingerprint),
		cmocka_unit_test(test_every_character),
		cmocka_unit_test(test_line_structure),
		cmocka_unit_test(test_permissions),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_exclusive),
		cmocka_unit_test(test_secrets_mismatch),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

/* Unit tests for the administrative overlay (DATA_DIR/admin.conf): it reads
 * back what it wrote, it wins over the main file (adds, replaces, removes,
 * names the node's key), and each fault is "FILE:LINE: message". */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_overlay.h"
#include "keyfile.h"

static char dir[] = "/tmp/liaison-overlay-test.XXXXXX";
static char data[600];
static struct liaison_cert charlie, siren;

static void make_cert(const char *name, enum cert_kind kind, const char *file, struct liaison_cert *out)
{
	struct liaison_key *k = NULL;
	char path[700];
	assert_int_equal(key_generate(name, kind, &k), 0);
	snprintf(path, sizeof path, "%s/%s", dir, file);
	assert_int_equal(cert_write(&k->cert, path), 0);
	if (out)
		*out = k->cert;
	key_destroy(&k);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(data, sizeof data, "%s/data", dir);
	mkdir(data, 0700);
	make_cert("BRAVO", CERT_NODE, "BRAVO.pub", NULL);
	make_cert("CHARLIE", CERT_NODE, "CHARLIE.pub", &charlie);
	make_cert("officer1", CERT_CLIENT, "officer1.pub", NULL);
	make_cert("siren", CERT_CLIENT, "siren.pub", &siren);
	char path[700], text[1200];
	snprintf(path, sizeof path, "%s/liaisond.conf", dir);
	snprintf(text, sizeof text,
		 "[node]\nname = ALPHA\nkey = ALPHA.key\nlisten = tcp://0.0.0.0:7600\n"
		 "api = ipc:///run/liaison/api.sock\ndata_dir = %s\n"
		 "[peer BRAVO]\ncert = BRAVO.pub\nendpoint = tcp://b:7600\n"
		 "[client officer1]\ncert = officer1.pub\nrole = officer\n",
		 data);
	write_file(path, text);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[700];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_missing_is_empty(void **state)
{
	(void)state;
	struct overlay *o = NULL;
	char err[600];
	assert_int_equal(overlay_load(data, &o, err, sizeof err), 0);
	assert_int_equal(o->n, 0);
	assert_null(o->prev_key);
	overlay_free(&o);
	assert_null(o);
	overlay_free(&o); /* NULL is fine */
}

static void test_roundtrip_and_apply(void **state)
{
	(void)state;
	struct overlay *o = NULL;
	char err[600], conf[700];
	assert_int_equal(overlay_load(data, &o, err, sizeof err), 0);
	char *rel = NULL;
	assert_int_equal(overlay_store_cert(data, false, &charlie, &rel, err, sizeof err), 0);
	struct overlay_entry *e = overlay_put(o, false, "CHARLIE");
	e->cert = rel;
	e->endpoint = strdup("tcp://c:7600");
	e->max_classification = LIAISON__CLASSIFICATION__SECRET;
	assert_int_equal(overlay_store_cert(data, true, &siren, &rel, err, sizeof err), 0);
	e = overlay_put(o, true, "siren");
	e->cert = rel;
	e->role = ROLE_READER;
	overlay_put(o, false, "BRAVO")->removed = true;
	overlay_put(o, true, "officer1")->removed = true;
	assert_int_equal(overlay_save(o, err, sizeof err), 0);
	overlay_free(&o);

	struct stat st;
	char path[700];
	snprintf(path, sizeof path, "%s/admin.conf", data);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	struct config *c = NULL;
	snprintf(conf, sizeof conf, "%s/liaisond.conf", dir);
	assert_int_equal(config_load_all(conf, &c, err, sizeof err), 0);
	assert_int_equal(c->n_peers, 1);
	assert_string_equal(c->peers[0].name, "CHARLIE");
	assert_int_equal(c->peers[0].max_classification, LIAISON__CLASSIFICATION__SECRET);
	assert_memory_equal(c->peers[0].cert.box_pk, charlie.box_pk, 32);
	assert_null(config_peer(c, "BRAVO"));
	assert_int_equal(c->n_clients, 1);
	assert_string_equal(c->clients[0].name, "siren");
	assert_int_equal(c->clients[0].role, ROLE_READER);
	config_free(&c);
	unlink(path);
}

static void test_node_key_and_rotation(void **state)
{
	(void)state;
	struct overlay *o = NULL;
	char err[600], conf[700], want[700];
	assert_int_equal(overlay_load(data, &o, err, sizeof err), 0);
	o->node_key = strdup("keys/ALPHA.0011223344556677.key");
	o->prev_key = strdup("/etc/liaison/ALPHA.key");
	o->prev_until = 1796191845085;
	o->pending = strdup("BRAVO CHARLIE");
	assert_int_equal(overlay_save(o, err, sizeof err), 0);
	overlay_free(&o);
	assert_int_equal(overlay_load(data, &o, err, sizeof err), 0);
	assert_string_equal(o->prev_key, "/etc/liaison/ALPHA.key");
	assert_true(o->prev_until == 1796191845085);
	assert_string_equal(o->pending, "BRAVO CHARLIE");
	free(o->pending); /* every peer acknowledged: no pending line at all */
	o->pending = strdup("");
	assert_int_equal(overlay_save(o, err, sizeof err), 0);
	overlay_free(&o);
	assert_int_equal(overlay_load(data, &o, err, sizeof err), 0);
	assert_null(o->pending);
	assert_string_equal(o->prev_key, "/etc/liaison/ALPHA.key");
	overlay_free(&o);
	struct config *c = NULL;
	snprintf(conf, sizeof conf, "%s/liaisond.conf", dir);
	assert_int_equal(config_load_all(conf, &c, err, sizeof err), 0);
	snprintf(want, sizeof want, "%s/keys/ALPHA.0011223344556677.key", data);
	assert_string_equal(c->key_path, want);
	config_free(&c);
	char path[700];
	snprintf(path, sizeof path, "%s/admin.conf", data);
	unlink(path);
}

static void expect_fault(const char *text, const char *want)
{
	char path[700], err[600];
	struct overlay *o = NULL;
	snprintf(path, sizeof path, "%s/admin.conf", data);
	write_file(path, text);
	assert_int_equal(overlay_load(data, &o, err, sizeof err), -1);
	assert_null(o);
	char full[800];
	snprintf(full, sizeof full, "%s:%s", path, want);
	assert_string_equal(err, full);
	unlink(path);
}

static void test_faults(void **state)
{
	(void)state;
	expect_fault("[peer X]\ncert = a\nendpoint = tcp://h:1\n[peer X]\n", "4: peer 'X' appears twice");
	expect_fault("\n[friend X]\n", "2: unknown section (expected [peer NAME], [member NAME], [client NAME], "
				     "[removed peer|member|client NAME] or [rotation])");
	expect_fault("[member M]\ncert = a\n", "1: [member M] lacks its via");
	expect_fault("[member M]\ncert = a\nvia = X\nendpoint = tcp://h:1\n", "4: unknown key 'endpoint' in [member M]");
	expect_fault("[member M]\ncert = a\nvia = X\nmax_classification = HUSH\n", "4: unknown classification 'HUSH'");
	expect_fault("[peer X]\ncert = a\nendpoint = nowhere\n", "3: endpoint 'nowhere' is not tcp://HOST:PORT or ipc://PATH");
	expect_fault("[client y]\ncert = a\nrole = boss\n", "3: unknown role 'boss'");
	expect_fault("[peer X]\nendpoint = tcp://h:1\n", "1: [peer X] lacks its cert");
	expect_fault("[rotation]\nuntil = soon\n", "2: until 'soon' is not unix milliseconds");
	expect_fault("[removed peer X]\ncert = a\n", "2: key 'cert' outside of a section that takes keys");
}

static void test_apply_refuses_bad_cert(void **state)
{
	(void)state;
	char path[700], err[600], conf[700];
	struct config *c = NULL;
	snprintf(path, sizeof path, "%s/admin.conf", data);
	/* a client certificate where a node's is needed */
	write_file(path, "[peer siren]\ncert = ../siren.pub\nendpoint = tcp://s:1\n");
	snprintf(conf, sizeof conf, "%s/liaisond.conf", dir);
	assert_int_equal(config_load_all(conf, &c, err, sizeof err), -1);
	assert_null(c);
	assert_non_null(strstr(err, "admin.conf:1: certificate"));
	assert_non_null(strstr(err, "a certificate of the wrong kind"));
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_is_empty),
		cmocka_unit_test(test_roundtrip_and_apply),
		cmocka_unit_test(test_node_key_and_rotation),
		cmocka_unit_test(test_faults),
		cmocka_unit_test(test_apply_refuses_bad_cert),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

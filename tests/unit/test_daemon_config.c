/* Unit tests for liaisond's configuration file: a valid file, and each fault
 * reported as "FILE:LINE: message" with the right line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "keyfile.h"
#include "ini_cases.h"

static char dir[] = "/tmp/liaison-config-test.XXXXXX";
static uint8_t b_box[32], o1_box[32];

static void make_cert(const char *name, enum cert_kind kind, const char *file, uint8_t box[32])
{
	struct liaison_key *k = NULL;
	char path[512];
	assert_int_equal(key_generate(name, kind, &k), 0);
	snprintf(path, sizeof path, "%s/%s", dir, file);
	assert_int_equal(cert_write(&k->cert, path), 0);
	if (box)
		memcpy(box, k->cert.box_pk, 32);
	key_destroy(&k);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	make_cert("BRAVO", CERT_NODE, "BRAVO.pub", b_box);
	make_cert("CHARLIE", CERT_NODE, "CHARLIE.pub", NULL);
	make_cert("ALPHA", CERT_NODE, "ALPHA.pub", NULL);
	make_cert("XRAY", CERT_NODE, "XRAY.pub", NULL);
	make_cert("officer1", CERT_CLIENT, "officer1.pub", o1_box);
	make_cert("siren", CERT_CLIENT, "siren.pub", NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Writes text to DIR/liaisond.conf and returns its path (static buffer). */
static const char *write_conf(const char *text)
{
	static char path[512];
	snprintf(path, sizeof path, "%s/liaisond.conf", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

#define NODE                                                                                       \
	"[node]\n"                                                                                 \
	"name = ALPHA\n"                                                                           \
	"key = ALPHA.key\n"                                                                        \
	"listen = tcp://0.0.0.0:7600\n"                                                            \
	"api = ipc:///run/liaison/api.sock\n"                                                      \
	"data_dir = /var/lib/liaison\n"
/* NODE is 6 lines */

static void test_valid(void **state)
{
	(void)state;
	const char *path = write_conf(
		"; liaison node\n"
		"[node]\n"
		"name     = ALPHA   ; this node\n"
		"key      = /etc/liaison/ALPHA.key\n"
		"listen   = tcp://0.0.0.0:7600\n"
		"api      = ipc:///run/liaison/api.sock # the client API\n"
		"data_dir = data\n"
		"metrics  = tcp://127.0.0.1:9464\n"
		"max_message = 512K\n"
		"clock_skew = 90s\n"
		"\n"
		"[peer BRAVO]\n"
		"cert     = BRAVO.pub\n"
		"endpoint = tcp://bravo.example.org:7600\n"
		"max_classification = restricted        ; optional release policy\n"
		"[peer CHARLIE]\n"
		"  cert = CHARLIE.pub\n"
		"  endpoint = tcp://[::1]:7601\n"
		"[client officer1]\n"
		"cert = officer1.pub\n"
		"role = officer                         ; officer | reader | admin\n"
		"[client siren]\n"
		"role = reader\n"
		"cert = siren.pub\n");
	struct config *c = NULL;
	char err[512] = "";
	assert_int_equal(config_load(path, &c, err, sizeof err), 0);
	assert_string_equal(err, "");
	assert_non_null(c);
	assert_string_equal(c->path, path);
	assert_string_equal(c->name, "ALPHA");
	assert_string_equal(c->key_path, "/etc/liaison/ALPHA.key");
	assert_string_equal(c->listen, "tcp://0.0.0.0:7600");
	assert_string_equal(c->api, "ipc:///run/liaison/api.sock");
	char want[600];
	snprintf(want, sizeof want, "%s/data", dir);
	assert_string_equal(c->data_dir, want);
	assert_string_equal(c->metrics, "tcp://127.0.0.1:9464");
	assert_int_equal(c->max_message, 512 * 1024);
	assert_int_equal(c->clock_skew_ms, 90000);
	assert_int_equal(c->n_peers, 2);
	assert_int_equal(c->n_clients, 2);

	const struct peer_conf *b = config_peer(c, "BRAVO");
	assert_non_null(b);
	assert_int_equal(b->line, 12);
	assert_string_equal(b->endpoint, "tcp://bravo.example.org:7600");
	assert_int_equal(b->max_classification, LIAISON__CLASSIFICATION__RESTRICTED);
	assert_string_equal(b->cert.name, "BRAVO");
	snprintf(want, sizeof want, "%s/BRAVO.pub", dir);
	assert_string_equal(b->cert_path, want);
	assert_ptr_equal(config_peer_by_key(c, b_box), b);
	const struct peer_conf *ch = config_peer(c, "CHARLIE");
	assert_non_null(ch);
	assert_int_equal(ch->max_classification, LIAISON__CLASSIFICATION__CLASSIFICATION_UNSET);
	assert_string_equal(ch->endpoint, "tcp://[::1]:7601");
	assert_null(config_peer(c, "DELTA"));
	assert_null(config_peer(c, "bravo"));

	const struct client_conf *o = config_client(c, "officer1");
	assert_non_null(o);
	assert_int_equal(o->role, ROLE_OFFICER);
	assert_ptr_equal(config_client_by_key(c, o1_box), o);
	assert_null(config_client_by_key(c, b_box));
	assert_null(config_peer_by_key(c, o1_box));
	assert_int_equal(config_client(c, "siren")->role, ROLE_READER);
	config_free(&c);
	assert_null(c);
	config_free(&c); /* NULL is fine */
}

static void test_defaults(void **state)
{
	(void)state;
	struct config *c = NULL;
	char err[512];
	assert_int_equal(config_load(write_conf(NODE), &c, err, sizeof err), 0);
	assert_null(c->metrics);
	assert_int_equal(c->max_message, 1 << 20);
	assert_int_equal(c->clock_skew_ms, 15 * 60 * 1000);
	assert_int_equal(c->n_peers, 0);
	char want[600];
	snprintf(want, sizeof want, "%s/ALPHA.key", dir);
	assert_string_equal(c->key_path, want);
	config_free(&c);
}

static void test_sizes_and_roles(void **state)
{
	(void)state;
	size_t n = 7;
	assert_true(config_parse_size("65536", &n));
	assert_int_equal(n, 65536);
	assert_true(config_parse_size("512K", &n));
	assert_int_equal(n, 524288);
	assert_true(config_parse_size("1M", &n));
	assert_int_equal(n, 1048576);
	assert_true(config_parse_size("1m", &n));
	assert_true(config_parse_size("2MiB", &n));
	assert_int_equal(n, 2097152);
	assert_true(config_parse_size("1G", &n));
	assert_int_equal(n, 1073741824);
	n = 7;
	assert_false(config_parse_size("", &n));
	assert_false(config_parse_size("M", &n));
	assert_false(config_parse_size("1T", &n));
	assert_false(config_parse_size("-1", &n));
	assert_false(config_parse_size("1 M", &n));
	assert_false(config_parse_size("1.5M", &n));
	assert_false(config_parse_size("99999999999999999999999", &n));
	assert_false(config_parse_size("99999999999999G", &n));
	assert_int_equal(n, 7);
	assert_string_equal(role_name(ROLE_OFFICER), "officer");
	assert_string_equal(role_name(ROLE_READER), "reader");
	assert_string_equal(role_name(ROLE_ADMIN), "admin");
}

/* Loads text, expects failure with "PATH:LINE: " and a message containing want. */
static void expect_fault(const char *text, int line, const char *want)
{
	const char *path = write_conf(text);
	struct config *c = (struct config *)0x1;
	char err[1024] = "", prefix[600];
	assert_int_equal(config_load(path, &c, err, sizeof err), -1);
	snprintf(prefix, sizeof prefix, "%s:%d: ", path, line);
	if (strncmp(err, prefix, strlen(prefix)) != 0 || !strstr(err, want))
		fail_msg("got \"%s\", want prefix \"%s\" and \"%s\"", err, prefix, want);
}

static void test_unknown_section(void **state)
{
	(void)state;
	expect_fault(NODE "\n[relay X]\ncert = x\n", 8, "unknown section [relay X]");
	expect_fault("[peers]\n", 1, "unknown section");
}

static void test_unknown_key(void **state)
{
	(void)state;
	expect_fault(NODE "colour = red\n", 7, "unknown key 'colour'");
	expect_fault(NODE "[peer BRAVO]\ncert = BRAVO.pub\nrole = admin\n", 9, "unknown key 'role'");
	expect_fault("name = ALPHA\n" NODE, 1, "outside of a section");
}

static void test_duplicate_section(void **state)
{
	(void)state;
	expect_fault(NODE "[peer BRAVO]\ncert = BRAVO.pub\nendpoint = tcp://b:1\n"
			  "[peer BRAVO]\n",
		     10, "duplicate section [peer BRAVO] (first at line 7)");
	expect_fault(NODE "[node]\n", 7, "duplicate section [node]");
	expect_fault(NODE "[client siren]\ncert = siren.pub\nrole = reader\n[client siren]\n", 10,
		     "duplicate section [client siren]");
}

static void test_duplicate_key(void **state)
{
	(void)state;
	expect_fault(NODE "listen = tcp://0.0.0.0:7700\n", 7,
		     "duplicate key 'listen' (first at line 4)");
}

static void test_missing_key(void **state)
{
	(void)state;
	/* reported at the section's header */
	expect_fault(NODE "\n[peer BRAVO]\ncert = BRAVO.pub\n\n[client siren]\n", 8,
		     "lacks the required key 'endpoint'");
	expect_fault(NODE "[client siren]\ncert = siren.pub\n", 7, "'role'");
	expect_fault("# x\n[node]\nname = ALPHA\nkey = k\nlisten = tcp://*:1\napi = ipc://a\n", 2,
		     "[node] lacks the required key 'data_dir'");
	expect_fault("[peer BRAVO]\ncert = BRAVO.pub\nendpoint = tcp://b:1\n", 3,
		     "missing section [node]");
	expect_fault(NODE "[peer BRAVO]\ncert = BRAVO.pub\nendpoint =\n", 9, "has no value");
}

static void test_certificates(void **state)
{
	(void)state;
	char want[700];
	snprintf(want, sizeof want, "certificate %s/XRAY.pub is for 'XRAY', not 'BRAVO'", dir);
	expect_fault(NODE "[peer BRAVO]\nendpoint = tcp://b:1\ncert = XRAY.pub\n", 9, want);
	snprintf(want, sizeof want,
		 "cannot read certificate %s/NONE.pub: No such file or directory", dir);
	expect_fault(NODE "[peer BRAVO]\ncert = NONE.pub\n", 8, want);
	expect_fault(NODE "[peer officer1]\ncert = officer1.pub\n", 8,
		     "is a client certificate, not a node certificate");
	expect_fault(NODE "[client BRAVO]\ncert = BRAVO.pub\n", 8,
		     "is a node certificate, not a client certificate");
	expect_fault(NODE "[client officer1]\ncert = siren.pub\n", 8, "is for 'siren', not 'officer1'");
	/* a damaged certificate */
	char path[600];
	snprintf(path, sizeof path, "%s/broken.pub", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("this is not a certificate\n", f);
	fclose(f);
	expect_fault(NODE "[peer BRAVO]\ncert = broken.pub\n", 8, "broken.pub is not valid");
}

static void test_peer_named_like_node(void **state)
{
	(void)state;
	expect_fault(NODE "[peer BRAVO]\ncert = BRAVO.pub\nendpoint = tcp://b:1\n"
			  "[peer ALPHA]\ncert = ALPHA.pub\nendpoint = tcp://a:1\n",
		     10, "peer 'ALPHA' has the name of this node");
}

#define PEER_BRAVO "[peer BRAVO]\ncert = BRAVO.pub\nendpoint = tcp://b:1\n" /* 3 lines */

static void test_members(void **state)
{
	(void)state;
	char err[512];
	struct config *c = NULL;
	const char *path = write_conf(NODE PEER_BRAVO "[member CHARLIE]\ncert = CHARLIE.pub\nvia = BRAVO\n"
					   "max_classification = SECRET\n");
	assert_int_equal(config_load(path, &c, err, sizeof err), 0);
	const struct member_conf *m = config_member(c, "CHARLIE");
	assert_non_null(m);
	assert_int_equal(m->n_via, 1);
	assert_string_equal(m->via[0], "BRAVO");
	assert_int_equal(m->max_classification, LIAISON__CLASSIFICATION__SECRET);
	assert_null(config_member(c, "BRAVO"));
	config_free(&c);

	/* each fault at its line */
	expect_fault(NODE PEER_BRAVO "[member CHARLIE]\ncert = CHARLIE.pub\n", 10, "lacks the required key 'via'");
	expect_fault(NODE PEER_BRAVO "[member CHARLIE]\ncert = CHARLIE.pub\nvia = XRAY\n", 12,
		     "member 'CHARLIE': via 'XRAY' is not a [peer] of this node");
	expect_fault(NODE PEER_BRAVO "[member CHARLIE]\ncert = CHARLIE.pub\nvia = BRAVO, BRAVO\n", 12,
		     "via names 'BRAVO' twice");
	expect_fault(NODE PEER_BRAVO "[member CHARLIE]\ncert = CHARLIE.pub\nvia = ,\n", 12, "via names no relay");
	expect_fault(NODE PEER_BRAVO "[member CHARLIE]\ncert = CHARLIE.pub\nvia = BR AVO\n", 12,
		     "via: invalid peer name 'BR AVO'");
	expect_fault(NODE PEER_BRAVO "[member BRAVO]\n", 10, "duplicate section [member BRAVO] (first at line 7)");
	expect_fault(NODE PEER_BRAVO "[member CHARLIE]\ncert = XRAY.pub\n", 11, "is for 'XRAY', not 'CHARLIE'");
	expect_fault(NODE PEER_BRAVO "[member CHARLIE]\ncert = CHARLIE.pub\nvia = BRAVO\nmax_classification = HUSH\n",
		     13, "unknown classification 'HUSH'");
	expect_fault(NODE PEER_BRAVO "[member CHARLIE]\ncert = CHARLIE.pub\nendpoint = tcp://c:1\n", 12,
		     "unknown key 'endpoint' in [member]");
	expect_fault(NODE PEER_BRAVO "[member ALPHA]\ncert = ALPHA.pub\nvia = BRAVO\n", 10,
		     "member 'ALPHA' has the name of this node");
}

static void test_bad_values(void **state)
{
	(void)state;
	expect_fault("[node]\nname = AL PHA\n", 2, "invalid node name 'AL PHA'");
	expect_fault("[node]\nname = .hidden\n", 2, "invalid node name");
	expect_fault("[node]\nlisten = tcp://host\n", 2, "listen 'tcp://host' is not");
	expect_fault("[node]\nlisten = tcp://host:0\n", 2, "is not");
	expect_fault("[node]\nlisten = tcp://host:65536\n", 2, "is not");
	expect_fault("[node]\nlisten = udp://host:7600\n", 2, "is not");
	expect_fault("[node]\nlisten = tcp://:7600\n", 2, "is not");
	expect_fault("[node]\nlisten = tcp://[::1:7600\n", 2, "is not");
	expect_fault("[node]\napi = ipc://\n", 2, "api 'ipc://' is not");
	expect_fault("[node]\nmetrics = ipc:///x\n", 2, "metrics 'ipc:///x' is not tcp://HOST:PORT");
	expect_fault("[node]\nmax_message = 65M\n", 2, "max_message '65M'");
	expect_fault("[node]\nmax_message = lots\n", 2, "max_message 'lots'");
	expect_fault("[node]\nmax_message = 0\n", 2, "max_message '0'");
	expect_fault("[node]\nclock_skew = 2d\n", 2, "clock_skew '2d'");
	expect_fault("[node]\nclock_skew = -5m\n", 2, "clock_skew '-5m'");
	expect_fault("[node]\nclock_skew = soon\n", 2, "clock_skew 'soon'");
	expect_fault(NODE "[peer BRAVO]\nmax_classification = COSMIC\n", 8,
		     "unknown classification 'COSMIC'");
	expect_fault(NODE "[client siren]\nrole = god\n", 8, "unknown role 'god'");
	expect_fault(NODE "[peer bad name!]\n", 7, "invalid peer name 'bad name!'");
	expect_fault(NODE "[peer]\n", 7, "needs a name");
	expect_fault(NODE "[peer BRAVO\n", 7, "closing ']'");
	expect_fault(NODE "just words\n", 7, "expected '[section]' or 'key = value'");
}

static void test_retention(void **state)
{
	(void)state;
	struct config *c = NULL;
	char err[512];
	const char *path = write_conf(NODE "[retention]\n"
					   "sitrep = 90d\n"
					   "status = 7d\n"
					   "; warnings kept for a month\n"
					   "warning = 30s\n"
					   "intel = forever\n");
	if (config_load(path, &c, err, sizeof err) != 0)
		fail_msg("%s", err);
	assert_int_equal(c->retention_ms[LIAISON__MESSAGE_TYPE__SITREP], 90LL * 86400 * 1000);
	assert_int_equal(c->retention_ms[LIAISON__MESSAGE_TYPE__STATUS], 7LL * 86400 * 1000);
	assert_int_equal(c->retention_ms[LIAISON__MESSAGE_TYPE__WARNING], 30000);
	assert_int_equal(c->retention_ms[LIAISON__MESSAGE_TYPE__INTEL], 0);
	assert_int_equal(c->retention_line[LIAISON__MESSAGE_TYPE__SITREP], 8);
	assert_int_equal(c->retention_line[LIAISON__MESSAGE_TYPE__WARNING], 11);
	config_free(&c);
	/* no section: everything is kept */
	if (config_load(write_conf(NODE), &c, err, sizeof err) != 0)
		fail_msg("%s", err);
	for (int t = 0; t < CONFIG_TYPES; t++)
		assert_int_equal(c->retention_ms[t], 0);
	config_free(&c);
	/* before [node] too */
	if (config_load(write_conf("[retention]\nstatus = 1h\n" NODE), &c, err, sizeof err) != 0)
		fail_msg("%s", err);
	assert_int_equal(c->retention_ms[LIAISON__MESSAGE_TYPE__STATUS], 3600000);
	config_free(&c);

	expect_fault(NODE "[retention]\nsitrep = 90\n", 8, "retention for sitrep '90' is not a span");
	expect_fault(NODE "[retention]\nstatus = 0d\n", 8, "retention for status '0d' is not a span");
	expect_fault(NODE "[retention]\nwarning = -1d\n", 8, "retention for warning '-1d'");
	expect_fault(NODE "[retention]\nintel = 3 days\n", 8, "retention for intel '3 days'");
	expect_fault(NODE "[retention]\nintel = 99999999999999999999d\n", 8, "retention for intel");
	expect_fault(NODE "[retention]\nreceipt = 1d\n", 8, "unknown key 'receipt' in [retention]");
	expect_fault(NODE "[retention]\nsitrep = 1d\nsitrep = 2d\n", 9, "sitrep");
	expect_fault(NODE "[retention]\n[retention]\n", 8, "duplicate section [retention] (first at line 7)");
	expect_fault(NODE "[retention ALL]\n", 7, "[retention] takes no name");
}

static void test_accepts_endpoints(void **state)
{
	(void)state;
	const char *ok[] = {"tcp://*:7600", "tcp://10.0.0.1:1", "tcp://[fe80::1]:65535",
			    "tcp://host-name.example:80", "ipc:///tmp/x.sock", NULL};
	for (int i = 0; ok[i]; i++) {
		char text[1024];
		snprintf(text, sizeof text,
			 "[node]\nname = A\nkey = k\nlisten = %s\napi = %s\ndata_dir = d\n", ok[i],
			 ok[i]);
		struct config *c = NULL;
		char err[512];
		if (config_load(write_conf(text), &c, err, sizeof err) != 0)
			fail_msg("%s: %s", ok[i], err);
		config_free(&c);
	}
}

static void test_missing_file(void **state)
{
	(void)state;
	struct config *c = NULL;
	char err[512];
	assert_int_equal(config_load("/nonexistent/liaisond.conf", &c, err, sizeof err), -1);
	assert_null(c);
	assert_non_null(strstr(err, "/nonexistent/liaisond.conf"));
	assert_non_null(strstr(err, "No such file"));
}

/* The same broken lines give the same errors as in the client's
 * configuration (test_client_args.c runs these cases too). */
static void test_shared_ini_errors(void **state)
{
	char path[512], err[1024], want[1024];
	(void)state;
	snprintf(path, sizeof path, "%s/shared.conf", dir);
	for (size_t i = 0; i < sizeof ini_cases / sizeof ini_cases[0]; i++) {
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fputs("[node]\n", f);
		assert_int_equal(fwrite(ini_cases[i].text, 1, ini_cases[i].len, f), ini_cases[i].len);
		fclose(f);
		struct config *c = NULL;
		assert_int_equal(config_load(path, &c, err, sizeof err), -1);
		assert_null(c);
		snprintf(want, sizeof want, "%s%s", path, ini_cases[i].want);
		if (strcmp(err, want) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, err, want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_sizes_and_roles),
		cmocka_unit_test(test_unknown_section),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_duplicate_section),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_missing_key),
		cmocka_unit_test(test_certificates),
		cmocka_unit_test(test_peer_named_like_node),
		cmocka_unit_test(test_members),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_retention),
		cmocka_unit_test(test_accepts_endpoints),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_shared_ini_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

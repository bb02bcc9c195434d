/* The client's command lines, configuration files, JSON input and rendering. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../client/client.h"
#include "ini_cases.h"
#include "timefmt.h"

static char tmpdir[] = "/tmp/liaison-client-args.XXXXXX";

static void write_file(const char *name, const char *text, char *path_out, size_t n)
{
	snprintf(path_out, n, "%s/%s", tmpdir, name);
	FILE *f = fopen(path_out, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd);
}

#define ARGV(...) ((char *[]){__VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((char *[]){__VA_ARGS__}) / sizeof(char *)))
#define ARGS(...) ARGC(__VA_ARGS__), ARGV(__VA_ARGS__)

/* ---------------------------------------------------------------- configuration */

static void test_conf_plain_and_relative(void **state)
{
	char path[512], err[512], want[600];
	struct client_conf c;
	(void)state;
	write_file("plain.conf", "api = ipc:///run/liaison/api.sock\nnode_cert = certs/ALPHA.pub\n"
				 "key = /etc/officer1.key\n", path, sizeof(path));
	assert_int_equal(conf_parse_file(path, &c, err, sizeof(err)), 0);
	assert_string_equal(c.api, "ipc:///run/liaison/api.sock");
	snprintf(want, sizeof(want), "%s/certs/ALPHA.pub", tmpdir);
	assert_string_equal(c.node_cert, want);
	assert_string_equal(c.key, "/etc/officer1.key");
	conf_clear(&c);
	assert_null(c.api);
}

static void test_conf_crlf(void **state)
{
	char path[512], err[512];
	struct client_conf c;
	(void)state;
	/* a file written on Windows: line endings are not control characters */
	write_file("crlf.conf", "[client]\r\napi = ipc:///x.sock\r\nkey = /k.key ; here\r\n", path, sizeof(path));
	assert_int_equal(conf_parse_file(path, &c, err, sizeof(err)), 0);
	assert_string_equal(c.api, "ipc:///x.sock");
	assert_string_equal(c.key, "/k.key");
	conf_clear(&c);
}

static void test_conf_client_section(void **state)
{
	char path[512], err[512];
	struct client_conf c;
	(void)state;
	write_file("section.conf", "; comment\n[client]\napi = tcp://127.0.0.1:7601\nkey = k.key\n",
		   path, sizeof(path));
	assert_int_equal(conf_parse_file(path, &c, err, sizeof(err)), 0);
	assert_string_equal(c.api, "tcp://127.0.0.1:7601");
	assert_null(c.node_cert);
	conf_clear(&c);
}

static void test_conf_errors_name_line(void **state)
{
	char path[512], err[512], want[600];
	struct client_conf c;
	(void)state;
	write_file("badkey.conf", "api = ipc:///x\n\nnode_crt = a.pub\n", path, sizeof(path));
	assert_int_equal(conf_parse_file(path, &c, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:3: unknown key 'node_crt'", path);
	assert_string_equal(err, want);
	assert_null(c.api);

	/* named at its header, as liaisond does */
	write_file("badsec.conf", "[node]\napi = ipc:///x\n", path, sizeof(path));
	assert_int_equal(conf_parse_file(path, &c, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:1: unknown section [node]", path);
	assert_string_equal(err, want);

	write_file("garbage.conf", "api = ipc:///x\nthis is not ini\n", path, sizeof(path));
	assert_int_equal(conf_parse_file(path, &c, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:2:", path);
	assert_memory_equal(err, want, strlen(want));

	snprintf(path, sizeof(path), "%s/missing.conf", tmpdir);
	assert_int_equal(conf_parse_file(path, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file"));
}

/* The same broken lines give the same errors as in liaisond's
 * configuration (test_daemon_config.c runs these cases too). */
static void test_conf_shared_ini_errors(void **state)
{
	char path[512], err[512], text[512];
	struct client_conf c;
	(void)state;
	snprintf(path, sizeof(path), "%s/shared.conf", tmpdir);
	for (size_t i = 0; i < sizeof(ini_cases) / sizeof(ini_cases[0]); i++) {
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fputs("[client]\n", f);
		assert_int_equal(fwrite(ini_cases[i].text, 1, ini_cases[i].len, f), ini_cases[i].len);
		fclose(f);
		assert_int_equal(conf_parse_file(path, &c, err, sizeof(err)), -1);
		snprintf(text, sizeof(text), "%s%s", path, ini_cases[i].want);
		if (strcmp(err, text) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, err, text);
	}
}

static void test_conf_resolve_sources(void **state)
{
	char path[512], home[600];
	struct client cl;
	struct client_conf c;
	(void)state;
	client_init(&cl);
	write_file("env.conf", "api = ipc:///env\nnode_cert = /n.pub\nkey = /k.key\n", path,
		   sizeof(path));

	/* $LIAISON_CONFIG, then an override on the command line */
	setenv("LIAISON_CONFIG", path, 1);
	cl.api = "tcp://10.0.0.1:7601";
	assert_int_equal(conf_resolve(&cl, &c), 0);
	assert_string_equal(c.api, "tcp://10.0.0.1:7601");
	assert_string_equal(c.key, "/k.key");
	conf_clear(&c);

	/* -c wins over the environment; a broken file is 78 */
	cl.conf_path = "/nonexistent/client.conf";
	assert_int_equal(conf_resolve(&cl, &c), CLIENT_EX_CONFIG);

	/* nothing at all: 78; everything on the command line: no file needed */
	cl.conf_path = NULL;
	unsetenv("LIAISON_CONFIG");
	snprintf(home, sizeof(home), "%s/home", tmpdir);
	setenv("HOME", home, 1);
	assert_int_equal(conf_resolve(&cl, &c), CLIENT_EX_CONFIG);
	cl.node_cert = "/n.pub";
	cl.key = "/k.key";
	assert_int_equal(conf_resolve(&cl, &c), 0);
	assert_null(c.path);
	conf_clear(&c);

	/* a file that lacks a key, not given on the command line: 78 */
	write_file("partial.conf", "api = ipc:///p\n", path, sizeof(path));
	client_init(&cl);
	cl.conf_path = path;
	assert_int_equal(conf_resolve(&cl, &c), CLIENT_EX_CONFIG);
}

static void test_global_timeout(void **state)
{
	struct client cl;
	(void)state;
	client_init(&cl);
	assert_true(cl.timeout_s == 5.0);
	assert_int_equal(client_global_opt(&cl, OPT_TIMEOUT, "2.5"), 1);
	assert_true(cl.timeout_s == 2.5);
	assert_int_equal(client_global_opt(&cl, OPT_TIMEOUT, "0"), -1);
	assert_int_equal(client_global_opt(&cl, OPT_TIMEOUT, "ten"), -1);
	assert_true(cl.timeout_s == 2.5);
	assert_int_equal(client_global_opt(&cl, 'x', "y"), 0);
}

/* ---------------------------------------------------------------- send */

static void test_send_title_body(void **state)
{
	struct client cl;
	struct send_opts o;
	char **argv = ARGV("send", "warning", "--to", "BRAVO,CHARLIE", "--topic", "flood/north",
			   "--classification", "restricted", "--tlp", "TLP:amber", "--caveat",
			   "REL TO BRAVO", "--title", "River rising", "--body", "Evacuate sector 4",
			   "--expires", "2h", "--timeout", "3");
	(void)state;
	client_init(&cl);
	int64_t before = time_now_ms();
	assert_int_equal(send_parse(&cl, 20, argv, &o), 0);
	Liaison__SendRequest *s = o.req->send;
	assert_int_equal(o.req->kind_case, LIAISON__API_REQUEST__KIND_SEND);
	assert_int_equal(s->type, LIAISON__MESSAGE_TYPE__WARNING);
	assert_int_equal(s->n_to, 2);
	assert_string_equal(s->to[0], "BRAVO");
	assert_string_equal(s->to[1], "CHARLIE");
	assert_false(s->all);
	assert_string_equal(s->topic, "flood/north");
	assert_int_equal(s->precedence, LIAISON__PRECEDENCE__PRECEDENCE_UNSET);
	assert_int_equal(s->label->classification, LIAISON__CLASSIFICATION__RESTRICTED);
	assert_int_equal(s->label->tlp, LIAISON__TLP__TLP_AMBER);
	assert_int_equal(s->label->n_caveats, 1);
	assert_true(s->expires >= before + 7200000 && s->expires <= time_now_ms() + 7200000);
	assert_int_equal(s->payload->body_case, LIAISON__PAYLOAD__BODY_WARNING);
	assert_string_equal(s->payload->warning->headline, "River rising");
	assert_string_equal(s->payload->warning->description, "Evacuate sector 4");
	assert_true(cl.timeout_s == 3.0);
	send_opts_clear(&o);
}

static void test_send_file_and_unknown_field(void **state)
{
	char path[512];
	struct client cl;
	struct send_opts o;
	(void)state;
	client_init(&cl);
	write_file("sitrep.json", "{\"title\": \"Night\", \"reporting_unit\": \"3 BN\", "
				  "\"period\": {\"from\": \"2026-11-27T00:00:00Z\"}}", path, sizeof(path));
	assert_int_equal(send_parse(&cl, ARGS("send", "sitrep", "--all", "--file", path,
						 "--precedence=priority"), &o), 0);
	assert_true(o.req->send->all);
	assert_int_equal(o.req->send->precedence, LIAISON__PRECEDENCE__PRIORITY);
	assert_string_equal(o.req->send->payload->sitrep->title, "Night");
	assert_string_equal(o.req->send->payload->sitrep->reporting_unit, "3 BN");
	assert_string_equal(o.req->send->payload->sitrep->period->from, "2026-11-27T00:00:00Z");
	send_opts_clear(&o);

	write_file("bad.json", "{\"title\": \"x\", \"colour\": \"red\"}", path, sizeof(path));
	assert_int_equal(send_parse(&cl, ARGS("send", "intel", "--to", "B", "--file", path), &o),
			 CLIENT_EX_USAGE);
	assert_null(o.req);
	write_file("broken.json", "{\"title\": ", path, sizeof(path));
	assert_int_equal(send_parse(&cl, ARGS("send", "intel", "--to", "B", "--file", path), &o),
			 CLIENT_EX_USAGE);
}

static void test_send_stdin(void **state)
{
	static char text[] = "line one\nline two\n";
	static char json[] = "{\"unit\": \"HQ\", \"readiness_percent\": 80}";
	struct client cl;
	struct send_opts o;
	(void)state;
	client_init(&cl);
	cl.in = fmemopen(text, strlen(text), "r");
	assert_int_equal(send_parse(&cl, ARGS("send", "status", "--to", "B", "--title", "T", "-"),
				    &o), 0);
	assert_string_equal(o.req->send->payload->status->title, "T");
	assert_string_equal(o.req->send->payload->status->body, "line one\nline two");
	send_opts_clear(&o);
	fclose(cl.in);

	cl.in = fmemopen(json, strlen(json), "r");
	assert_int_equal(send_parse(&cl, ARGS("send", "status", "--to", "B", "--file", "-"), &o), 0);
	assert_string_equal(o.req->send->payload->status->unit, "HQ");
	assert_int_equal(o.req->send->payload->status->readiness_percent, 80);
	send_opts_clear(&o);
	fclose(cl.in);
}

static void test_send_misuse(void **state)
{
	struct client cl;
	struct send_opts o;
	(void)state;
	client_init(&cl);
	/* no type, unknown type, no recipients, both, no content, bad labels */
	assert_int_equal(send_parse(&cl, ARGS("send", "--to", "B", "-"), &o), CLIENT_EX_USAGE);
	assert_int_equal(send_parse(&cl, ARGS("send", "memo", "--to", "B", "--body", "x"), &o),
			 CLIENT_EX_USAGE);
	assert_int_equal(send_parse(&cl, ARGS("send", "sitrep", "--body", "x"), &o), CLIENT_EX_USAGE);
	assert_int_equal(send_parse(&cl, ARGS("send", "sitrep", "--all", "--to", "B", "--body", "x"),
				    &o), CLIENT_EX_USAGE);
	assert_int_equal(send_parse(&cl, ARGS("send", "sitrep", "--to", "B"), &o), CLIENT_EX_USAGE);
	assert_int_equal(send_parse(&cl, ARGS("send", "sitrep", "--all", "--precedence", "urgent",
						 "--body", "x"), &o), CLIENT_EX_USAGE);
	assert_int_equal(send_parse(&cl, ARGS("send", "sitrep", "--all", "--classification",
						 "COSMIC", "--body", "x"), &o), CLIENT_EX_USAGE);
	assert_int_equal(send_parse(&cl, ARGS("send", "sitrep", "--all", "--updates", "abcd",
						 "--body", "x"), &o), CLIENT_EX_USAGE);
	assert_int_equal(send_parse(&cl, ARGS("send", "sitrep", "--all", "--bogus", "x"), &o),
			 CLIENT_EX_USAGE);
	assert_int_equal(send_parse(&cl, ARGS("send", "--batch", "f", "--to", "B"), &o),
			 CLIENT_EX_USAGE);
	assert_int_equal(send_parse(&cl, ARGS("send", "--help"), &o), CLIENT_DONE);
	assert_int_equal(send_parse(&cl, ARGS("send", "--batch", "-"), &o), 0);
	assert_string_equal(o.batch, "-");
	assert_null(o.req);
}

static void test_send_references(void **state)
{
	struct client cl;
	struct send_opts o;
	(void)state;
	client_init(&cl);
	assert_int_equal(send_parse(&cl, ARGS("send", "sitrep", "--all", "--cancels",
						 "00112233445566778899aabbccddeeff", "--body", "x"),
				    &o), 0);
	assert_int_equal(o.req->send->n_references, 1);
	assert_int_equal(o.req->send->references[0]->kind, LIAISON__REFERENCE_KIND__CANCELS);
	assert_int_equal(o.req->send->references[0]->id.len, 16);
	assert_int_equal(o.req->send->references[0]->id.data[15], 0xff);
	send_opts_clear(&o);
}

static void test_batch_line(void **state)
{
	char err[256];
	json_error_t je;
	json_t *j;
	Liaison__SendRequest *s;
	(void)state;

	j = json_loads("{\"type\": \"sitrep\", \"to\": [\"B\", \"C\"], \"topic\": \"t\", "
		       "\"precedence\": \"routine\", \"classification\": \"RESTRICTED\", \"tlp\": \"AMBER\", "
		       "\"expires\": \"2h\", \"body\": {\"title\": \"hello\"}}", 0, &je);
	assert_non_null(j);
	s = send_from_json(j, 1000, err, sizeof(err));
	json_decref(j);
	assert_non_null(s);
	assert_int_equal(s->n_to, 2);
	assert_int_equal(s->precedence, LIAISON__PRECEDENCE__ROUTINE);
	assert_int_equal(s->label->classification, LIAISON__CLASSIFICATION__RESTRICTED);
	assert_int_equal(s->expires, 1000 + 7200000);
	assert_string_equal(s->payload->sitrep->title, "hello");
	send_request_free(s);

	j = json_loads("{\"type\": \"sitrep\", \"all\": true, \"colour\": 1, \"body\": {}}", 0, &je);
	assert_null(send_from_json(j, 0, err, sizeof(err)));
	assert_string_equal(err, "unknown field 'colour'");
	json_decref(j);

	j = json_loads("{\"type\": \"sitrep\", \"all\": true, \"body\": {\"x\": 1}}", 0, &je);
	assert_null(send_from_json(j, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "unknown field 'x'"));
	json_decref(j);

	j = json_loads("{\"type\": \"sitrep\", \"all\": true}", 0, &je);
	assert_null(send_from_json(j, 0, err, sizeof(err)));
	assert_string_equal(err, "field 'body' is missing");
	json_decref(j);

	j = json_loads("{\"type\": \"sitrep\", \"body\": {}}", 0, &je);
	assert_null(send_from_json(j, 0, err, sizeof(err)));
	json_decref(j);
}


/* --cap: the alert goes through the same mapper as every other way in. */
static void test_send_cap(void **state)
{
	struct client cl;
	struct send_opts o;
	char path[512], err[512];
	json_t *j;
	Liaison__SendRequest *s;
	(void)state;
	client_init(&cl);

	/* a 2003 alert has expired: refused unless an expiry is given */
	assert_int_equal(send_parse(&cl, ARGS("send", "warning", "--to", "BRAVO", "--cap",
					      "tests/data/cap/oasis-example2.xml"), &o), CLIENT_EX_USAGE);
	assert_null(o.req);
	assert_int_equal(send_parse(&cl, ARGS("send", "warning", "--to", "BRAVO", "--expires", "2h",
					      "--cap", "tests/data/cap/oasis-example2.xml"), &o), 0);
	s = o.req->send;
	assert_int_equal(s->payload->body_case, LIAISON__PAYLOAD__BODY_WARNING);
	assert_string_equal(s->payload->warning->cap_identifier, "KSTO1055887203");
	assert_true(s->payload->warning->cap_xml.len == 1807);
	assert_int_equal(s->precedence, LIAISON__PRECEDENCE__FLASH); /* Immediate, Severe */
	send_opts_clear(&o);
	assert_int_equal(send_parse(&cl, ARGS("send", "warning", "--all", "--expires", "2h",
					      "--precedence", "routine", "--cap",
					      "tests/data/cap/metno-gale-warning-polygon-2021-09-21.xml"), &o), 0);
	assert_int_equal(o.req->send->precedence, LIAISON__PRECEDENCE__ROUTINE);
	send_opts_clear(&o);

	/* refused: not a warning, twice the content, hostile or invalid XML */
	assert_int_equal(send_parse(&cl, ARGS("send", "sitrep", "--all", "--expires", "2h", "--cap",
					      "tests/data/cap/oasis-example2.xml"), &o), CLIENT_EX_USAGE);
	assert_int_equal(send_parse(&cl, ARGS("send", "warning", "--all", "--title", "x", "--cap",
					      "tests/data/cap/oasis-example2.xml"), &o), CLIENT_EX_USAGE);
	write_file("lol.xml", "<?xml version=\"1.0\"?>\n<!DOCTYPE alert [<!ENTITY a \"ha\">"
			      "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]>\n<alert>&b;</alert>\n",
		   path, sizeof(path));
	assert_int_equal(send_parse(&cl, ARGS("send", "warning", "--all", "--cap", path), &o),
			 CLIENT_EX_USAGE);
	assert_null(o.req);
	write_file("xxe.xml", "<?xml version=\"1.0\"?>\n<!DOCTYPE alert [<!ENTITY x SYSTEM "
			      "\"file:///etc/passwd\">]>\n<alert>&x;</alert>\n", path, sizeof(path));
	assert_int_equal(send_parse(&cl, ARGS("send", "warning", "--all", "--cap", path), &o),
			 CLIENT_EX_USAGE);
	assert_int_equal(send_parse(&cl, ARGS("send", "warning", "--all", "--cap", "/nonexistent.xml"),
				    &o), CLIENT_EX_USAGE);

	/* a --batch line may carry the document too */
	j = json_pack("{s:s, s:[s], s:s, s:s}", "type", "warning", "to", "BRAVO", "expires", "1h", "cap",
		      "<?xml version=\"1.0\"?><alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">"
		      "<identifier>X</identifier><sender>s@example.org</sender>"
		      "<sent>2026-11-27T19:55:00+00:00</sent><status>Exercise</status>"
		      "<msgType>Cancel</msgType><scope>Public</scope>"
		      "<references>s@example.org,W,2026-11-27T19:00:00+00:00</references></alert>");
	s = send_from_json(j, time_now_ms(), err, sizeof(err));
	if (!s)
		fail_msg("%s", err);
	assert_string_equal(s->payload->warning->msg_type, "Cancel");
	assert_int_equal(s->payload->warning->n_references, 1);
	send_request_free(s);
	json_object_set_new(j, "cap", json_string("<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"/>"));
	assert_null(send_from_json(j, time_now_ms(), err, sizeof(err)));
	assert_non_null(strstr(err, "field 'cap': line 1: Element 'alert': Missing child element(s)"));
	json_decref(j);

	/* a native warning's CAP words are checked on the way in */
	write_file("w.json", "{\"headline\": \"x\", \"urgency\": \"soon\"}", path, sizeof(path));
	assert_int_equal(send_parse(&cl, ARGS("send", "warning", "--all", "--file", path), &o),
			 CLIENT_EX_USAGE);
	write_file("w.json", "{\"headline\": \"x\", \"cap_xml\": \"3c616c6572742f3e\"}", path, sizeof(path));
	assert_int_equal(send_parse(&cl, ARGS("send", "warning", "--all", "--file", path), &o),
			 CLIENT_EX_USAGE);
	write_file("w.json", "{\"headline\": \"x\", \"urgency\": \"Immediate\"}", path, sizeof(path));
	assert_int_equal(send_parse(&cl, ARGS("send", "warning", "--all", "--file", path), &o), 0);
	send_opts_clear(&o);
}

/* ---------------------------------------------------------------- other commands */

static void test_query_get_status_parse(void **state)
{
	struct client cl;
	struct query_opts q;
	struct get_opts g;
	struct status_opts st;
	struct subscribe_opts sub;
	struct peers_opts p;
	(void)state;
	client_init(&cl);

	int64_t now = time_now_ms();
	assert_int_equal(query_parse(&cl, ARGS("query", "--type", "intel", "--since", "2h",
						  "--limit", "5", "--json", "-c", "/x.conf"), &q), 0);
	assert_int_equal(q.q.type, LIAISON__MESSAGE_TYPE__INTEL);
	assert_true(q.q.since <= now - 7200000 + 1000 && q.q.since >= now - 7200000 - 1000);
	assert_int_equal(q.q.limit, 5);
	assert_true(q.json);
	assert_string_equal(cl.conf_path, "/x.conf");
	assert_int_equal(query_parse(&cl, ARGS("query", "--limit", "0"), &q), CLIENT_EX_USAGE);
	assert_int_equal(query_parse(&cl, ARGS("query", "--since", "yesterday"), &q),
			 CLIENT_EX_USAGE);
	assert_int_equal(query_parse(&cl, ARGS("query", "extra"), &q), CLIENT_EX_USAGE);

	/* a prefix, every digit kept; options after the id */
	assert_int_equal(get_parse(&cl, ARGS("get", "0a1b2c3d4", "--json"), &g), 0);
	assert_int_equal(g.id_len, 5);
	assert_int_equal(g.id_digits, 9);
	assert_int_equal(g.id[3], 0x3d);
	assert_int_equal(g.id[4], 0x40);
	assert_true(g.json);
	assert_int_equal(get_parse(&cl, ARGS("get", "0a1b2c3"), &g), CLIENT_EX_USAGE);
	assert_int_equal(get_parse(&cl, ARGS("get", "xyzxyzxyz"), &g), CLIENT_EX_USAGE);
	assert_int_equal(get_parse(&cl, ARGS("get"), &g), CLIENT_EX_USAGE);
	assert_int_equal(get_parse(&cl, ARGS("get", "0a1b2c3d", "--json", "--envelope"), &g),
			 CLIENT_EX_USAGE);

	assert_int_equal(status_parse(&cl, ARGS("status", "--json"), &st), 0);
	assert_int_equal(st.id_len, 0);
	assert_int_equal(status_parse(&cl, ARGS("status", "00112233445566778899aabbccddeeff"), &st),
			 0);
	assert_int_equal(st.id_len, 16);

	assert_int_equal(subscribe_parse(&cl, ARGS("subscribe", "--durable", "siren", "--type",
						      "warning", "--count", "3"), &sub), 0);
	assert_string_equal(sub.s.durable, "siren");
	assert_int_equal(sub.s.type, LIAISON__MESSAGE_TYPE__WARNING);
	assert_int_equal(sub.count, 3);
	subscribe_opts_clear(&sub);
	assert_int_equal(subscribe_parse(&cl, ARGS("subscribe", "--count", "-1"), &sub),
			 CLIENT_EX_USAGE);

	assert_int_equal(peers_parse(&cl, ARGS("peers", "--json", "--api", "ipc:///a"), &p), 0);
	assert_true(p.json);
	assert_string_equal(cl.api, "ipc:///a");
	assert_int_equal(peers_parse(&cl, ARGS("peers", "-x"), &p), CLIENT_EX_USAGE);
}

/* An odd-length prefix keeps its last digit: "abcdef012" matches ids that
 * start with those nine digits, not eight. */
static void test_id_prefix_odd_length(void **state)
{
	struct client cl;
	struct get_opts g;
	struct status_opts st;
	uint8_t id[16];
	size_t len;
	uint32_t nd;
	(void)state;
	client_init(&cl);

	assert_true(client_parse_id("abcdef012", false, id, &len, &nd));
	assert_int_equal(len, 5);
	assert_int_equal(nd, 9);
	const uint8_t want[5] = {0xab, 0xcd, 0xef, 0x01, 0x20};
	assert_memory_equal(id, want, 5);
	assert_int_equal(id[5], 0);

	assert_true(client_parse_id("ABCDEF01", false, id, &len, &nd));
	assert_int_equal(len, 4);
	assert_int_equal(nd, 8);
	assert_memory_equal(id, want, 4);

	assert_true(client_parse_id("00112233445566778899aabbccddeef", false, id, &len, &nd));
	assert_int_equal(len, 16);
	assert_int_equal(nd, 31);
	assert_int_equal(id[15], 0xf0);
	assert_false(client_parse_id("00112233445566778899aabbccddeef", true, id, &len, NULL));

	assert_int_equal(get_parse(&cl, ARGS("get", "abc12345d"), &g), 0);
	assert_int_equal(g.id_digits, 9);
	assert_int_equal(g.id_len, 5);
	assert_int_equal(g.id[4], 0xd0);
	assert_int_equal(status_parse(&cl, ARGS("status", "abc12345d", "--json"), &st), 0);
	assert_int_equal(st.id_digits, 9);
	assert_int_equal(st.id_len, 5);
	assert_int_equal(st.id[4], 0xd0);
}

/* ---------------------------------------------------------------- rendering */

static Liaison__Message *sample_message(void)
{
	static uint8_t id[16] = {0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
	static char *to[] = {"BRAVO"};
	static char *caveats[] = {"REL TO BRAVO"};
	static Liaison__SecurityLabel label = LIAISON__SECURITY_LABEL__INIT;
	static Liaison__SituationReport sitrep = LIAISON__SITUATION_REPORT__INIT;
	static Liaison__Payload payload = LIAISON__PAYLOAD__INIT;
	static Liaison__Message m = LIAISON__MESSAGE__INIT;

	label.classification = LIAISON__CLASSIFICATION__RESTRICTED;
	label.tlp = LIAISON__TLP__TLP_AMBER;
	label.n_caveats = 1;
	label.caveats = caveats;
	sitrep.title = "Quiet night";
	sitrep.location = "Sector 4";
	payload.body_case = LIAISON__PAYLOAD__BODY_SITREP;
	payload.sitrep = &sitrep;
	m.id.data = id;
	m.id.len = 16;
	m.from = "ALPHA";
	m.n_to = 1;
	m.to = to;
	m.type = LIAISON__MESSAGE_TYPE__SITREP;
	m.topic = "ops/daily";
	m.precedence = LIAISON__PRECEDENCE__ROUTINE;
	m.label = &label;
	m.created = 1795809300000; /* 2026-11-27T19:55:00Z */
	m.received = 1795809301500;
	m.sequence = 7;
	m.payload = &payload;
	m.cursor = 42;
	return &m;
}

static char *capture(void (*fn)(FILE *, const Liaison__Message *), const Liaison__Message *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	fn(f, m);
	fclose(f);
	return buf;
}

static void test_render_message_json(void **state)
{
	json_t *j;
	(void)state;
	j = render_message_json(sample_message());
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "id")),
			    "deadbeef0102030405060708090a0b0c");
	assert_string_equal(json_string_value(json_object_get(j, "type")), "sitrep");
	assert_string_equal(json_string_value(json_object_get(j, "from")), "ALPHA");
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "to"), 0)), "BRAVO");
	assert_string_equal(json_string_value(json_object_get(j, "precedence")), "ROUTINE");
	assert_string_equal(json_string_value(json_object_get(j, "classification")), "RESTRICTED");
	assert_string_equal(json_string_value(json_object_get(j, "tlp")), "AMBER");
	assert_string_equal(json_string_value(json_object_get(j, "created")), "2026-11-27T19:55:00Z");
	assert_string_equal(json_string_value(json_object_get(j, "received")),
			    "2026-11-27T19:55:01.500Z");
	assert_null(json_object_get(j, "expires"));
	assert_null(json_object_get(j, "references"));
	assert_int_equal(json_integer_value(json_object_get(j, "cursor")), 42);
	assert_int_equal(json_integer_value(json_object_get(j, "sequence")), 7);
	json_t *body = json_object_get(j, "body");
	assert_string_equal(json_string_value(json_object_get(body, "title")), "Quiet night");
	assert_string_equal(json_string_value(json_object_get(body, "location")), "Sector 4");
	json_decref(j);
}

static void test_render_text(void **state)
{
	char *s;
	(void)state;
	s = capture(render_message_line, sample_message());
	assert_non_null(strstr(s, "deadbeef0102  2026-11-27T19:55:01Z  ALPHA"));
	assert_non_null(strstr(s, "RESTRICTED"));
	assert_non_null(strstr(s, "Quiet night\n"));
	assert_null(strchr(s, '\n') == s + strlen(s) - 1 ? NULL : "two lines");
	free(s);
	s = capture(render_message_block, sample_message());
	assert_non_null(strstr(s, "from: ALPHA\n"));
	assert_non_null(strstr(s, "to:\n  - BRAVO\n"));
	assert_non_null(strstr(s, "\ntitle: Quiet night\n"));
	assert_non_null(strstr(s, "location: Sector 4\n"));
	free(s);
}

static void test_render_status_peers(void **state)
{
	Liaison__StatusReply st = LIAISON__STATUS_REPLY__INIT;
	Liaison__QueueDepth q = LIAISON__QUEUE_DEPTH__INIT, *qs[] = {&q};
	Liaison__Counter cn = LIAISON__COUNTER__INIT, *cs[] = {&cn};
	Liaison__Counter rn = LIAISON__COUNTER__INIT, *rs[] = {&rn};
	Liaison__QueueDepth pq = LIAISON__QUEUE_DEPTH__INIT, *pqs[] = {&pq};
	Liaison__PeerInfo pi = LIAISON__PEER_INFO__INIT, *ps[] = {&pi};
	Liaison__PeersReply pr = LIAISON__PEERS_REPLY__INIT;
	json_t *j;
	(void)state;

	st.name = "ALPHA";
	st.uptime = 3661;
	st.peers = 3;
	st.peers_connected = 2;
	q.precedence = LIAISON__PRECEDENCE__FLASH;
	q.depth = 5;
	st.n_queues = 1;
	st.queues = qs;
	cn.name = "sent";
	cn.value = 9;
	st.n_counters = 1;
	st.counters = cs;
	st.version = "0.3.0";
	st.store_bytes = 40960;
	rn.name = "signature";
	rn.value = 3;
	st.n_rejected_by_reason = 1;
	st.rejected_by_reason = rs;
	j = render_status_json(&st);
	assert_string_equal(json_string_value(json_object_get(j, "version")), "0.3.0");
	assert_int_equal(json_integer_value(json_object_get(j, "store_bytes")), 40960);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "rejected_by_reason"), "signature")), 3);
	assert_string_equal(json_string_value(json_object_get(j, "name")), "ALPHA");
	assert_int_equal(json_integer_value(json_object_get(j, "peers_connected")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "queues"), "FLASH")), 5);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "queues"), "ROUTINE")), 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "counters"), "sent")), 9);
	assert_non_null(json_object_get(json_object_get(j, "counters"), "rejected"));
	json_decref(j);

	pi.name = "BRAVO";
	pi.connected = true;
	pi.max_classification = LIAISON__CLASSIFICATION__RESTRICTED;
	pi.queued = 4;
	pq.precedence = LIAISON__PRECEDENCE__ROUTINE;
	pq.depth = 4;
	pi.queues = pqs;
	pi.n_queues = 1;
	pi.down_since = 0;
	pi.lag_seconds = 0;
	pr.n_peers = 1;
	pr.peers = ps;
	j = render_peers_json(&pr);
	json_t *p0 = json_array_get(json_object_get(j, "peers"), 0);
	assert_string_equal(json_string_value(json_object_get(p0, "name")), "BRAVO");
	assert_true(json_is_true(json_object_get(p0, "connected")));
	assert_string_equal(json_string_value(json_object_get(p0, "max_classification")), "RESTRICTED");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(p0, "queued"), "ROUTINE")), 4);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(p0, "queued"), "FLASH")), 0);
	assert_string_equal(json_string_value(json_object_get(p0, "kind")), "peer");
	assert_true(json_is_null(json_object_get(p0, "down_since")));
	assert_true(json_is_null(json_object_get(p0, "last_error")));
	assert_int_equal(json_integer_value(json_object_get(p0, "lag_seconds")), 0);
	json_decref(j);

	/* a link that is down: since when, its lag and why */
	pi.connected = false;
	pi.down_since = 1764655038000;
	pi.lag_seconds = 252;
	pi.last_error = "disconnected";
	j = render_peers_json(&pr);
	p0 = json_array_get(json_object_get(j, "peers"), 0);
	assert_string_equal(json_string_value(json_object_get(p0, "down_since")), "2025-12-02T05:57:18Z");
	assert_int_equal(json_integer_value(json_object_get(p0, "lag_seconds")), 252);
	assert_string_equal(json_string_value(json_object_get(p0, "last_error")), "disconnected");
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_plain_and_relative),
		cmocka_unit_test(test_conf_client_section),
		cmocka_unit_test(test_conf_errors_name_line),
		cmocka_unit_test(test_conf_shared_ini_errors),
		cmocka_unit_test(test_conf_crlf),
		cmocka_unit_test(test_conf_resolve_sources),
		cmocka_unit_test(test_global_timeout),
		cmocka_unit_test(test_send_title_body),
		cmocka_unit_test(test_send_file_and_unknown_field),
		cmocka_unit_test(test_send_stdin),
		cmocka_unit_test(test_send_misuse),
		cmocka_unit_test(test_send_references),
		cmocka_unit_test(test_batch_line),
		cmocka_unit_test(test_send_cap),
		cmocka_unit_test(test_query_get_status_parse),
		cmocka_unit_test(test_id_prefix_odd_length),
		cmocka_unit_test(test_render_message_json),
		cmocka_unit_test(test_render_text),
		cmocka_unit_test(test_render_status_peers),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

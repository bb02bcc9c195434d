/* liaison reload, liaison audit: administrative requests (role admin). */
#include <string.h>

#include "client.h"

const char cmd_reload_usage[] =
	"usage: liaison reload\n"
	"\n"
	"Asks the node to reread its configuration file (peers and clients), as\n"
	"SIGHUP does. A broken file is refused and the node keeps running with the\n"
	"configuration it has; the error names FILE:LINE. Needs the admin role.\n";

const char cmd_audit_usage[] =
	"usage: liaison audit [--json]\n"
	"\n"
	"Asks the node to verify its audit chain now: every stored envelope and\n"
	"administrative event, hash-chained. Prints the number of records and the\n"
	"head hash; record the head elsewhere to detect a rebuilt chain later.\n"
	"Exit 1 if the chain is broken. Needs the admin role.\n";

static const struct option long_opts[] = {
	{"json", no_argument, NULL, 'j'},
	CLIENT_GLOBAL_LONG,
	{NULL, 0, NULL, 0},
};

/* Parses [--json] and the global options; returns 0, CLIENT_DONE or an exit code. */
static int admin_parse(struct client *cl, int argc, char **argv, const char *usage, bool json_ok, bool *json)
{
	int c, r;
	*json = false;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, CLIENT_GLOBAL_SHORT, long_opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, cl->out);
			return CLIENT_DONE;
		}
		if (c == 'j' && json_ok) {
			*json = true;
			continue;
		}
		r = c == 'j' ? 0 : client_global_opt(cl, c, optarg);
		if (r < 0)
			return CLIENT_EX_USAGE;
		if (r == 0)
			return client_bad_option(argc, argv, usage);
	}
	if (optind < argc) {
		client_err("unexpected argument '%s'", argv[optind]);
		return client_usage_error(usage);
	}
	return 0;
}

static int admin_call(struct client *cl, Liaison__ApiRequest *req, bool json)
{
	struct conn *c = NULL;
	Liaison__ApiReply *r = NULL;
	int ret = client_connect(cl, &c);
	if (ret == 0)
		ret = conn_call_expect(c, req, LIAISON__API_REPLY__KIND_ADMIN, &r);
	if (ret == 0 && json) {
		json_t *j = json_pack("{s:s, s:I, s:s}", "message", r->admin->message, "records",
				      (json_int_t)r->admin->records, "head", r->admin->head);
		render_json_line(cl->out, j);
		json_decref(j);
	} else if (ret == 0) {
		fprintf(cl->out, "%s\n", r->admin->message);
	}
	if (r)
		liaison__api_reply__free_unpacked(r, NULL);
	conn_close(&c);
	return ret;
}

int cmd_reload(struct client *cl, int argc, char **argv)
{
	bool json;
	int ret = admin_parse(cl, argc, argv, cmd_reload_usage, false, &json);
	if (ret)
		return ret == CLIENT_DONE ? 0 : ret;
	Liaison__ApiRequest req = LIAISON__API_REQUEST__INIT;
	Liaison__ReloadRequest rr = LIAISON__RELOAD_REQUEST__INIT;
	req.kind_case = LIAISON__API_REQUEST__KIND_RELOAD;
	req.reload = &rr;
	return admin_call(cl, &req, false);
}

int cmd_audit(struct client *cl, int argc, char **argv)
{
	bool json;
	int ret = admin_parse(cl, argc, argv, cmd_audit_usage, true, &json);
	if (ret)
		return ret == CLIENT_DONE ? 0 : ret;
	Liaison__ApiRequest req = LIAISON__API_REQUEST__INIT;
	Liaison__AuditRequest ar = LIAISON__AUDIT_REQUEST__INIT;
	req.kind_case = LIAISON__API_REQUEST__KIND_AUDIT;
	req.audit = &ar;
	return admin_call(cl, &req, json);
}

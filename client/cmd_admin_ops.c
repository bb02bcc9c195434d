/* liaison admin: peers, members and clients added and removed, the node key rotated
 * and the store backed up, without editing files (role admin). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "keyfile.h"
#include "labels.h"
#include "timefmt.h"

const char cmd_admin_usage[] =
	"usage: liaison admin peer add NAME --cert FILE --endpoint EP [--max-classification L]\n"
	"       liaison admin peer remove NAME\n"
	"       liaison admin member add NAME --cert FILE --via PEER[,PEER...] [--max-classification L]\n"
	"       liaison admin member remove NAME\n"
	"       liaison admin client add NAME --cert FILE --role reader|officer|admin [--replace]\n"
	"       liaison admin client remove NAME\n"
	"       liaison admin rotate-key [--overlap DURATION]\n"
	"       liaison admin backup FILE\n"
	"\n"
	"Changes the node's peers, members and clients at once, without editing its\n"
	"configuration: the node keeps them in its data directory (admin.conf), they\n"
	"survive a restart, and each is written to the audit chain. This client reads\n"
	"the certificate FILE and sends its contents. Removing is revoking: a removed\n"
	"peer's link closes now, a removed client's next request is refused. --replace\n"
	"gives an existing client a new certificate. rotate-key makes a new node key\n"
	"and tells the peers; they accept the old one too for DURATION (default 7d).\n"
	"backup writes a consistent copy of the store to FILE on the node's host (an\n"
	"absolute path; an existing file is refused). member add names an organization\n"
	"reached only through relays (--via: peers, tried in order). Needs the admin role.\n";

enum { O_CERT = OPT_CMD_BASE, O_ENDPOINT, O_MAXCLASS, O_ROLE, O_REPLACE, O_OVERLAP, O_VIA };

static const struct option long_opts[] = {
	{"cert", required_argument, NULL, O_CERT},
	{"endpoint", required_argument, NULL, O_ENDPOINT},
	{"max-classification", required_argument, NULL, O_MAXCLASS},
	{"role", required_argument, NULL, O_ROLE},
	{"replace", no_argument, NULL, O_REPLACE},
	{"overlap", required_argument, NULL, O_OVERLAP},
	{"via", required_argument, NULL, O_VIA},
	CLIENT_GLOBAL_LONG,
	{NULL, 0, NULL, 0},
};

struct admin_opts {
	const char *cert, *endpoint, *maxclass, *role, *overlap, *via;
	bool replace;
	const char *words[4];
	int n_words;
};

static int parse(struct client *cl, int argc, char **argv, struct admin_opts *o)
{
	int c, r;
	memset(o, 0, sizeof(*o));
	optind = 0;
	opterr = 0;
	/* words (verbs, NAME, FILE) and options in any order */
	while ((c = getopt_long(argc, argv, "-" CLIENT_GLOBAL_SHORT, long_opts, NULL)) != -1) {
		switch (c) {
		case 1:
			if (o->n_words == 4) {
				client_err("unexpected argument '%s'", optarg);
				return client_usage_error(cmd_admin_usage);
			}
			o->words[o->n_words++] = optarg;
			continue;
		case 'h':
			fputs(cmd_admin_usage, cl->out);
			return CLIENT_DONE;
		case O_CERT: o->cert = optarg; continue;
		case O_ENDPOINT: o->endpoint = optarg; continue;
		case O_MAXCLASS: o->maxclass = optarg; continue;
		case O_ROLE: o->role = optarg; continue;
		case O_REPLACE: o->replace = true; continue;
		case O_OVERLAP: o->overlap = optarg; continue;
		case O_VIA: o->via = optarg; continue;
		}
		r = client_global_opt(cl, c, optarg);
		if (r < 0)
			return CLIENT_EX_USAGE;
		if (r == 0)
			return client_bad_option(argc, argv, cmd_admin_usage);
	}
	return 0;
}

/* The certificate file's text; NULL after printing why. Caller frees. */
static uint8_t *read_cert(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		client_err("%s: %s", path, strerror(errno));
		return NULL;
	}
	uint8_t *buf = malloc(65536);
	*len = buf ? fread(buf, 1, 65536, f) : 0;
	bool big = buf && !feof(f);
	bool bad = ferror(f);
	fclose(f);
	if (!buf || big || bad || *len == 0) {
		client_err("%s: %s", path, !buf ? "out of memory" : big ? "too large for a certificate" : bad ? "read error" : "empty");
		free(buf);
		return NULL;
	}
	return buf;
}

static int run(struct conn *c, FILE *out, void *opts)
{
	Liaison__ApiRequest *req = opts;
	Liaison__ApiReply *r = NULL;
	int ret = conn_call_expect(c, req, LIAISON__API_REPLY__KIND_ADMIN, &r);
	if (ret == 0)
		fprintf(out, "%s\n", r->admin->message);
	if (r)
		liaison__api_reply__free_unpacked(r, NULL);
	return ret;
}

static int bad(const char *fmt, const char *what)
{
	client_err(fmt, what);
	return client_usage_error(cmd_admin_usage);
}

int cmd_admin(struct client *cl, int argc, char **argv)
{
	struct admin_opts o;
	int parsed = parse(cl, argc, argv, &o);
	if (parsed)
		return client_command(cl, parsed, run, NULL);
	Liaison__ApiRequest req = LIAISON__API_REQUEST__INIT;
	Liaison__AdminPeerRequest pr = LIAISON__ADMIN_PEER_REQUEST__INIT;
	Liaison__AdminClientRequest cr = LIAISON__ADMIN_CLIENT_REQUEST__INIT;
	Liaison__RotateKeyRequest rk = LIAISON__ROTATE_KEY_REQUEST__INIT;
	Liaison__BackupRequest br = LIAISON__BACKUP_REQUEST__INIT;
	const char *verb = o.n_words ? o.words[0] : "";
	const char *sub = o.n_words > 1 ? o.words[1] : "";
	uint8_t *cert = NULL;
	size_t cert_len = 0;
	int ret;
	Liaison__AdminMemberRequest mr = LIAISON__ADMIN_MEMBER_REQUEST__INIT;
	char via_buf[256], *via[8];
	if (!strcmp(verb, "member")) {
		bool add = !strcmp(sub, "add");
		if ((!add && strcmp(sub, "remove")) || o.n_words != 3)
			return bad("admin %s: say add NAME or remove NAME", verb);
		if (!add && (o.cert || o.via || o.maxclass))
			return bad("admin %s remove takes only NAME", verb);
		if (add && (!o.cert || !o.via))
			return bad("%s needs --cert and --via", "admin member add");
		if (o.endpoint || o.role || o.replace)
			return bad("%s: --endpoint, --role and --replace are for peers and clients", "admin member");
		if (o.via) {
			snprintf(via_buf, sizeof(via_buf), "%s", o.via);
			for (char *save = NULL, *t = strtok_r(via_buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
				if (mr.n_via == 8 || !liaison_name_valid(t))
					return bad("--via '%s' is not a list of peer names (PEER[,PEER...])", o.via);
				via[mr.n_via++] = t;
			}
			mr.via = via;
		}
		if (o.maxclass && !label_classification_parse(o.maxclass, &mr.max_classification))
			return bad("unknown classification '%s'", o.maxclass);
		if (add && !(cert = read_cert(o.cert, &cert_len)))
			return CLIENT_EX_FAIL;
		mr.name = (char *)o.words[2];
		mr.remove = !add;
		mr.cert.data = cert;
		mr.cert.len = cert_len;
		req.kind_case = LIAISON__API_REQUEST__KIND_ADMIN_MEMBER;
		req.admin_member = &mr;
	} else if (!strcmp(verb, "peer") || !strcmp(verb, "client")) {
		bool add = !strcmp(sub, "add"), peer = !strcmp(verb, "peer");
		if ((!add && strcmp(sub, "remove")) || o.n_words != 3)
			return bad("admin %s: say add NAME or remove NAME", verb);
		if (!add && (o.cert || o.endpoint || o.role || o.maxclass || o.replace))
			return bad("admin %s remove takes only NAME", verb);
		if (add && (!o.cert || (peer ? !o.endpoint : !o.role)))
			return bad("%s", peer ? "admin peer add needs --cert and --endpoint"
					      : "admin client add needs --cert and --role");
		if (o.via)
			return bad("%s: --via is for members", verb);
		if (peer && (o.role || o.replace))
			return bad("%s: --role and --replace are for clients", "admin peer");
		if (!peer && (o.endpoint || o.maxclass))
			return bad("%s: --endpoint and --max-classification are for peers", "admin client");
		if (add && !(cert = read_cert(o.cert, &cert_len)))
			return CLIENT_EX_FAIL;
		if (peer) {
			pr.name = (char *)o.words[2];
			pr.remove = !add;
			pr.endpoint = (char *)o.endpoint;
			pr.cert.data = cert;
			pr.cert.len = cert_len;
			if (o.maxclass && !label_classification_parse(o.maxclass, &pr.max_classification)) {
				free(cert);
				return bad("unknown classification '%s'", o.maxclass);
			}
			req.kind_case = LIAISON__API_REQUEST__KIND_ADMIN_PEER;
			req.admin_peer = &pr;
		} else {
			cr.name = (char *)o.words[2];
			cr.remove = !add;
			cr.role = (char *)o.role;
			cr.replace = o.replace;
			cr.cert.data = cert;
			cr.cert.len = cert_len;
			req.kind_case = LIAISON__API_REQUEST__KIND_ADMIN_CLIENT;
			req.admin_client = &cr;
		}
	} else if (!strcmp(verb, "rotate-key")) {
		int64_t ms = 0;
		if (o.n_words != 1)
			return bad("%s takes no argument", "admin rotate-key");
		if (o.overlap && (!time_parse_span(o.overlap, &ms) || ms < 1000))
			return bad("--overlap '%s' is not a span of at least 1s (e.g. 3s, 12h, 7d)", o.overlap);
		rk.overlap = ms / 1000;
		req.kind_case = LIAISON__API_REQUEST__KIND_ROTATE_KEY;
		req.rotate_key = &rk;
	} else if (!strcmp(verb, "backup")) {
		if (o.n_words != 2)
			return bad("%s needs FILE, a path on the node's host", "admin backup");
		if (sub[0] != '/')
			return bad("admin backup: '%s' is not an absolute path (the node writes it on its own host)",
				   sub);
		br.path = (char *)sub;
		req.kind_case = LIAISON__API_REQUEST__KIND_BACKUP;
		req.backup = &br;
	} else {
		return bad("admin: unknown command '%s' (peer, member, client, rotate-key or backup)", verb);
	}
	ret = client_command(cl, 0, run, &req);
	free(cert);
	return ret;
}

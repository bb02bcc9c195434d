/* The client's configuration file (api, node_cert, key) and the step from it
 * to a connection: the key file, the node's certificate, the socket. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "error.h"
#include "keyfile.h"
#include "inifile.h"

struct parse_state {
	struct client_conf *conf;
	const char *dir; /* the file's folder, for relative paths */
};

/* path made absolute against dir (unless it is absolute, or an endpoint). */
static char *resolve_path(const char *dir, const char *value)
{
	char *out;
	if (value[0] == '/' || !dir)
		return strdup(value);
	if (asprintf(&out, "%s/%s", dir, value) < 0)
		return NULL;
	return out;
}

/* The keys may stand alone or in one [client] section. */
static int on_section(void *user, struct inifile *f, const char *header)
{
	(void)user;
	if (strcmp(header, "client") != 0)
		return inifile_fail(f, inifile_line(f), "unknown section [%s]", header);
	return 1;
}

static int on_pair(void *user, struct inifile *f, const char *name, const char *value)
{
	struct parse_state *st = user;
	char **slot;
	bool is_path = true;

	if (strcmp(name, "api") == 0) {
		slot = &st->conf->api;
		is_path = false;
	} else if (strcmp(name, "node_cert") == 0) {
		slot = &st->conf->node_cert;
	} else if (strcmp(name, "key") == 0) {
		slot = &st->conf->key;
	} else {
		return inifile_fail(f, inifile_line(f), "unknown key '%s'", name);
	}
	/* A key may come once before the [client] header and once after it;
	 * the reader sees no duplicate then, and the later value wins. */
	char *v = is_path ? resolve_path(st->dir, value) : strdup(value);
	if (!v)
		return inifile_fail(f, inifile_line(f), "out of memory");
	free(*slot);
	*slot = v;
	return 1;
}

int conf_parse_file(const char *path, struct client_conf *out, char *err, size_t errlen)
{
	struct parse_state st = {.conf = out};
	char *dir = NULL, *slash;

	memset(out, 0, sizeof(*out));
	dir = strdup(path);
	out->path = strdup(path);
	if (!dir || !out->path) {
		free(dir);
		conf_clear(out);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		strcpy(dir, ".");
	st.dir = dir;
	int rc = inifile_read(path, on_section, on_pair, &st, err, errlen);
	free(dir);
	if (rc != LIAISON_OK) {
		conf_clear(out);
		return -1;
	}
	return 0;
}

void conf_clear(struct client_conf *c)
{
	free(c->path);
	free(c->api);
	free(c->node_cert);
	free(c->key);
	memset(c, 0, sizeof(*c));
}

static int set_override(char **slot, const char *value)
{
	if (!value)
		return 0;
	free(*slot);
	*slot = strdup(value);
	return *slot ? 0 : -1;
}

int conf_resolve(const struct client *cl, struct client_conf *out)
{
	char err[512], *def = NULL;
	const char *path = cl->conf_path, *home;
	bool all_given = cl->api && cl->node_cert && cl->key;

	memset(out, 0, sizeof(*out));
	if (!path || !path[0])
		path = getenv("LIAISON_CONFIG");
	if (!path || !path[0]) {
		home = getenv("HOME");
		if (home && home[0] && asprintf(&def, "%s/.config/liaison/client.conf", home) < 0)
			def = NULL;
		if (def && access(def, F_OK) == 0)
			path = def;
		else if (!all_given) {
			free(def);
			client_err("no configuration: use -c FILE, LIAISON_CONFIG or "
				   "~/.config/liaison/client.conf");
			return CLIENT_EX_CONFIG;
		}
	}
	if (path && path[0] && conf_parse_file(path, out, err, sizeof(err)) != 0) {
		free(def);
		client_err("%s", err);
		return CLIENT_EX_CONFIG;
	}
	free(def);
	if (set_override(&out->api, cl->api) || set_override(&out->node_cert, cl->node_cert) ||
	    set_override(&out->key, cl->key)) {
		client_err("out of memory");
		conf_clear(out);
		return CLIENT_EX_CONFIG;
	}
	const char *missing = !out->api ? "api" : !out->node_cert ? "node_cert" : !out->key ? "key" : NULL;
	if (missing) {
		client_err("%s: '%s' is not set (use --%s)", out->path ? out->path : "configuration",
			   missing, strcmp(missing, "node_cert") == 0 ? "node-cert" : missing);
		conf_clear(out);
		return CLIENT_EX_CONFIG;
	}
	return 0;
}

static const char *load_error(int rc)
{
	if (rc == LIAISON_E_IO)
		return strerror(errno);
	return liaison_strerror(rc);
}

static void release_key(void *key)
{
	struct liaison_key *k = key;
	key_destroy(&k);
}

int client_connect(const struct client *cl, struct conn **out)
{
	struct client_conf conf;
	struct liaison_cert node;
	struct liaison_key *key = NULL;
	int rc, ret;

	*out = NULL;
	ret = conf_resolve(cl, &conf);
	if (ret)
		return ret;
	ret = CLIENT_EX_CONFIG;
	rc = cert_load(conf.node_cert, &node);
	if (rc != LIAISON_OK) {
		client_err("%s: %s", conf.node_cert, load_error(rc));
		goto out;
	}
	rc = key_load(conf.key, &key);
	if (rc != LIAISON_OK) {
		client_err("%s: %s", conf.key, load_error(rc));
		goto out;
	}
	if (node.kind != CERT_NODE) {
		client_err("%s: not a node certificate", conf.node_cert);
		goto out;
	}
	ret = conn_open(conf.api, node.box_pk, key->cert.box_pk, key->secret->box_sk, cl->timeout_s,
			out);
	if (ret == 0) {
		conn_keep(*out, key, release_key);
		key = NULL;
	}
out:
	key_destroy(&key);
	conf_clear(&conf);
	return ret;
}

int client_command(const struct client *cl, int parsed, client_run_fn run, void *opts)
{
	struct conn *c = NULL;
	if (parsed)
		return parsed == CLIENT_DONE ? 0 : parsed;
	int ret = client_connect(cl, &c);
	if (ret == 0)
		ret = run(c, cl->out, opts);
	conn_close(&c);
	return ret;
}

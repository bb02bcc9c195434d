/* The administrative overlay, DATA_DIR/admin.conf: what `liaison admin`
 * changed, read after the main configuration file and winning over it.
 *
 * The node writes this file and the certificates it names; an
 * administrator may read it. It is read with the main file's reader
 * (lib/inifile.c), in the same dialect:
 *
 *   [peer BRAVO]            a peer added (or replaced) by `admin peer add`
 *   cert = peers/BRAVO.1a2b3c4d5e6f7a8b.pub
 *   endpoint = tcp://bravo.example.org:7600
 *   [removed peer CHARLIE]  revoked: wins over a [peer CHARLIE] in the main file
 *   [client officer2]       cert, role
 *   [rotation]              this node's own key rotation during its overlap
 *
 * Paths are relative to the data directory. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include "config_overlay.h"
#include "safefile.h"
#include "config_value.h"
#include "labels.h"
#include "error.h"
#include "inifile.h"

enum ov_section { OS_NONE, OS_ENTRY, OS_ROTATION, OS_NODE };

struct ov_parser {
	struct overlay *o;
	enum ov_section sec;
};

static const char *const kind_name[] = { [OVERLAY_PEER] = "peer", [OVERLAY_CLIENT] = "client", [OVERLAY_MEMBER] = "member" };

struct overlay_entry *overlay_find(struct overlay *o, enum overlay_kind kind, const char *name)
{
	for (size_t i = 0; o && i < o->n; i++)
		if (o->e[i].kind == kind && !strcmp(o->e[i].name, name))
			return &o->e[i];
	return NULL;
}

static void entry_clear(struct overlay_entry *e)
{
	free(e->cert);
	free(e->endpoint);
	free(e->prev_cert);
	free(e->via);
	enum overlay_kind kind = e->kind;
	char name[sizeof(e->name)];
	memcpy(name, e->name, sizeof(name));
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	memcpy(e->name, name, sizeof(name));
	e->max_classification = LIAISON__CLASSIFICATION__CLASSIFICATION_UNSET;
}

struct overlay_entry *overlay_put(struct overlay *o, enum overlay_kind kind, const char *name)
{
	struct overlay_entry *e = overlay_find(o, kind, name);
	if (!e) {
		struct overlay_entry *a = realloc(o->e, (o->n + 1) * sizeof(*a));
		if (!a)
			return NULL;
		o->e = a;
		e = &a[o->n++];
		memset(e, 0, sizeof(*e));
		e->kind = kind;
		snprintf(e->name, sizeof(e->name), "%s", name);
	}
	entry_clear(e);
	return e;
}

static int begin_section(void *ctx, struct inifile *f, const char *header)
{
	struct ov_parser *p = ctx;
	char text[256];
	snprintf(text, sizeof(text), "%s", header);
	char *words[3] = {0};
	int n = 0;
	for (char *t = strtok(text, " \t"); t; t = strtok(NULL, " \t")) {
		if (n == 3)
			return inifile_fail(f, inifile_line(f), "unknown section");
		words[n++] = t;
	}
	if (n == 1 && !strcmp(words[0], "rotation")) {
		p->sec = OS_ROTATION;
		return 1;
	}
	if (n == 1 && !strcmp(words[0], "node")) {
		p->sec = OS_NODE;
		return 1;
	}
	bool removed = n == 3 && !strcmp(words[0], "removed");
	const char *kind = removed ? words[1] : words[0], *name = removed ? words[2] : words[1];
	if (n != (removed ? 3 : 2) || (strcmp(kind, "peer") && strcmp(kind, "client") && strcmp(kind, "member")))
		return inifile_fail(f, inifile_line(f),
				    "unknown section (expected [peer NAME], [member NAME], [client NAME], "
				    "[removed peer|member|client NAME] or [rotation])");
	if (!liaison_name_valid(name))
		return inifile_fail(f, inifile_line(f), "invalid %s name '%s'", kind, name);
	enum overlay_kind k = !strcmp(kind, "client") ? OVERLAY_CLIENT : !strcmp(kind, "member") ? OVERLAY_MEMBER : OVERLAY_PEER;
	if (overlay_find(p->o, k, name))
		return inifile_fail(f, inifile_line(f), "%s '%s' appears twice", kind, name);
	struct overlay_entry *e = overlay_put(p->o, k, name);
	if (!e)
		return inifile_fail(f, inifile_line(f), "out of memory");
	e->removed = removed;
	e->line = inifile_line(f);
	p->sec = removed ? OS_NONE : OS_ENTRY;
	return 1;
}

static bool parse_ms(const char *v, int64_t *out)
{
	char *end;
	errno = 0;
	long long x = strtoll(v, &end, 10);
	if (errno || *end || x < 0)
		return false;
	*out = x;
	return true;
}

static int set_str(struct inifile *f, char **slot, const char *v)
{
	free(*slot);
	*slot = strdup(v);
	return *slot ? 1 : inifile_fail(f, inifile_line(f), "out of memory");
}

static int ov_pair(void *ctx, struct inifile *f, const char *key, const char *v)
{
	struct ov_parser *p = ctx;
	if (p->sec == OS_NODE) {
		if (!strcmp(key, "key"))
			return set_str(f, &p->o->node_key, v);
		return inifile_fail(f, inifile_line(f), "unknown key '%s' in [node]", key);
	}
	if (p->sec == OS_ROTATION) {
		struct overlay *o = p->o;
		if (!strcmp(key, "previous_key"))
			return set_str(f, &o->prev_key, v);
		if (!strcmp(key, "until"))
			return parse_ms(v, &o->prev_until) ? 1 : inifile_fail(f, inifile_line(f), "until '%s' is not unix milliseconds", v);
		if (!strcmp(key, "pending"))
			return set_str(f, &o->pending, v);
		return inifile_fail(f, inifile_line(f), "unknown key '%s' in [rotation]", key);
	}
	if (p->sec != OS_ENTRY)
		return inifile_fail(f, inifile_line(f), "key '%s' outside of a section that takes keys", key);
	struct overlay_entry *e = &p->o->e[p->o->n - 1];
	if (!strcmp(key, "cert"))
		return set_str(f, &e->cert, v);
	if (e->kind == OVERLAY_MEMBER && !strcmp(key, "via"))
		return set_str(f, &e->via, v);
	if (e->kind == OVERLAY_MEMBER && !strcmp(key, "max_classification"))
		return label_classification_parse(v, &e->max_classification)
			       ? 1
			       : inifile_fail(f, inifile_line(f), "unknown classification '%s'", v);
	if (e->kind == OVERLAY_PEER && !strcmp(key, "endpoint")) {
		if (!config_endpoint_valid(v, true))
			return inifile_fail(f, inifile_line(f), "endpoint '%s' is not tcp://HOST:PORT or ipc://PATH", v);
		return set_str(f, &e->endpoint, v);
	}
	if (e->kind == OVERLAY_PEER && !strcmp(key, "max_classification"))
		return label_classification_parse(v, &e->max_classification)
			       ? 1
			       : inifile_fail(f, inifile_line(f), "unknown classification '%s'", v);
	if (e->kind == OVERLAY_PEER && !strcmp(key, "previous_cert"))
		return set_str(f, &e->prev_cert, v);
	if (e->kind == OVERLAY_PEER && !strcmp(key, "previous_until"))
		return parse_ms(v, &e->prev_until) ? 1 : inifile_fail(f, inifile_line(f), "previous_until '%s' is not unix milliseconds", v);
	if ((e->kind == OVERLAY_CLIENT) && !strcmp(key, "role"))
		return config_role_parse(v, &e->role) ? 1 : inifile_fail(f, inifile_line(f), "unknown role '%s'", v);
	return inifile_fail(f, inifile_line(f), "unknown key '%s' in [%s %s]", key, kind_name[e->kind], e->name);
}

void overlay_free(struct overlay **op)
{
	if (!op || !*op)
		return;
	struct overlay *o = *op;
	for (size_t i = 0; i < o->n; i++)
		entry_clear(&o->e[i]);
	free(o->e);
	free(o->path);
	free(o->data_dir);
	free(o->prev_key);
	free(o->pending);
	free(o->node_key);
	free(o);
	*op = NULL;
}

int overlay_load(const char *data_dir, struct overlay **out, char *err, size_t errlen)
{
	struct ov_parser p = { 0 };
	p.o = calloc(1, sizeof(*p.o));
	if (!p.o || asprintf(&p.o->path, "%s/%s", data_dir, OVERLAY_FILE) < 0 || !(p.o->data_dir = strdup(data_dir))) {
		if (p.o)
			p.o->path = NULL;
		snprintf(err, errlen, "out of memory");
		overlay_free(&p.o);
		return -1;
	}
	/* nothing administered yet; a data_dir that is missing or no folder is
	 * reported by the check of data_dir itself */
	if (access(p.o->path, F_OK) < 0 && (errno == ENOENT || errno == ENOTDIR)) {
		*out = p.o;
		return 0;
	}
	int rc = inifile_read(p.o->path, begin_section, ov_pair, &p, err, errlen);
	for (size_t i = 0; rc == LIAISON_OK && i < p.o->n; i++) {
		struct overlay_entry *e = &p.o->e[i];
		if (!e->removed && (!e->cert || (e->kind == OVERLAY_PEER && !e->endpoint) ||
				    (e->kind == OVERLAY_MEMBER && !e->via))) {
			snprintf(err, errlen, "%s:%d: [%s %s] lacks its %s", p.o->path, e->line, kind_name[e->kind],
				 e->name, !e->cert ? "cert" : e->kind == OVERLAY_PEER ? "endpoint" : "via");
			rc = LIAISON_E_PARSE;
		}
	}
	if (rc != LIAISON_OK) {
		overlay_free(&p.o);
		return -1;
	}
	*out = p.o;
	return 0;
}

/* ------------------------------------------------------------ writing */

static int emit(char **buf, size_t *len, size_t *cap, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int emit(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if (*len + (size_t)n + 1 > *cap) {
		size_t nc = (*cap + (size_t)n + 1) * 2;
		char *b = realloc(*buf, nc);
		if (!b)
			return -1;
		*buf = b;
		*cap = nc;
	}
	va_start(ap, fmt);
	vsnprintf(*buf + *len, *cap - *len, fmt, ap);
	va_end(ap);
	*len += (size_t)n;
	return 0;
}

int overlay_save(const struct overlay *o, char *err, size_t errlen)
{
	char *b = NULL;
	size_t len = 0, cap = 0;
	int rc = emit(&b, &len, &cap,
		      "# Written by liaisond for `liaison admin`: peers and clients added or removed\n"
		      "# without editing the main file, which this file overrides. See liaisond.conf(5).\n");
	if (rc == 0 && o->node_key)
		rc = emit(&b, &len, &cap, "\n[node]\nkey = %s\n", o->node_key);
	for (size_t i = 0; rc == 0 && i < o->n; i++) {
		const struct overlay_entry *e = &o->e[i];
		const char *kind = kind_name[e->kind];
		if (e->removed) {
			rc = emit(&b, &len, &cap, "\n[removed %s %s]\n", kind, e->name);
			continue;
		}
		rc = emit(&b, &len, &cap, "\n[%s %s]\ncert = %s\n", kind, e->name, e->cert);
		if (rc == 0 && e->kind == OVERLAY_CLIENT)
			rc = emit(&b, &len, &cap, "role = %s\n", role_name(e->role));
		if (rc == 0 && e->kind == OVERLAY_PEER)
			rc = emit(&b, &len, &cap, "endpoint = %s\n", e->endpoint);
		if (rc == 0 && e->kind == OVERLAY_MEMBER)
			rc = emit(&b, &len, &cap, "via = %s\n", e->via);
		if (rc == 0 && e->kind != OVERLAY_CLIENT && e->max_classification != LIAISON__CLASSIFICATION__CLASSIFICATION_UNSET)
			rc = emit(&b, &len, &cap, "max_classification = %s\n",
				  label_classification_name(e->max_classification));
		if (rc == 0 && e->kind == OVERLAY_PEER && e->prev_cert)
			rc = emit(&b, &len, &cap, "previous_cert = %s\nprevious_until = %lld\n", e->prev_cert,
				  (long long)e->prev_until);
	}
	if (rc == 0 && o->prev_key)
		rc = emit(&b, &len, &cap, "\n[rotation]\nprevious_key = %s\nuntil = %lld\n", o->prev_key,
			  (long long)o->prev_until);
	if (rc == 0 && o->prev_key && o->pending && *o->pending) /* absent once every peer acknowledged */
		rc = emit(&b, &len, &cap, "pending = %s\n", o->pending);
	if (rc < 0) {
		snprintf(err, errlen, "out of memory");
		free(b);
		return -1;
	}
	/* admin.conf is the record of every administrative decision: replaced
	 * atomically (safefile.c) so a crash leaves the old one or the new one. */
	if (safefile_replace(o->path, b, len, 0600) < 0) {
		snprintf(err, errlen, "cannot write %s: %s", o->path, strerror(errno));
		free(b);
		return -1;
	}
	free(b);
	return 0;
}

/* ------------------------------------------------------------ certificates */

int overlay_cert_check(const uint8_t *text, size_t len, enum cert_kind kind, const char *name,
		       struct liaison_cert *out, char *err, size_t errlen)
{
	int rc = cert_parse((const char *)text, len, out);
	if (rc != LIAISON_OK) {
		snprintf(err, errlen, "certificate is not valid: %s", liaison_strerror(rc));
		return -1;
	}
	if (out->kind != kind) {
		snprintf(err, errlen, "certificate is a %s certificate, not a %s certificate", cert_kind_name(out->kind),
			 cert_kind_name(kind));
		return -1;
	}
	if (strcmp(out->name, name)) {
		snprintf(err, errlen, "certificate is for '%s', not '%s'", out->name, name);
		return -1;
	}
	return 0;
}

int overlay_store_cert(const char *data_dir, bool client, const struct liaison_cert *cert, char **rel, char *err,
		       size_t errlen)
{
	char dir[4096], path[4200], kid_hex[2 * LIAISON_KEY_ID + 1];
	uint8_t kid[LIAISON_KEY_ID];
	cert_key_id(cert, kid);
	sodium_bin2hex(kid_hex, sizeof(kid_hex), kid, sizeof(kid));
	const char *sub = client ? "clients" : "peers";
	snprintf(dir, sizeof(dir), "%s/%s", data_dir, sub);
	if (safefile_mkdir(dir, 0700) < 0) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	/* Named by key id, never overwritten: admin.conf is the one place that
	 * says which certificate is current, so a crash between writing a
	 * certificate and rewriting admin.conf changes nothing. */
	snprintf(path, sizeof(path), "%s/%s.%s.pub", dir, cert->name, kid_hex);
	char *text = cert_format(cert);
	if (!text) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	struct liaison_cert have;
	int rc = 0;
	if (cert_load(path, &have) == LIAISON_OK && !memcmp(&have, cert, sizeof(have)))
		rc = 0;
	else {
		unlink(path); /* not the same certificate: a torn write of an earlier attempt */
		rc = safefile_create(path, text, strlen(text), 0644);
	}
	free(text);
	if (rc < 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	if (asprintf(rel, "%s/%s.%s.pub", sub, cert->name, kid_hex) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ applying */

static int load_rel(const struct overlay *o, const struct overlay_entry *e, const char *rel, struct liaison_cert *cert,
		    char **abs_out, char *err, size_t errlen)
{
	char *path = NULL;
	if (asprintf(&path, "%s/%s", o->data_dir, rel) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rc = cert_load(path, cert);
	const char *why = rc == LIAISON_OK ? NULL : rc == LIAISON_E_IO ? strerror(errno ? errno : EIO) : liaison_strerror(rc);
	enum cert_kind kind = (e->kind == OVERLAY_CLIENT) ? CERT_CLIENT : CERT_NODE;
	if (!why && cert->kind != kind)
		why = "a certificate of the wrong kind";
	if (!why && strcmp(cert->name, e->name))
		why = "a certificate for another name";
	if (why) {
		snprintf(err, errlen, "%s:%d: certificate %s: %s", o->path, e->line, path, why);
		free(path);
		return -1;
	}
	if (abs_out)
		*abs_out = path;
	else
		free(path);
	return 0;
}

static void drop_peer(struct config *c, const char *name)
{
	for (size_t i = 0; i < c->n_peers; i++)
		if (!strcmp(c->peers[i].name, name)) {
			free(c->peers[i].cert_path);
			free(c->peers[i].endpoint);
			memmove(&c->peers[i], &c->peers[i + 1], (c->n_peers - i - 1) * sizeof(c->peers[0]));
			c->n_peers--;
			return;
		}
}

static void drop_member(struct config *c, const char *name)
{
	for (size_t i = 0; i < c->n_members; i++)
		if (!strcmp(c->members[i].name, name)) {
			free(c->members[i].cert_path);
			memmove(&c->members[i], &c->members[i + 1], (c->n_members - i - 1) * sizeof(c->members[0]));
			c->n_members--;
			return;
		}
}

/* A member from the overlay: its relays are checked against the peers
 * with the rest, once every entry is applied. */
static int add_member(const struct overlay *o, const struct overlay_entry *e, struct config *c, char *err,
		      size_t errlen)
{
	struct member_conf *a = realloc(c->members, (c->n_members + 1) * sizeof(*a));
	if (!a) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->members = a;
	struct member_conf *m = &a[c->n_members];
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", e->name);
	m->max_classification = e->max_classification;
	m->line = m->via_line = e->line;
	char list[512];
	snprintf(list, sizeof(list), "%s", e->via);
	for (char *save = NULL, *t = strtok_r(list, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save)) {
		if (!liaison_name_valid(t) || m->n_via == MEMBER_VIA_MAX) {
			snprintf(err, errlen, "%s:%d: member '%s': via '%s' is not a list of at most %d peer names",
				 o->path, e->line, e->name, e->via, MEMBER_VIA_MAX);
			return -1;
		}
		snprintf(m->via[m->n_via++], sizeof(m->via[0]), "%s", t);
	}
	if (m->n_via == 0 || load_rel(o, e, e->cert, &m->cert, &m->cert_path, err, errlen) < 0) {
		if (m->n_via == 0)
			snprintf(err, errlen, "%s:%d: member '%s' has no relay", o->path, e->line, e->name);
		free(m->cert_path);
		return -1;
	}
	c->n_members++;
	return 0;
}

static void drop_client(struct config *c, const char *name)
{
	for (size_t i = 0; i < c->n_clients; i++)
		if (!strcmp(c->clients[i].name, name)) {
			free(c->clients[i].cert_path);
			memmove(&c->clients[i], &c->clients[i + 1], (c->n_clients - i - 1) * sizeof(c->clients[0]));
			c->n_clients--;
			return;
		}
}

static int add_entry(const struct overlay *o, const struct overlay_entry *e, struct config *c, char *err,
		     size_t errlen)
{
	if (e->kind == OVERLAY_CLIENT) {
		struct client_conf *a = realloc(c->clients, (c->n_clients + 1) * sizeof(*a));
		if (!a)
			goto oom;
		c->clients = a;
		struct client_conf *cl = &a[c->n_clients];
		memset(cl, 0, sizeof(*cl));
		snprintf(cl->name, sizeof(cl->name), "%s", e->name);
		cl->role = e->role;
		cl->line = e->line;
		if (load_rel(o, e, e->cert, &cl->cert, &cl->cert_path, err, errlen) < 0)
			return -1;
		c->n_clients++;
		return 0;
	}
	if (!strcmp(e->name, c->name)) {
		snprintf(err, errlen, "%s:%d: %s '%s' has the name of this node", o->path, e->line, kind_name[e->kind],
			 e->name);
		return -1;
	}
	if (e->kind == OVERLAY_MEMBER)
		return add_member(o, e, c, err, errlen);
	struct peer_conf *a = realloc(c->peers, (c->n_peers + 1) * sizeof(*a));
	if (!a)
		goto oom;
	c->peers = a;
	struct peer_conf *p = &a[c->n_peers];
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", e->name);
	p->max_classification = e->max_classification;
	p->line = e->line;
	if (!(p->endpoint = strdup(e->endpoint)))
		goto oom;
	if (load_rel(o, e, e->cert, &p->cert, &p->cert_path, err, errlen) < 0 ||
	    (e->prev_cert && load_rel(o, e, e->prev_cert, &p->prev_cert, NULL, err, errlen) < 0)) {
		free(p->endpoint);
		free(p->cert_path);
		return -1;
	}
	p->prev_until = e->prev_cert ? e->prev_until : 0;
	c->n_peers++;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

int overlay_apply(const struct overlay *o, struct config *c, char *err, size_t errlen)
{
	for (size_t i = 0; i < o->n; i++) {
		const struct overlay_entry *e = &o->e[i];
		if (e->kind == OVERLAY_CLIENT)
			drop_client(c, e->name);
		else if (e->kind == OVERLAY_MEMBER)
			drop_member(c, e->name);
		else
			drop_peer(c, e->name);
		if (!e->removed && add_entry(o, e, c, err, errlen) < 0)
			return -1;
	}
	/* the checks the main file gets over the whole result */
	for (size_t i = 0; i < c->n_peers; i++)
		for (size_t j = 0; j < i; j++)
			if (!memcmp(c->peers[j].cert.box_pk, c->peers[i].cert.box_pk, LIAISON_BOX_PK) ||
			    !memcmp(c->peers[j].cert.sign_pk, c->peers[i].cert.sign_pk, LIAISON_SIGN_PK)) {
				snprintf(err, errlen, "%s: peer '%s' has the same key as peer '%s'", o->path,
					 c->peers[i].name, c->peers[j].name);
				return -1;
			}
	/* members are reached through peers, and a name is a peer or a member */
	for (size_t i = 0; i < c->n_members; i++) {
		const struct member_conf *m = &c->members[i];
		if (config_peer(c, m->name)) {
			snprintf(err, errlen, "%s: peer '%s' has the name of a [member] of %s", o->path, m->name,
				 c->path);
			return -1;
		}
		for (size_t v = 0; v < m->n_via; v++)
			if (!config_peer(c, m->via[v])) {
				snprintf(err, errlen, "%s: member '%s' is reached through peer '%s', which is removed",
					 o->path, m->name, m->via[v]);
				return -1;
			}
	}
	for (size_t i = 0; i < c->n_clients; i++)
		for (size_t j = 0; j < i; j++)
			if (!memcmp(c->clients[j].cert.box_pk, c->clients[i].cert.box_pk, LIAISON_BOX_PK)) {
				snprintf(err, errlen, "%s: client '%s' has the same key as client '%s'", o->path,
					 c->clients[i].name, c->clients[j].name);
				return -1;
			}
	return 0;
}

void overlay_describe(const struct overlay *o, const struct config *c, FILE *out)
{
	for (size_t i = 0; i < o->n; i++) {
		const struct overlay_entry *e = &o->e[i];
		const char *kind = kind_name[e->kind];
		if (e->removed) {
			fprintf(out, "%s:%d: %s %s removed\n", o->path, e->line, kind, e->name);
			continue;
		}
		char fp[LIAISON_FINGERPRINT_LEN] = "?";
		if ((e->kind == OVERLAY_CLIENT) && config_client(c, e->name)) {
			const struct client_conf *cl = config_client(c, e->name);
			cert_fingerprint(&cl->cert, fp);
			fprintf(out, "%s:%d: client %s (%s) role %s\n", o->path, e->line, e->name, fp,
				role_name(cl->role));
		} else if (e->kind == OVERLAY_MEMBER && config_member(c, e->name)) {
			const struct member_conf *m = config_member(c, e->name);
			cert_fingerprint(&m->cert, fp);
			fprintf(out, "%s:%d: member %s (%s) via %s\n", o->path, e->line, e->name, fp, e->via);
		} else if (e->kind == OVERLAY_PEER && config_peer(c, e->name)) {
			const struct peer_conf *p = config_peer(c, e->name);
			cert_fingerprint(&p->cert, fp);
			fprintf(out, "%s:%d: peer %s (%s) at %s%s\n", o->path, e->line, e->name, fp, p->endpoint,
				p->prev_until ? ", previous key accepted during its rotation" : "");
		}
	}
	if (o->node_key)
		fprintf(out, "%s: node key %s/%s (rotated)\n", o->path, o->data_dir, o->node_key);
	if (o->prev_key)
		fprintf(out, "%s: key rotation: previous key %s accepted until %lld, not yet acknowledged by: %s\n",
			o->path, o->prev_key, (long long)o->prev_until, o->pending && *o->pending ? o->pending : "none");
}

int config_load_all(const char *path, struct config **out, char *err, size_t errlen)
{
	struct config *c = NULL;
	struct overlay *o = NULL;
	if (config_load(path, &c, err, errlen) < 0)
		return -1;
	if (overlay_load(c->data_dir, &o, err, errlen) < 0 || overlay_apply(o, c, err, errlen) < 0) {
		overlay_free(&o);
		config_free(&c);
		return -1;
	}
	if (o->node_key) { /* after a rotation the key lives in the data directory */
		char *kp = NULL;
		if (asprintf(&kp, "%s/%s", c->data_dir, o->node_key) < 0) {
			snprintf(err, errlen, "out of memory");
			overlay_free(&o);
			config_free(&c);
			return -1;
		}
		free(c->key_path);
		c->key_path = kp;
	}
	overlay_free(&o);
	*out = c;
	return 0;
}

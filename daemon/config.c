/* liaisond's INI configuration: reading, validating, looking up.
 *
 * The file is read by the INI reader liaison shares with its client
 * (lib/inifile.c: lines, comments, headers, duplicate keys, FILE:LINE);
 * this file gives the sections their meaning (config_keys.c the keys'
 * values) and checks the whole file. Headers come first,
 * so a section missing a required key is reported at its header. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_parse.h"
#include "config_value.h"
#include "inifile.h"
#include "error.h"
#include "envelope.h"
#include "labels.h"
#include "timefmt.h"

#define DEFAULT_MAX_MESSAGE ((size_t)1 << 20)

static const char *const section_names[] = {
	[SEC_NONE] = "", [SEC_NODE] = "node", [SEC_PEER] = "peer", [SEC_MEMBER] = "member", [SEC_CLIENT] = "client",
	[SEC_RETENTION] = "retention",
};

struct key_def {
	enum section sec;
	const char *name;
	unsigned bit;
	bool required;
};

static const struct key_def keys[] = {
	{SEC_NODE, "name", K_NAME, true},
	{SEC_NODE, "key", K_KEY, true},
	{SEC_NODE, "listen", K_LISTEN, true},
	{SEC_NODE, "api", K_API, true},
	{SEC_NODE, "data_dir", K_DATA_DIR, true},
	{SEC_NODE, "metrics", K_METRICS, false},
	{SEC_NODE, "max_message", K_MAX_MESSAGE, false},
	{SEC_NODE, "clock_skew", K_CLOCK_SKEW, false},
	{SEC_PEER, "cert", K_CERT, true},
	{SEC_PEER, "endpoint", K_ENDPOINT, true},
	{SEC_PEER, "max_classification", K_MAX_CLASS, false},
	{SEC_MEMBER, "cert", K_CERT, true},
	{SEC_MEMBER, "via", K_VIA, true},
	{SEC_MEMBER, "max_classification", K_MAX_CLASS, false},
	{SEC_CLIENT, "cert", K_CERT, true},
	{SEC_CLIENT, "role", K_ROLE, true},
	{SEC_RETENTION, "sitrep", K_SITREP, false},
	{SEC_RETENTION, "status", K_STATUS, false},
	{SEC_RETENTION, "warning", K_WARNING, false},
	{SEC_RETENTION, "intel", K_INTEL, false},
};

int config_fault(struct parser *p, int line, const char *fmt, ...)
{
	if (p->failed)
		return 0;
	p->failed = true;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (p->ini)
		inifile_fail(p->ini, line, "%s", msg);
	else if (p->err && p->errlen)
		snprintf(p->err, p->errlen, "%s:%d: %s", p->path, line, msg);
	return 0;
}

char *config_resolve(const struct parser *p, const char *value)
{
	char *out = NULL;
	if (value[0] == '/')
		return strdup(value);
	if (asprintf(&out, "%s/%s", p->dir, value) < 0)
		return NULL;
	return out;
}

static char *folder_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
	if (!dir)
		return NULL;
	char *abs = realpath(dir, NULL);
	if (abs) {
		free(dir);
		return abs;
	}
	return dir;
}

/* ------------------------------------------------------------ sections */

/* Checks that the section just ended has its required keys. */
static int section_end(struct parser *p)
{
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if (keys[i].sec != p->sec || !keys[i].required || (p->seen & keys[i].bit))
			continue;
		if (p->sec == SEC_NODE)
			return config_fault(p, p->sec_line, "[node] lacks the required key '%s'",
				     keys[i].name);
		return config_fault(p, p->sec_line, "[%s %s] lacks the required key '%s'", section_names[p->sec],
			     cur_name(p), keys[i].name);
	}
	return 1;
}

/* Starts the section of header text "kind [NAME]" (brackets removed). */
static int section_begin(struct parser *p, const char *header)
{
	if (!section_end(p))
		return 0;
	char text[256];
	if (strlen(header) >= sizeof text)
		return config_fault(p, p->line, "section header too long");
	strcpy(text, header);
	char *kind = text, *name;
	while (isspace((unsigned char)*kind))
		kind++;
	name = kind;
	while (*name && !isspace((unsigned char)*name))
		name++;
	if (*name)
		*name++ = '\0';
	while (isspace((unsigned char)*name))
		name++;
	char *end = name + strlen(name);
	while (end > name && isspace((unsigned char)end[-1]))
		*--end = '\0';

	p->seen = 0;
	p->sec_line = p->line;
	if (strcmp(kind, "node") == 0) {
		if (*name)
			return config_fault(p, p->line, "[node] takes no name");
		if (p->node_seen)
			return config_fault(p, p->line, "duplicate section [node] (first at line %d)",
				     p->node_line);
		p->node_seen = true;
		p->node_line = p->line;
		p->sec = SEC_NODE;
		return 1;
	}
	if (strcmp(kind, "retention") == 0) {
		if (*name)
			return config_fault(p, p->line, "[retention] takes no name");
		if (p->retention_line)
			return config_fault(p, p->line, "duplicate section [retention] (first at line %d)",
				     p->retention_line);
		p->retention_line = p->line;
		p->sec = SEC_RETENTION;
		return 1;
	}
	enum section sec = SEC_NONE;
	for (int i = SEC_PEER; i <= SEC_CLIENT; i++)
		if (strcmp(kind, section_names[i]) == 0)
			sec = (enum section)i;
	if (sec == SEC_NONE)
		return config_fault(p, p->line, "unknown section [%s%s%s]", kind, *name ? " " : "", name);
	if (!*name)
		return config_fault(p, p->line, "[%s] needs a name: [%s NAME]", kind, kind);
	if (!liaison_name_valid(name))
		return config_fault(p, p->line, "invalid %s name '%s'", kind, name);
	struct config *c = p->c;
	/* peers and members share one name space: a name says how it is reached */
	if (sec != SEC_CLIENT && (config_peer(c, name) || config_member(c, name)))
		return config_fault(p, p->line, "duplicate section [%s %s] (first at line %d)", kind, name,
			     config_peer(c, name) ? config_peer(c, name)->line : config_member(c, name)->line);
	if (sec == SEC_PEER) {
		struct peer_conf *a = realloc(c->peers, (c->n_peers + 1) * sizeof *a);
		if (!a)
			return config_fault(p, p->line, "out of memory");
		c->peers = a;
		memset(&a[c->n_peers], 0, sizeof *a);
		snprintf(a[c->n_peers].name, sizeof a->name, "%s", name);
		a[c->n_peers].line = p->line;
		a[c->n_peers].max_classification = LIAISON__CLASSIFICATION__CLASSIFICATION_UNSET;
		c->n_peers++;
	} else if (sec == SEC_MEMBER) {
		struct member_conf *a = realloc(c->members, (c->n_members + 1) * sizeof *a);
		if (!a)
			return config_fault(p, p->line, "out of memory");
		c->members = a;
		memset(&a[c->n_members], 0, sizeof *a);
		snprintf(a[c->n_members].name, sizeof a->name, "%s", name);
		a[c->n_members].line = p->line;
		c->n_members++;
	} else {
		if (config_client(c, name))
			return config_fault(p, p->line, "duplicate section [client %s] (first at line %d)",
				     name, config_client(c, name)->line);
		struct client_conf *a = realloc(c->clients, (c->n_clients + 1) * sizeof *a);
		if (!a)
			return config_fault(p, p->line, "out of memory");
		c->clients = a;
		memset(&a[c->n_clients], 0, sizeof *a);
		snprintf(a[c->n_clients].name, sizeof a->name, "%s", name);
		a[c->n_clients].line = p->line;
		c->n_clients++;
	}
	p->sec = sec;
	return 1;
}

static int on_pair(void *user, struct inifile *f, const char *name, const char *value)
{
	struct parser *p = user;
	p->ini = f;
	p->line = inifile_line(f);
	if (p->sec == SEC_NONE)
		return config_fault(p, p->line, "key '%s' outside of a section", name);
	const struct key_def *def = NULL;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0] && !def; i++)
		if (keys[i].sec == p->sec && strcmp(keys[i].name, name) == 0)
			def = &keys[i];
	if (!def)
		return config_fault(p, p->line, "unknown key '%s' in [%s]", name, section_names[p->sec]);
	p->seen |= def->bit; /* the reader refuses a key given twice */
	switch (p->sec) {
	case SEC_NODE:
		return config_node_key(p, def->bit, value);
	case SEC_PEER:
		return config_peer_key(p, def->bit, value);
	case SEC_MEMBER:
		return config_member_key(p, def->bit, value);
	case SEC_CLIENT:
		return config_client_key(p, def->bit, value);
	case SEC_RETENTION:
		return config_retention_key(p, def->bit, name, value);
	case SEC_NONE:
		break;
	}
	return 0;
}

static int on_section(void *user, struct inifile *f, const char *header)
{
	struct parser *p = user;
	p->ini = f;
	p->line = inifile_line(f);
	return section_begin(p, header);
}

/* Checks that need the whole file. */
static int final_checks(struct parser *p)
{
	struct config *c = p->c;
	if (!p->node_seen)
		return config_fault(p, p->line > 0 ? p->line : 1, "missing section [node]");
	for (size_t i = 0; i < c->n_peers; i++) {
		const struct peer_conf *peer = &c->peers[i];
		if (strcmp(peer->name, c->name) == 0)
			return config_fault(p, peer->line, "peer '%s' has the name of this node", peer->name);
		for (size_t j = 0; j < i; j++)
			if (memcmp(c->peers[j].cert.box_pk, peer->cert.box_pk, LIAISON_BOX_PK) == 0 ||
			    memcmp(c->peers[j].cert.sign_pk, peer->cert.sign_pk, LIAISON_SIGN_PK) == 0)
				return config_fault(p, peer->line,
					     "peer '%s' has the same key as peer '%s' (line %d)",
					     peer->name, c->peers[j].name, c->peers[j].line);
	}
	for (size_t i = 0; i < c->n_members; i++) {
		const struct member_conf *m = &c->members[i];
		if (strcmp(m->name, c->name) == 0)
			return config_fault(p, m->line, "member '%s' has the name of this node", m->name);
		for (size_t v = 0; v < m->n_via; v++)
			if (!config_peer(c, m->via[v]))
				return config_fault(p, m->via_line, "member '%s': via '%s' is not a [peer] of this node",
					     m->name, m->via[v]);
		for (size_t j = 0; j < c->n_peers + i; j++) {
			const struct liaison_cert *o = j < c->n_peers ? &c->peers[j].cert : &c->members[j - c->n_peers].cert;
			if (memcmp(o->box_pk, m->cert.box_pk, LIAISON_BOX_PK) == 0 ||
			    memcmp(o->sign_pk, m->cert.sign_pk, LIAISON_SIGN_PK) == 0)
				return config_fault(p, m->line, "member '%s' has the same key as '%s'", m->name, o->name);
		}
	}
	for (size_t i = 0; i < c->n_clients; i++) {
		const struct client_conf *cl = &c->clients[i];
		for (size_t j = 0; j < i; j++)
			if (memcmp(c->clients[j].cert.box_pk, cl->cert.box_pk, LIAISON_BOX_PK) == 0)
				return config_fault(p, cl->line,
					     "client '%s' has the same key as client '%s' (line %d)",
					     cl->name, c->clients[j].name, c->clients[j].line);
	}
	return 1;
}

int config_load(const char *path, struct config **out, char *err, size_t errlen)
{
	struct parser p = {.path = path, .err = err, .errlen = errlen};
	if (err && errlen)
		err[0] = '\0';
	if (!path || !out) {
		if (err && errlen)
			snprintf(err, errlen, "no configuration file given");
		return -1;
	}
	p.c = calloc(1, sizeof *p.c);
	p.dir = folder_of(path);
	if (!p.c || !p.dir || !(p.c->path = strdup(path))) {
		if (err && errlen)
			snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	p.c->max_message = DEFAULT_MAX_MESSAGE;
	p.c->clock_skew_ms = ENVELOPE_DEFAULT_CLOCK_SKEW_MS;
	if (inifile_read(path, on_section, on_pair, &p, err, errlen) != LIAISON_OK)
		goto fail;
	p.ini = NULL;
	if (!section_end(&p) || !final_checks(&p))
		goto fail;
	free(p.dir);
	*out = p.c;
	return 0;
fail:
	free(p.dir);
	config_free(&p.c);
	return -1;
}

void config_free(struct config **cp)
{
	if (!cp || !*cp)
		return;
	struct config *c = *cp;
	for (size_t i = 0; i < c->n_peers; i++) {
		free(c->peers[i].cert_path);
		free(c->peers[i].endpoint);
	}
	for (size_t i = 0; i < c->n_members; i++)
		free(c->members[i].cert_path);
	for (size_t i = 0; i < c->n_clients; i++)
		free(c->clients[i].cert_path);
	free(c->members);
	free(c->peers);
	free(c->clients);
	free(c->path);
	free(c->key_path);
	free(c->listen);
	free(c->api);
	free(c->data_dir);
	free(c->metrics);
	free(c);
	*cp = NULL;
}

const struct member_conf *config_member(const struct config *c, const char *name)
{
	for (size_t i = 0; c && name && i < c->n_members; i++)
		if (strcmp(c->members[i].name, name) == 0)
			return &c->members[i];
	return NULL;
}

const struct peer_conf *config_peer(const struct config *c, const char *name)
{
	for (size_t i = 0; c && name && i < c->n_peers; i++)
		if (strcmp(c->peers[i].name, name) == 0)
			return &c->peers[i];
	return NULL;
}

const struct client_conf *config_client(const struct config *c, const char *name)
{
	for (size_t i = 0; c && name && i < c->n_clients; i++)
		if (strcmp(c->clients[i].name, name) == 0)
			return &c->clients[i];
	return NULL;
}

const struct client_conf *config_client_by_key(const struct config *c, const uint8_t box_pk[32])
{
	for (size_t i = 0; c && box_pk && i < c->n_clients; i++)
		if (memcmp(c->clients[i].cert.box_pk, box_pk, LIAISON_BOX_PK) == 0)
			return &c->clients[i];
	return NULL;
}

const struct peer_conf *config_peer_by_key(const struct config *c, const uint8_t box_pk[32])
{
	for (size_t i = 0; c && box_pk && i < c->n_peers; i++)
		if (memcmp(c->peers[i].cert.box_pk, box_pk, LIAISON_BOX_PK) == 0)
			return &c->peers[i];
	return NULL;
}

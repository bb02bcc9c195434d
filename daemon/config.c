/* liaisond's INI configuration: reading, validating, looking up.
 *
 * inih splits lines into sections and key = value pairs. It is fed through
 * our own line reader, which counts lines (so every error names FILE:LINE),
 * strips inline comments (';' or '#' after a blank), and sees section
 * headers first (so a section missing a required key is reported at its
 * header, and an empty section still counts). */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "config.h"
#include "error.h"
#include "labels.h"

#define MAX_MESSAGE_LIMIT ((size_t)64 << 20)
#define DEFAULT_MAX_MESSAGE ((size_t)1 << 20)

enum section { SEC_NONE, SEC_NODE, SEC_PEER, SEC_CLIENT };

/* bits of the keys seen in the current section */
enum {
	K_NAME = 1 << 0, K_KEY = 1 << 1, K_LISTEN = 1 << 2, K_API = 1 << 3, K_DATA_DIR = 1 << 4,
	K_METRICS = 1 << 5, K_MAX_MESSAGE = 1 << 6, K_CERT = 1 << 7, K_ENDPOINT = 1 << 8,
	K_MAX_CLASS = 1 << 9, K_ROLE = 1 << 10,
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
	{SEC_PEER, "cert", K_CERT, true},
	{SEC_PEER, "endpoint", K_ENDPOINT, true},
	{SEC_PEER, "max_classification", K_MAX_CLASS, false},
	{SEC_CLIENT, "cert", K_CERT, true},
	{SEC_CLIENT, "role", K_ROLE, true},
};

struct parser {
	struct config *c;
	const char *path;
	char *dir;   /* the configuration file's folder, for relative paths */
	FILE *f;
	char *buf;   /* getline's buffer */
	size_t bufsize;
	int line;
	enum section sec;
	int sec_line;
	unsigned seen;
	int seen_line[16];
	bool node_seen;
	int node_line;
	char *err;
	size_t errlen;
	bool failed;
};

/* Records the first fault as "FILE:LINE: message"; returns 0 for inih. */
static int fault(struct parser *p, int line, const char *fmt, ...)
{
	if (p->failed)
		return 0;
	p->failed = true;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (p->err && p->errlen)
		snprintf(p->err, p->errlen, "%s:%d: %s", p->path, line, msg);
	return 0;
}

/* ------------------------------------------------------------ values */

const char *role_name(enum role r)
{
	switch (r) {
	case ROLE_READER:
		return "reader";
	case ROLE_OFFICER:
		return "officer";
	case ROLE_ADMIN:
		return "admin";
	}
	return "unknown";
}

static bool role_parse(const char *s, enum role *out)
{
	for (int r = ROLE_READER; r <= ROLE_ADMIN; r++) {
		if (strcmp(s, role_name((enum role)r)) == 0) {
			*out = (enum role)r;
			return true;
		}
	}
	return false;
}

/* Digits with an optional K, M or G (powers of 1024), optionally followed
 * by "B" or "iB". *out is unchanged on failure. */
bool config_parse_size(const char *s, size_t *out)
{
	if (!s || !isdigit((unsigned char)*s))
		return false;
	size_t n = 0;
	for (; isdigit((unsigned char)*s); s++) {
		size_t d = (size_t)(*s - '0');
		if (n > (SIZE_MAX - d) / 10)
			return false;
		n = n * 10 + d;
	}
	size_t mult = 1;
	switch (toupper((unsigned char)*s)) {
	case 'K':
		mult = (size_t)1 << 10;
		s++;
		break;
	case 'M':
		mult = (size_t)1 << 20;
		s++;
		break;
	case 'G':
		mult = (size_t)1 << 30;
		s++;
		break;
	}
	if (mult > 1 && (*s == 'i' || *s == 'I') && (s[1] == 'B' || s[1] == 'b'))
		s += 2;
	else if (mult > 1 && (*s == 'B' || *s == 'b'))
		s++;
	if (*s != '\0' || (n && n > SIZE_MAX / mult))
		return false;
	*out = n * mult;
	return true;
}

static bool host_valid(const char *h, size_t len)
{
	if (len == 0)
		return false;
	if (len == 1 && h[0] == '*')
		return true;
	if (h[0] == '[') {
		if (len < 3 || h[len - 1] != ']')
			return false;
		for (size_t i = 1; i < len - 1; i++)
			if (!isxdigit((unsigned char)h[i]) && h[i] != ':' && h[i] != '.')
				return false;
		return true;
	}
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)h[i]) && h[i] != '.' && h[i] != '-' && h[i] != '_')
			return false;
	return h[0] != '.' && h[0] != '-';
}

/* tcp://HOST:PORT with HOST a name, an IPv4 address, '*' or [IPv6], PORT
 * 1..65535; or, if ipc_ok, ipc://PATH. */
static bool endpoint_valid(const char *e, bool ipc_ok)
{
	if (ipc_ok && strncmp(e, "ipc://", 6) == 0) {
		const char *path = e + 6;
		if (!*path)
			return false;
		for (; *path; path++)
			if (isspace((unsigned char)*path) || iscntrl((unsigned char)*path))
				return false;
		return true;
	}
	if (strncmp(e, "tcp://", 6) != 0)
		return false;
	const char *host = e + 6, *colon = strrchr(host, ':');
	if (!colon || !host_valid(host, (size_t)(colon - host)))
		return false;
	const char *port = colon + 1;
	if (!*port || strlen(port) > 5)
		return false;
	long v = 0;
	for (const char *q = port; *q; q++) {
		if (!isdigit((unsigned char)*q))
			return false;
		v = v * 10 + (*q - '0');
	}
	return v >= 1 && v <= 65535;
}

/* A path from the file, taken relative to the file's folder. Caller frees. */
static char *resolve(const struct parser *p, const char *value)
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

static struct peer_conf *cur_peer(struct parser *p)
{
	return &p->c->peers[p->c->n_peers - 1];
}

static struct client_conf *cur_client(struct parser *p)
{
	return &p->c->clients[p->c->n_clients - 1];
}

/* Checks that the section just ended has its required keys. */
static int section_end(struct parser *p)
{
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if (keys[i].sec != p->sec || !keys[i].required || (p->seen & keys[i].bit))
			continue;
		if (p->sec == SEC_NODE)
			return fault(p, p->sec_line, "[node] lacks the required key '%s'",
				     keys[i].name);
		return fault(p, p->sec_line, "[%s %s] lacks the required key '%s'",
			     p->sec == SEC_PEER ? "peer" : "client",
			     p->sec == SEC_PEER ? cur_peer(p)->name : cur_client(p)->name,
			     keys[i].name);
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
		return fault(p, p->line, "section header too long");
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
			return fault(p, p->line, "[node] takes no name");
		if (p->node_seen)
			return fault(p, p->line, "duplicate section [node] (first at line %d)",
				     p->node_line);
		p->node_seen = true;
		p->node_line = p->line;
		p->sec = SEC_NODE;
		return 1;
	}
	bool peer = strcmp(kind, "peer") == 0;
	if (!peer && strcmp(kind, "client") != 0)
		return fault(p, p->line, "unknown section [%s%s%s]", kind, *name ? " " : "", name);
	if (!*name)
		return fault(p, p->line, "[%s] needs a name: [%s NAME]", kind, kind);
	if (!liaison_name_valid(name))
		return fault(p, p->line, "invalid %s name '%s'", kind, name);
	struct config *c = p->c;
	if (peer) {
		if (config_peer(c, name))
			return fault(p, p->line, "duplicate section [peer %s] (first at line %d)",
				     name, config_peer(c, name)->line);
		struct peer_conf *a = realloc(c->peers, (c->n_peers + 1) * sizeof *a);
		if (!a)
			return fault(p, p->line, "out of memory");
		c->peers = a;
		memset(&a[c->n_peers], 0, sizeof *a);
		snprintf(a[c->n_peers].name, sizeof a->name, "%s", name);
		a[c->n_peers].line = p->line;
		a[c->n_peers].max_classification = LIAISON__CLASSIFICATION__CLASSIFICATION_UNSET;
		c->n_peers++;
		p->sec = SEC_PEER;
	} else {
		if (config_client(c, name))
			return fault(p, p->line, "duplicate section [client %s] (first at line %d)",
				     name, config_client(c, name)->line);
		struct client_conf *a = realloc(c->clients, (c->n_clients + 1) * sizeof *a);
		if (!a)
			return fault(p, p->line, "out of memory");
		c->clients = a;
		memset(&a[c->n_clients], 0, sizeof *a);
		snprintf(a[c->n_clients].name, sizeof a->name, "%s", name);
		a[c->n_clients].line = p->line;
		c->n_clients++;
		p->sec = SEC_CLIENT;
	}
	return 1;
}

/* ------------------------------------------------------------ keys */

static int load_cert(struct parser *p, const char *value, enum cert_kind kind, const char *name,
		     char **path_out, struct liaison_cert *cert)
{
	char *path = resolve(p, value);
	if (!path)
		return fault(p, p->line, "out of memory");
	*path_out = path;
	errno = 0;
	int rc = cert_load(path, cert);
	if (rc == LIAISON_E_IO)
		return fault(p, p->line, "cannot read certificate %s: %s", path,
			     strerror(errno ? errno : EIO));
	if (rc != LIAISON_OK)
		return fault(p, p->line, "certificate %s is not valid: %s", path,
			     liaison_strerror(rc));
	if (cert->kind != kind)
		return fault(p, p->line, "certificate %s is a %s certificate, not a %s certificate",
			     path, cert_kind_name(cert->kind), cert_kind_name(kind));
	if (strcmp(cert->name, name) != 0)
		return fault(p, p->line, "certificate %s is for '%s', not '%s'", path, cert->name,
			     name);
	return 1;
}

static int set_path(struct parser *p, char **slot, const char *value)
{
	*slot = resolve(p, value);
	return *slot ? 1 : fault(p, p->line, "out of memory");
}

static int set_endpoint(struct parser *p, char **slot, const char *key, const char *value,
			bool ipc_ok)
{
	if (!endpoint_valid(value, ipc_ok))
		return fault(p, p->line, "%s '%s' is not %s", key, value,
			     ipc_ok ? "tcp://HOST:PORT or ipc://PATH" : "tcp://HOST:PORT");
	*slot = strdup(value);
	return *slot ? 1 : fault(p, p->line, "out of memory");
}

static int node_key(struct parser *p, unsigned bit, const char *value)
{
	struct config *c = p->c;
	switch (bit) {
	case K_NAME:
		if (!liaison_name_valid(value))
			return fault(p, p->line, "invalid node name '%s'", value);
		snprintf(c->name, sizeof c->name, "%s", value);
		return 1;
	case K_KEY:
		c->key_line = p->line;
		return set_path(p, &c->key_path, value);
	case K_DATA_DIR:
		return set_path(p, &c->data_dir, value);
	case K_LISTEN:
		return set_endpoint(p, &c->listen, "listen", value, true);
	case K_API:
		return set_endpoint(p, &c->api, "api", value, true);
	case K_METRICS:
		return set_endpoint(p, &c->metrics, "metrics", value, false);
	case K_MAX_MESSAGE:
		if (!config_parse_size(value, &c->max_message) || c->max_message == 0 ||
		    c->max_message > MAX_MESSAGE_LIMIT)
			return fault(p, p->line,
				     "max_message '%s' is not a size from 1 to 64M (e.g. 512K, 1M)",
				     value);
		return 1;
	}
	return 1;
}

static int peer_key(struct parser *p, unsigned bit, const char *value)
{
	struct peer_conf *peer = cur_peer(p);
	switch (bit) {
	case K_CERT:
		return load_cert(p, value, CERT_NODE, peer->name, &peer->cert_path, &peer->cert);
	case K_ENDPOINT:
		return set_endpoint(p, &peer->endpoint, "endpoint", value, true);
	case K_MAX_CLASS:
		if (!label_classification_parse(value, &peer->max_classification))
			return fault(p, p->line,
				     "unknown classification '%s' (UNCLASSIFIED, RESTRICTED, "
				     "CONFIDENTIAL, SECRET, TOP_SECRET)",
				     value);
		return 1;
	}
	return 1;
}

static int client_key(struct parser *p, unsigned bit, const char *value)
{
	struct client_conf *cl = cur_client(p);
	switch (bit) {
	case K_CERT:
		return load_cert(p, value, CERT_CLIENT, cl->name, &cl->cert_path, &cl->cert);
	case K_ROLE:
		if (!role_parse(value, &cl->role))
			return fault(p, p->line, "unknown role '%s' (officer, reader or admin)",
				     value);
		return 1;
	}
	return 1;
}

static int on_pair(void *user, const char *section, const char *name, const char *value)
{
	struct parser *p = user;
	(void)section; /* the reader tracks sections itself */
	if (p->failed)
		return 0;
	if (p->sec == SEC_NONE)
		return fault(p, p->line, "key '%s' outside of a section", name);
	const struct key_def *def = NULL;
	int idx = 0;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if (keys[i].sec == p->sec && strcmp(keys[i].name, name) == 0) {
			def = &keys[i];
			idx = (int)i;
			break;
		}
	}
	const char *where = p->sec == SEC_NODE ? "[node]" : p->sec == SEC_PEER ? "[peer]" : "[client]";
	if (!def)
		return fault(p, p->line, "unknown key '%s' in %s", name, where);
	if (p->seen & def->bit)
		return fault(p, p->line, "duplicate key '%s' (first at line %d)", name,
			     p->seen_line[idx % 16]);
	p->seen |= def->bit;
	p->seen_line[idx % 16] = p->line;
	if (!*value)
		return fault(p, p->line, "key '%s' has no value", name);
	switch (p->sec) {
	case SEC_NODE:
		return node_key(p, def->bit, value);
	case SEC_PEER:
		return peer_key(p, def->bit, value);
	case SEC_CLIENT:
		return client_key(p, def->bit, value);
	case SEC_NONE:
		break;
	}
	return 0;
}

/* inih's fgets-style reader: one line of the file, comments removed. */
static char *read_line(char *str, int num, void *stream)
{
	struct parser *p = stream;
	if (p->failed)
		return NULL;
	ssize_t n = getline(&p->buf, &p->bufsize, p->f);
	if (n < 0)
		return NULL;
	p->line++;
	char *s = p->buf;
	if (memchr(s, '\0', (size_t)n)) {
		fault(p, p->line, "line contains a NUL byte");
		return NULL;
	}
	/* a comment starts at ';' or '#' at the start or after a blank */
	for (char *q = s; *q; q++) {
		if ((*q == ';' || *q == '#') && (q == s || isspace((unsigned char)q[-1]))) {
			*q = '\0';
			break;
		}
	}
	/* no leading blanks: inih would take an indented line as a continuation */
	while (isspace((unsigned char)*s))
		s++;
	char *end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	if (*s == '[') {
		char *close = strchr(s, ']');
		if (!close) {
			fault(p, p->line, "section header lacks its closing ']'");
			return NULL;
		}
		if (close[1]) {
			fault(p, p->line, "unexpected text after the section header");
			return NULL;
		}
		*close = '\0';
		if (!section_begin(p, s + 1))
			return NULL;
		*close = ']';
	}
	size_t len = strlen(s);
	if (num < 2 || len + 2 > (size_t)num) {
		fault(p, p->line, "line too long (at most %d characters)", num - 3);
		return NULL;
	}
	memcpy(str, s, len);
	str[len] = '\n';
	str[len + 1] = '\0';
	return str;
}

/* Checks that need the whole file. */
static int final_checks(struct parser *p)
{
	struct config *c = p->c;
	if (!p->node_seen)
		return fault(p, p->line > 0 ? p->line : 1, "missing section [node]");
	for (size_t i = 0; i < c->n_peers; i++) {
		const struct peer_conf *peer = &c->peers[i];
		if (strcmp(peer->name, c->name) == 0)
			return fault(p, peer->line, "peer '%s' has the name of this node", peer->name);
		for (size_t j = 0; j < i; j++)
			if (memcmp(c->peers[j].cert.box_pk, peer->cert.box_pk, LIAISON_BOX_PK) == 0 ||
			    memcmp(c->peers[j].cert.sign_pk, peer->cert.sign_pk, LIAISON_SIGN_PK) == 0)
				return fault(p, peer->line,
					     "peer '%s' has the same key as peer '%s' (line %d)",
					     peer->name, c->peers[j].name, c->peers[j].line);
	}
	for (size_t i = 0; i < c->n_clients; i++) {
		const struct client_conf *cl = &c->clients[i];
		for (size_t j = 0; j < i; j++)
			if (memcmp(c->clients[j].cert.box_pk, cl->cert.box_pk, LIAISON_BOX_PK) == 0)
				return fault(p, cl->line,
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
	p.f = fopen(path, "re");
	if (!p.f) {
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	int rc = ini_parse_stream(read_line, &p, on_pair, &p);
	if (!p.failed && ferror(p.f))
		fault(&p, p.line, "read error: %s", strerror(errno));
	if (!p.failed && rc > 0)
		fault(&p, rc, "expected '[section]' or 'key = value'");
	if (!p.failed && rc < 0)
		fault(&p, p.line, "out of memory");
	if (!p.failed)
		section_end(&p);
	if (!p.failed)
		final_checks(&p);
	if (p.failed)
		goto fail;
	fclose(p.f);
	free(p.buf);
	free(p.dir);
	*out = p.c;
	return 0;
fail:
	if (p.f)
		fclose(p.f);
	free(p.buf);
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
	for (size_t i = 0; i < c->n_clients; i++)
		free(c->clients[i].cert_path);
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

bool config_role_parse(const char *s, enum role *out)
{
	return role_parse(s, out);
}

bool config_endpoint_valid(const char *e, bool ipc_ok)
{
	return endpoint_valid(e, ipc_ok);
}

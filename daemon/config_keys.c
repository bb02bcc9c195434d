/* liaisond's configuration: what each key's value means, checked as it is
 * read ([node], [peer], [member], [client], [retention]). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_parse.h"
#include "config_value.h"
#include "error.h"
#include "envelope.h"
#include "labels.h"
#include "timefmt.h"

#define MAX_CLOCK_SKEW_MS (24LL * 3600 * 1000)

static int load_cert(struct parser *p, const char *value, enum cert_kind kind, const char *name,
		     char **path_out, struct liaison_cert *cert)
{
	char *path = config_resolve(p, value);
	if (!path)
		return config_fault(p, p->line, "out of memory");
	*path_out = path;
	errno = 0;
	int rc = cert_load(path, cert);
	if (rc == LIAISON_E_IO)
		return config_fault(p, p->line, "cannot read certificate %s: %s", path,
			     strerror(errno ? errno : EIO));
	if (rc != LIAISON_OK)
		return config_fault(p, p->line, "certificate %s is not valid: %s", path,
			     liaison_strerror(rc));
	if (cert->kind != kind)
		return config_fault(p, p->line, "certificate %s is a %s certificate, not a %s certificate",
			     path, cert_kind_name(cert->kind), cert_kind_name(kind));
	if (strcmp(cert->name, name) != 0)
		return config_fault(p, p->line, "certificate %s is for '%s', not '%s'", path, cert->name,
			     name);
	return 1;
}

static int set_path(struct parser *p, char **slot, const char *value)
{
	*slot = config_resolve(p, value);
	return *slot ? 1 : config_fault(p, p->line, "out of memory");
}

static int set_endpoint(struct parser *p, char **slot, const char *key, const char *value,
			bool ipc_ok)
{
	if (!config_endpoint_valid(value, ipc_ok))
		return config_fault(p, p->line, "%s '%s' is not %s", key, value,
			     ipc_ok ? "tcp://HOST:PORT or ipc://PATH" : "tcp://HOST:PORT");
	*slot = strdup(value);
	return *slot ? 1 : config_fault(p, p->line, "out of memory");
}

int config_node_key(struct parser *p, unsigned bit, const char *value)
{
	struct config *c = p->c;
	switch (bit) {
	case K_NAME:
		if (!liaison_name_valid(value))
			return config_fault(p, p->line, "invalid node name '%s'", value);
		snprintf(c->name, sizeof c->name, "%s", value);
		return 1;
	case K_KEY:
		c->key_line = p->line;
		return set_path(p, &c->key_path, value);
	case K_DATA_DIR:
		c->data_dir_line = p->line;
		return set_path(p, &c->data_dir, value);
	case K_LISTEN:
		return set_endpoint(p, &c->listen, "listen", value, true);
	case K_API:
		return set_endpoint(p, &c->api, "api", value, true);
	case K_METRICS:
		return set_endpoint(p, &c->metrics, "metrics", value, false);
	case K_MAX_MESSAGE:
		if (!config_parse_size(value, &c->max_message) || c->max_message == 0 ||
		    c->max_message > ENVELOPE_MAX_MESSAGE_LIMIT)
			return config_fault(p, p->line,
				     "max_message '%s' is not a size from 1 to 64M (e.g. 512K, 1M)",
				     value);
		return 1;
	case K_CLOCK_SKEW:
		if (!strcmp(value, "0"))
			c->clock_skew_ms = 0;
		else if (!time_parse_span(value, &c->clock_skew_ms) || c->clock_skew_ms > MAX_CLOCK_SKEW_MS)
			return config_fault(p, p->line, "clock_skew '%s' is not 0 or a span up to 1d (e.g. 90s, 15m)",
				     value);
		return 1;
	}
	return 1;
}

static int set_classification(struct parser *p, Liaison__Classification *slot, const char *value)
{
	if (!label_classification_parse(value, slot))
		return config_fault(p, p->line,
			     "unknown classification '%s' (UNCLASSIFIED, RESTRICTED, CONFIDENTIAL, SECRET, TOP_SECRET)",
			     value);
	return 1;
}

int config_peer_key(struct parser *p, unsigned bit, const char *value)
{
	struct peer_conf *peer = cur_peer(p);
	switch (bit) {
	case K_CERT:
		return load_cert(p, value, CERT_NODE, peer->name, &peer->cert_path, &peer->cert);
	case K_ENDPOINT:
		return set_endpoint(p, &peer->endpoint, "endpoint", value, true);
	case K_MAX_CLASS:
		return set_classification(p, &peer->max_classification, value);
	}
	return 1;
}

/* via = HQ, HQ2: peer names, checked against the [peer] sections at the end. */
static int member_via(struct parser *p, struct member_conf *m, const char *value)
{
	char list[512];
	if (strlen(value) >= sizeof list)
		return config_fault(p, p->line, "via is too long");
	strcpy(list, value);
	m->via_line = p->line;
	for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (isspace((unsigned char)*tok))
			tok++;
		char *end = tok + strlen(tok);
		while (end > tok && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (!liaison_name_valid(tok))
			return config_fault(p, p->line, "via: invalid peer name '%s'", tok);
		for (size_t i = 0; i < m->n_via; i++)
			if (!strcmp(m->via[i], tok))
				return config_fault(p, p->line, "via names '%s' twice", tok);
		if (m->n_via == MEMBER_VIA_MAX)
			return config_fault(p, p->line, "via names more than %d relays", MEMBER_VIA_MAX);
		snprintf(m->via[m->n_via++], sizeof m->via[0], "%s", tok);
	}
	if (m->n_via == 0)
		return config_fault(p, p->line, "via names no relay (via = PEER[, PEER...])");
	return 1;
}

int config_member_key(struct parser *p, unsigned bit, const char *value)
{
	struct member_conf *m = cur_member(p);
	switch (bit) {
	case K_CERT:
		return load_cert(p, value, CERT_NODE, m->name, &m->cert_path, &m->cert);
	case K_VIA:
		return member_via(p, m, value);
	case K_MAX_CLASS:
		return set_classification(p, &m->max_classification, value);
	}
	return 1;
}

int config_client_key(struct parser *p, unsigned bit, const char *value)
{
	struct client_conf *cl = cur_client(p);
	switch (bit) {
	case K_CERT:
		return load_cert(p, value, CERT_CLIENT, cl->name, &cl->cert_path, &cl->cert);
	case K_ROLE:
		if (!config_role_parse(value, &cl->role))
			return config_fault(p, p->line, "unknown role '%s' (officer, reader or admin)",
				     value);
		return 1;
	}
	return 1;
}

/* [retention] TYPE = SPAN | forever: bit is 1 << the message type. */
int config_retention_key(struct parser *p, unsigned bit, const char *name, const char *value)
{
	int type = 0;
	while ((1u << type) != bit)
		type++;
	int64_t ms = 0;
	if (strcmp(value, "forever") != 0 && !time_parse_span(value, &ms))
		return config_fault(p, p->line,
			     "retention for %s '%s' is not a span (e.g. 30s, 12h, 90d, 1w) or 'forever'",
			     name, value);
	p->c->retention_ms[type] = ms;
	p->c->retention_line[type] = p->line;
	return 1;
}

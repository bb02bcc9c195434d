/* Reading liaisond's configuration, shared by config.c (sections, the
 * checks over the whole file) and config_keys.c (each key's value). */
#ifndef LIAISOND_CONFIG_PARSE_H
#define LIAISOND_CONFIG_PARSE_H

#include <stdbool.h>
#include "config.h"
#include "inifile.h"

enum section { SEC_NONE, SEC_NODE, SEC_PEER, SEC_MEMBER, SEC_CLIENT, SEC_RETENTION };

/* bits of the keys seen in the current section */
enum {
	K_NAME = 1 << 0, K_KEY = 1 << 1, K_LISTEN = 1 << 2, K_API = 1 << 3, K_DATA_DIR = 1 << 4,
	K_METRICS = 1 << 5, K_MAX_MESSAGE = 1 << 6, K_CERT = 1 << 7, K_ENDPOINT = 1 << 8,
	K_MAX_CLASS = 1 << 9, K_ROLE = 1 << 10, K_CLOCK_SKEW = 1 << 11, K_VIA = 1 << 12,
	/* [retention]: one bit per message type, 1 << type */
	K_SITREP = 1 << 1, K_STATUS = 1 << 2, K_WARNING = 1 << 3, K_INTEL = 1 << 4,
};

struct parser {
	struct config *c;
	const char *path;
	char *dir;   /* the configuration file's folder, for relative paths */
	struct inifile *ini; /* while the file is read; NULL for the checks after */
	int line;
	enum section sec;
	int sec_line;
	unsigned seen;
	bool node_seen;
	int node_line;
	int retention_line; /* 0: no [retention] section yet */
	char *err;
	size_t errlen;
	bool failed;
};

/* Records the first fault as "FILE:LINE: message"; returns 0 for the reader. */
int config_fault(struct parser *p, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A path from the file, taken relative to the file's folder. Caller frees. */
char *config_resolve(const struct parser *p, const char *value);

static inline struct peer_conf *cur_peer(struct parser *p)
{
	return &p->c->peers[p->c->n_peers - 1];
}

static inline struct member_conf *cur_member(struct parser *p)
{
	return &p->c->members[p->c->n_members - 1];
}

static inline struct client_conf *cur_client(struct parser *p)
{
	return &p->c->clients[p->c->n_clients - 1];
}

static inline const char *cur_name(struct parser *p)
{
	return p->sec == SEC_PEER ? cur_peer(p)->name : p->sec == SEC_MEMBER ? cur_member(p)->name : cur_client(p)->name;
}

/* config_keys.c: one key of the current section; 1 taken, 0 a fault. */
int config_node_key(struct parser *p, unsigned bit, const char *value);
int config_peer_key(struct parser *p, unsigned bit, const char *value);
int config_member_key(struct parser *p, unsigned bit, const char *value);
int config_client_key(struct parser *p, unsigned bit, const char *value);
int config_retention_key(struct parser *p, unsigned bit, const char *name, const char *value);

#endif

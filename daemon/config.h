/* liaisond's INI configuration: [node], [retention], [peer NAME], [member NAME] and
 * [client NAME] sections, as in docs/liaisond.8. */
#ifndef LIAISOND_CONFIG_H
#define LIAISOND_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include "keyfile.h"
#include "liaison.pb-c.h"

#define CONFIG_TYPES 6 /* Liaison__MessageType values: UNSET .. RECEIPT */

enum role { ROLE_READER = 0, ROLE_OFFICER = 1, ROLE_ADMIN = 2 };

struct peer_conf {
	char name[LIAISON_NAME_MAX + 1];
	char *cert_path;
	char *endpoint;
	Liaison__Classification max_classification; /* CLASSIFICATION_UNSET: no limit */
	struct liaison_cert cert;                   /* loaded and verified */
	int line;
	/* After the peer rotated its key (admin.conf): its previous certificate,
	 * still accepted until prev_until (unix ms; 0: none). */
	struct liaison_cert prev_cert;
	int64_t prev_until;
};

/* An organization reached through relays: its certificate, and the peers
 * that carry its traffic, in the order they are tried. */
#define MEMBER_VIA_MAX 4
struct member_conf {
	char name[LIAISON_NAME_MAX + 1];
	char *cert_path;
	struct liaison_cert cert;
	char via[MEMBER_VIA_MAX][LIAISON_NAME_MAX + 1];
	size_t n_via;
	Liaison__Classification max_classification; /* CLASSIFICATION_UNSET: no limit */
	int line, via_line;
};

struct client_conf {
	char name[LIAISON_NAME_MAX + 1];
	char *cert_path;
	enum role role;
	struct liaison_cert cert;
	int line;
};

struct config {
	char *path;
	char name[LIAISON_NAME_MAX + 1];
	char *key_path;
	int key_line;   /* where `key` is set, for errors about the key file */
	char *listen;   /* tcp://HOST:PORT */
	char *api;      /* ipc://PATH or tcp://HOST:PORT */
	char *data_dir;
	int data_dir_line; /* where `data_dir` is set */
	char *metrics;  /* NULL: off */
	size_t max_message; /* bytes; default 1 MiB */
	int64_t clock_skew_ms; /* clock disagreement allowed with peers; default 15 min */
	/* [retention]: how long messages of each type are kept after they were
	 * received (ms), indexed by Liaison__MessageType; 0 keeps them forever. */
	int64_t retention_ms[CONFIG_TYPES];
	int retention_line[CONFIG_TYPES];
	struct peer_conf *peers;
	size_t n_peers;
	struct member_conf *members;
	size_t n_members;
	struct client_conf *clients;
	size_t n_clients;
};

/* Parses path and loads and verifies every certificate it names (not the
 * node's secret key). Unknown sections or keys, missing required keys,
 * missing or damaged files, bad endpoints, unknown roles or
 * classifications, bad names and duplicate peers or clients are errors:
 * returns -1 and writes "FILE:LINE: message" for the first fault into err.
 * Relative paths are taken relative to the configuration file's folder.
 * On success *out is owned by the caller (config_free). */
int config_load(const char *path, struct config **out, char *err, size_t errlen);
void config_free(struct config **c);

const struct peer_conf *config_peer(const struct config *c, const char *name);
const struct member_conf *config_member(const struct config *c, const char *name);
const struct client_conf *config_client(const struct config *c, const char *name);
/* Matches a client by its X25519 public key (the CURVE key seen at the handshake). */
const struct client_conf *config_client_by_key(const struct config *c, const uint8_t box_pk[32]);
const struct peer_conf *config_peer_by_key(const struct config *c, const uint8_t box_pk[32]);

const char *role_name(enum role r);

/* "1M", "512K", "1048576" -> bytes; false if malformed. */
bool config_parse_size(const char *s, size_t *out);

#endif

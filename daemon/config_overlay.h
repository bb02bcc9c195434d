/* The administrative overlay, DATA_DIR/admin.conf: peers, members and clients added
 * or removed with `liaison admin`, and the state of a key rotation, read
 * after the main configuration file. See liaisond.conf(5). */
#ifndef LIAISOND_CONFIG_OVERLAY_H
#define LIAISOND_CONFIG_OVERLAY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "config.h"

#define OVERLAY_FILE "admin.conf"

enum overlay_kind { OVERLAY_PEER, OVERLAY_CLIENT, OVERLAY_MEMBER };

struct overlay_entry {
	enum overlay_kind kind;
	char name[LIAISON_NAME_MAX + 1];
	bool removed;       /* [removed peer NAME]: revoked, whatever the main file says */
	char *cert;         /* relative to the data directory */
	char *endpoint;     /* peers */
	char *via;          /* members: their relays, "HQ, HQ2" */
	Liaison__Classification max_classification;
	enum role role;     /* clients */
	char *prev_cert;    /* peers after their rotation: the previous certificate */
	int64_t prev_until; /* unix ms: how long prev_cert is accepted */
	int line;
};

struct overlay {
	char *path;         /* DATA_DIR/admin.conf */
	char *data_dir;
	struct overlay_entry *e;
	size_t n;
	char *node_key;     /* [node] key: this node's key since its last rotation */
	/* This node's own rotation, while its overlap lasts. */
	char *prev_key;     /* relative to the data directory, or absolute; NULL: none */
	int64_t prev_until; /* unix ms */
	char *pending;      /* peers that have not acknowledged the announcement, space separated */
};

/* Reads DATA_DIR/admin.conf; a missing file is an empty overlay. On a
 * fault returns -1 with "FILE:LINE: message" in err. Caller frees. */
int overlay_load(const char *data_dir, struct overlay **out, char *err, size_t errlen);
/* Writes the overlay whole and atomically (safefile_replace, mode 0600). */
int overlay_save(const struct overlay *o, char *err, size_t errlen);
void overlay_free(struct overlay **o);
struct overlay_entry *overlay_find(struct overlay *o, enum overlay_kind kind, const char *name);
/* The entry for (kind, name), emptied, added if missing; NULL if out of memory. */
struct overlay_entry *overlay_put(struct overlay *o, enum overlay_kind kind, const char *name);
/* Applies o to c: an entry replaces the main file's section of the same
 * kind and name, a removal deletes it. Loads and checks every certificate
 * as the main file's are. -1 with "FILE:LINE: message" in err. */
int overlay_apply(const struct overlay *o, struct config *c, char *err, size_t errlen);
/* Prints one line per entry, for liaisond --check. */
void overlay_describe(const struct overlay *o, const struct config *c, FILE *out);

/* config_load, then the overlay of the configuration's data directory. */
int config_load_all(const char *path, struct config **out, char *err, size_t errlen);

/* Certificate text as a client sends it: parsed, self-signature checked,
 * of this kind and name. 0, or -1 with the reason in err. */
int overlay_cert_check(const uint8_t *text, size_t len, enum cert_kind kind, const char *name,
		       struct liaison_cert *out, char *err, size_t errlen);
/* Stores a certificate under DATA_DIR/peers or DATA_DIR/clients as
 * NAME.KEYID.pub and sets *rel to that path relative to the data
 * directory (caller frees). An existing identical file is reused. */
int overlay_store_cert(const char *data_dir, bool client, const struct liaison_cert *cert, char **rel, char *err,
		       size_t errlen);

#endif

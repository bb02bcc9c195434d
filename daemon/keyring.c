/* This node's former keys. Stored envelopes stay sealed as they arrived,
 * so reading a message sealed to a key this node has since rotated away
 * needs that key: the node keeps every key it had under DATA_DIR/keys
 * (0600, written by rotate.c) and tries them after the current one. Only
 * opening uses them; nothing is signed or sent with a former key. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "keyring.h"
#include "log.h"

void keyring_free(struct node *n)
{
	for (size_t i = 0; i < n->n_former; i++) {
		opener_destroy(&n->former[i].opener);
		key_destroy(&n->former[i].key);
	}
	free(n->former);
	n->former = NULL;
	n->n_former = 0;
}

int keyring_load(struct node *n)
{
	char dir[4096], path[4400];
	keyring_free(n);
	snprintf(dir, sizeof(dir), "%s/keys", n->conf->data_dir);
	DIR *d = opendir(dir);
	if (!d)
		return 0; /* never rotated */
	size_t prefix = strlen(n->key->cert.name);
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (strncmp(e->d_name, n->key->cert.name, prefix) || e->d_name[prefix] != '.' || len < 5 ||
		    strcmp(e->d_name + len - 4, ".key"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		struct liaison_key *k = NULL;
		int rc = key_load(path, &k);
		if (rc != LIAISON_OK) {
			log_warn("former key %s: %s", path, liaison_strerror(rc));
			continue;
		}
		if (strcmp(k->cert.name, n->key->cert.name) ||
		    !memcmp(k->cert.sign_pk, n->key->cert.sign_pk, LIAISON_SIGN_PK)) {
			key_destroy(&k);
			continue;
		}
		struct former_key *a = realloc(n->former, (n->n_former + 1) * sizeof(*a));
		struct opener *o = a ? opener_new(k) : NULL;
		if (a)
			n->former = a;
		if (!o) {
			key_destroy(&k);
			continue;
		}
		n->former[n->n_former].key = k;
		n->former[n->n_former++].opener = o;
	}
	closedir(d);
	return 0;
}

int keyring_decrypt(struct node *n, struct opened *o, int64_t now_ms)
{
	int rc = envelope_decrypt(n->opener, o, now_ms);
	for (size_t i = 0; rc == LIAISON_E_DECRYPT && i < n->n_former; i++)
		rc = envelope_decrypt(n->former[i].opener, o, now_ms);
	return rc;
}

/* This node's former keys, kept to open what was sealed to them: messages
 * in its store from before a key rotation, and envelopes still in flight. */
#ifndef LIAISOND_KEYRING_H
#define LIAISOND_KEYRING_H

#include "node.h"

/* (Re)reads DATA_DIR/keys/NAME.*.key: every key of this node's name but the
 * current one. A key that cannot be read is logged and skipped. */
int keyring_load(struct node *n);
void keyring_free(struct node *n);
/* envelope_decrypt with the current key, then with each former one. */
int keyring_decrypt(struct node *n, struct opened *o, int64_t now_ms);

#endif

/* The ZAP handler: admits pinned peer keys and configured clients. */
#ifndef LIAISOND_ZAP_H
#define LIAISOND_ZAP_H

#include "node.h"

int zap_handle(struct node *n);

#endif

/* Outbound federation links: one DEALER per peer. */
#ifndef LIAISOND_PEER_LINK_H
#define LIAISOND_PEER_LINK_H

#include "node.h"

int link_open(struct node *n, struct link *l);
void link_close(struct link *l);
void link_handle_monitor(struct node *n, struct link *l);
void link_handle_dealer(struct node *n, struct link *l);
void link_pump(struct node *n, struct link *l);
void link_tick(struct node *n, struct link *l, int64_t now);
bool link_pending(const struct link *l);

#endif

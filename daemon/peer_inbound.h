/* Inbound federation batches on the ROUTER. */
#ifndef LIAISOND_PEER_INBOUND_H
#define LIAISOND_PEER_INBOUND_H

#include "node.h"

void inbound_read(struct node *n);    /* reads what the ROUTER has into the queue */
void inbound_process(struct node *n); /* handles queued batches, FLASH first */
void inbound_clear(struct node *n);

#endif

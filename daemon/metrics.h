/* Prometheus metrics on an ordinary socket. */
#ifndef LIAISOND_METRICS_H
#define LIAISOND_METRICS_H

#include "node.h"

int metrics_open(struct node *n);
void metrics_close(struct node *n);
/* Fills the listening socket's and the connections' poll items (1 +
 * METRICS_CONNS, or none without an endpoint); returns how many. */
size_t metrics_pollitems(struct node *n, zmq_pollitem_t *items);
void metrics_handle(struct node *n, const zmq_pollitem_t *items);

#endif

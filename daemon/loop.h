/* The event loop. */
#ifndef LIAISOND_LOOP_H
#define LIAISOND_LOOP_H

#include "node.h"

/* Runs the node until SIGTERM or SIGINT; 0 on a clean stop. */
int node_run(struct node *n);

#endif

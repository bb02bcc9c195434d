/* The client API: authenticated requests dispatched by role. */
#ifndef LIAISOND_API_H
#define LIAISOND_API_H

#include "node.h"

void api_handle(struct node *n);

#endif

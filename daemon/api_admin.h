/* Administrative requests (admin role). */
#ifndef LIAISOND_API_ADMIN_H
#define LIAISOND_API_ADMIN_H

#include "node.h"

void api_admin(struct node *n, const uint8_t *rid, size_t rid_len, const char *client, uint64_t request_id,
	       Liaison__ApiRequest__KindCase kind);

#endif

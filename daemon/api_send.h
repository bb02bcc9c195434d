/* The send request: sealing and queueing a client's message. */
#ifndef LIAISOND_API_SEND_H
#define LIAISOND_API_SEND_H

#include "node.h"

void api_send(struct node *n, const uint8_t *rid, size_t rid_len, const char *client, uint64_t request_id,
	      const Liaison__SendRequest *req);

#endif

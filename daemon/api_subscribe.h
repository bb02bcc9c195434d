/* Subscriptions: live and durable, with credit and acks. */
#ifndef LIAISOND_API_SUBSCRIBE_H
#define LIAISOND_API_SUBSCRIBE_H

#include "node.h"

void sub_start(struct node *n, const uint8_t *rid, size_t rid_len, const char *client, uint64_t request_id,
	       const Liaison__SubscribeRequest *req);
void sub_ack(struct node *n, const uint8_t *rid, size_t rid_len, const Liaison__SubscribeAck *ack);
void sub_pump(struct node *n);
void sub_tick(struct node *n, int64_t now);
/* Ends the subscriptions of a removed client, telling each (77). */
void sub_end_client(struct node *n, const char *client);

#endif

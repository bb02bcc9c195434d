/* Read requests: query, get, status and peers. */
#ifndef LIAISOND_API_READ_H
#define LIAISOND_API_READ_H

#include "node.h"

void api_query(struct node *n, const uint8_t *rid, size_t rid_len, uint64_t request_id, const Liaison__QueryRequest *req);
void api_get(struct node *n, const uint8_t *rid, size_t rid_len, uint64_t request_id, const Liaison__GetRequest *req);
void api_status(struct node *n, const uint8_t *rid, size_t rid_len, uint64_t request_id, const Liaison__StatusRequest *req);
void api_peers(struct node *n, const uint8_t *rid, size_t rid_len, uint64_t request_id);

#endif

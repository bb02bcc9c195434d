/* Replies to client API requests. */
#ifndef LIAISOND_API_REPLY_H
#define LIAISOND_API_REPLY_H

#include "node.h"

/* Packs a reply; caller frees. NULL when out of memory. */
uint8_t *api_reply_pack(const Liaison__ApiReply *r, size_t *len);
uint8_t *api_error_pack(uint64_t request_id, int code, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Queue a reply (or an error) in request order; it goes out at the end of
 * the turn whatever the commit's outcome. */
void api_reply(struct node *n, const uint8_t *rid, size_t rid_len, const Liaison__ApiReply *r);
void api_error(struct node *n, const uint8_t *rid, size_t rid_len, uint64_t request_id, int code, const char *fmt,
	       ...) __attribute__((format(printf, 6, 7)));

#endif

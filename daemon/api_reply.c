/* Replies to client API requests: packing, and queueing them in request
 * order behind the turn's commit. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api_reply.h"
#include "turn.h"

uint8_t *api_reply_pack(const Liaison__ApiReply *r, size_t *len)
{
	*len = liaison__api_reply__get_packed_size(r);
	uint8_t *buf = malloc(*len ? *len : 1);
	if (buf)
		liaison__api_reply__pack(r, buf);
	return buf;
}

static uint8_t *error_vpack(uint64_t request_id, int code, size_t *len, const char *fmt, va_list ap)
{
	char text[512];
	vsnprintf(text, sizeof(text), fmt, ap);
	Liaison__ApiReply r = LIAISON__API_REPLY__INIT;
	r.version = 1;
	r.request_id = request_id;
	r.error = code;
	r.message = text;
	return api_reply_pack(&r, len);
}

uint8_t *api_error_pack(uint64_t request_id, int code, size_t *len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	uint8_t *buf = error_vpack(request_id, code, len, fmt, ap);
	va_end(ap);
	return buf;
}

/* Replies go through the deferred queue so that they keep request order
 * with replies that wait for this turn's commit; one that does not depend
 * on the commit goes out whatever its outcome (one buffer for both cases,
 * not a copy: a query page is megabytes). Takes ownership of buf. */
static void defer_always(struct node *n, const uint8_t *rid, size_t rid_len, uint8_t *buf, size_t len)
{
	if (buf)
		node_defer(n, n->api, rid, rid_len, buf, len, buf, len);
}

void api_reply(struct node *n, const uint8_t *rid, size_t rid_len, const Liaison__ApiReply *r)
{
	size_t len;
	uint8_t *buf = api_reply_pack(r, &len);
	defer_always(n, rid, rid_len, buf, len);
}

void api_error(struct node *n, const uint8_t *rid, size_t rid_len, uint64_t request_id, int code, const char *fmt,
	       ...)
{
	va_list ap;
	size_t len;
	va_start(ap, fmt);
	uint8_t *buf = error_vpack(request_id, code, &len, fmt, ap);
	va_end(ap);
	defer_always(n, rid, rid_len, buf, len);
}

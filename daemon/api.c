/* The client API: ApiRequest frames on the api ROUTER, authenticated by
 * CURVE and the ZAP handler (the user id is the client's name), checked
 * against the client's role, dispatched to the api_*.c handlers. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>
#include <sodium.h>
#include "api.h"
#include "api_reply.h"
#include "api_send.h"
#include "api_read.h"
#include "api_admin.h"
#include "api_admin_ops.h"
#include "api_backup.h"
#include "rotate.h"
#include "api_subscribe.h"
#include "log.h"
#include "zalloc.h"

static enum role required_role(Liaison__ApiRequest__KindCase k)
{
	switch (k) {
	case LIAISON__API_REQUEST__KIND_SEND: return ROLE_OFFICER;
	case LIAISON__API_REQUEST__KIND_RELOAD:
	case LIAISON__API_REQUEST__KIND_AUDIT:
	case LIAISON__API_REQUEST__KIND_ADMIN_PEER:
	case LIAISON__API_REQUEST__KIND_ADMIN_CLIENT:
	case LIAISON__API_REQUEST__KIND_ADMIN_MEMBER:
	case LIAISON__API_REQUEST__KIND_ROTATE_KEY:
	case LIAISON__API_REQUEST__KIND_BACKUP: return ROLE_ADMIN;
	default: return ROLE_READER;
	}
}

static const char *request_name(Liaison__ApiRequest__KindCase k)
{
	switch (k) {
	case LIAISON__API_REQUEST__KIND_SEND: return "send";
	case LIAISON__API_REQUEST__KIND_QUERY: return "query";
	case LIAISON__API_REQUEST__KIND_GET: return "get";
	case LIAISON__API_REQUEST__KIND_SUBSCRIBE: return "subscribe";
	case LIAISON__API_REQUEST__KIND_SUBSCRIBE_ACK: return "subscribe";
	case LIAISON__API_REQUEST__KIND_STATUS: return "status";
	case LIAISON__API_REQUEST__KIND_PEERS: return "peers";
	case LIAISON__API_REQUEST__KIND_RELOAD: return "reload";
	case LIAISON__API_REQUEST__KIND_AUDIT: return "audit";
	case LIAISON__API_REQUEST__KIND_ADMIN_PEER: return "administer peers";
	case LIAISON__API_REQUEST__KIND_ADMIN_CLIENT: return "administer clients";
	case LIAISON__API_REQUEST__KIND_ADMIN_MEMBER: return "administer members";
	case LIAISON__API_REQUEST__KIND_ROTATE_KEY: return "rotate the node key";
	case LIAISON__API_REQUEST__KIND_BACKUP: return "back up the store";
	default: return "?";
	}
}

static void dispatch(struct node *n, const uint8_t *rid, size_t rid_len, const struct client_conf *c,
		     const Liaison__ApiRequest *req)
{
	uint64_t id = req->request_id;
	n->counters.api_requests++;
	if (req->version != 1) {
		api_error(n, rid, rid_len, id, 64, "unsupported API version %u", req->version);
		return;
	}
	if (c->role < required_role(req->kind_case)) {
		n->counters.refused++;
		log_info("client %s (role %s) refused: %s", c->name, role_name(c->role), request_name(req->kind_case));
		api_error(n, rid, rid_len, id, 77, "not permitted: role %s cannot %s", role_name(c->role),
			  request_name(req->kind_case));
		return;
	}
	switch (req->kind_case) {
	case LIAISON__API_REQUEST__KIND_SEND:
		api_send(n, rid, rid_len, c->name, id, req->send);
		break;
	case LIAISON__API_REQUEST__KIND_QUERY:
		api_query(n, rid, rid_len, id, req->query);
		break;
	case LIAISON__API_REQUEST__KIND_GET:
		api_get(n, rid, rid_len, id, req->get);
		break;
	case LIAISON__API_REQUEST__KIND_SUBSCRIBE:
		sub_start(n, rid, rid_len, c->name, id, req->subscribe);
		break;
	case LIAISON__API_REQUEST__KIND_SUBSCRIBE_ACK:
		sub_ack(n, rid, rid_len, req->subscribe_ack);
		break;
	case LIAISON__API_REQUEST__KIND_STATUS:
		api_status(n, rid, rid_len, id, req->status);
		break;
	case LIAISON__API_REQUEST__KIND_PEERS:
		api_peers(n, rid, rid_len, id);
		break;
	case LIAISON__API_REQUEST__KIND_RELOAD:
	case LIAISON__API_REQUEST__KIND_AUDIT:
		api_admin(n, rid, rid_len, c->name, id, req->kind_case);
		break;
	case LIAISON__API_REQUEST__KIND_ADMIN_PEER:
		api_admin_peer(n, rid, rid_len, c->name, id, req->admin_peer);
		break;
	case LIAISON__API_REQUEST__KIND_ADMIN_CLIENT:
		api_admin_client(n, rid, rid_len, c->name, id, req->admin_client);
		break;
	case LIAISON__API_REQUEST__KIND_ADMIN_MEMBER:
		api_admin_member(n, rid, rid_len, c->name, id, req->admin_member);
		break;
	case LIAISON__API_REQUEST__KIND_ROTATE_KEY:
		api_rotate_key(n, rid, rid_len, c->name, id, req->rotate_key);
		break;
	case LIAISON__API_REQUEST__KIND_BACKUP:
		api_backup(n, rid, rid_len, c->name, id, req->backup);
		break;
	default:
		api_error(n, rid, rid_len, id, 64, "malformed request");
	}
}

/* The client a request comes from, checked against the running
 * configuration on every request: the ZAP handler names the client and its
 * key ("NAME:HEXKEY"), so a client removed, or given a new certificate,
 * since its connection was admitted is refused from its next request on. */
static const struct client_conf *api_client_of(struct node *n, const char *user)
{
	const char *colon = user ? strchr(user, ':') : NULL;
	if (!colon || strlen(colon + 1) != 2 * LIAISON_BOX_PK || (size_t)(colon - user) > LIAISON_NAME_MAX)
		return NULL;
	char name[LIAISON_NAME_MAX + 1];
	uint8_t key[LIAISON_BOX_PK];
	snprintf(name, sizeof(name), "%.*s", (int)(colon - user), user);
	if (sodium_hex2bin(key, sizeof(key), colon + 1, 2 * LIAISON_BOX_PK, NULL, NULL, NULL) < 0)
		return NULL;
	const struct client_conf *c = config_client(n->conf, name);
	return c && !sodium_memcmp(c->cert.box_pk, key, LIAISON_BOX_PK) ? c : NULL;
}

void api_handle(struct node *n)
{
	for (int budget = API_REQUESTS_PER_TURN; budget > 0; budget--) {
		zmq_msg_t rid, body;
		zmq_msg_init(&rid);
		zmq_msg_init(&body);
		if (zmq_msg_recv(&rid, n->api, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&rid);
			zmq_msg_close(&body);
			return;
		}
		if (!zmq_msg_more(&rid) || zmq_msg_recv(&body, n->api, 0) < 0) {
			zmq_msg_close(&rid);
			zmq_msg_close(&body);
			continue;
		}
		bool extra = false;
		while (zmq_msg_more(&body)) {
			zmq_msg_t x;
			zmq_msg_init(&x);
			zmq_msg_recv(&x, n->api, 0);
			zmq_msg_close(&x);
			extra = true;
		}
		const char *user = zmq_msg_gets(&body, "User-Id");
		const struct client_conf *c = api_client_of(n, user);
		const uint8_t *r = zmq_msg_data(&rid);
		size_t rl = zmq_msg_size(&rid);
		Liaison__ApiRequest *req = NULL;
		if (!c)
			api_error(n, r, rl, 0, 77, "not permitted: client no longer configured, or its certificate was replaced");
		else if (extra || !(req = liaison__api_request__unpack(&zalloc_protobuf, zmq_msg_size(&body),
								      zmq_msg_data(&body))))
			api_error(n, r, rl, 0, 64, "malformed request");
		else
			dispatch(n, r, rl, c, req);
		/* a send request carries plaintext: wipe the request and its frame */
		if (req)
			liaison__api_request__free_unpacked(req, &zalloc_protobuf);
		sodium_memzero(zmq_msg_data(&body), zmq_msg_size(&body));
		zmq_msg_close(&rid);
		zmq_msg_close(&body);
	}
}

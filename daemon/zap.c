/* The ZAP handler (ZeroMQ RFC 27) on inproc://zeromq.zap.01: admits only
 * pinned keys. Domain "peer": the certificates of [peer] sections, user id
 * the peer's name. Domain "api": the certificates of [client] sections, user
 * id the client's name. Anything else is refused with 400; refusals are
 * counted and told within bounds by zap_refusals.c. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>
#include <sodium.h>
#include "zap.h"
#include "zap_refusals.h"
#include "timefmt.h"

#define ZAP_FRAMES 7

/* Answers one ZAP request; returns 0, or -1 when none is waiting. */
int zap_handle(struct node *n)
{
	zmq_msg_t f[ZAP_FRAMES + 1];
	int count = 0;
	for (;;) {
		if (count > ZAP_FRAMES) { /* too many frames: drain and refuse */
			zmq_msg_close(&f[ZAP_FRAMES]);
			count = ZAP_FRAMES;
		}
		zmq_msg_init(&f[count]);
		if (zmq_msg_recv(&f[count], n->zap, count == 0 ? ZMQ_DONTWAIT : 0) < 0) {
			zmq_msg_close(&f[count]);
			if (count == 0)
				return -1;
			break;
		}
		count++;
		if (!zmq_msg_more(&f[count - 1]))
			break;
	}
	char domain[32] = "", address[64] = "", mech[16] = "";
	const char *status = "400", *text = "unknown key", *user = "";
	char client_id[LIAISON_NAME_MAX + 2 + 2 * LIAISON_BOX_PK];
	if (count >= 6) {
		snprintf(domain, sizeof(domain), "%.*s", (int)zmq_msg_size(&f[2]), (char *)zmq_msg_data(&f[2]));
		snprintf(address, sizeof(address), "%.*s", (int)zmq_msg_size(&f[3]), (char *)zmq_msg_data(&f[3]));
		snprintf(mech, sizeof(mech), "%.*s", (int)zmq_msg_size(&f[5]), (char *)zmq_msg_data(&f[5]));
	}
	if (count == 7 && !strcmp(mech, "CURVE") && zmq_msg_size(&f[6]) == 32) {
		const uint8_t *key = zmq_msg_data(&f[6]);
		if (!strcmp(domain, "peer")) {
			const struct peer_conf *p = config_peer_by_key(n->conf, key);
			int64_t now = time_now_ms();
			/* a peer that rotated its key: the previous one during the overlap */
			for (size_t i = 0; !p && i < n->conf->n_peers; i++)
				if (n->conf->peers[i].prev_until > now &&
				    !memcmp(n->conf->peers[i].prev_cert.box_pk, key, LIAISON_BOX_PK))
					p = &n->conf->peers[i];
			if (p) {
				status = "200", text = "OK", user = p->name;
			}
		} else if (!strcmp(domain, "api")) {
			const struct client_conf *c = config_client_by_key(n->conf, key);
			if (c) { /* name and key: the API checks both on every request */
				char hex[2 * LIAISON_BOX_PK + 1];
				sodium_bin2hex(hex, sizeof(hex), key, LIAISON_BOX_PK);
				snprintf(client_id, sizeof(client_id), "%s:%s", c->name, hex);
				status = "200", text = "OK", user = client_id;
			}
		}
		if (*status != '2')
			refusals_note(n,
				      !strcmp(domain, "peer")  ? REFUSED_PEER_KEY
				      : !strcmp(domain, "api") ? REFUSED_CLIENT_KEY
							       : REFUSED_OTHER,
				      domain, key, address);
	} else if (count > 0) {
		refusals_note(n, REFUSED_OTHER, domain, NULL, address);
	}
	/* reply: version, request id, status code, status text, user id, metadata */
	zmq_send(n->zap, "1.0", 3, ZMQ_SNDMORE);
	if (count >= 2)
		zmq_send(n->zap, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]), ZMQ_SNDMORE);
	else
		zmq_send(n->zap, "", 0, ZMQ_SNDMORE);
	zmq_send(n->zap, status, 3, ZMQ_SNDMORE);
	zmq_send(n->zap, text, strlen(text), ZMQ_SNDMORE);
	zmq_send(n->zap, user, strlen(user), ZMQ_SNDMORE);
	zmq_send(n->zap, "", 0, 0);
	for (int i = 0; i < count; i++)
		zmq_msg_close(&f[i]);
	return 0;
}

/* libFuzzer target: arbitrary bytes as a client API frame. As a request
 * (what a node's api ROUTER receives): liaison__api_request__unpack, and the
 * payload and labels of a send rendered to JSON and parsed back as the
 * client's --file input is. As a reply (what the client receives): the
 * messages of a query, get or subscribe reply, and the status and peers
 * replies, rendered through pbjson_from_message and through the client's
 * own renderers, as `liaison` prints them (lines, blocks and `--json`).
 *
 * The seed corpus (tests/fuzz/corpus/api_request/) holds valid requests and
 * replies. Built with -DFUZZ_MAKE_SEEDS this file is the program that wrote
 * them: fuzz_api_request_seeds OUT_DIR */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "client.h"
#include "liaison.pb-c.h"
#include "pbjson.h"

#ifndef FUZZ_MAKE_SEEDS

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		abort();
	return 0;
}

static void render_json(json_t *j)
{
	if (j)
		render_json_line(devnull, j);
	json_decref(j);
}

/* Renders m as JSON, prints it to a string and, when asked, parses that
 * JSON back into a message of the same type (as `send --file` would). */
static void render(const ProtobufCMessage *m, bool back)
{
	if (!m)
		return;
	json_t *j = pbjson_from_message(m);
	if (!j)
		return;
	char *s = json_dumps(j, JSON_COMPACT);
	free(s);
	if (back) {
		char err[256];
		ProtobufCMessage *again = pbjson_to_message(m->descriptor, j, err, sizeof err);
		if (again)
			protobuf_c_message_free_unpacked(again, NULL);
	}
	json_decref(j);
}

static void render_messages(Liaison__Message **msgs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		render(&msgs[i]->base, false);
		if (msgs[i]->payload)
			render(&msgs[i]->payload->base, true);
		render_message_line(devnull, msgs[i]);
		render_message_block(devnull, msgs[i]);
		render_json(render_message_json(msgs[i]));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Liaison__ApiRequest *req = liaison__api_request__unpack(NULL, size, data);
	if (req) {
		render(&req->base, false);
		if (req->kind_case == LIAISON__API_REQUEST__KIND_SEND && req->send) {
			if (req->send->payload)
				render(&req->send->payload->base, true);
			if (req->send->label)
				render(&req->send->label->base, true);
		}
		liaison__api_request__free_unpacked(req, NULL);
	}
	Liaison__ApiReply *rep = liaison__api_reply__unpack(NULL, size, data);
	if (rep) {
		switch (rep->kind_case) {
		case LIAISON__API_REPLY__KIND_QUERY:
			if (rep->query)
				render_messages(rep->query->messages, rep->query->n_messages);
			break;
		case LIAISON__API_REPLY__KIND_SUBSCRIBE:
			if (rep->subscribe)
				render_messages(rep->subscribe->messages, rep->subscribe->n_messages);
			break;
		case LIAISON__API_REPLY__KIND_GET:
			if (rep->get && rep->get->message)
				render_messages(&rep->get->message, 1);
			break;
		case LIAISON__API_REPLY__KIND_STATUS:
			render(&rep->status->base, false);
			render_status_text(devnull, rep->status);
			render_json(render_status_json(rep->status));
			break;
		case LIAISON__API_REPLY__KIND_PEERS:
			render(&rep->peers->base, false);
			render_peers_text(devnull, rep->peers);
			render_json(render_peers_json(rep->peers));
			break;
		default:
			render(&rep->base, false);
		}
		liaison__api_reply__free_unpacked(rep, NULL);
	}
	return 0;
}

#else

static void write_msg(const char *dir, const char *name, const ProtobufCMessage *m)
{
	char path[4096];
	size_t len = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = malloc(len ? len : 1);
	protobuf_c_message_pack(m, buf);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *out = fopen(path, "wb");
	if (!out || fwrite(buf, 1, len, out) != len || fclose(out) != 0) {
		perror(path);
		exit(1);
	}
	free(buf);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
		return 64;
	}
	const char *dir = argv[1];
	char *to[] = { "BRAVO", "CHARLIE" };
	Liaison__SituationReport sitrep = LIAISON__SITUATION_REPORT__INIT;
	sitrep.title = "Bridge at Km 12 closed";
	sitrep.summary = "Flooding since 04:00.";
	Liaison__Period period = LIAISON__PERIOD__INIT;
	period.from = "2026-11-27T00:00:00Z";
	period.to = "2026-11-27T06:00:00Z";
	sitrep.period = &period;
	Liaison__Payload p = LIAISON__PAYLOAD__INIT;
	p.body_case = LIAISON__PAYLOAD__BODY_SITREP;
	p.sitrep = &sitrep;
	char *caveats[] = { "REL TO ALPHA, BRAVO" };
	Liaison__SecurityLabel label = LIAISON__SECURITY_LABEL__INIT;
	label.classification = LIAISON__CLASSIFICATION__RESTRICTED;
	label.tlp = LIAISON__TLP__TLP_AMBER;
	label.caveats = caveats;
	label.n_caveats = 1;

	Liaison__ApiRequest r = LIAISON__API_REQUEST__INIT;
	r.version = 1;
	r.request_id = 7;
	Liaison__SendRequest send = LIAISON__SEND_REQUEST__INIT;
	send.type = LIAISON__MESSAGE_TYPE__SITREP;
	send.to = to;
	send.n_to = 2;
	send.topic = "route.blue";
	send.precedence = LIAISON__PRECEDENCE__IMMEDIATE;
	send.label = &label;
	send.payload = &p;
	r.kind_case = LIAISON__API_REQUEST__KIND_SEND;
	r.send = &send;
	write_msg(dir, "send", &r.base);

	Liaison__QueryRequest q = LIAISON__QUERY_REQUEST__INIT;
	q.type = LIAISON__MESSAGE_TYPE__WARNING;
	q.from = "ALPHA";
	q.topic_glob = "route.*";
	q.since = 1800000000000LL;
	q.limit = 100;
	r.kind_case = LIAISON__API_REQUEST__KIND_QUERY;
	r.query = &q;
	write_msg(dir, "query", &r.base);

	uint8_t id[16] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	Liaison__GetRequest g = LIAISON__GET_REQUEST__INIT;
	g.id.data = id;
	g.id.len = 16;
	g.envelope = 1;
	r.kind_case = LIAISON__API_REQUEST__KIND_GET;
	r.get = &g;
	write_msg(dir, "get", &r.base);

	Liaison__SubscribeRequest s = LIAISON__SUBSCRIBE_REQUEST__INIT;
	s.durable = "siren";
	s.type = LIAISON__MESSAGE_TYPE__WARNING;
	s.credit = 64;
	r.kind_case = LIAISON__API_REQUEST__KIND_SUBSCRIBE;
	r.subscribe = &s;
	write_msg(dir, "subscribe", &r.base);

	Liaison__StatusRequest st = LIAISON__STATUS_REQUEST__INIT;
	r.kind_case = LIAISON__API_REQUEST__KIND_STATUS;
	r.status = &st;
	write_msg(dir, "status", &r.base);

	/* replies, as the client receives them */
	Liaison__Message m = LIAISON__MESSAGE__INIT, *mp[] = { &m };
	m.id.data = id;
	m.id.len = 16;
	m.from = "ALPHA";
	m.to = to;
	m.n_to = 2;
	m.type = LIAISON__MESSAGE_TYPE__SITREP;
	m.topic = "route.blue";
	m.precedence = LIAISON__PRECEDENCE__ROUTINE;
	m.label = &label;
	m.created = 1800000000000LL;
	m.received = 1800000000500LL;
	m.sequence = 3;
	m.payload = &p;
	m.cursor = 42;
	Liaison__QueryReply qr = LIAISON__QUERY_REPLY__INIT;
	qr.messages = mp;
	qr.n_messages = 1;
	Liaison__ApiReply rep = LIAISON__API_REPLY__INIT;
	rep.version = 1;
	rep.request_id = 7;
	rep.kind_case = LIAISON__API_REPLY__KIND_QUERY;
	rep.query = &qr;
	write_msg(dir, "reply_query", &rep.base);

	Liaison__Point pts[4] = { LIAISON__POINT__INIT, LIAISON__POINT__INIT, LIAISON__POINT__INIT,
				  LIAISON__POINT__INIT };
	Liaison__Point *pp[4] = { &pts[0], &pts[1], &pts[2], &pts[3] };
	pts[1].latitude = 1.5, pts[2].latitude = 1, pts[2].longitude = -2.25;
	Liaison__Polygon poly = LIAISON__POLYGON__INIT, *polys[] = { &poly };
	poly.points = pp;
	poly.n_points = 4;
	Liaison__Area area = LIAISON__AREA__INIT, *areas[] = { &area };
	area.description = "Valley";
	area.polygons = polys;
	area.n_polygons = 1;
	Liaison__EarlyWarning w = LIAISON__EARLY_WARNING__INIT;
	w.event = "Flood";
	w.severity = "Severe";
	w.areas = areas;
	w.n_areas = 1;
	Liaison__Payload wp = LIAISON__PAYLOAD__INIT;
	wp.body_case = LIAISON__PAYLOAD__BODY_WARNING;
	wp.warning = &w;
	m.type = LIAISON__MESSAGE_TYPE__WARNING;
	m.precedence = LIAISON__PRECEDENCE__FLASH;
	m.payload = &wp;
	Liaison__SubscribeReply sr = LIAISON__SUBSCRIBE_REPLY__INIT;
	sr.messages = mp;
	sr.n_messages = 1;
	rep.kind_case = LIAISON__API_REPLY__KIND_SUBSCRIBE;
	rep.subscribe = &sr;
	write_msg(dir, "reply_subscribe", &rep.base);

	Liaison__ApiReply err = LIAISON__API_REPLY__INIT;
	err.version = 1;
	err.request_id = 9;
	err.error = 77;
	err.message = "not permitted: role reader cannot send";
	write_msg(dir, "reply_error", &err.base);

	/* the other request kinds */
	Liaison__SubscribeAck sa = LIAISON__SUBSCRIBE_ACK__INIT;
	sa.cursor = 42;
	sa.credit = 64;
	r.kind_case = LIAISON__API_REQUEST__KIND_SUBSCRIBE_ACK;
	r.subscribe_ack = &sa;
	write_msg(dir, "subscribe_ack", &r.base);
	Liaison__PeersRequest pr = LIAISON__PEERS_REQUEST__INIT;
	r.kind_case = LIAISON__API_REQUEST__KIND_PEERS;
	r.peers = &pr;
	write_msg(dir, "peers", &r.base);
	Liaison__ReloadRequest rl = LIAISON__RELOAD_REQUEST__INIT;
	r.kind_case = LIAISON__API_REQUEST__KIND_RELOAD;
	r.reload = &rl;
	write_msg(dir, "reload", &r.base);
	Liaison__AuditRequest au = LIAISON__AUDIT_REQUEST__INIT;
	r.kind_case = LIAISON__API_REQUEST__KIND_AUDIT;
	r.audit = &au;
	write_msg(dir, "audit", &r.base);
	st.id.data = id;
	st.id.len = 16;
	r.kind_case = LIAISON__API_REQUEST__KIND_STATUS;
	r.status = &st;
	write_msg(dir, "status_message", &r.base);

	/* the other reply kinds */
	Liaison__SendReply sdr = LIAISON__SEND_REPLY__INIT;
	sdr.id.data = id;
	sdr.id.len = 16;
	rep.kind_case = LIAISON__API_REPLY__KIND_SEND;
	rep.send = &sdr;
	write_msg(dir, "reply_send", &rep.base);
	uint8_t env[] = { 0x08, 0x01, 0x12, 0x02, 0x08, 0x01 };
	Liaison__GetReply gr = LIAISON__GET_REPLY__INIT;
	gr.message = &m;
	gr.envelope.data = env;
	gr.envelope.len = sizeof env;
	rep.kind_case = LIAISON__API_REPLY__KIND_GET;
	rep.get = &gr;
	write_msg(dir, "reply_get", &rep.base);
	Liaison__QueueDepth qd = LIAISON__QUEUE_DEPTH__INIT, *qdp[] = { &qd };
	qd.precedence = LIAISON__PRECEDENCE__ROUTINE;
	qd.depth = 12;
	Liaison__Counter ct = LIAISON__COUNTER__INIT, *ctp[] = { &ct };
	ct.name = "envelopes_rejected";
	ct.value = 3;
	Liaison__RecipientState rs = LIAISON__RECIPIENT_STATE__INIT, *rsp[] = { &rs };
	rs.node = "BRAVO";
	rs.state = "delivered";
	rs.updated = 1800000000900LL;
	Liaison__StatusReply str = LIAISON__STATUS_REPLY__INIT;
	str.name = "ALPHA";
	str.uptime = 3600;
	str.peers = 2;
	str.peers_connected = 1;
	str.queues = qdp;
	str.n_queues = 1;
	str.counters = ctp;
	str.n_counters = 1;
	str.id.data = id;
	str.id.len = 16;
	str.recipients = rsp;
	str.n_recipients = 1;
	str.fingerprint = "6VP2-HFOQ-JPRE-ELHD";
	str.stored = 99;
	rep.kind_case = LIAISON__API_REPLY__KIND_STATUS;
	rep.status = &str;
	write_msg(dir, "reply_status", &rep.base);
	Liaison__PeerInfo pi = LIAISON__PEER_INFO__INIT, *pip[] = { &pi };
	pi.name = "BRAVO";
	pi.endpoint = "tcp://bravo.example.org:7600";
	pi.fingerprint = "ABCD-EFGH-JKLM-NPQR";
	pi.connected = 1;
	pi.max_classification = LIAISON__CLASSIFICATION__RESTRICTED;
	pi.queued = 4;
	pi.last_seen = 1800000000000LL;
	Liaison__PeersReply psr = LIAISON__PEERS_REPLY__INIT;
	psr.peers = pip;
	psr.n_peers = 1;
	rep.kind_case = LIAISON__API_REPLY__KIND_PEERS;
	rep.peers = &psr;
	write_msg(dir, "reply_peers", &rep.base);
	Liaison__AdminReply ad = LIAISON__ADMIN_REPLY__INIT;
	ad.message = "audit chain verified";
	ad.records = 1234;
	ad.head = "00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff";
	rep.kind_case = LIAISON__API_REPLY__KIND_ADMIN;
	rep.admin = &ad;
	write_msg(dir, "reply_admin", &rep.base);
	return 0;
}

#endif

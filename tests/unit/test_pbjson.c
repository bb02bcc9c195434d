/* Unit tests for JSON <-> protobuf: round trips of every payload, errors that
 * name the field, and hostile input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "liaison.pb-c.h"
#include "pbjson.h"

/* JSON text of m, parsed back into a message: packs to the same bytes. */
static void round_trip(const ProtobufCMessage *m)
{
	json_t *j = pbjson_from_message(m);
	assert_non_null(j);
	char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	assert_non_null(text);
	json_decref(j);
	json_error_t jerr;
	json_t *back = json_loads(text, 0, &jerr);
	assert_non_null(back);
	char err[256] = "";
	ProtobufCMessage *m2 = pbjson_to_message(m->descriptor, back, err, sizeof err);
	if (!m2)
		fail_msg("%s: %s", text, err);
	json_decref(back);
	size_t n1 = protobuf_c_message_get_packed_size(m), n2 = protobuf_c_message_get_packed_size(m2);
	uint8_t *b1 = malloc(n1 + 1), *b2 = malloc(n2 + 1);
	protobuf_c_message_pack(m, b1);
	protobuf_c_message_pack(m2, b2);
	if (n1 != n2 || memcmp(b1, b2, n1) != 0)
		fail_msg("round trip changed the message: %s", text);
	free(b1);
	free(b2);
	free(text);
	protobuf_c_message_free_unpacked(m2, NULL);
}

/* Parses JSON text into desc; returns the message or NULL with err set. */
static ProtobufCMessage *parse(const ProtobufCMessageDescriptor *desc, const char *text, char *err,
			       size_t errlen)
{
	json_error_t jerr;
	json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	if (!j)
		fail_msg("bad test JSON %s: %s", text, jerr.text);
	ProtobufCMessage *m = pbjson_to_message(desc, j, err, errlen);
	json_decref(j);
	return m;
}

static void expect_error(const ProtobufCMessageDescriptor *desc, const char *text, const char *want)
{
	char err[256] = "";
	ProtobufCMessage *m = parse(desc, text, err, sizeof err);
	if (m) {
		protobuf_c_message_free_unpacked(m, NULL);
		fail_msg("accepted %s", text);
	}
	if (strcmp(err, want) != 0)
		fail_msg("%s: got \"%s\", want \"%s\"", text, err, want);
}

static void test_sitrep_round_trip(void **state)
{
	(void)state;
	Liaison__Period period = LIAISON__PERIOD__INIT;
	period.from = "2026-11-27T00:00:00Z";
	period.to = "2026-11-27T12:00:00Z";
	Liaison__SituationReport s = LIAISON__SITUATION_REPORT__INIT;
	s.reporting_unit = "1st Bn";
	s.location = "Sector 4";
	s.period = &period;
	s.title = "Daily SITREP \"quoted\" ünïcödé";
	s.summary = "Quiet.\nTwo lines.";
	s.situation = "x";
	s.own_activity = "patrols";
	s.logistics = "fuel 80%";
	s.personnel = "all present";
	s.assessment = "stable";
	s.requests = "none";
	Liaison__Payload p = LIAISON__PAYLOAD__INIT;
	p.body_case = LIAISON__PAYLOAD__BODY_SITREP;
	p.sitrep = &s;
	round_trip(&p.base);

	json_t *j = pbjson_from_message(&s.base);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "period"), "to")),
			    "2026-11-27T12:00:00Z");
	assert_string_equal(json_string_value(json_object_get(j, "reporting_unit")), "1st Bn");
	json_decref(j);
}

static void test_status_round_trip(void **state)
{
	(void)state;
	Liaison__StatusUpdate s = LIAISON__STATUS_UPDATE__INIT;
	s.unit = "Field hospital";
	s.status = "DEGRADED";
	s.readiness_percent = 65;
	Liaison__Payload p = LIAISON__PAYLOAD__INIT;
	p.body_case = LIAISON__PAYLOAD__BODY_STATUS;
	p.status = &s;
	round_trip(&p.base);

	/* defaults are left out */
	json_t *j = pbjson_from_message(&s.base);
	assert_int_equal(json_object_size(j), 3);
	assert_null(json_object_get(j, "title"));
	assert_int_equal(json_integer_value(json_object_get(j, "readiness_percent")), 65);
	json_decref(j);
}

static void test_warning_round_trip(void **state)
{
	(void)state;
	Liaison__Point pts[4] = {LIAISON__POINT__INIT, LIAISON__POINT__INIT, LIAISON__POINT__INIT,
				 LIAISON__POINT__INIT};
	Liaison__Point *pp[4];
	double coords[4][2] = {{45.5, 7.25}, {45.6, 7.3}, {-45.7, -7.1}, {45.5, 7.25}};
	for (int i = 0; i < 4; i++) {
		pts[i].latitude = coords[i][0];
		pts[i].longitude = coords[i][1];
		pp[i] = &pts[i];
	}
	Liaison__Polygon poly = LIAISON__POLYGON__INIT;
	poly.n_points = 4;
	poly.points = pp;
	Liaison__Polygon *polys[1] = {&poly};
	Liaison__Circle c1 = LIAISON__CIRCLE__INIT, c2 = LIAISON__CIRCLE__INIT;
	c1.latitude = 1.5;
	c1.longitude = 2.5;
	c1.radius_km = 10;
	c2.latitude = 0.1;
	c2.radius_km = 1e-3;
	Liaison__Circle *circles[2] = {&c1, &c2};
	char *geocodes[2] = {"EMMA_ID=CH001", "FIPS=12345"};
	Liaison__Area area = LIAISON__AREA__INIT;
	area.description = "Valley";
	area.n_polygons = 1;
	area.polygons = polys;
	area.n_circles = 2;
	area.circles = circles;
	area.n_geocodes = 2;
	area.geocodes = geocodes;
	Liaison__Area area2 = LIAISON__AREA__INIT;
	area2.description = "Ridge";
	Liaison__Area *areas[2] = {&area, &area2};
	char *refs[1] = {"alpha,123,2026-11-27T10:00:00Z"};
	Liaison__EarlyWarning w = LIAISON__EARLY_WARNING__INIT;
	w.category = "Geo";
	w.event = "Landslide";
	w.urgency = "Immediate";
	w.severity = "Severe";
	w.certainty = "Likely";
	w.headline = "Landslide risk";
	w.description = "Heavy rain";
	w.instruction = "Evacuate";
	w.n_areas = 2;
	w.areas = areas;
	w.onset = "2026-11-27T19:55:00Z";
	w.expires = "2026-11-28T19:55:00Z";
	w.sender_name = "Civil protection";
	w.msg_type = "Update";
	w.n_references = 1;
	w.references = refs;
	Liaison__Payload p = LIAISON__PAYLOAD__INIT;
	p.body_case = LIAISON__PAYLOAD__BODY_WARNING;
	p.warning = &w;
	round_trip(&p.base);
}

static void test_intel_and_receipt_round_trip(void **state)
{
	(void)state;
	Liaison__IntelligenceReport r = LIAISON__INTELLIGENCE_REPORT__INIT;
	r.title = "Convoy";
	r.subject = "Movement";
	r.source_reliability = "B";
	r.information_credibility = "2";
	r.body = "Seen at dawn";
	r.location = "Bridge";
	r.period = "night";
	r.dissemination = "REL TO BRAVO";
	Liaison__Payload p = LIAISON__PAYLOAD__INIT;
	p.body_case = LIAISON__PAYLOAD__BODY_INTEL;
	p.intel = &r;
	round_trip(&p.base);

	uint8_t id1[16], id2[16];
	for (int i = 0; i < 16; i++) {
		id1[i] = (uint8_t)(i * 17);
		id2[i] = (uint8_t)(255 - i);
	}
	ProtobufCBinaryData ids[2] = {{16, id1}, {16, id2}};
	Liaison__DeliveryReceipt d = LIAISON__DELIVERY_RECEIPT__INIT;
	d.version = 1;
	d.recipient = "BRAVO";
	d.received = INT64_C(1795809300123);
	d.n_message_ids = 2;
	d.message_ids = ids;
	Liaison__Payload p2 = LIAISON__PAYLOAD__INIT;
	p2.body_case = LIAISON__PAYLOAD__BODY_RECEIPT;
	p2.receipt = &d;
	round_trip(&p2.base);

	json_t *j = pbjson_from_message(&d.base);
	json_t *arr = json_object_get(j, "message_ids");
	assert_int_equal(json_array_size(arr), 2);
	assert_string_equal(json_string_value(json_array_get(arr, 0)),
			    "00112233445566778899aabbccddeeff");
	assert_int_equal(json_integer_value(json_object_get(j, "received")), INT64_C(1795809300123));
	json_decref(j);
}

static void test_header_round_trip(void **state)
{
	(void)state;
	uint8_t id[16] = {1, 2, 3}, wk[40] = {9};
	Liaison__Recipient r1 = LIAISON__RECIPIENT__INIT, r2 = LIAISON__RECIPIENT__INIT;
	r1.node = "BRAVO";
	r1.stream_seq = UINT64_MAX; /* beyond a JSON integer: travels as a string */
	r1.wrapped_key = (ProtobufCBinaryData){40, wk};
	r2.node = "CHARLIE";
	r2.stream_seq = 7;
	Liaison__Recipient *rs[2] = {&r1, &r2};
	Liaison__Reference ref = LIAISON__REFERENCE__INIT;
	ref.id = (ProtobufCBinaryData){16, id};
	ref.kind = LIAISON__REFERENCE_KIND__CANCELS;
	Liaison__Reference *refs[1] = {&ref};
	char *caveats[2] = {"REL TO ALPHA, BRAVO", "EYES ONLY"};
	Liaison__SecurityLabel label = LIAISON__SECURITY_LABEL__INIT;
	label.classification = LIAISON__CLASSIFICATION__SECRET;
	label.tlp = LIAISON__TLP__TLP_AMBER_STRICT;
	label.n_caveats = 2;
	label.caveats = caveats;
	Liaison__Header h = LIAISON__HEADER__INIT;
	h.version = 1;
	h.id = (ProtobufCBinaryData){16, id};
	h.sender = "ALPHA";
	h.sequence = 42;
	h.created = INT64_C(1795809300000);
	h.expires = -5;
	h.type = LIAISON__MESSAGE_TYPE__WARNING;
	h.topic = "floods";
	h.precedence = LIAISON__PRECEDENCE__FLASH;
	h.label = &label;
	h.n_recipients = 2;
	h.recipients = rs;
	h.n_references = 1;
	h.references = refs;
	round_trip(&h.base);

	json_t *j = pbjson_from_message(&h.base);
	assert_string_equal(json_string_value(json_object_get(j, "precedence")), "FLASH");
	assert_string_equal(json_string_value(json_object_get(j, "type")), "WARNING");
	json_t *l = json_object_get(j, "label");
	assert_string_equal(json_string_value(json_object_get(l, "tlp")), "TLP_AMBER_STRICT");
	assert_string_equal(json_string_value(json_object_get(j, "id")),
			    "01020300000000000000000000000000");
	json_decref(j);

	/* an ApiReply with a oneof and a bool */
	Liaison__PeerInfo pi = LIAISON__PEER_INFO__INIT;
	pi.name = "BRAVO";
	pi.connected = 1;
	pi.max_classification = LIAISON__CLASSIFICATION__RESTRICTED;
	Liaison__PeerInfo *pis[1] = {&pi};
	Liaison__PeersReply pr = LIAISON__PEERS_REPLY__INIT;
	pr.n_peers = 1;
	pr.peers = pis;
	Liaison__ApiReply ar = LIAISON__API_REPLY__INIT;
	ar.version = 1;
	ar.error = -3;
	ar.kind_case = LIAISON__API_REPLY__KIND_PEERS;
	ar.peers = &pr;
	round_trip(&ar.base);
	/* an empty message in a oneof still shows which one is set */
	Liaison__PeersRequest preq = LIAISON__PEERS_REQUEST__INIT;
	Liaison__ApiRequest areq = LIAISON__API_REQUEST__INIT;
	areq.kind_case = LIAISON__API_REQUEST__KIND_PEERS;
	areq.peers = &preq;
	round_trip(&areq.base);
	j = pbjson_from_message(&areq.base);
	assert_true(json_is_object(json_object_get(j, "peers")));
	json_decref(j);
}

static void test_enums(void **state)
{
	(void)state;
	char err[256];
	Liaison__Header *h = (Liaison__Header *)parse(
		&liaison__header__descriptor,
		"{\"precedence\": \"flash\", \"type\": 3, \"label\": {\"tlp\": \"Tlp_Red\"}}", err,
		sizeof err);
	assert_non_null(h);
	assert_int_equal(h->precedence, LIAISON__PRECEDENCE__FLASH);
	assert_int_equal(h->type, LIAISON__MESSAGE_TYPE__WARNING);
	assert_int_equal(h->label->tlp, LIAISON__TLP__TLP_RED);
	protobuf_c_message_free_unpacked(&h->base, NULL);
	expect_error(&liaison__header__descriptor, "{\"precedence\": \"URGENT\"}",
		     "field 'precedence': unknown liaison.Precedence 'URGENT'");
	expect_error(&liaison__header__descriptor, "{\"precedence\": 9}",
		     "field 'precedence': 9 is not a liaison.Precedence");
	expect_error(&liaison__header__descriptor, "{\"precedence\": true}",
		     "field 'precedence': expected a liaison.Precedence name");
}

static void test_bytes_hex(void **state)
{
	(void)state;
	char err[256];
	Liaison__GetRequest *g = (Liaison__GetRequest *)parse(
		&liaison__get_request__descriptor, "{\"id\": \"00FFa5\"}", err, sizeof err);
	assert_non_null(g);
	assert_int_equal(g->id.len, 3);
	assert_int_equal(g->id.data[0], 0x00);
	assert_int_equal(g->id.data[1], 0xff);
	assert_int_equal(g->id.data[2], 0xa5);
	protobuf_c_message_free_unpacked(&g->base, NULL);
	g = (Liaison__GetRequest *)parse(&liaison__get_request__descriptor, "{\"id\": \"\"}", err,
					 sizeof err);
	assert_non_null(g);
	assert_int_equal(g->id.len, 0);
	protobuf_c_message_free_unpacked(&g->base, NULL);
	expect_error(&liaison__get_request__descriptor, "{\"id\": \"abc\"}",
		     "field 'id': expected an even number of hex digits");
	expect_error(&liaison__get_request__descriptor, "{\"id\": \"zz\"}",
		     "field 'id': expected hex digits");
	expect_error(&liaison__get_request__descriptor, "{\"id\": 12}",
		     "field 'id': expected a string of hex digits");
}

static void test_unknown_and_wrong_types(void **state)
{
	(void)state;
	const ProtobufCMessageDescriptor *sr = &liaison__situation_report__descriptor;
	expect_error(sr, "{\"title\": \"x\", \"colour\": \"red\"}", "unknown field 'colour'");
	expect_error(sr, "{\"period\": {\"from\": \"a\", \"till\": \"b\"}}",
		     "unknown field 'period.till'");
	expect_error(sr, "{\"title\": 5}", "field 'title': expected a string");
	expect_error(sr, "{\"period\": \"today\"}", "field 'period': expected an object");
	expect_error(&liaison__status_update__descriptor, "{\"readiness_percent\": \"high\"}",
		     "field 'readiness_percent': expected an integer");
	expect_error(&liaison__status_update__descriptor, "{\"readiness_percent\": 1.5}",
		     "field 'readiness_percent': expected an integer");
	expect_error(&liaison__status_update__descriptor, "{\"readiness_percent\": -1}",
		     "field 'readiness_percent': -1 is out of range");
	expect_error(&liaison__status_update__descriptor, "{\"readiness_percent\": 4294967296}",
		     "field 'readiness_percent': 4294967296 is out of range");
	expect_error(&liaison__send_request__descriptor, "{\"all\": 1}",
		     "field 'all': expected true or false");
	expect_error(&liaison__send_request__descriptor, "{\"to\": \"BRAVO\"}",
		     "field 'to': expected an array");
	expect_error(&liaison__send_request__descriptor, "{\"to\": [\"BRAVO\", 3]}",
		     "field 'to[1]': expected a string");
	expect_error(&liaison__send_request__descriptor, "{\"to\": [null]}",
		     "field 'to[0]': null is not allowed in an array");
	expect_error(&liaison__circle__descriptor, "{\"radius_km\": \"10\"}",
		     "field 'radius_km': expected a number");
	expect_error(&liaison__payload__descriptor, "{\"sitrep\": {}, \"intel\": {}}",
		     "field 'intel': cannot be given together with 'sitrep'");
	char err[64];
	json_t *arr = json_array();
	assert_null(pbjson_to_message(&liaison__payload__descriptor, arr, err, sizeof err));
	assert_string_equal(err, "expected a JSON object");
	json_decref(arr);

	/* null means "not given" */
	Liaison__SituationReport *s =
		(Liaison__SituationReport *)parse(sr, "{\"title\": null, \"period\": null}", err,
						  sizeof err);
	assert_non_null(s);
	assert_string_equal(s->title, "");
	assert_null(s->period);
	protobuf_c_message_free_unpacked(&s->base, NULL);
}

static void test_nested_path(void **state)
{
	(void)state;
	const char *text = "{\"warning\": {\"areas\": [{\"description\": \"a\"}, "
			   "{\"circles\": [{\"radius_km\": 1}, {\"radius_km\": \"far\"}]}]}}";
	expect_error(&liaison__payload__descriptor, text,
		     "field 'warning.areas[1].circles[1].radius_km': expected a number");
	expect_error(&liaison__early_warning__descriptor,
		     "{\"areas\": [{\"polygons\": [{\"points\": [{\"lat\": 1}]}]}]}",
		     "unknown field 'areas[0].polygons[0].points[0].lat'");

	char err[256];
	Liaison__EarlyWarning *w = (Liaison__EarlyWarning *)parse(
		&liaison__early_warning__descriptor,
		"{\"event\": \"Flood\", \"areas\": [{\"polygons\": [{\"points\": [{\"latitude\": 1, "
		"\"longitude\": 2.5}, {\"latitude\": -3}]}], \"geocodes\": [\"a=1\"]}]}",
		err, sizeof err);
	assert_non_null(w);
	assert_int_equal(w->n_areas, 1);
	assert_int_equal(w->areas[0]->n_polygons, 1);
	assert_int_equal(w->areas[0]->polygons[0]->n_points, 2);
	assert_true(w->areas[0]->polygons[0]->points[0]->longitude == 2.5);
	assert_true(w->areas[0]->polygons[0]->points[1]->latitude == -3);
	assert_string_equal(w->areas[0]->geocodes[0], "a=1");
	protobuf_c_message_free_unpacked(&w->base, NULL);
}

static void test_hostile(void **state)
{
	(void)state;
	char err[256];
	/* huge numbers */
	expect_error(&liaison__header__descriptor, "{\"sequence\": 1e300}",
		     "field 'sequence': expected an integer");
	expect_error(&liaison__header__descriptor, "{\"created\": \"12x\"}",
		     "field 'created': '12x' is not an integer in range");
	expect_error(&liaison__header__descriptor, "{\"sequence\": \"99999999999999999999999\"}",
		     "field 'sequence': '99999999999999999999999' is not an integer in range");
	expect_error(&liaison__header__descriptor, "{\"sequence\": \"-1\"}",
		     "field 'sequence': '-1' is not an integer in range");
	expect_error(&liaison__header__descriptor, "{\"sequence\": -1}",
		     "field 'sequence': -1 is out of range");
	expect_error(&liaison__rejected_envelope__descriptor, "{\"error\": 2147483648}",
		     "field 'error': 2147483648 is out of range");
	Liaison__Header *h = (Liaison__Header *)parse(
		&liaison__header__descriptor,
		"{\"sequence\": \"18446744073709551615\", \"created\": -9223372036854775808}", err,
		sizeof err);
	assert_non_null(h);
	assert_true(h->sequence == UINT64_MAX);
	assert_true(h->created == INT64_MIN);
	protobuf_c_message_free_unpacked(&h->base, NULL);

	/* deep nesting: a JSON value nested far below the schema's depth fails at the
	 * first type mismatch, and a failure deep inside frees everything built */
	char *deep = malloc(20000);
	strcpy(deep, "{\"send\": {\"payload\": {\"warning\": {\"areas\": [{\"circles\": [");
	for (int i = 0; i < 2000; i++)
		strcat(deep, "[");
	for (int i = 0; i < 2000; i++)
		strcat(deep, "]");
	strcat(deep, "]}]}}}}");
	expect_error(&liaison__api_request__descriptor, deep,
		     "field 'send.payload.warning.areas[0].circles[0]': expected an object");
	free(deep);

	/* a failure after sub-messages were built leaks nothing (run under ASan) */
	expect_error(&liaison__api_request__descriptor,
		     "{\"send\": {\"to\": [\"A\", \"B\"], \"label\": {\"caveats\": [\"x\"]}, "
		     "\"payload\": {\"warning\": {\"areas\": [{\"circles\": [{\"latitude\": 1}, "
		     "{\"latitude\": 1, \"bogus\": 2}]}]}}}}",
		     "unknown field 'send.payload.warning.areas[0].circles[1].bogus'");
	expect_error(&liaison__api_request__descriptor,
		     "{\"send\": {\"payload\": {\"sitrep\": {\"title\": 1}}}}",
		     "field 'send.payload.sitrep.title': expected a string");
	/* a string with a NUL inside */
	expect_error(&liaison__situation_report__descriptor, "{\"title\": \"a\\u0000b\"}",
		     "field 'title': string contains a NUL character");
	/* a very long field name is cut in the message, not overflowing it */
	char *longname = malloc(5000);
	strcpy(longname, "{\"");
	memset(longname + 2, 'x', 4000);
	strcpy(longname + 4002, "\": 1}");
	assert_null(parse(&liaison__situation_report__descriptor, longname, err, sizeof err));
	assert_true(strncmp(err, "unknown field 'xxxx", 19) == 0);
	free(longname);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sitrep_round_trip),
		cmocka_unit_test(test_status_round_trip),
		cmocka_unit_test(test_warning_round_trip),
		cmocka_unit_test(test_intel_and_receipt_round_trip),
		cmocka_unit_test(test_header_round_trip),
		cmocka_unit_test(test_enums),
		cmocka_unit_test(test_bytes_hex),
		cmocka_unit_test(test_unknown_and_wrong_types),
		cmocka_unit_test(test_nested_path),
		cmocka_unit_test(test_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

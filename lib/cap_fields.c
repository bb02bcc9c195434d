/* The CAP 1.2 element tables: which element goes to which field, in the
 * order the schema (CAP-v1.2.xsd) requires. */
#include <stddef.h>

#include "cap_priv.h"

#define S(name, msg, field, req) { name, CAP_STR, req, offsetof(msg, field), 0 }
#define R(name, kind, msg, field) { name, kind, false, offsetof(msg, field), offsetof(msg, n_##field) }

const struct cap_field cap_alert_fields[] = {
	S("identifier", Liaison__EarlyWarning, cap_identifier, true),
	S("sender", Liaison__EarlyWarning, cap_sender, true),
	S("sent", Liaison__EarlyWarning, cap_sent, true),
	S("status", Liaison__EarlyWarning, cap_status, true),
	S("msgType", Liaison__EarlyWarning, msg_type, true),
	S("source", Liaison__EarlyWarning, cap_source, false),
	S("scope", Liaison__EarlyWarning, cap_scope, true),
	S("restriction", Liaison__EarlyWarning, cap_restriction, false),
	S("addresses", Liaison__EarlyWarning, cap_addresses, false),
	R("code", CAP_STRS, Liaison__EarlyWarning, cap_codes),
	S("note", Liaison__EarlyWarning, cap_note, false),
	R("references", CAP_WORDS, Liaison__EarlyWarning, references),
	S("incidents", Liaison__EarlyWarning, cap_incidents, false),
	R("info", CAP_INFOS, Liaison__EarlyWarning, cap_info),
};
const size_t cap_alert_nfields = sizeof(cap_alert_fields) / sizeof(cap_alert_fields[0]);

const struct cap_field cap_info_fields[] = {
	S("language", Liaison__CapInfo, language, false),
	R("category", CAP_STRS, Liaison__CapInfo, categories),
	S("event", Liaison__CapInfo, event, true),
	R("responseType", CAP_STRS, Liaison__CapInfo, response_types),
	S("urgency", Liaison__CapInfo, urgency, true),
	S("severity", Liaison__CapInfo, severity, true),
	S("certainty", Liaison__CapInfo, certainty, true),
	S("audience", Liaison__CapInfo, audience, false),
	R("eventCode", CAP_VALUES, Liaison__CapInfo, event_codes),
	S("effective", Liaison__CapInfo, effective, false),
	S("onset", Liaison__CapInfo, onset, false),
	S("expires", Liaison__CapInfo, expires, false),
	S("senderName", Liaison__CapInfo, sender_name, false),
	S("headline", Liaison__CapInfo, headline, false),
	S("description", Liaison__CapInfo, description, false),
	S("instruction", Liaison__CapInfo, instruction, false),
	S("web", Liaison__CapInfo, web, false),
	S("contact", Liaison__CapInfo, contact, false),
	R("parameter", CAP_VALUES, Liaison__CapInfo, parameters),
	R("resource", CAP_RESOURCES, Liaison__CapInfo, resources),
	R("area", CAP_AREAS, Liaison__CapInfo, areas),
};
const size_t cap_info_nfields = sizeof(cap_info_fields) / sizeof(cap_info_fields[0]);

const struct cap_field cap_area_fields[] = {
	S("areaDesc", Liaison__Area, description, true),
	R("polygon", CAP_POLYGONS, Liaison__Area, polygons),
	R("circle", CAP_CIRCLES, Liaison__Area, circles),
	R("geocode", CAP_GEOCODES, Liaison__Area, geocodes),
	S("altitude", Liaison__Area, altitude, false),
	S("ceiling", Liaison__Area, ceiling, false),
};
const size_t cap_area_nfields = sizeof(cap_area_fields) / sizeof(cap_area_fields[0]);

const struct cap_field cap_resource_fields[] = {
	S("resourceDesc", Liaison__CapResource, resource_desc, true),
	S("mimeType", Liaison__CapResource, mime_type, true),
	S("size", Liaison__CapResource, size, false),
	S("uri", Liaison__CapResource, uri, false),
	S("derefUri", Liaison__CapResource, deref_uri, false),
	S("digest", Liaison__CapResource, digest, false),
};
const size_t cap_resource_nfields = sizeof(cap_resource_fields) / sizeof(cap_resource_fields[0]);

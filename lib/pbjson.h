/* JSON for protobuf messages, driven by protobuf-c's descriptors, so that
 * JSON input and output mirror the fields of proto/liaison.proto. */
#ifndef LIAISON_PBJSON_H
#define LIAISON_PBJSON_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

/* A JSON object of m's fields, named as in the .proto file. Fields at their
 * default (empty string, 0, false, empty repeated, unset message) are left
 * out. Enums print as their value names, bytes as lower-case hex, int64/uint64
 * as JSON integers. Caller owns the result (json_decref). */
json_t *pbjson_from_message(const ProtobufCMessage *m);

/* A JSON string of data as lower-case hex; NULL when out of memory. */
json_t *pbjson_hex(const uint8_t *data, size_t len);

/* Builds a message of type desc from a JSON object. Unknown fields, wrong
 * JSON types and unknown enum names are errors: returns NULL and writes one
 * line naming the field ("field 'severity': expected a string") into err.
 * Enum values may be given by name (case-insensitive) or number. Caller frees
 * the result with protobuf_c_message_free_unpacked(msg, NULL). */
ProtobufCMessage *pbjson_to_message(const ProtobufCMessageDescriptor *desc, json_t *obj,
				    char *err, size_t errlen);

#endif

/* JSON for protobuf messages, driven by protobuf-c's descriptors: the JSON
 * names are the .proto field names, so the JSON forms follow the wire format
 * without a hand-written mapping per message. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>

#include "pbjson.h"
#include "textsafe.h"

/* liaison.proto nests at most a handful of levels; anything deeper is hostile. */
#define PBJSON_MAX_DEPTH 32
#define PBJSON_PATH_MAX 256

#define MEMBER(type, msg, off) (*(type *)((char *)(msg) + (off)))
#define CMEMBER(type, msg, off) (*(const type *)((const char *)(msg) + (off)))

/* ------------------------------------------------------------ message -> JSON */

static json_t *hex_encode(const ProtobufCBinaryData *b)
{
	return pbjson_hex(b->data, b->len);
}

json_t *pbjson_hex(const uint8_t *data, size_t len)
{
	char *s = malloc(len * 2 + 1);
	if (!s)
		return NULL;
	sodium_bin2hex(s, len * 2 + 1, data, len);
	json_t *j = json_stringn(s, len * 2);
	free(s);
	return j;
}

/* Strings must be UTF-8 in JSON; a damaged one prints with U+FFFD for
 * each invalid byte rather than failing the whole message. */
static json_t *string_value(const char *s)
{
	json_t *j = json_string(s);
	if (j)
		return j;
	char *copy = textsafe_utf8_repair(s, strlen(s));
	if (!copy)
		return NULL;
	j = json_string(copy);
	free(copy);
	return j;
}

static json_t *message_to_json(const ProtobufCMessage *m, int depth);

/* One value of field f stored at p. */
static json_t *value_to_json(const ProtobufCFieldDescriptor *f, const void *p, int depth)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		return json_integer(*(const int32_t *)p);
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		return json_integer(*(const uint32_t *)p);
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		return json_integer(*(const int64_t *)p);
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64: {
		uint64_t v = *(const uint64_t *)p;
		if (v <= (uint64_t)INT64_MAX)
			return json_integer((json_int_t)v);
		/* beyond a JSON integer in jansson: a decimal string, which parses back */
		char buf[24];
		snprintf(buf, sizeof buf, "%" PRIu64, v);
		return json_string(buf);
	}
	case PROTOBUF_C_TYPE_FLOAT:
		return json_real(*(const float *)p);
	case PROTOBUF_C_TYPE_DOUBLE:
		return json_real(*(const double *)p);
	case PROTOBUF_C_TYPE_BOOL:
		return json_boolean(*(const protobuf_c_boolean *)p);
	case PROTOBUF_C_TYPE_ENUM: {
		int v = *(const int *)p;
		const ProtobufCEnumValue *ev =
			protobuf_c_enum_descriptor_get_value(f->descriptor, v);
		return ev ? json_string(ev->name) : json_integer(v);
	}
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)p;
		return string_value(s ? s : "");
	}
	case PROTOBUF_C_TYPE_BYTES:
		return hex_encode((const ProtobufCBinaryData *)p);
	case PROTOBUF_C_TYPE_MESSAGE: {
		const ProtobufCMessage *sub = *(ProtobufCMessage *const *)p;
		return sub ? message_to_json(sub, depth + 1) : json_object();
	}
	}
	return NULL;
}

static size_t elem_size(ProtobufCType type)
{
	switch (type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		return 4;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return 8;
	case PROTOBUF_C_TYPE_FLOAT:
		return sizeof(float);
	case PROTOBUF_C_TYPE_DOUBLE:
		return sizeof(double);
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_ENUM:
		return sizeof(int);
	case PROTOBUF_C_TYPE_STRING:
		return sizeof(char *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(ProtobufCMessage *);
	}
	return 0;
}

/* true if the singular field f of m holds its default value (proto3). */
static bool is_default(const ProtobufCFieldDescriptor *f, const void *p)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		return *(const uint32_t *)p == 0;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return *(const uint64_t *)p == 0;
	case PROTOBUF_C_TYPE_FLOAT:
		return *(const float *)p == 0;
	case PROTOBUF_C_TYPE_DOUBLE:
		return *(const double *)p == 0;
	case PROTOBUF_C_TYPE_BOOL:
		return !*(const protobuf_c_boolean *)p;
	case PROTOBUF_C_TYPE_ENUM:
		return *(const int *)p == 0;
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)p;
		return !s || !*s;
	}
	case PROTOBUF_C_TYPE_BYTES:
		return ((const ProtobufCBinaryData *)p)->len == 0;
	case PROTOBUF_C_TYPE_MESSAGE:
		return *(ProtobufCMessage *const *)p == NULL;
	}
	return true;
}

static json_t *message_to_json(const ProtobufCMessage *m, int depth)
{
	const ProtobufCMessageDescriptor *desc = m->descriptor;
	if (depth > PBJSON_MAX_DEPTH)
		return NULL;
	json_t *obj = json_object();
	if (!obj)
		return NULL;
	for (unsigned i = 0; i < desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &desc->fields[i];
		const void *p = (const char *)m + f->offset;
		json_t *v = NULL;

		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = CMEMBER(size_t, m, f->quantifier_offset);
			const char *arr = *(char *const *)p;
			if (n == 0 || !arr)
				continue;
			v = json_array();
			if (!v)
				goto fail;
			for (size_t k = 0; k < n; k++) {
				json_t *e = value_to_json(f, arr + k * elem_size(f->type), depth);
				if (!e || json_array_append_new(v, e) < 0) {
					json_decref(v);
					goto fail;
				}
			}
		} else {
			if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
				if (CMEMBER(uint32_t, m, f->quantifier_offset) != f->id)
					continue;
			} else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset &&
				   f->type != PROTOBUF_C_TYPE_MESSAGE &&
				   f->type != PROTOBUF_C_TYPE_STRING) {
				if (!CMEMBER(protobuf_c_boolean, m, f->quantifier_offset))
					continue;
			} else if (f->label != PROTOBUF_C_LABEL_REQUIRED && is_default(f, p)) {
				continue;
			}
			v = value_to_json(f, p, depth);
			if (!v) {
				/* NaN and infinities have no JSON form: left out */
				if (f->type == PROTOBUF_C_TYPE_DOUBLE || f->type == PROTOBUF_C_TYPE_FLOAT)
					continue;
				goto fail;
			}
		}
		if (json_object_set_new(obj, f->name, v) < 0)
			goto fail;
	}
	return obj;
fail:
	json_decref(obj);
	return NULL;
}

json_t *pbjson_from_message(const ProtobufCMessage *m)
{
	if (!m || !m->descriptor)
		return NULL;
	return message_to_json(m, 0);
}

/* ------------------------------------------------------------ JSON -> message */

struct ctx {
	char path[PBJSON_PATH_MAX];
	size_t len;
	char *err;
	size_t errlen;
};

static bool fail(struct ctx *c, const char *fmt, ...)
{
	char what[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (c->err && c->errlen)
		snprintf(c->err, c->errlen, "field '%s': %s", c->path, what);
	return false;
}

/* Appends ".name" (or "name" at the top) or "[i]" to the path; returns the old length. */
static size_t path_push(struct ctx *c, const char *name, long index)
{
	size_t old = c->len;
	int n;
	if (name)
		n = snprintf(c->path + c->len, sizeof c->path - c->len, "%s%s", c->len ? "." : "",
			     name);
	else
		n = snprintf(c->path + c->len, sizeof c->path - c->len, "[%ld]", index);
	if (n > 0)
		c->len = c->len + (size_t)n < sizeof c->path ? c->len + (size_t)n : sizeof c->path - 1;
	return old;
}

static void path_pop(struct ctx *c, size_t old)
{
	c->len = old;
	c->path[old] = '\0';
}

/* A JSON integer, or for 64-bit fields also a string of decimal digits
 * (uint64 values above INT64_MAX print that way). */
static bool get_integer(struct ctx *c, const ProtobufCFieldDescriptor *f, json_t *v, bool is_signed,
			int64_t min, uint64_t max, int64_t *s_out, uint64_t *u_out)
{
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);
		if (is_signed) {
			if (i < min || (i > 0 && (uint64_t)i > max))
				return fail(c, "%lld is out of range", (long long)i);
			*s_out = i;
		} else {
			if (i < 0 || (uint64_t)i > max)
				return fail(c, "%lld is out of range", (long long)i);
			*u_out = (uint64_t)i;
		}
		return true;
	}
	bool wide = max > UINT32_MAX;
	if (json_is_string(v) && wide) {
		const char *s = json_string_value(v);
		char *end;
		errno = 0;
		if (is_signed) {
			long long i = strtoll(s, &end, 10);
			if (*s && *end == '\0' && errno == 0 && (*s == '-' || (*s >= '0' && *s <= '9'))) {
				*s_out = i;
				return true;
			}
		} else {
			unsigned long long u = strtoull(s, &end, 10);
			if (*s >= '0' && *s <= '9' && *end == '\0' && errno == 0) {
				*u_out = u;
				return true;
			}
		}
		return fail(c, "'%.40s' is not an integer in range", s);
	}
	(void)f;
	return fail(c, "expected an integer");
}

static bool json_to_message(struct ctx *c, const ProtobufCMessageDescriptor *desc, json_t *obj,
			    int depth, ProtobufCMessage **out);

/* Parses v into the value of field f at p. On failure p may hold a partly
 * built value that protobuf_c_message_free_unpacked can still free. */
static bool value_from_json(struct ctx *c, const ProtobufCFieldDescriptor *f, json_t *v, void *p,
			    int depth)
{
	int64_t s = 0;
	uint64_t u = 0;
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		if (!get_integer(c, f, v, true, INT32_MIN, INT32_MAX, &s, &u))
			return false;
		*(int32_t *)p = (int32_t)s;
		return true;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		if (!get_integer(c, f, v, false, 0, UINT32_MAX, &s, &u))
			return false;
		*(uint32_t *)p = (uint32_t)u;
		return true;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		if (!get_integer(c, f, v, true, INT64_MIN, INT64_MAX, &s, &u))
			return false;
		*(int64_t *)p = s;
		return true;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		if (!get_integer(c, f, v, false, 0, UINT64_MAX, &s, &u))
			return false;
		*(uint64_t *)p = u;
		return true;
	case PROTOBUF_C_TYPE_FLOAT:
	case PROTOBUF_C_TYPE_DOUBLE: {
		if (!json_is_number(v))
			return fail(c, "expected a number");
		double d = json_number_value(v);
		if (!isfinite(d))
			return fail(c, "expected a finite number");
		if (f->type == PROTOBUF_C_TYPE_FLOAT)
			*(float *)p = (float)d;
		else
			*(double *)p = d;
		return true;
	}
	case PROTOBUF_C_TYPE_BOOL:
		if (!json_is_boolean(v))
			return fail(c, "expected true or false");
		*(protobuf_c_boolean *)p = json_is_true(v);
		return true;
	case PROTOBUF_C_TYPE_ENUM: {
		const ProtobufCEnumDescriptor *ed = f->descriptor;
		if (json_is_integer(v)) {
			json_int_t i = json_integer_value(v);
			if (i < INT32_MIN || i > INT32_MAX ||
			    !protobuf_c_enum_descriptor_get_value(ed, (int)i))
				return fail(c, "%lld is not a %s", (long long)i, ed->name);
			*(int *)p = (int)i;
			return true;
		}
		if (!json_is_string(v))
			return fail(c, "expected a %s name", ed->name);
		const char *name = json_string_value(v);
		for (unsigned k = 0; k < ed->n_values; k++) {
			if (strcasecmp(ed->values[k].name, name) == 0) {
				*(int *)p = ed->values[k].value;
				return true;
			}
		}
		return fail(c, "unknown %s '%.40s'", ed->name, name);
	}
	case PROTOBUF_C_TYPE_STRING: {
		if (!json_is_string(v))
			return fail(c, "expected a string");
		size_t len = json_string_length(v);
		const char *src = json_string_value(v);
		if (memchr(src, '\0', len))
			return fail(c, "string contains a NUL character");
		char *copy = malloc(len + 1);
		if (!copy)
			return fail(c, "out of memory");
		memcpy(copy, src, len + 1);
		*(char **)p = copy;
		return true;
	}
	case PROTOBUF_C_TYPE_BYTES: {
		if (!json_is_string(v))
			return fail(c, "expected a string of hex digits");
		const char *hex = json_string_value(v);
		size_t len = json_string_length(v);
		if (len % 2)
			return fail(c, "expected an even number of hex digits");
		ProtobufCBinaryData b = {0, NULL};
		if (len) {
			b.data = malloc(len / 2);
			if (!b.data)
				return fail(c, "out of memory");
			size_t got = 0;
			const char *end = NULL;
			if (sodium_hex2bin(b.data, len / 2, hex, len, NULL, &got, &end) != 0 || got != len / 2 ||
			    end != hex + len) {
				free(b.data);
				return fail(c, "expected hex digits");
			}
			b.len = len / 2;
		}
		*(ProtobufCBinaryData *)p = b;
		return true;
	}
	case PROTOBUF_C_TYPE_MESSAGE:
		return json_to_message(c, f->descriptor, v, depth + 1, (ProtobufCMessage **)p);
	}
	return fail(c, "unsupported field type");
}

static bool repeated_from_json(struct ctx *c, const ProtobufCFieldDescriptor *f, json_t *v,
			       ProtobufCMessage *m, int depth)
{
	if (!json_is_array(v))
		return fail(c, "expected an array");
	size_t n = json_array_size(v);
	if (n == 0)
		return true;
	size_t size = elem_size(f->type);
	char *arr = calloc(n, size);
	if (!arr)
		return fail(c, "out of memory");
	/* the array belongs to m from here on, with only the filled elements
	 * counted, so freeing m after a failure frees exactly what was built */
	MEMBER(char *, m, f->offset) = arr;
	for (size_t k = 0; k < n; k++) {
		size_t old = path_push(c, NULL, (long)k);
		json_t *e = json_array_get(v, k);
		if (json_is_null(e)) {
			fail(c, "null is not allowed in an array");
			return false;
		}
		if (!value_from_json(c, f, e, arr + k * size, depth)) {
			/* a failed sub-message is already allocated: count it to free it */
			if (f->type == PROTOBUF_C_TYPE_MESSAGE && *(void **)(arr + k * size))
				MEMBER(size_t, m, f->quantifier_offset) = k + 1;
			return false;
		}
		path_pop(c, old);
		MEMBER(size_t, m, f->quantifier_offset) = k + 1;
	}
	return true;
}

static bool field_from_json(struct ctx *c, const ProtobufCMessageDescriptor *desc,
			    const ProtobufCFieldDescriptor *f, json_t *v, ProtobufCMessage *m,
			    int depth)
{
	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return repeated_from_json(c, f, v, m, depth);
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
		uint32_t *which = &MEMBER(uint32_t, m, f->quantifier_offset);
		if (*which && *which != f->id) {
			const ProtobufCFieldDescriptor *other =
				protobuf_c_message_descriptor_get_field(desc, (int)*which);
			return fail(c, "cannot be given together with '%s'",
				    other ? other->name : "?");
		}
		/* members of a oneof share their storage: mark the case once there
		 * is something to free under it, never for a value not written */
		bool ok = value_from_json(c, f, v, (char *)m + f->offset, depth);
		if (ok || (f->type == PROTOBUF_C_TYPE_MESSAGE && MEMBER(void *, m, f->offset)))
			*which = f->id;
		return ok;
	}
	if (!value_from_json(c, f, v, (char *)m + f->offset, depth))
		return false;
	if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset &&
	    f->type != PROTOBUF_C_TYPE_MESSAGE && f->type != PROTOBUF_C_TYPE_STRING)
		MEMBER(protobuf_c_boolean, m, f->quantifier_offset) = 1;
	return true;
}

static bool json_to_message(struct ctx *c, const ProtobufCMessageDescriptor *desc, json_t *obj,
			    int depth, ProtobufCMessage **out)
{
	if (depth > PBJSON_MAX_DEPTH)
		return fail(c, "nested too deeply");
	if (!json_is_object(obj))
		return fail(c, "expected an object");
	ProtobufCMessage *m = calloc(1, desc->sizeof_message);
	if (!m)
		return fail(c, "out of memory");
	protobuf_c_message_init(desc, m);
	*out = m; /* the caller's message owns m from here on, even if a field fails */

	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) {
		size_t old = path_push(c, key, 0);
		const ProtobufCFieldDescriptor *f =
			protobuf_c_message_descriptor_get_field_by_name(desc, key);
		if (!f) {
			if (c->err && c->errlen)
				snprintf(c->err, c->errlen, "unknown field '%s'", c->path);
			return false;
		}
		if (!json_is_null(v) && !field_from_json(c, desc, f, v, m, depth))
			return false;
		path_pop(c, old);
	}
	return true;
}

ProtobufCMessage *pbjson_to_message(const ProtobufCMessageDescriptor *desc, json_t *obj,
				    char *err, size_t errlen)
{
	struct ctx c = {.err = err, .errlen = errlen};
	ProtobufCMessage *m = NULL;
	if (err && errlen)
		err[0] = '\0';
	if (!desc)
		return NULL;
	if (!json_is_object(obj)) {
		if (err && errlen)
			snprintf(err, errlen, "expected a JSON object");
		return NULL;
	}
	if (!json_to_message(&c, desc, obj, 0, &m)) {
		if (m)
			protobuf_c_message_free_unpacked(m, NULL);
		return NULL;
	}
	return m;
}

/* Names of message types, precedences, classifications and TLP markings, as
 * users type them and as liaison prints them. Parsers are case-insensitive. */
#ifndef LIAISON_LABELS_H
#define LIAISON_LABELS_H

#include <stdbool.h>
#include <stddef.h>
#include "liaison.pb-c.h"

/* "sitrep" | "status" | "warning" | "intel" | "receipt" */
bool label_type_parse(const char *s, Liaison__MessageType *out);
const char *label_type_name(Liaison__MessageType t);

/* "flash" | "immediate" | "priority" | "routine"; names print as "FLASH"... */
bool label_precedence_parse(const char *s, Liaison__Precedence *out);
const char *label_precedence_name(Liaison__Precedence p);
/* warning: FLASH, the rest ROUTINE */
Liaison__Precedence label_default_precedence(Liaison__MessageType t);

/* UNCLASSIFIED < RESTRICTED < CONFIDENTIAL < SECRET < TOP_SECRET ("TOP SECRET" also parses) */
bool label_classification_parse(const char *s, Liaison__Classification *out);
const char *label_classification_name(Liaison__Classification c);

/* CLEAR | GREEN | AMBER | AMBER+STRICT | RED, with or without a "TLP:" prefix */
bool label_tlp_parse(const char *s, Liaison__Tlp *out);
const char *label_tlp_name(Liaison__Tlp t);

/* Topics: ASCII letters, digits and . _ - / :, at most LABEL_TOPIC_MAX bytes,
 * possibly empty. On failure *bad_at (if not NULL) is the offset of the
 * first byte not allowed (LABEL_TOPIC_MAX when the topic is too long). */
#define LABEL_TOPIC_MAX 256
#define LABEL_TOPIC_ALPHABET "letters, digits and . _ - / :"
bool label_topic_valid(const char *t, size_t *bad_at);
/* One line saying why t is not a topic, from label_topic_valid's bad_at:
 * "topic has '\x1b' at offset 2: only letters, digits and . _ - / : are allowed". */
void label_topic_explain(const char *t, size_t bad_at, char *out, size_t len);

#endif

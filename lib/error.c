/* Descriptions of liaison error codes. */
#include "error.h"

static const char *const messages[LIAISON_E_COUNT] = {
	[LIAISON_OK] = "ok",
	[LIAISON_E_NOMEM] = "out of memory",
	[LIAISON_E_IO] = "input/output error",
	[LIAISON_E_EMPTY] = "input is empty",
	[LIAISON_E_TOO_LARGE] = "input exceeds its size limit",
	[LIAISON_E_TRUNCATED] = "input is truncated",
	[LIAISON_E_PARSE] = "input is malformed",
	[LIAISON_E_VERSION] = "unknown format version",
	[LIAISON_E_UNKNOWN_SENDER] = "sender is not a pinned peer",
	[LIAISON_E_WRONG_KEY] = "sender key id does not match its certificate",
	[LIAISON_E_SIGNATURE] = "signature does not verify",
	[LIAISON_E_HASH] = "ciphertext does not match its signed hash",
	[LIAISON_E_NOT_RECIPIENT] = "this node is not a recipient",
	[LIAISON_E_DECRYPT] = "decryption failed",
	[LIAISON_E_EXPIRED] = "message has expired",
	[LIAISON_E_REPLAY] = "message was already received",
	[LIAISON_E_PERM] = "secret key file is readable by group or others",
	[LIAISON_E_EXISTS] = "file exists",
	[LIAISON_E_NAME] = "invalid name",
	[LIAISON_E_KIND] = "wrong kind of key",
	[LIAISON_E_INVALID] = "invalid argument",
	[LIAISON_E_FUTURE] = "message was created in the future",
	[LIAISON_E_TOPIC] = "topic has a character not allowed",
};

const char *liaison_strerror(int err)
{
	if (err < 0 || err >= LIAISON_E_COUNT || !messages[err])
		return "unknown error";
	return messages[err];
}

static const char *const names[LIAISON_E_COUNT] = {
	[LIAISON_OK] = "ok",
	[LIAISON_E_NOMEM] = "nomem",
	[LIAISON_E_IO] = "io",
	[LIAISON_E_EMPTY] = "empty",
	[LIAISON_E_TOO_LARGE] = "too_large",
	[LIAISON_E_TRUNCATED] = "truncated",
	[LIAISON_E_PARSE] = "parse",
	[LIAISON_E_VERSION] = "version",
	[LIAISON_E_UNKNOWN_SENDER] = "unknown_sender",
	[LIAISON_E_WRONG_KEY] = "wrong_key",
	[LIAISON_E_SIGNATURE] = "signature",
	[LIAISON_E_HASH] = "hash",
	[LIAISON_E_NOT_RECIPIENT] = "not_recipient",
	[LIAISON_E_DECRYPT] = "decrypt",
	[LIAISON_E_EXPIRED] = "expired",
	[LIAISON_E_REPLAY] = "replay",
	[LIAISON_E_PERM] = "perm",
	[LIAISON_E_EXISTS] = "exists",
	[LIAISON_E_NAME] = "name",
	[LIAISON_E_KIND] = "kind",
	[LIAISON_E_INVALID] = "invalid",
	[LIAISON_E_FUTURE] = "future",
	[LIAISON_E_TOPIC] = "bad_topic",
};

const char *liaison_errname(int err)
{
	if (err < 0 || err >= LIAISON_E_COUNT || !names[err])
		return "unknown";
	return names[err];
}

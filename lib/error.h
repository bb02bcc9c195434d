/* liaison error codes: every library function returns one of these. */
#ifndef LIAISON_ERROR_H
#define LIAISON_ERROR_H

enum liaison_err {
	LIAISON_OK = 0,
	LIAISON_E_NOMEM,          /* out of memory */
	LIAISON_E_IO,             /* read, write or fsync failed (errno holds why) */
	LIAISON_E_EMPTY,          /* input is empty */
	LIAISON_E_TOO_LARGE,      /* input exceeds its size limit */
	LIAISON_E_TRUNCATED,      /* input ends inside a field */
	LIAISON_E_PARSE,          /* input is not a well-formed message or file */
	LIAISON_E_VERSION,        /* unknown format version */
	LIAISON_E_UNKNOWN_SENDER, /* sender has no pinned certificate */
	LIAISON_E_WRONG_KEY,      /* sender's key id does not match its certificate */
	LIAISON_E_SIGNATURE,      /* signature does not verify */
	LIAISON_E_HASH,           /* ciphertext does not match its signed hash */
	LIAISON_E_NOT_RECIPIENT,  /* this node is not among the recipients */
	LIAISON_E_DECRYPT,        /* key unwrap or decryption failed */
	LIAISON_E_EXPIRED,        /* the message's expiry time has passed */
	LIAISON_E_REPLAY,         /* the message was seen before */
	LIAISON_E_PERM,           /* a secret key file is readable by group or others */
	LIAISON_E_EXISTS,         /* refusing to overwrite an existing file */
	LIAISON_E_NAME,           /* invalid name */
	LIAISON_E_KIND,           /* key or certificate of the wrong kind */
	LIAISON_E_INVALID,        /* an argument is out of range */
	LIAISON_E_FUTURE,         /* created later than now plus the clock skew allowed */
	LIAISON_E_TOPIC,          /* the topic has a character outside its alphabet, or is too long */
	LIAISON_E_COUNT
};

/* A short, stable, lower-case description of err ("signature does not verify"). */
const char *liaison_strerror(int err);
/* The code's stable snake_case name without the prefix ("signature",
 * "unknown_sender"): what status and metrics count rejections by. */
const char *liaison_errname(int err);

#endif

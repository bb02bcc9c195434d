/* Sealed envelopes: a payload sealed once by its originating node, opened
 * only by the nodes it is addressed to, and by that node itself.
 *
 * Version 2 (sealed now; docs/architecture.md, "The envelope"): the payload
 * is encrypted once (XChaCha20-Poly1305) with a content key used for that
 * message alone, derived from the message id under the sender's self key of
 * the epoch; that key is encrypted for each recipient under a key shared
 * between the sender's current epoch X25519 key and the recipient's X25519
 * key. Nonces are derived, not carried, and the sender recomputes the
 * content key from its own X25519 secret instead of carrying a copy. The
 * header (routing fields, label, recipients with their stream positions and
 * wrapped keys) is signed with the sender's Ed25519 key under a
 * domain-separation prefix together with the BLAKE2b hash of the
 * ciphertext, so the signature binds the ciphertext, the origin, the
 * recipients and the label. Version 1 (earlier liaison: random nonces and
 * the hash carried, a wrapped copy for the sender) is opened, not sealed.
 *
 * Epoch trade-off: an ephemeral crypto_box_seal per recipient per message
 * costs ~67 us each; wrapping under a per-epoch sender key whose shared key
 * with each recipient is computed once per epoch costs < 1 us. Compromise of
 * the sender's memory during an epoch reveals that epoch's messages; epoch
 * secrets are wiped on rotation, so earlier epochs stay closed (forward
 * secrecy on the sender side at epoch granularity). A recipient's long-term
 * X25519 key opens everything addressed to it, as with crypto_box_seal. */
#ifndef LIAISON_ENVELOPE_H
#define LIAISON_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>
#include "keyfile.h"
#include "liaison.pb-c.h"

#define ENVELOPE_ID_LEN 16
#define ENVELOPE_MAX_RECIPIENTS 256
#define ENVELOPE_HEADER_MAX (64 * 1024)
/* default bound on a payload; an envelope may be this plus ENVELOPE_HEADER_MAX */
#define ENVELOPE_DEFAULT_MAX_MESSAGE (1024 * 1024)
/* The largest max_message a node can be configured with (liaisond.conf(5)),
 * and so the largest envelope any node accepts: that payload bound, a full
 * header and the envelope's own framing (the node's bound is max_message +
 * ENVELOPE_HEADER_MAX + 1024). Offline tools accept up to this, so that
 * nothing a node could take is refused by them. */
#define ENVELOPE_MAX_MESSAGE_LIMIT ((size_t)64 << 20)
#define ENVELOPE_MAX_ANY_NODE (ENVELOPE_MAX_MESSAGE_LIMIT + ENVELOPE_HEADER_MAX + 1024)

#define ENVELOPE_SIGN_PREFIX "liaison-envelope-v2"  /* signed with its NUL */
#define ENVELOPE_SIGN_PREFIX_V1 "liaison-envelope-v1" /* version-1 envelopes (opened only) */
#define RECEIPT_SIGN_PREFIX "liaison-receipt-v1"

/* A recipient to seal to. */
struct envelope_recipient {
	const char *node;
	const uint8_t *box_pk; /* 32 bytes */
	uint64_t stream_seq;
};

/* Sealer: the sender's key, its epoch key pair and the cached shared keys.
 * The epoch rotates when epoch_seconds have passed or epoch_messages were
 * sealed, whichever comes first. Holds a reference to key (not owned). */
struct sealer;
struct sealer *sealer_new(const struct liaison_key *key, uint32_t epoch_seconds,
			  uint32_t epoch_messages);
void sealer_destroy(struct sealer **s);

/* Seals payload as version 2. hdr is filled by the caller with sender,
 * sequence, created, expires, type, topic, precedence, label and references
 * (recipients are ignored); the sealer sets id (random, unless hdr->id has
 * 16 bytes: then a new epoch begins first, see envelope_keys.c),
 * sender_key_id, epoch_key and recipients. rcpts may name the sender itself
 * (stream 0, its own box key): that copy is derived, so the entry is left
 * off the wire; at least one other recipient is required.
 * On success *out is a malloc'ed serialized Envelope (caller frees) and
 * id_out (if not NULL) receives the message id. hdr is not modified. */
int envelope_seal(struct sealer *s, const Liaison__Header *hdr, const Liaison__Payload *payload,
		  const struct envelope_recipient *rcpts, size_t n_rcpts, int64_t now_ms,
		  uint8_t **out, size_t *out_len, uint8_t id_out[ENVELOPE_ID_LEN]);

/* Opener: a node's key and a cache of shared keys per sender epoch key. */
struct opener;
struct opener *opener_new(const struct liaison_key *key);
void opener_destroy(struct opener **o);

/* Clocks disagree: the time checks of an opener allow this much between
 * the sender's clock and now_ms (default ENVELOPE_DEFAULT_CLOCK_SKEW_MS).
 * An envelope is expired only when expires + skew < now, and refused as
 * created in the future when created > now + skew. skew_ms < 0 is ignored. */
#define ENVELOPE_DEFAULT_CLOCK_SKEW_MS (15 * 60 * 1000)
void opener_set_clock_skew(struct opener *o, int64_t skew_ms);

/* Finds the pinned certificate of a sender by name, or NULL. */
typedef const struct liaison_cert *(*cert_lookup_fn)(void *ctx, const char *name);

/* An opened envelope; release with opened_clear. */
struct opened {
	Liaison__Envelope *envelope;
	Liaison__Header *header;
	Liaison__Payload *payload; /* NULL after envelope_verify */
};
void opened_clear(struct opened *o);

/* Opens a serialized envelope (version 2 or 1). Checks, in order, each
 * failure with its own code: size (EMPTY, TOO_LARGE where max_len bounds
 * the whole envelope), parse (TRUNCATED, PARSE, VERSION), known sender
 * (UNKNOWN_SENDER, WRONG_KEY), signature (SIGNATURE; in version 2 it covers
 * the ciphertext's hash), ciphertext hash (HASH, version 1), recipient
 * (NOT_RECIPIENT; in version 2 the opener's node opens its own message with
 * no entry when the key id names its key, else DECRYPT, so that a caller
 * holding former keys tries them),
 * decryption (DECRYPT; also PARSE if the plaintext is not a Payload matching
 * the header's type), times against now_ms with the opener's clock skew
 * (FUTURE when created too late, EXPIRED). Replay is the caller's check. On
 * failure *out is left empty. */
int envelope_open(struct opener *o, const uint8_t *buf, size_t len, size_t max_len,
		  cert_lookup_fn lookup, void *ctx, int64_t now_ms, struct opened *out);

/* The steps of envelope_open, for callers that act between them (a node
 * checks stream positions after the signature holds and before it decrypts;
 * it re-reads envelopes from its own store without checking them again).
 *
 * envelope_parse: size and parse checks only (no signature). On failure *out
 * is left empty. */
int envelope_parse(const uint8_t *buf, size_t len, size_t max_len, struct opened *out);
/* envelope_open_header: size, parse, known sender, signature and ciphertext
 * hash; out->payload stays NULL. On failure *out is left empty. */
int envelope_open_header(const uint8_t *buf, size_t len, size_t max_len, cert_lookup_fn lookup,
			 void *ctx, struct opened *out);
/* envelope_decrypt: recipient, decryption and times (created in the future,
 * expiry, with the opener's clock skew; now_ms 0: not checked) of an envelope from envelope_parse or envelope_open_header; sets
 * out->payload. On failure out->envelope and out->header stay as they were
 * (the caller still clears them) and out->payload is NULL. */
int envelope_decrypt(struct opener *o, struct opened *out, int64_t now_ms);

/* Verifies without decrypting: size, parse, that sender's certificate
 * (matching name and key id), signature and ciphertext hash. For offline
 * checks with nothing but the sender's certificate. */
int envelope_verify(const uint8_t *buf, size_t len, size_t max_len,
		    const struct liaison_cert *sender, struct opened *out);

/* Signed delivery receipts over a batch of message ids. */
int receipt_sign(const struct liaison_key *key, const Liaison__DeliveryReceipt *r,
		 uint8_t **out, size_t *out_len); /* serialized SignedReceipt, caller frees */
/* Verifies a SignedReceipt by signer's cert; on success *out is the unpacked
 * receipt (free with liaison__delivery_receipt__free_unpacked). */
int receipt_verify(const struct liaison_cert *signer, const Liaison__SignedReceipt *sr,
		   Liaison__DeliveryReceipt **out);

#endif

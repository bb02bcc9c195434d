/* The node's store: SQLite in data_dir, WAL, synchronous=FULL.
 *
 * Envelopes are kept sealed, exactly as they travelled. Writes happen inside
 * a transaction the caller opens with store_begin and ends with
 * store_commit: many messages share one commit (group commit), and nothing
 * is acknowledged to a peer or a client before store_commit returns OK. */
#ifndef LIAISOND_STORE_H
#define LIAISOND_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "liaison.pb-c.h"

#define LANES 4 /* FLASH, IMMEDIATE, PRIORITY, ROUTINE: lane = precedence - 1 */

struct store;

/* Opens (creating if needed) DIR/liaison.db. read_only for offline checks.
 * On failure returns NULL and writes one line into err. */
struct store *store_open(const char *dir, bool read_only, char *err, size_t errlen);
void store_close(struct store **s);
const char *store_errmsg(const struct store *s);

int store_begin(struct store *s);     /* 0 or -1 */
int store_commit(struct store *s);    /* 0, or -1 after rolling back */
void store_rollback(struct store *s);
bool store_in_transaction(const struct store *s);
/* Resets every cached statement, ending the read snapshots they hold, so
 * that checkpoints can move the WAL into the database. Call when idle. */
void store_release(struct store *s);

/* A message as stored: the header fields that index it and the sealed bytes. */
struct stored_msg {
	int64_t pos;
	uint8_t id[16];
	const char *sender;
	uint64_t sequence;
	int type, precedence, classification;
	const char *topic;
	int64_t created, expires, received;
	const uint8_t *envelope;
	size_t envelope_len;
};

/* Inserts a message; *pos_out receives its store position. Returns 0, 1 if
 * a message with this id exists (nothing changed), -1 on error. Appends an
 * audit record in the same transaction. */
int store_put_message(struct store *s, const Liaison__Header *h, const uint8_t *env, size_t env_len,
		      int64_t received, int64_t *pos_out);
bool store_has_message(struct store *s, const uint8_t id[16]);

/* Query: filters are optional (type 0, NULL strings, 0 times: any). Calls fn
 * for each match in store order, starting after `after`, at most limit.
 * With newest = true, the newest `limit` matches, still oldest first. */
struct store_filter {
	int type;
	const char *from;
	const char *topic_glob;
	int64_t since, until; /* on received */
	int64_t after;        /* store position */
	uint32_t limit;
	bool newest;
	int64_t live_at;      /* nonzero: only messages not expired at this time */
};
typedef int (*store_msg_fn)(void *ctx, const struct stored_msg *m);
int store_query(struct store *s, const struct store_filter *f, store_msg_fn fn, void *ctx);
/* Finds by id prefix of nbytes (1..16, plus an odd half byte if ndigits is odd).
 * Returns 1 found, 0 none, 2 ambiguous, -1 error. */
int store_get_by_prefix(struct store *s, const uint8_t prefix[16], size_t ndigits, store_msg_fn fn, void *ctx);
/* Calls fn for the message at pos; returns 1 found, 0 none, -1 error. */
int store_get_at(struct store *s, int64_t pos, store_msg_fn fn, void *ctx);
/* Compares m's indexed columns (id, sender, sequence, type, topic,
 * precedence, classification, created, expires) with the signed header h
 * they were copied from; on a difference returns -1 and names it in why. */
int store_check_columns(const struct stored_msg *m, const Liaison__Header *h, char *why, size_t len);
int64_t store_max_pos(struct store *s);
/* The position just before the first message received at or after t (the
 * newest position when none was): reading in store order from there sees
 * everything received since t. Reads only what was received since t. */
int64_t store_pos_at(struct store *s, int64_t received);
uint64_t store_count(struct store *s);

/* Outgoing streams: one row per (message, peer) */
int store_add_recipient(struct store *s, int64_t pos, const char *peer, int lane, uint64_t stream_seq);
uint64_t store_max_stream_seq(struct store *s, const char *peer, int lane);
uint64_t store_max_sequence(struct store *s, const char *sender);
/* Undelivered messages to peer in lane with stream_seq > after, in order.
 * dest is NULL for a message to the peer itself; for a hop it names the
 * members the peer carries it toward. kind is RELAY_ENVELOPE or, for a
 * receipt travelling back to an origin, RELAY_RECEIPT (bytes: a
 * SignedReceipt). */
typedef int (*store_out_fn)(void *ctx, uint64_t stream_seq, const uint8_t *env, size_t len, const char *dest,
			    int kind);
int store_outbox(struct store *s, const char *peer, int lane, uint64_t after, uint32_t limit, store_out_fn fn, void *ctx);
/* The lowest stream_seq to peer in lane still waiting for its receipt, or 0. */
uint64_t store_first_pending(struct store *s, const char *peer, int lane);
/* When the oldest message to peer in lane still waiting for its receipt
 * was stored (unix ms), or 0 when none waits. */
int64_t store_oldest_pending(struct store *s, const char *peer, int lane);
/* Bytes the store takes on disk: the database and its write-ahead log. */
uint64_t store_size_bytes(struct store *s);
/* Queues again everything to peer in lane after seq (a peer that lost its
 * store); returns how many messages, or -1. */
int store_requeue(struct store *s, const char *peer, int lane, uint64_t after);
/* Marks a message to peer delivered or rejected (by message id); returns
 * how many rows changed (0: none waited), or -1. */
int store_set_recipient_state(struct store *s, const uint8_t id[16], const char *peer, int state, int64_t at, int64_t receipt);
int64_t store_put_receipt(struct store *s, const char *peer, int64_t at, const uint8_t *blob, size_t len);
/* Removes a receipt that settled nothing (all it names was settled before). */
int store_drop_receipt(struct store *s, int64_t receipt);

enum rcpt_state { RCPT_QUEUED = 0, RCPT_DELIVERED = 2, RCPT_REJECTED = 3 };
/* Every row of the message at pos: its recipients (dest NULL) and its hops
 * (dest names the members the hop carries it toward). */
typedef int (*store_rcpt_fn)(void *ctx, const char *peer, int lane, uint64_t stream_seq, int state, int64_t updated,
			     const char *dest);
int store_recipients(struct store *s, int64_t pos, store_rcpt_fn fn, void *ctx);

/* store_limits.c: what each peer said it takes, and why a recipient was
 * rejected. A peer's limits: 1 found, 0 never stated, -1 error. */
int store_peer_limits_get(struct store *s, const char *peer, uint64_t *max_envelope, uint64_t *max_frame);
int store_peer_limits_put(struct store *s, const char *peer, uint64_t max_envelope, uint64_t max_frame);
/* Marks the message at (peer, lane, stream_seq) rejected for peer with a
 * reason, if it still waits; id_out receives its id. Returns 1 marked, 0 not
 * waiting (nothing changed), -1 error. */
int store_withdraw(struct store *s, const char *peer, int lane, uint64_t stream_seq, int64_t at, const char *reason,
		   uint8_t id_out[16]);
/* Records why message id was rejected by peer (the row's state is set apart). */
int store_set_rejection(struct store *s, const uint8_t id[16], const char *peer, const char *reason);
/* The recorded reason for (pos, peer) into buf ("" when none); 0 or -1. */
int store_rejection(struct store *s, int64_t pos, const char *peer, char *buf, size_t len);
/* Per peer, how many messages still wait for its receipt (store_pending.c). */
typedef void (*store_pending_fn)(void *ctx, const char *peer, uint64_t count);
int store_pending_by_peer(struct store *s, store_pending_fn fn, void *ctx);

/* Relaying (store_relay.c). A relay item is kept until every next hop
 * holds it; its outbox rows carry pos = -rpos. */
enum relay_kind { RELAY_ENVELOPE = 0, RELAY_RECEIPT = 1 };
struct relay_item {
	uint8_t id[16];       /* the envelope's id; a receipt's: its first 16 bytes of BLAKE2b */
	const char *origin;   /* who signed it */
	int kind;
	int64_t received, expires;
	const uint8_t *blob;
	size_t len;
};
/* 0 stored, 1 held already (*rpos is its position), -1 error. */
int store_relay_put(struct store *s, const struct relay_item *it, int64_t *rpos);
/* 1 held (rpos set if not NULL), 0 not, -1 error. */
int store_relay_find(struct store *s, const uint8_t id[16], int64_t *rpos);
/* An outbox row on the link to peer: pos of a stored message or -rpos. */
int store_add_hop(struct store *s, int64_t pos, const char *peer, int lane, uint64_t stream_seq, const char *dest);
/* Deletes the relay item with this id once none of its rows waits. */
int store_relay_settle(struct store *s, const uint8_t id[16]);
uint64_t store_relay_count(struct store *s);
/* Rows to member in lane with stream_seq > after, in order: those still
 * waiting for its receipt, or (all) every one, whatever its state. */
typedef int (*store_pending_row_fn)(void *ctx, int64_t pos, uint64_t stream_seq, int state);
int store_member_rows(struct store *s, const char *member, int lane, uint64_t after, uint32_t limit, bool all,
		      store_pending_row_fn fn, void *ctx);
/* Withdraws the waiting hop of pos on peer toward exactly dest (a route
 * given up); returns how many rows, or -1. */
int store_hop_withdraw(struct store *s, int64_t pos, const char *peer, const char *dest, int64_t at);
/* 1 if a row of pos on peer still waits, 0 if not, -1 error. */
int store_hop_waiting(struct store *s, int64_t pos, const char *peer);
/* The members a hop of message (or item) id on peer was carrying it toward: 1 found, 0 none, -1. */
int store_hop_dest(struct store *s, const uint8_t id[16], const char *peer, char *buf, size_t len);

/* Incoming streams: highest contiguous stream_seq held per (sender, lane). */
uint64_t store_lane_mark(struct store *s, const char *sender, int lane);
int store_set_lane_mark(struct store *s, const char *sender, int lane, uint64_t mark);

/* Durable subscriptions. */
int store_sub_get(struct store *s, const char *name, char *client, size_t client_len, int64_t *cursor); /* 1 found, 0 not, -1 err */
int store_sub_put(struct store *s, const char *name, const char *client, int64_t cursor);

/* Retention (store_retention.c): deletes for good, inside the open
 * transaction, at most max messages that are due: expired (expires +
 * clock_skew_ms before now) or older than their type's keep_ms (by when they
 * were received; 0 keeps forever); see store_retention.c for what is kept
 * regardless. Appends one "retention" audit record for what it deleted and
 * calls gone for each position. Returns how many were deleted (0: none
 * due), or -1 (the caller rolls back). */
#define STORE_TYPES 6 /* Liaison__MessageType values */
struct store_retention {
	int64_t keep_ms[STORE_TYPES];
	int64_t now; /* unix ms */
	int64_t clock_skew_ms;
	uint32_t max;
};
struct store_deleted {
	uint32_t expired, aged, receipts;
	int64_t first, last; /* positions */
};
typedef void (*store_gone_fn)(void *ctx, int64_t pos);
int store_retention_chunk(struct store *s, const struct store_retention *r, struct store_deleted *out,
			  store_gone_fn gone, void *ctx);
/* Messages deleted since the store was made, expired and by retention. */
int store_deleted_counts(struct store *s, uint64_t *expired, uint64_t *aged);
/* Asks the checkpoint thread to empty the write-ahead log (truncate it)
 * once everything in it is in the database, so that deleted envelopes do
 * not linger in old WAL frames. */
void store_scrub_wal(struct store *s);

/* Audit: a hash chain over every stored envelope and administrative event. */
int store_audit(struct store *s, const char *kind, const char *detail);
/* The newest record's number and hash (hex) of the audit chain. */
int64_t store_audit_head(const struct store *s, char hex[65]);
/* The envelope hash (hex) that the audit record of the message stored at
 * pos gives. Returns 1 found, 0 no such record, -1 error. Scans the chain. */
int store_audit_envelope_hash(struct store *s, int64_t pos, char hex[65]);
/* Hex BLAKE2b-256 of an envelope, as audit records give it. */
void store_audit_hash_envelope(const uint8_t *env, size_t len, char hex[65]);
/* Verifies the whole chain and that each stored envelope matches its record,
 * going on past faults: fault (if not NULL) gets one line for each bad
 * record. Returns the number of records checked when all hold; else -1,
 * with the first fault (and the number of them, if more) in err. */
typedef void (*store_audit_fault_fn)(void *ctx, const char *line);
int64_t store_audit_verify(struct store *s, store_audit_fault_fn fault, void *ctx, char *err, size_t errlen,
			   uint8_t head[32]);

#endif

/* The running node: its configuration, keys, store, sockets, links to peers
 * and client subscriptions, shared by the daemon's modules. One thread. */
#ifndef LIAISOND_NODE_H
#define LIAISOND_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "error.h"
#include "envelope.h"
#include "store.h"
#include "link_rate.h"
#include <zmq.h>

/* Federation tuning. A batch carries at most BATCH_MAX envelopes; at most
 * WINDOW batches are unacknowledged per peer, plus one FLASH-only batch when
 * the window is full. A loop turn takes every queued FLASH batch, at most
 * INBOUND_FRAMES_PER_TURN routine ones and API_REQUESTS_PER_TURN client
 * requests, so a FLASH message or an acknowledgement never waits behind
 * more than a batch of routine traffic; all a turn writes shares one commit. */
#define BATCH_MAX 128
#define BATCH_MAX_BYTES (2 * 1024 * 1024) /* less on a slow link: link_rate.c */
#define WINDOW 2
#define INBOUND_FRAMES_PER_TURN 1
#define INBOUND_QUEUE_MAX 16
#define API_REQUESTS_PER_TURN 128
#define RESYNC_MS 2000         /* resend hello when a sent batch is unanswered this long */
#define LAZY_COMMIT_MS 50      /* longest a lazy transaction (receipt bookkeeping) stays open */
#define KEEPALIVE_MS 5000
#define SUB_HEARTBEAT_MS 5000
#define SUB_TIMEOUT_MS 15000

/* Our DEALER to one peer and both directions' stream state with it. */
struct link {
	char name[LIAISON_NAME_MAX + 1];
	struct liaison_cert cert;
	char *endpoint;
	Liaison__Classification max_classification;
	void *dealer;
	void *monitor;
	bool connected, synced;
	int inflight;                /* batches sent and not yet acknowledged */
	uint64_t next_seq[LANES];    /* highest stream seq assigned to it */
	uint64_t sent[LANES];        /* highest stream seq sent */
	uint64_t acked[LANES];       /* highest stream seq it holds */
	uint64_t in_mark[LANES];     /* its stream to us: highest contiguous seq we hold */
	int64_t last_hello, last_seen, last_batch;
	int64_t reopen_at;           /* monotonic ms: reopen a link whose handshake was refused */
	struct liaison_cert prev_cert; /* its previous key, accepted until prev_until (unix ms) */
	int64_t prev_until;
	bool announce_pending;       /* our key rotation: it has not acknowledged the announcement */
	bool old_transport;          /* the dealer uses our previous key (until it acknowledges) */
	int64_t last_announce;       /* monotonic ms */
	bool refused;                /* its last handshake was refused (logged once) */
	uint64_t max_envelope;       /* the largest envelope it takes (it said so, or the default) */
	uint64_t max_frame;          /* the largest frame its federation socket takes */
	int64_t down_since;          /* wall ms the link went down (or the node started); 0 while up */
	char last_error[160];        /* the latest trouble with it, "" if none */
	/* Catching up after an outage: from the reconnect until the queue first
	 * empties, how many deliveries it acknowledged (logged then). */
	bool catching_up;
	int64_t outage_ms, back_at;  /* how long it was down; monotonic ms it came back */
	uint64_t caught_up;
	struct link_rate rate;       /* its measured delivery rate: sizes its batches (link_rate.c) */
};

/* An organization reached through relays (member.c): its end-to-end
 * streams, and which of its relays is in use. */
struct member {
	char name[LIAISON_NAME_MAX + 1];
	struct liaison_cert cert;
	char via[MEMBER_VIA_MAX][LIAISON_NAME_MAX + 1];
	size_t n_via;
	Liaison__Classification max_classification;
	uint64_t next_seq[LANES];    /* highest end-to-end stream seq assigned to it */
	uint64_t in_mark[LANES];     /* its stream to us: highest contiguous seq we hold */
	int route;                   /* index into via of the relay in use */
	int64_t route_down;          /* monotonic ms the relay in use was first seen down; 0 while up */
	int64_t resend_at;           /* monotonic ms: hand again what it has not receipted; 0 none due */
	int64_t resend_ivl;
	int64_t gap_reported;        /* monotonic ms we last told it of a gap */
	uint64_t gap_marks[LANES];   /* in_mark when we last told it */
	bool gap_due;                /* a gap seen and not yet told */
	int64_t last_receipt;        /* wall ms of its last receipt */
};

/* Relaying, per origin: a token bucket (relay.c). */
#define RELAY_ORIGINS 64
struct relay_rate {
	char origin[LIAISON_NAME_MAX + 1];
	double tokens;
	int64_t at;
};

struct subscriber {
	uint8_t rid[256];
	size_t rid_len;
	char client[LIAISON_NAME_MAX + 1];
	char durable[LIAISON_NAME_MAX + 1];
	int type;
	char topic[257];
	char from[LIAISON_NAME_MAX + 1];
	int64_t cursor;      /* last store position the subscriber acknowledged */
	int64_t scanned;     /* positions up to here hold nothing more for it */
	int64_t sent_upto;
	uint32_t credit;
	bool waiting;        /* a batch is out, waiting for its ack */
	uint64_t request_id;
	int64_t last_heard, last_sent;
};

/* A frame to send once the current transaction commits; on a failed commit
 * fail_frame is sent instead (or nothing, if it is NULL). fail_frame may be
 * ok_frame itself (a reply that goes out either way); both are wiped when
 * freed (deferred_drop). */
struct deferred {
	void *socket;
	uint8_t rid[256];
	size_t rid_len;
	uint8_t *ok_frame, *fail_frame;
	size_t ok_len, fail_len;
};

/* A batch read from a peer and not yet handled: FLASH batches are taken
 * first, others in arrival order. */
struct inbound_frame {
	uint8_t rid[256];
	size_t rid_len;
	char peer[LIAISON_NAME_MAX + 1];
	Liaison__PeerFrame *frame;
};

/* A connection to the metrics endpoint waiting for its request. */
#define METRICS_CONNS 8
struct metrics_conn {
	int fd;
	char req[512];
	size_t len;
	int64_t since;
};

/* A key this node had before a rotation (keyring.c). */
struct former_key {
	struct liaison_key *key;
	struct opener *opener;
};

struct counters {
	uint64_t sent, received, rejected, duplicates, delivered, api_requests, refused;
	uint64_t rejected_by[LIAISON_E_COUNT]; /* rejected, by the library's error code */
	uint64_t damaged; /* stored messages found damaged when read (msgview.c) */
	uint64_t deleted_expired, deleted_retention; /* deleted since start (retention.c) */
	uint64_t relayed, relay_gaps, relay_resent, relay_held; /* relay.c, member.c */
};

/* Handshakes the ZAP handler refused, by reason, and how much of them the
 * log and the audit chain have been told (see zap_refusals.c). */
enum refusal_reason { REFUSED_PEER_KEY, REFUSED_CLIENT_KEY, REFUSED_OTHER, REFUSAL_REASONS };
#define REFUSED_KEYS_REMEMBERED 64
struct refusals {
	uint64_t count[REFUSAL_REASONS];
	char keys[REFUSED_KEYS_REMEMBERED][45]; /* logged keys, round robin: each is logged once */
	size_t n_keys;
	int64_t log_window, audit_window;        /* monotonic ms: when the current windows began */
	unsigned logged, audited;                /* keys told one by one in the current windows */
	uint64_t log_more, audit_more;           /* refusals not told one by one in them */
};

struct node {
	struct config *conf;
	struct liaison_key *key;
	struct sealer *sealer;
	struct opener *opener;
	struct store *store;
	struct readcache *readcache; /* envelopes verified, by position (msgview.c) */
	void *zctx, *router, *api, *zap;
	int metrics_fd;                  /* -1: no metrics endpoint */
	struct metrics_conn metrics_conns[METRICS_CONNS];
	struct link *links;
	size_t n_links;
	struct member *members;
	size_t n_members;
	struct relay_rate relay_rates[RELAY_ORIGINS];
	struct subscriber *subs;
	size_t n_subs, cap_subs;
	struct inbound_frame inq[INBOUND_QUEUE_MAX];
	size_t n_inq;
	struct deferred *deferred;
	size_t n_deferred, cap_deferred;
	bool tx_failed;
	bool tx_urgent;      /* the open transaction must commit this turn */
	int64_t tx_opened;   /* monotonic ms */
	uint64_t sequence;   /* last per-sender sequence number used */
	int64_t max_pos;     /* newest store position */
	uint64_t deleted_total; /* messages ever deleted from the store (positions below max_pos not held) */
	/* retention.c: when to look next (monotonic ms), whether a backlog
	 * remains, what this pass deleted, the longest chunk since start */
	int64_t retention_next;
	bool retention_busy;
	uint64_t retention_pass;
	int64_t retention_longest_ms;
	int64_t started;
	struct counters counters;
	char fingerprint[LIAISON_FINGERPRINT_LEN];
	struct refusals refusals;
	struct backup_job *backup;       /* a backup in progress (api_backup.c) */
	/* A rotation of this node's key, during its overlap (rotate.c). */
	struct liaison_key *prev_key;
	struct former_key *former;       /* every earlier key, to open what was sealed to it */
	size_t n_former;
	int64_t prev_until;              /* unix ms */
	uint8_t *announce;               /* the packed PeerFrame announcing the new key */
	size_t announce_len;
};

/* node.c */
int node_init(struct node *n, struct config *conf, struct liaison_key *key);
void node_destroy(struct node *n);
int node_reload(struct node *n, struct config *conf); /* takes ownership of conf */
/* Rereads the configuration file; on failure keeps the running one and
 * writes the reason into err. Returns 0 or -1. */
int node_reload_file(struct node *n, char *err, size_t errlen);
int node_load_streams(struct node *n);

#endif

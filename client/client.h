/* liaison, the thin client: what its modules share (options, configuration,
 * the connection to the node, rendering, the commands). */
#ifndef LIAISON_CLIENT_H
#define LIAISON_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <getopt.h>
#include <signal.h>
#include <jansson.h>
#include "liaison.pb-c.h"

/* Exit codes (sysexits). */
#define CLIENT_EX_OK 0
#define CLIENT_EX_FAIL 1
#define CLIENT_EX_USAGE 64
#define CLIENT_EX_UNAVAILABLE 69
#define CLIENT_EX_NOPERM 77
#define CLIENT_EX_CONFIG 78

#define CLIENT_DEFAULT_TIMEOUT_S 5.0
/* A parser's answer when it printed --help: the command is done, exit 0. */
#define CLIENT_DONE (-2)

/* Global options and where output goes. Strings point into argv. */
struct client {
	const char *conf_path; /* -c FILE */
	const char *api;       /* --api */
	const char *node_cert; /* --node-cert */
	const char *key;       /* --key */
	double timeout_s;      /* --timeout */
	FILE *out;             /* stdout */
	FILE *in;              /* stdin */
};

/* ---------------------------------------------------------------- opts.c */

/* Long option codes of the global options, shared by every command's table. */
enum {
	OPT_API = 0x100,
	OPT_NODE_CERT,
	OPT_KEY,
	OPT_TIMEOUT,
	OPT_CMD_BASE = 0x200 /* commands number their own long options from here */
};
#define CLIENT_GLOBAL_SHORT "c:h"
#define CLIENT_GLOBAL_LONG                                             \
	{ "api", required_argument, NULL, OPT_API },                   \
	{ "node-cert", required_argument, NULL, OPT_NODE_CERT },       \
	{ "key", required_argument, NULL, OPT_KEY },                   \
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },           \
	{ "config", required_argument, NULL, 'c' },                    \
	{ "help", no_argument, NULL, 'h' }

/* Sets defaults: no overrides, 5 s, stdout and stdin. */
void client_init(struct client *cl);
/* Handles a global option (c, OPT_API... but not 'h'). Returns 1 if it was one,
 * 0 if not, -1 after printing why its value is bad. */
int client_global_opt(struct client *cl, int c, const char *arg);
/* Prints "liaison: " and the message to stderr. */
void client_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints the offending option and the usage to stderr; returns CLIENT_EX_USAGE. */
int client_bad_option(int argc, char **argv, const char *usage);
/* Prints usage (its first paragraph) to stderr; returns CLIENT_EX_USAGE. */
int client_usage_error(const char *usage);
/* Parses a positive decimal count (N > 0 unless allow_zero); false if not one. */
bool client_parse_count(const char *s, bool allow_zero, uint32_t *out);
/* Parses a message id (or a prefix of at least 8 hex digits): out gets the
 * bytes (an odd last digit fills the high half of the last one), *len their
 * number, *ndigits (unless NULL) the number of digits. False (after
 * printing) if malformed. */
bool client_parse_id(const char *s, bool whole, uint8_t out[16], size_t *len, uint32_t *ndigits);

/* ---------------------------------------------------------------- conf.c */

/* The resolved configuration: every string malloc'ed, paths made absolute
 * against the configuration file's folder. */
struct client_conf {
	char *path; /* the file read, NULL if none */
	char *api;
	char *node_cert;
	char *key;
};

/* Parses an INI file with keys api, node_cert, key (no section or a
 * [client] section). On failure returns -1 and writes "FILE:LINE: message"
 * (or "FILE: why") into err; *out is then left empty. */
int conf_parse_file(const char *path, struct client_conf *out, char *err, size_t errlen);
/* Finds the file (-c, $LIAISON_CONFIG, ~/.config/liaison/client.conf),
 * parses it and applies the command-line overrides. Returns 0, or
 * CLIENT_EX_CONFIG after printing one line. */
int conf_resolve(const struct client *cl, struct client_conf *out);
void conf_clear(struct client_conf *c);

struct conn;
/* Resolves the configuration, loads the key and the node certificate and
 * connects. Returns 0 with *out set, or an exit code after printing. */
int client_connect(const struct client *cl, struct conn **out);
/* The steps every command shares: parsed is what its parser returned (0,
 * CLIENT_DONE after --help, or an exit code); on 0 it connects, calls
 * run(c, cl->out, opts) and closes. Returns the exit code. */
typedef int (*client_run_fn)(struct conn *c, FILE *out, void *opts);
int client_command(const struct client *cl, int parsed, client_run_fn run, void *opts);

/* ---------------------------------------------------------------- conn.c */

#define CONN_TIMEOUT (-1) /* conn_recv: nothing within the time given */

/* Opens one ZeroMQ context and a CURVE DEALER connected to endpoint, with a
 * monitor that notices a refused handshake. sk is only passed to
 * zmq_setsockopt and must stay valid until conn_close (a reconnect reads it
 * again; see conn_keep). Returns 0, or CLIENT_EX_CONFIG (bad endpoint) after
 * printing. Caller closes with conn_close. */
int conn_open(const char *endpoint, const uint8_t server_pk[32], const uint8_t pk[32],
	      const uint8_t *sk, double timeout_s, struct conn **out);
/* Closes (linger 0 unless conn_set_linger said otherwise); accepts NULL. */
void conn_close(struct conn **c);
/* Hands the owner of the secret key to c: release(owner) runs at conn_close. */
void conn_keep(struct conn *c, void *owner, void (*release)(void *));
/* How long close waits for unsent frames (an ack that has no reply). */
void conn_set_linger(struct conn *c, int ms);
/* Drops the socket and connects a fresh one (same keys, same context). */
int conn_reconnect(struct conn *c);
double conn_timeout(const struct conn *c);
/* true once after the connection dropped and came back (cleared by the call). */
bool conn_take_renewed(struct conn *c);
const char *conn_endpoint(const struct conn *c);

/* Sends req with version 1 and the next request id (stored in req and
 * *id_out). Returns 0, or an exit code after printing. */
int conn_send(struct conn *c, Liaison__ApiRequest *req, uint64_t *id_out);
/* Waits up to timeout_ms for the next reply. Returns 0 with *out (caller
 * frees with liaison__api_reply__free_unpacked), CONN_TIMEOUT, or an exit
 * code after printing (CLIENT_EX_NOPERM when the node refused the handshake). */
int conn_recv(struct conn *c, int timeout_ms, Liaison__ApiReply **out);
/* Prints "no answer from node at ENDPOINT within N s"; returns CLIENT_EX_UNAVAILABLE. */
int conn_timeout_error(const struct conn *c);
/* One request, one reply within the timeout. Returns 0 with *out, or the
 * exit code after printing (a node error prints its message and returns its
 * code; *out is then NULL). */
int conn_call(struct conn *c, Liaison__ApiRequest *req, Liaison__ApiReply **out);
/* conn_call, and a reply of another kind is an error (printed; *out NULL). */
int conn_call_expect(struct conn *c, Liaison__ApiRequest *req, Liaison__ApiReply__KindCase kind,
		     Liaison__ApiReply **out);

/* ---------------------------------------------------------------- render.c */

/* The inner payload message (sitrep, status, warning, intel, receipt) or NULL. */
const ProtobufCMessage *render_payload_body(const Liaison__Payload *p);
/* The title of a payload (sitrep/status/intel title, warning headline), or "". */
const char *render_payload_title(const Liaison__Payload *p);
/* A message as a JSON object (caller decrefs), NULL if out of memory. */
json_t *render_message_json(const Liaison__Message *m);
/* Writes j compactly and a newline. */
void render_json_line(FILE *out, const json_t *j);
/* One line per message, as query and subscribe print them. */
void render_message_header(FILE *out);
void render_message_line(FILE *out, const Liaison__Message *m);
/* A labelled block of header fields, then the payload's fields. */
void render_message_block(FILE *out, const Liaison__Message *m);
/* render_cap.c: a warning as one CAP 1.2 document (validated): an imported
 * alert byte for byte, with feed a newline after a document that lacks one.
 * Returns 0, or an exit code after printing why. */
int render_message_cap(FILE *out, const Liaison__Message *m, bool feed);
json_t *render_status_json(const Liaison__StatusReply *s);
void render_status_text(FILE *out, const Liaison__StatusReply *s);
json_t *render_peers_json(const Liaison__PeersReply *p);
void render_peers_text(FILE *out, const Liaison__PeersReply *p);

/* ---------------------------------------------------------------- commands */

/* Each takes argv with argv[0] the command name and returns the exit code. */
int cmd_send(struct client *cl, int argc, char **argv);
int cmd_query(struct client *cl, int argc, char **argv);
int cmd_get(struct client *cl, int argc, char **argv);
int cmd_subscribe(struct client *cl, int argc, char **argv);
int cmd_status(struct client *cl, int argc, char **argv);
int cmd_peers(struct client *cl, int argc, char **argv);
int cmd_reload(struct client *cl, int argc, char **argv);
int cmd_audit(struct client *cl, int argc, char **argv);
int cmd_admin(struct client *cl, int argc, char **argv);

extern const char cmd_send_usage[], cmd_query_usage[], cmd_get_usage[],
	cmd_subscribe_usage[], cmd_status_usage[], cmd_peers_usage[], cmd_reload_usage[],
	cmd_audit_usage[], cmd_admin_usage[];

/* send: the parsed command line (the request is owned: send_opts_clear). */
struct send_opts {
	Liaison__ApiRequest *req; /* single message; NULL with batch */
	const char *batch;        /* --batch FILE or "-" */
};
int send_parse(struct client *cl, int argc, char **argv, struct send_opts *o);
void send_opts_clear(struct send_opts *o);

/* send_map.c: the one mapper every way in goes through (options, --file,
 * --cap, --batch lines). Builds a SendRequest from a JSON object of the
 * --batch form ({"type", "to" | "all", "topic", "precedence",
 * "classification", "tlp", "caveats", "expires", "updates", "cancels",
 * "body" | "cap"}); on failure writes one line into err naming the field
 * ("field 'topic': ..."), or with options the option ("--topic: ...", the
 * payload's errors under body_name). */
Liaison__SendRequest *send_map(json_t *line, int64_t now_ms, bool options, const char *body_name,
			       char *err, size_t errlen);
/* send_map for a --batch line. */
Liaison__SendRequest *send_from_json(json_t *line, int64_t now_ms, char *err, size_t errlen);
/* Builds the payload of type t from a JSON object of its fields (a warning's
 * CAP words and forms checked). */
Liaison__Payload *send_payload_from_json(Liaison__MessageType t, json_t *obj, char *err,
					 size_t errlen);
/* The payload field that --title (title true) or --body fills for type t. */
const char *send_text_field(Liaison__MessageType t, bool title);
void send_request_free(Liaison__SendRequest *s);
struct cap_schema;
/* The CAP 1.2 schema, loaded on first use (lib/cap.h says where from); NULL
 * with why in err. */
const struct cap_schema *client_cap_schema(char *err, size_t errlen);
/* Sends one request and prints the id; the batch form pipelines. */
int send_run(struct conn *c, struct client *cl, struct send_opts *o);

/* send_batch.c: --batch, every line checked before anything is sent. */
int send_batch_load(struct client *cl, const char *path, Liaison__SendRequest ***out,
		    size_t **lines_out, size_t *n_out);
int send_batch_send(struct conn *c, FILE *out, Liaison__SendRequest **reqs, const size_t *lines,
		    size_t n);
void send_batch_free(Liaison__SendRequest **reqs, size_t *lines, size_t n);
/* Prints the id of a send reply. */
void send_print_id(FILE *out, const Liaison__ApiReply *r);
/* Reads all of f, at most max bytes (more is an error: errno EFBIG); caller frees. */
char *send_read_all(FILE *f, size_t max, size_t *len);

struct query_opts {
	Liaison__QueryRequest q;
	bool json;
};
int query_parse(struct client *cl, int argc, char **argv, struct query_opts *o);
int query_run(struct conn *c, FILE *out, struct query_opts *o);

struct get_opts {
	uint8_t id[16];
	size_t id_len;
	uint32_t id_digits;
	bool json, envelope, cap;
};
int get_parse(struct client *cl, int argc, char **argv, struct get_opts *o);
int get_run(struct conn *c, FILE *out, struct get_opts *o);

struct subscribe_opts {
	Liaison__SubscribeRequest s;
	uint32_t count; /* 0: unlimited */
	bool json, cap;
	char *strings[3]; /* owned copies behind s's strings */
};
int subscribe_parse(struct client *cl, int argc, char **argv, struct subscribe_opts *o);
void subscribe_opts_clear(struct subscribe_opts *o);
/* Runs the subscription until count messages, a stop flag or an error. */
int subscribe_run(struct conn *c, FILE *out, struct subscribe_opts *o);
/* Set by SIGINT/SIGTERM (or a test) to end subscribe_run after the current message. */
extern volatile sig_atomic_t subscribe_stop;

struct status_opts {
	uint8_t id[16];
	size_t id_len;
	uint32_t id_digits;
	bool json;
};
int status_parse(struct client *cl, int argc, char **argv, struct status_opts *o);
int status_run(struct conn *c, FILE *out, struct status_opts *o);

struct peers_opts {
	bool json;
};
int peers_parse(struct client *cl, int argc, char **argv, struct peers_opts *o);
int peers_run(struct conn *c, FILE *out, struct peers_opts *o);

#endif

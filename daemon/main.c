/* liaisond: a liaison node. Parses the command line, loads and checks the
 * configuration and keys, and runs the node. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sodium.h>
#include <zmq.h>
#include "node.h"
#include "loop.h"
#include "log.h"
#include "config_overlay.h"
#include "version.h"
#include "datadir.h"
#include "fdlimit.h"

#define EX_USAGE 64
#define EX_CONFIG 78

static void usage(FILE *f)
{
	fprintf(f, "usage: liaisond -c FILE [--foreground] [--log-level error|warn|info|debug] [--check]\n"
		   "       liaisond -c FILE --verify-audit\n"
		   "\n"
		   "  -c, --config FILE   the node's configuration (see liaisond.conf(5))\n"
		   "  -f, --foreground    stay in the foreground (the default; systemd runs it so)\n"
		   "  -l, --log-level L   error, warn, info (default) or debug\n"
		   "      --check         validate the configuration, keys and certificates, then exit\n"
		   "      --verify-audit  verify the store's audit chain offline, then exit\n"
		   "  -h, --help          this help\n"
		   "  -V, --version       print \"liaisond VERSION\" and exit\n"
		   "\n"
		   "Exit codes: 0 done, 1 failed, 64 usage, 78 configuration error.\n");
}

/* Loads the configuration and the node's key; on failure prints one line and returns 78. */
static int load(const char *path, struct config **conf, struct liaison_key **key)
{
	char err[1024];
	if (config_load_all(path, conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "liaisond: %s\n", err);
		return EX_CONFIG;
	}
	const char *kp = (*conf)->key_path;
	int rc = key_load(kp, key);
	if (rc != LIAISON_OK) {
		if (rc == LIAISON_E_PERM)
			fprintf(stderr, "liaisond: %s:%d: secret key %s is readable by group or others; run chmod 600 %s\n",
				path, (*conf)->key_line, kp, kp);
		else
			fprintf(stderr, "liaisond: %s:%d: key %s: %s\n", path, (*conf)->key_line, kp,
				rc == LIAISON_E_IO ? strerror(errno) : liaison_strerror(rc));
		return EX_CONFIG;
	}
	if ((*key)->cert.kind != CERT_NODE || strcmp((*key)->cert.name, (*conf)->name)) {
		fprintf(stderr, "liaisond: %s:%d: key %s is for %s '%s', not node '%s'\n", path, (*conf)->key_line, kp,
			cert_kind_name((*key)->cert.kind), (*key)->cert.name, (*conf)->name);
		return EX_CONFIG;
	}
	return 0;
}

/* No core dumps, whoever starts the node: libzmq copies the X25519 secret
 * into ordinary heap memory (ZMQ_CURVE_SECRETKEY), beyond sodium_malloc's
 * reach, so a dump would carry it. Not dumpable also keeps other processes
 * of the same user from attaching with ptrace or reading /proc/PID/mem and
 * environ. Done before any key is loaded. */
static int no_core_dumps(void)
{
	struct rlimit none = { 0, 0 };
	/* prlimit, not setrlimit: the unit's SystemCallFilter refuses the
	 * setrlimit system call (@resources) and allows prlimit64 */
	if (prlimit(0, RLIMIT_CORE, &none, NULL) < 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		fprintf(stderr, "liaisond: cannot turn core dumps off: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* The data directory must exist and be writable; on failure prints
 * "FILE:LINE: data_dir ... " and returns 78. */
static int check_data_dir(const char *path, const struct config *conf)
{
	char err[4200];
	if (datadir_check(conf->data_dir, err, sizeof(err)) < 0) {
		fprintf(stderr, "liaisond: %s:%d: %s\n", path, conf->data_dir_line, err);
		return EX_CONFIG;
	}
	return 0;
}

/* Takes the data directory for this process and sets its modes; on
 * failure prints one line and returns -1. *lock_fd stays open until exit. */
static int claim_data_dir(const struct config *conf, int *lock_fd)
{
	char err[4200];
	pid_t holder;
	*lock_fd = datadir_lock(conf->data_dir, &holder, err, sizeof(err));
	if (*lock_fd < 0 || datadir_secure(conf->data_dir, err, sizeof(err)) < 0) {
		fprintf(stderr, "liaisond: %s\n", err);
		return -1;
	}
	return 0;
}

struct audit_faults {
	const char *dir;
	int64_t count;
};

static void audit_fault(void *ctx, const char *line)
{
	struct audit_faults *f = ctx;
	f->count++;
	fprintf(stderr, "liaisond: audit chain of %s: %s\n", f->dir, line);
}

/* Every bad record gets its line on stderr, then one line with the count. */
static int verify_audit(const struct config *conf)
{
	char err[512], path[4096];
	uint8_t head[32];
	snprintf(path, sizeof(path), "%s/liaison.db", conf->data_dir);
	if (access(path, F_OK) < 0) {
		fprintf(stderr, "liaisond: %s: no store yet (the node has never run with this data_dir)\n", path);
		return 1;
	}
	struct store *s = store_open(conf->data_dir, true, err, sizeof(err));
	if (!s) {
		fprintf(stderr, "liaisond: %s\n", err);
		return 1;
	}
	struct audit_faults f = { conf->data_dir, 0 };
	int64_t n = store_audit_verify(s, audit_fault, &f, err, sizeof(err), head);
	store_close(&s);
	if (n < 0) {
		if (f.count)
			fprintf(stderr, "liaisond: audit chain of %s: %lld fault%s found\n", conf->data_dir,
				(long long)f.count, f.count == 1 ? "" : "s");
		else
			fprintf(stderr, "liaisond: audit chain of %s: %s\n", conf->data_dir, err);
		return 1;
	}
	char hex[65];
	sodium_bin2hex(hex, sizeof(hex), head, 32);
	printf("audit chain holds: %lld records, head %s\n", (long long)n, hex);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },   { "foreground", no_argument, NULL, 'f' },
		{ "log-level", required_argument, NULL, 'l' }, { "check", no_argument, NULL, 'C' },
		{ "verify-audit", no_argument, NULL, 'A' },    { "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	bool check = false, audit = false;
	enum log_level level = LOG_INFO;
	int c;
	while ((c = getopt_long(argc, argv, "c:fl:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'f': break;
		case 'l':
			if (!log_parse_level(optarg, &level)) {
				fprintf(stderr, "liaisond: unknown log level '%s': use error, warn, info or debug\n", optarg);
				return EX_USAGE;
			}
			break;
		case 'C': check = true; break;
		case 'A': audit = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("liaisond %s\n", LIAISON_VERSION); return 0;
		default: usage(stderr); return EX_USAGE;
		}
	}
	if (!path || optind != argc) {
		usage(stderr);
		return EX_USAGE;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "liaisond: cannot initialise libsodium\n");
		return 1;
	}
	log_set_level(level);
	log_set_journal(log_stderr_is_journal());
	if (no_core_dumps() < 0)
		return 1;

	struct config *conf = NULL;
	struct liaison_key *key = NULL;
	int lock_fd = -1;
	int ret = load(path, &conf, &key);
	if (ret)
		goto out;
	if (!audit && !zmq_has("curve")) {
		fprintf(stderr, "liaisond: libzmq was built without CURVE: links and clients cannot be secured\n");
		ret = 1;
		goto out;
	}
	if (audit) {
		ret = verify_audit(conf);
		goto out;
	}
	if ((ret = check_data_dir(path, conf)))
		goto out;
	if (check) {
		char fp[LIAISON_FINGERPRINT_LEN];
		cert_fingerprint(&key->cert, fp);
		printf("%s: configuration of node %s (%s) is valid: %zu peers, %zu clients\n", path, conf->name, fp,
		       conf->n_peers, conf->n_clients);
		/* not a fault of the configuration: a node running on it is the usual case */
		pid_t holder = datadir_holder(conf->data_dir);
		if (holder > 0)
			printf("%s: data directory %s is in use by liaisond pid %ld\n", path, conf->data_dir,
			       (long)holder);
		else if (holder < 0)
			printf("%s: data directory %s is in use by another liaisond\n", path, conf->data_dir);
		struct overlay *o = NULL;
		char err[600];
		if (overlay_load(conf->data_dir, &o, err, sizeof(err)) == 0)
			overlay_describe(o, conf, stdout);
		overlay_free(&o);
		goto out;
	}
	if (claim_data_dir(conf, &lock_fd) < 0) {
		ret = 1;
		goto out;
	}
	fdlimit_raise();
	struct node node;
	if (node_init(&node, conf, key) < 0) {
		node_destroy(&node);
		ret = 1;
		goto out;
	}
	ret = node_run(&node);
	conf = node.conf; /* a reload may have replaced it */
	key = node.key;   /* and a key rotation this */
	node_destroy(&node);
out:
	config_free(&conf);
	key_destroy(&key);
	if (lock_fd >= 0)
		close(lock_fd); /* the lock ends here, after the store has closed */
	return ret;
}

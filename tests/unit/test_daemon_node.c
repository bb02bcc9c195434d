/* Unit tests for a node's start and its data directory: a start that fails
 * leaves the process's descriptors alone, the data directory's lock admits
 * one holder and names it, and the directory and store files get private
 * modes whatever the umask. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "config.h"
#include "datadir.h"
#include "keyfile.h"
#include "node.h"

static char dir[] = "/tmp/liaison-node-test.XXXXXX";

static int setup(void **state)
{
	(void)state;
	return sodium_init() < 0 || !mkdtemp(dir) ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static mode_t mode_of(const char *name)
{
	char path[512];
	struct stat st;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

/* A start that fails at the listen port (taken here) must not close
 * descriptors it never opened: the metrics slots start empty (-1), not 0. */
static void test_failed_start_keeps_stdin(void **state)
{
	(void)state;
	int taken = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof sa;
	assert_true(taken >= 0);
	assert_int_equal(bind(taken, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(taken, 1), 0);
	assert_int_equal(getsockname(taken, (struct sockaddr *)&sa, &sl), 0);

	char conf_path[512], data[512], text[2048];
	snprintf(data, sizeof data, "%s/data", dir);
	assert_int_equal(mkdir(data, 0700), 0);
	snprintf(conf_path, sizeof conf_path, "%s/liaisond.conf", dir);
	snprintf(text, sizeof text,
		 "[node]\nname = ALPHA\nkey = ALPHA.key\nlisten = tcp://127.0.0.1:%u\n"
		 "api = ipc://%s/api.sock\ndata_dir = data\n",
		 (unsigned)ntohs(sa.sin_port), dir);
	FILE *f = fopen(conf_path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	struct config *conf = NULL;
	char err[512];
	assert_int_equal(config_load(conf_path, &conf, err, sizeof err), 0);
	struct liaison_key *key = NULL;
	assert_int_equal(key_generate("ALPHA", CERT_NODE, &key), 0);

	/* stdin is a pipe of ours, so that a close of fd 0 shows */
	int p[2], saved = dup(0);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(dup2(p[0], 0), 0);
	struct node n;
	int rc = node_init(&n, conf, key);
	node_destroy(&n);
	int still_open = fcntl(0, F_GETFD);
	dup2(saved, 0);
	close(saved);
	close(p[0]);
	close(p[1]);
	close(taken);
	assert_int_equal(rc, -1);
	assert_true(still_open >= 0);
	config_free(&conf);
	key_destroy(&key);
}

static void test_lock_one_holder(void **state)
{
	(void)state;
	char err[4200], lockdir[512];
	pid_t holder = -5;
	snprintf(lockdir, sizeof lockdir, "%s/lock", dir);
	assert_int_equal(mkdir(lockdir, 0700), 0);
	assert_int_equal(datadir_holder(lockdir), 0);
	int fd = datadir_lock(lockdir, &holder, err, sizeof err);
	assert_true(fd >= 0);
	assert_int_equal(holder, 0);
	assert_int_equal(datadir_holder(lockdir), getpid());

	/* a second taker (another open file description) is refused and told who holds it */
	assert_int_equal(datadir_lock(lockdir, &holder, err, sizeof err), -1);
	assert_int_equal(holder, getpid());
	char want[4300];
	snprintf(want, sizeof want, "data directory %s is in use by liaisond pid %ld", lockdir, (long)getpid());
	assert_string_equal(err, want);

	/* the lock goes with its descriptor */
	close(fd);
	assert_int_equal(datadir_holder(lockdir), 0);
	fd = datadir_lock(lockdir, &holder, err, sizeof err);
	assert_true(fd >= 0);
	close(fd);
}

static void test_check(void **state)
{
	(void)state;
	char err[4200], path[512], want[4300];
	snprintf(path, sizeof path, "%s/missing", dir);
	assert_int_equal(datadir_check(path, err, sizeof err), -1);
	snprintf(want, sizeof want, "data_dir %s does not exist", path);
	assert_string_equal(err, want);
	snprintf(path, sizeof path, "%s/afile", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(datadir_check(path, err, sizeof err), -1);
	snprintf(want, sizeof want, "data_dir %s is not a directory", path);
	assert_string_equal(err, want);
	assert_int_equal(datadir_check(dir, err, sizeof err), 0);
}

static void test_secure_modes(void **state)
{
	(void)state;
	char err[4200], path[512];
	mode_t old = umask(022);
	/* a store left by an earlier run with loose modes */
	snprintf(path, sizeof path, "%s/liaison.db-wal", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(datadir_secure(dir, err, sizeof err), 0);
	umask(old);
	assert_int_equal(mode_of("."), 0700);
	assert_int_equal(mode_of("liaison.db"), 0600); /* created, empty, for SQLite to fill */
	assert_int_equal(mode_of("liaison.db-wal"), 0600);
	/* never through a symbolic link */
	snprintf(path, sizeof path, "%s/liaison.db-shm", dir);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_int_equal(datadir_secure(dir, err, sizeof err), -1);
	assert_non_null(strstr(err, "liaison.db-shm"));
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_failed_start_keeps_stdin),
		cmocka_unit_test(test_lock_one_holder),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_secure_modes),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

/* The node's data directory: existence check, the single-instance lock and
 * the modes of the directory and the store's files.
 *
 * Why a lock: a second liaisond started on the same configuration would
 * unlink and rebind the running node's ipc api socket before failing on the
 * listen port, leaving the running node unreachable by clients. The lock is
 * taken before anything is bound. It is an open-file-description lock
 * (F_OFD_SETLK): it belongs to this process's one descriptor, closing any
 * other descriptor of the file does not drop it, and the kernel drops it
 * when the process ends, even by SIGKILL, so a crash leaves nothing stale
 * to clean up. F_OFD_GETLK lets `--check` look without taking it. The pid in
 * the file is only for the message; the lock alone decides. */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "datadir.h"

#define DIR_MODE 0700
#define FILE_MODE 0600

int datadir_check(const char *dir, char *err, size_t errlen)
{
	struct stat st;
	if (stat(dir, &st) < 0) {
		if (errno == ENOENT)
			snprintf(err, errlen, "data_dir %s does not exist", dir);
		else
			snprintf(err, errlen, "data_dir %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "data_dir %s is not a directory", dir);
		return -1;
	}
	if (access(dir, W_OK | X_OK) < 0) {
		snprintf(err, errlen, "data_dir %s is not writable: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

static int lock_path(const char *dir, char *path, size_t len)
{
	int n = snprintf(path, len, "%s/%s", dir, DATADIR_LOCK_FILE);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* The pid written in the lock file, 0 if none (yet). */
static pid_t read_pid(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	char *end;
	long v = strtol(buf, &end, 10);
	return v > 0 && (*end == '\n' || *end == '\0') ? (pid_t)v : 0;
}

/* The holder's pid; a holder that has just taken the lock may not have
 * written it yet, so wait for it a little. */
static pid_t wait_pid(int fd)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	pid_t pid = 0;
	for (int i = 0; i < 25 && !(pid = read_pid(fd)); i++)
		nanosleep(&ts, NULL);
	return pid;
}

static struct flock whole_file(short type)
{
	struct flock fl;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	return fl; /* l_start 0, l_len 0: the whole file; l_pid 0 as OFD locks require */
}

int datadir_lock(const char *dir, pid_t *holder, char *err, size_t errlen)
{
	char path[4096], pid[32];
	*holder = 0;
	if (lock_path(dir, path, sizeof(path)) < 0) {
		snprintf(err, errlen, "data_dir %s: path too long", dir);
		return -1;
	}
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, FILE_MODE);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	struct flock fl = whole_file(F_WRLCK);
	if (fcntl(fd, F_OFD_SETLK, &fl) < 0) {
		int e = errno;
		if (e == EAGAIN || e == EACCES) {
			*holder = wait_pid(fd);
			if (*holder)
				snprintf(err, errlen, "data directory %s is in use by liaisond pid %ld", dir,
					 (long)*holder);
			else
				snprintf(err, errlen, "data directory %s is in use by another liaisond", dir);
		} else {
			snprintf(err, errlen, "%s: cannot lock: %s", path, strerror(e));
		}
		close(fd);
		return -1;
	}
	int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (fchmod(fd, FILE_MODE) < 0 || ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

pid_t datadir_holder(const char *dir)
{
	char path[4096];
	if (lock_path(dir, path, sizeof(path)) < 0)
		return 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	struct flock fl = whole_file(F_WRLCK);
	pid_t pid = 0;
	if (fcntl(fd, F_OFD_GETLK, &fl) < 0)
		pid = -1;
	else if (fl.l_type != F_UNLCK && !(pid = wait_pid(fd)))
		pid = -1;
	close(fd);
	return pid;
}

/* Sets name (in the directory dfd) to mode if it exists, or creates it with
 * mode when create is set. Never follows a symbolic link. */
static int set_mode(int dfd, const char *dir, const char *name, mode_t mode, bool create, char *err, size_t errlen)
{
	int fd = openat(dfd, name, (create ? O_RDWR | O_CREAT : O_RDONLY) | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, mode);
	if (fd < 0) {
		if (!create && errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s/%s: %s", dir, name, strerror(errno));
		return -1;
	}
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) < 0 || ((st.st_mode & 07777) != mode && fchmod(fd, mode) < 0)) {
		snprintf(err, errlen, "%s/%s: cannot set mode %04o: %s", dir, name, (unsigned)mode, strerror(errno));
		rc = -1;
	}
	close(fd);
	return rc;
}

int datadir_secure(const char *dir, char *err, size_t errlen)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		snprintf(err, errlen, "data_dir %s: %s", dir, strerror(errno));
		return -1;
	}
	struct stat st;
	int rc = 0;
	if (fstat(dfd, &st) < 0 || ((st.st_mode & 07777) != DIR_MODE && fchmod(dfd, DIR_MODE) < 0)) {
		snprintf(err, errlen, "data_dir %s: cannot set mode %04o: %s", dir, DIR_MODE, strerror(errno));
		rc = -1;
	}
	/* Before SQLite has the files open: closing a descriptor of a file
	 * drops the process's POSIX locks on it, which SQLite relies on. */
	if (rc == 0)
		rc = set_mode(dfd, dir, "liaison.db", FILE_MODE, true, err, errlen);
	if (rc == 0)
		rc = set_mode(dfd, dir, "liaison.db-wal", FILE_MODE, false, err, errlen);
	if (rc == 0)
		rc = set_mode(dfd, dir, "liaison.db-shm", FILE_MODE, false, err, errlen);
	close(dfd);
	return rc;
}

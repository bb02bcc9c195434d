/* A private scratch folder for the fuzz targets whose parsers read files
 * (key files, configurations): made once, removed at exit, on /dev/shm when
 * it exists so that writing an input per execution stays cheap. Included by
 * exactly one file per target. */
#ifndef LIAISON_FUZZ_SCRATCH_H
#define LIAISON_FUZZ_SCRATCH_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char scratch_dir[256];

static void scratch_remove(void)
{
	char cmd[300];
	if (!scratch_dir[0])
		return;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", scratch_dir);
}

/* Makes the folder (once); aborts if it cannot, as nothing can run then. */
static void scratch_init(void)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
	snprintf(scratch_dir, sizeof scratch_dir, "%s/liaison-fuzz.XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(scratch_dir))
		abort();
	atexit(scratch_remove);
}

/* Writes data as scratch_dir/name with mode (replacing what was there) and
 * returns its path in path. */
static void scratch_write(const char *name, const void *data, size_t size, mode_t mode, char *path,
			  size_t pathlen)
{
	snprintf(path, pathlen, "%s/%s", scratch_dir, name);
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		abort();
	const char *p = data;
	while (size > 0) {
		ssize_t w = write(fd, p, size);
		if (w <= 0)
			abort();
		p += w;
		size -= (size_t)w;
	}
	close(fd);
}

#endif

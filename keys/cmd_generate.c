/* liaison-keys generate [--client] NAME [-o DIR]: a new key pair, written as
 * DIR/NAME.key (0600, first) and DIR/NAME.pub (second); nothing is written
 * if either file exists. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cmds.h"
#include "error.h"
#include "keyfile.h"

static const char usage[] = "generate [--client] NAME [-o DIR]";
static const char help[] =
	"Makes a node key pair (or, with --client, a client key pair) and writes\n"
	"DIR/NAME.key (the secret key, mode 0600) and DIR/NAME.pub (the certificate\n"
	"to give to partners). DIR defaults to the current directory. Refuses to\n"
	"overwrite either file. NAME: 1 to 64 letters, digits, '.', '_', '-'.\n";

static int exists_refusal(const char *path)
{
	fprintf(stderr, "%s: %s: file exists, not overwriting\n", KEYS_PROG, path);
	return 1;
}

int cmd_generate(int argc, char **argv)
{
	const char *name = NULL, *dir = NULL;
	enum cert_kind kind = CERT_NODE;
	char kpath[4096], cpath[4096], fp[LIAISON_FINGERPRINT_LEN];
	struct liaison_key *key = NULL;
	struct stat st;
	int ret = 1, rc;

	for (int i = 1; i < argc; i++) {
		if (keys_is_help(argv[i]))
			return keys_usage(usage, help, 1);
		if (strcmp(argv[i], "--client") == 0)
			kind = CERT_CLIENT;
		else if (strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) {
			if (++i >= argc || dir)
				return keys_usage(usage, NULL, 0);
			dir = argv[i];
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "%s: generate: unknown option '%s'\n", KEYS_PROG, argv[i]);
			return keys_usage(usage, NULL, 0);
		} else if (name)
			return keys_usage(usage, NULL, 0);
		else
			name = argv[i];
	}
	if (!name)
		return keys_usage(usage, NULL, 0);
	if (!liaison_name_valid(name)) {
		fprintf(stderr, "%s: bad name '%s': use letters, digits, '.', '_', '-', up to %d\n", KEYS_PROG,
			name, LIAISON_NAME_MAX);
		return 1;
	}
	if (dir) {
		if (stat(dir, &st) != 0) {
			fprintf(stderr, "%s: %s: %s\n", KEYS_PROG, dir,
				errno == ENOENT ? "no such directory" : strerror(errno));
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			fprintf(stderr, "%s: %s: not a directory\n", KEYS_PROG, dir);
			return 1;
		}
		size_t dl = strlen(dir);
		while (dl > 1 && dir[dl - 1] == '/')
			dl--;
		snprintf(kpath, sizeof kpath, "%.*s/%s.key", (int)dl, dir, name);
		snprintf(cpath, sizeof cpath, "%.*s/%s.pub", (int)dl, dir, name);
	} else {
		snprintf(kpath, sizeof kpath, "%s.key", name);
		snprintf(cpath, sizeof cpath, "%s.pub", name);
	}
	/* Both names are checked before anything is written; key_write and
	 * cert_write use O_EXCL, so a file that appears meanwhile is not
	 * overwritten either. */
	if (lstat(kpath, &st) == 0)
		return exists_refusal(kpath);
	if (lstat(cpath, &st) == 0)
		return exists_refusal(cpath);

	if ((rc = key_generate(name, kind, &key)) != LIAISON_OK) {
		keys_fail(name, rc);
		goto out;
	}
	if ((rc = key_write(key, kpath)) != LIAISON_OK) {
		if (rc == LIAISON_E_EXISTS)
			exists_refusal(kpath);
		else
			keys_fail(kpath, rc);
		goto out;
	}
	if ((rc = cert_write(&key->cert, cpath)) != LIAISON_OK) {
		int e = errno;
		unlink(kpath); /* no key without its certificate */
		errno = e;
		if (rc == LIAISON_E_EXISTS)
			exists_refusal(cpath);
		else
			keys_fail(cpath, rc);
		goto out;
	}
	cert_fingerprint(&key->cert, fp);
	printf("%s key %s\nsecret key:  %s\ncertificate: %s\nfingerprint: %s\n", cert_kind_name(kind), name,
	       kpath, cpath, fp);
	ret = 0;
out:
	key_destroy(&key);
	return ret;
}

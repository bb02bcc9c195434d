/* liaison-keys show FILE: name, kind, fingerprint and creation time of a
 * certificate (.pub) or a secret key file (.key, permission-checked). */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "cmds.h"
#include "error.h"
#include "keyfile.h"
#include "timefmt.h"

static const char usage[] = "show FILE";
static const char help[] =
	"Prints the name, kind, fingerprint and creation time of a certificate\n"
	"(NAME.pub) or of a secret key file (NAME.key; refused if group or others\n"
	"may read it). Compare fingerprints over the phone before pinning a peer.\n";

static bool is_key_file(const char *path)
{
	size_t n = strlen(path);
	return n >= 4 && strcmp(path + n - 4, ".key") == 0;
}

/* The permission refusal, with the command that fixes it. */
static int fail_key(const char *path, int rc)
{
	struct stat st;
	if (rc == LIAISON_E_PERM && stat(path, &st) == 0) {
		fprintf(stderr, "%s: %s: permissions %04o are too open; run chmod 600 %s\n", KEYS_PROG, path,
			(unsigned)(st.st_mode & 07777), path);
		return 1;
	}
	return keys_fail(path, rc);
}

int cmd_show(int argc, char **argv)
{
	struct liaison_cert cert;
	struct liaison_key *key = NULL;
	char fp[LIAISON_FINGERPRINT_LEN], created[TIME_ISO_LEN];
	int rc;

	if (argc == 2 && keys_is_help(argv[1]))
		return keys_usage(usage, help, 1);
	if (argc != 2 || (argv[1][0] == '-' && argv[1][1]))
		return keys_usage(usage, NULL, 0);
	const char *path = argv[1];
	if (is_key_file(path)) {
		if ((rc = key_load(path, &key)) != LIAISON_OK)
			return fail_key(path, rc);
		cert = key->cert;
		key_destroy(&key);
	} else if ((rc = cert_load(path, &cert)) != LIAISON_OK)
		return keys_fail(path, rc);
	cert_fingerprint(&cert, fp);
	time_format_iso(cert.created * 1000, created);
	printf("name: %s\nkind: %s\nfingerprint: %s\ncreated: %s\n", cert.name, cert_kind_name(cert.kind), fp,
	       created);
	return 0;
}

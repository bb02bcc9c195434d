/* liaison-keys verify FILE.pub: exit 0 only if the certificate is well
 * formed and its self-signature holds. */
#include <stdio.h>
#include "cmds.h"
#include "error.h"
#include "keyfile.h"

static const char usage[] = "verify FILE.pub";
static const char help[] =
	"Checks a certificate's self-signature; exits 0 only if it holds.\n";

int cmd_verify(int argc, char **argv)
{
	struct liaison_cert cert;
	char fp[LIAISON_FINGERPRINT_LEN];

	if (argc == 2 && keys_is_help(argv[1]))
		return keys_usage(usage, help, 1);
	if (argc != 2 || (argv[1][0] == '-' && argv[1][1]))
		return keys_usage(usage, NULL, 0);
	int rc = cert_load(argv[1], &cert);
	if (rc != LIAISON_OK)
		return keys_fail(argv[1], rc);
	cert_fingerprint(&cert, fp);
	printf("%s: good signature: %s %s, fingerprint %s\n", argv[1], cert_kind_name(cert.kind), cert.name, fp);
	return 0;
}

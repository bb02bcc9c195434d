/* liaison-keys subcommands: each takes argc/argv after the subcommand name
 * and returns the process exit code (0, 1 failed, 64 usage). */
#ifndef LIAISON_KEYS_CMDS_H
#define LIAISON_KEYS_CMDS_H

#define KEYS_EX_USAGE 64
#define KEYS_PROG "liaison-keys"

int cmd_generate(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_verify_envelope(int argc, char **argv);

/* "liaison-keys: FILE: what\n" on stderr, for a library error code (errno
 * explains LIAISON_E_IO); returns 1. */
int keys_fail(const char *file, int err);
/* Prints the usage line to stderr and returns 64, or to stdout and returns 0. */
int keys_usage(const char *usage, const char *help, int to_stdout);
/* true if arg is -h or --help */
int keys_is_help(const char *arg);

#endif

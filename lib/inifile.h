/* The INI dialect of liaison's configuration files, read the same way by
 * liaisond and liaison: "[section]" headers, "key = value" pairs, comments
 * from ';' or '#' at the start of a line or after a blank, blanks around
 * keys and values ignored. Every fault is one "FILE:LINE: message". */
#ifndef LIAISON_INIFILE_H
#define LIAISON_INIFILE_H

#include <stdbool.h>
#include <stddef.h>

struct inifile;

/* Called for each section header with the text between the brackets,
 * blanks trimmed ("peer BRAVO"), before any of its pairs; also for an
 * empty section. Return 1 to go on, 0 to stop (after inifile_fail). */
typedef int (*inifile_section_fn)(void *ctx, struct inifile *f, const char *header);
/* Called for each pair; key and value are non-empty and the key is new in
 * its section. Return 1 to go on, 0 to stop (after inifile_fail). */
typedef int (*inifile_pair_fn)(void *ctx, struct inifile *f, const char *key, const char *value);

/* Reads path, calling the functions above in file order. The reader itself
 * refuses: a NUL byte or another control character than a tab, a section
 * header without its ']' or with text after it, a line that is neither a
 * header nor "key = value", a key given twice in one section, a key without
 * a value, a line longer than INIFILE_LINE_MAX.
 * Returns LIAISON_OK; LIAISON_E_IO with "PATH: reason" in err when the file
 * cannot be read; LIAISON_E_PARSE with "PATH:LINE: message" for the first
 * fault (the reader's or a callback's). */
int inifile_read(const char *path, inifile_section_fn on_section, inifile_pair_fn on_pair, void *ctx, char *err,
	     size_t errlen);

/* The line being read, and the file's path, for callbacks. */
int inifile_line(const struct inifile *f);
const char *inifile_path(const struct inifile *f);
/* Records the first fault as "PATH:LINE: message"; returns 0, for a
 * callback to return. */
int inifile_fail(struct inifile *f, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define INIFILE_LINE_MAX 197

#endif

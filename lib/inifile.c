/* liaison's INI reader, shared by liaisond and liaison.
 *
 * inih splits each line into a key and a value. It is fed through our own
 * line reader, which counts lines (so every fault names FILE:LINE), refuses
 * control characters, strips comments (';' or '#' at the start or after a
 * blank), checks section headers and hands them to the caller first (so an
 * empty section counts, and a section's faults can name its header's
 * line), and refuses lines inih would take in a dialect of its own (no '=',
 * or "key: value"). */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ini.h>
#include "inifile.h"
#include "error.h"

struct seen_key {
	char *name;
	int line;
};

struct inifile {
	const char *path;
	FILE *f;
	char *buf; /* getline's */
	size_t bufsize;
	int line;
	inifile_section_fn on_section;
	inifile_pair_fn on_pair;
	void *ctx;
	char *err;
	size_t errlen;
	bool failed;
	struct seen_key *seen; /* keys of the current section */
	size_t n_seen, cap_seen;
};

int inifile_line(const struct inifile *f)
{
	return f->line;
}

const char *inifile_path(const struct inifile *f)
{
	return f->path;
}

int inifile_fail(struct inifile *f, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	if (f->failed)
		return 0;
	f->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (f->err && f->errlen)
		snprintf(f->err, f->errlen, "%s:%d: %s", f->path, line, msg);
	return 0;
}

static void seen_clear(struct inifile *f)
{
	for (size_t i = 0; i < f->n_seen; i++)
		free(f->seen[i].name);
	f->n_seen = 0;
}

/* 1 if key is new in the section (and now remembered), 0 after a fault. */
static int seen_add(struct inifile *f, const char *key)
{
	for (size_t i = 0; i < f->n_seen; i++)
		if (strcmp(f->seen[i].name, key) == 0)
			return inifile_fail(f, f->line, "duplicate key '%s' (first at line %d)", key, f->seen[i].line);
	if (f->n_seen == f->cap_seen) {
		size_t cap = f->cap_seen ? f->cap_seen * 2 : 16;
		struct seen_key *s = realloc(f->seen, cap * sizeof(*s));
		if (!s)
			return inifile_fail(f, f->line, "out of memory");
		f->seen = s;
		f->cap_seen = cap;
	}
	f->seen[f->n_seen].name = strdup(key);
	if (!f->seen[f->n_seen].name)
		return inifile_fail(f, f->line, "out of memory");
	f->seen[f->n_seen++].line = f->line;
	return 1;
}

static int on_inih_pair(void *user, const char *section, const char *name, const char *value)
{
	struct inifile *f = user;
	(void)section; /* sections are tracked by the line reader */
	if (f->failed)
		return 0;
	if (!seen_add(f, name))
		return 0;
	if (!*value)
		return inifile_fail(f, f->line, "key '%s' has no value", name);
	return f->on_pair(f->ctx, f, name, value);
}

/* A section header "[text]" on a trimmed line: checked and announced. */
static int header(struct inifile *f, char *s)
{
	char *close = strchr(s, ']'), *text, *end;
	if (!close)
		return inifile_fail(f, f->line, "section header lacks its closing ']'");
	if (close[1])
		return inifile_fail(f, f->line, "unexpected text after the section header");
	*close = '\0';
	for (text = s + 1; isspace((unsigned char)*text); text++)
		;
	end = text + strlen(text);
	while (end > text && isspace((unsigned char)end[-1]))
		end--;
	char save = *end;
	*end = '\0';
	seen_clear(f);
	int ok = f->on_section(f->ctx, f, text);
	*end = save;
	*close = ']';
	return ok;
}

/* inih's fgets-style reader: one line of the file, checked, comments removed. */
static char *read_line(char *str, int num, void *stream)
{
	struct inifile *f = stream;
	if (f->failed)
		return NULL;
	ssize_t n = getline(&f->buf, &f->bufsize, f->f);
	if (n < 0)
		return NULL;
	f->line++;
	char *s = f->buf;
	/* the line ending ("\n" or "\r\n") is not part of the line */
	ssize_t body = n;
	if (body > 0 && s[body - 1] == '\n')
		body--;
	if (body > 0 && s[body - 1] == '\r')
		body--;
	for (ssize_t i = 0; i < body; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\0') {
			inifile_fail(f, f->line, "line contains a NUL byte");
			return NULL;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			inifile_fail(f, f->line, "line contains a control character (0x%02x)", c);
			return NULL;
		}
	}
	for (char *q = s; *q; q++) {
		if ((*q == ';' || *q == '#') && (q == s || isspace((unsigned char)q[-1]))) {
			*q = '\0';
			break;
		}
	}
	/* no leading blanks: inih would take an indented line as a continuation */
	while (isspace((unsigned char)*s))
		s++;
	char *end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	size_t len = strlen(s);
	if (num < 4 || len + 3 > (size_t)num) {
		inifile_fail(f, f->line, "line too long (at most %d characters)", INIFILE_LINE_MAX);
		return NULL;
	}
	if (*s == '[') {
		if (!header(f, s))
			return NULL;
	} else if (*s) {
		char *eq = strchr(s, '=');
		char *colon = strchr(s, ':');
		if (!eq || eq == s || (colon && colon < eq)) {
			inifile_fail(f, f->line, "expected '[section]' or 'key = value'");
			return NULL;
		}
	}
	memcpy(str, s, len);
	str[len] = '\n';
	str[len + 1] = '\0';
	return str;
}

int inifile_read(const char *path, inifile_section_fn on_section, inifile_pair_fn on_pair, void *ctx, char *err,
	     size_t errlen)
{
	struct inifile f = {.path = path, .on_section = on_section, .on_pair = on_pair, .ctx = ctx,
			     .err = err, .errlen = errlen};
	if (err && errlen)
		err[0] = '\0';
	f.f = fopen(path, "re");
	if (!f.f) {
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return LIAISON_E_IO;
	}
	int rc = ini_parse_stream(read_line, &f, on_inih_pair, &f);
	if (!f.failed && ferror(f.f))
		inifile_fail(&f, f.line, "read error: %s", strerror(errno));
	if (!f.failed && rc > 0) /* a callback said no without saying why */
		inifile_fail(&f, rc, "refused");
	if (!f.failed && rc < 0)
		inifile_fail(&f, f.line, "out of memory");
	fclose(f.f);
	free(f.buf);
	seen_clear(&f);
	free(f.seen);
	return f.failed ? LIAISON_E_PARSE : LIAISON_OK;
}

/* Progress of `send --batch`: on a terminal, one counter line redrawn in
 * place with \r, at most four times a second; on any stderr, one summary
 * line at the end. Nothing else goes to a pipe or a file. */
#include <unistd.h>
#include "progress.h"
#include "timefmt.h"

void progress_start(struct progress *p, FILE *err, size_t total)
{
	p->err = err;
	p->tty = isatty(fileno(err));
	p->total = total;
	p->start = time_mono_ms();
	p->drawn = 0;
}

void progress_update(struct progress *p, size_t done)
{
	int64_t now;
	if (!p->tty)
		return;
	now = time_mono_ms();
	if (p->drawn && now - p->drawn < PROGRESS_MS)
		return;
	p->drawn = now;
	fprintf(p->err, "\rsent %zu of %zu (%zu%%)", done, p->total, p->total ? done * 100 / p->total : 100);
	fflush(p->err);
}

void progress_end(struct progress *p, size_t done)
{
	double s = (double)(time_mono_ms() - p->start) / 1000.0;
	if (p->tty && p->drawn)
		fputs("\r\033[K", p->err); /* the counter line gives way to the summary */
	fprintf(p->err, "%zu sent in %.1f s", done, s);
	if (s > 0)
		fprintf(p->err, " (%.0f/s)", (double)done / s);
	fputc('\n', p->err);
	fflush(p->err);
}

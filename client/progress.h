/* Feedback on long work: a counter line on a terminal, a summary at the end. */
#ifndef LIAISON_CLIENT_PROGRESS_H
#define LIAISON_CLIENT_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct progress {
	FILE *err;
	bool tty;            /* draw the counter line (err is a terminal) */
	size_t total;
	int64_t start, drawn; /* monotonic ms */
};

/* Starts counting towards total on err; the counter line is drawn only
 * when err is a terminal. */
void progress_start(struct progress *p, FILE *err, size_t total);
/* done of total so far: redraws the counter at most every PROGRESS_MS. */
void progress_update(struct progress *p, size_t done);
/* Clears the counter line and prints "10000 sent in 4.2 s (2381/s)". */
void progress_end(struct progress *p, size_t done);

#define PROGRESS_MS 250

#endif

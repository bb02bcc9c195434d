/* What an operator reads about each link: since when it is down, its last
 * error, its queue and lag, and the catch-up after an outage. */
#ifndef LIAISOND_LINK_HEALTH_H
#define LIAISOND_LINK_HEALTH_H

#include "node.h"

/* The link is down as of now (keeps an earlier down_since). */
void link_health_down(struct link *l);
/* The handshake succeeded: ends the outage and, after one, starts counting
 * what is caught up. */
void link_health_up(struct link *l);
/* The peer acknowledged `delivered` messages; once the queue is empty after
 * an outage, logs what was caught up ("BRAVO back after 4m12s: 10,000
 * queued messages delivered in 3.4 s"). */
void link_health_acked(struct link *l, uint64_t delivered);
/* Records the latest trouble with the link, shown by `peers`. */
void link_health_error(struct link *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Messages queued for the link in lane (sent or not, not yet acknowledged). */
uint64_t link_queued(const struct link *l, int lane);
/* Seconds since the oldest message still waiting for l's receipt was
 * stored; 0 when none waits. One indexed lookup per lane that has a queue. */
int64_t link_lag_seconds(struct node *n, const struct link *l, int64_t now_ms);

/* "4m12s", "12s", "3h05m", "2d04h": a span for a log line. */
void span_format(int64_t ms, char *out, size_t len);

#endif

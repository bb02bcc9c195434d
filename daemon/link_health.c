/* Link health for operators: down since, last error, queue, lag and the
 * one log line that tells how an outage was caught up. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "link_health.h"
#include "log.h"
#include "timefmt.h"

void span_format(int64_t ms, char *out, size_t len)
{
	int64_t s = ms / 1000;
	if (s < 60)
		snprintf(out, len, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(out, len, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
	else if (s < 86400)
		snprintf(out, len, "%lldh%02lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
	else
		snprintf(out, len, "%lldd%02lldh", (long long)(s / 86400), (long long)(s % 86400 / 3600));
}

/* 10000 -> "10,000" */
static void group_thousands(uint64_t v, char *out, size_t len)
{
	char digits[24];
	int n = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v);
	size_t o = 0;
	for (int i = 0; i < n && o + 2 < len; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
}

uint64_t link_queued(const struct link *l, int lane)
{
	return l->next_seq[lane] > l->acked[lane] ? l->next_seq[lane] - l->acked[lane] : 0;
}

static bool queue_empty(const struct link *l)
{
	for (int lane = 0; lane < LANES; lane++)
		if (link_queued(l, lane))
			return false;
	return true;
}

void link_health_down(struct link *l)
{
	if (!l->down_since)
		l->down_since = time_now_ms();
	l->catching_up = false;
}

void link_health_up(struct link *l)
{
	/* After an outage (it was heard from before, or messages wait for
	 * it), count what the reconnect catches up. A first connect to an
	 * empty queue is no outage. */
	if (l->down_since && (l->last_seen || !queue_empty(l))) {
		l->catching_up = true;
		l->outage_ms = time_now_ms() - l->down_since;
		l->back_at = time_mono_ms();
		l->caught_up = 0;
	}
	l->down_since = 0;
}

void link_health_acked(struct link *l, uint64_t delivered)
{
	if (!l->catching_up)
		return;
	l->caught_up += delivered;
	if (!queue_empty(l))
		return;
	char span[32], count[32];
	span_format(l->outage_ms, span, sizeof(span));
	group_thousands(l->caught_up, count, sizeof(count));
	double took = (double)(time_mono_ms() - l->back_at) / 1000.0;
	if (l->caught_up)
		log_info("%s back after %s: %s queued message%s delivered in %.1f s", l->name, span, count,
			 l->caught_up == 1 ? "" : "s", took);
	else
		log_info("%s back after %s: nothing was queued", l->name, span);
	l->catching_up = false;
}

void link_health_error(struct link *l, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(l->last_error, sizeof(l->last_error), fmt, ap);
	va_end(ap);
}

int64_t link_lag_seconds(struct node *n, const struct link *l, int64_t now_ms)
{
	int64_t oldest = 0;
	for (int lane = 0; lane < LANES; lane++) {
		if (!link_queued(l, lane))
			continue;
		int64_t t = store_oldest_pending(n->store, l->name, lane);
		if (t > 0 && (oldest == 0 || t < oldest))
			oldest = t;
	}
	return oldest && now_ms > oldest ? (now_ms - oldest) / 1000 : 0;
}

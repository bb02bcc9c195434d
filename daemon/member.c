/* Members: organizations reached through relays.
 *
 * A message to a member carries, in its signed recipient entry, the
 * member's end-to-end stream position; the store keeps one row for the
 * member (its end-to-end state: delivered only by the member's own signed
 * receipt) and a hop row on the link to the relay in use. A relay that
 * holds the message (its receipt on the link) makes it "relayed". What the
 * member has not receipted is handed again when the relay in use goes down
 * (to the next relay that is up), when the member reports a gap, and after
 * a timeout; the member keeps every message once, by its stream position. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "member.h"
#include "relay.h"
#include "node_lookup.h"
#include "turn.h"
#include "log.h"
#include "timefmt.h"
#include "labels.h"
#include "relay.h"

#define RESEND_FIRST_MS 30000
#define RESEND_MAX_MS 300000
#define FAILOVER_MS 3000      /* a relay down this long is passed over */
#define RESEND_BATCH 4096

int members_load(struct node *n)
{
	const struct config *c = n->conf;
	struct member *ms = calloc(c->n_members ? c->n_members : 1, sizeof(*ms));
	if (!ms)
		return -1;
	for (size_t i = 0; i < c->n_members; i++) {
		const struct member_conf *mc = &c->members[i];
		struct member *m = &ms[i], *old = member_find(n, mc->name);
		if (old)
			*m = *old;
		snprintf(m->name, sizeof(m->name), "%s", mc->name);
		m->cert = mc->cert;
		memcpy(m->via, mc->via, sizeof(m->via));
		m->n_via = mc->n_via;
		m->max_classification = mc->max_classification;
		if ((size_t)m->route >= m->n_via)
			m->route = 0;
		for (int lane = 0; lane < LANES; lane++) {
			m->next_seq[lane] = store_max_stream_seq(n->store, m->name, lane);
			m->in_mark[lane] = store_lane_mark(n->store, m->name, lane);
		}
		/* what it had not receipted before a restart is looked at again soon */
		if (!old && store_first_pending(n->store, m->name, 0) + store_first_pending(n->store, m->name, 1) +
				    store_first_pending(n->store, m->name, 2) + store_first_pending(n->store, m->name, 3))
			m->resend_at = time_mono_ms() + RESEND_FIRST_MS;
		m->resend_ivl = RESEND_FIRST_MS;
	}
	free(n->members);
	n->members = ms;
	n->n_members = c->n_members;
	return 0;
}

void members_free(struct node *n)
{
	free(n->members);
	n->members = NULL;
	n->n_members = 0;
}

struct member *member_find(struct node *n, const char *name)
{
	for (size_t i = 0; i < n->n_members; i++)
		if (!strcmp(n->members[i].name, name))
			return &n->members[i];
	return NULL;
}

struct link *member_route(struct node *n, struct member *m)
{
	return m->n_via ? node_link(n, m->via[m->route]) : NULL;
}

struct resend {
	struct node *n;
	struct member *m;
	struct link *l;
	struct link *old; /* a relay given up: what waits there for the member is withdrawn */
	int lane;
	int count;
	bool failed;
	uint64_t skip_from, skip_to; /* a run of positions refused for good, not yet announced */
};

/* Announces the pending run of refused positions, before what follows it. */
static int flush_skip(struct resend *rs)
{
	if (!rs->skip_to)
		return 0;
	Liaison__LaneSkip k = LIAISON__LANE_SKIP__INIT, *kp = &k;
	k.lane = (Liaison__Precedence)(rs->lane + 1);
	k.after = rs->skip_from - 1;
	k.upto = rs->skip_to;
	rs->skip_from = rs->skip_to = 0;
	return relay_receipt_out(rs->n, rs->m, rs->lane, &(struct relay_receipt){ .skips = &kp, .n_skips = 1 });
}

static int resend_row(void *ctx, int64_t pos, uint64_t seq, int state)
{
	struct resend *rs = ctx;
	if (state == RCPT_REJECTED) {
		if (!rs->skip_to)
			rs->skip_from = seq;
		rs->skip_to = seq;
		return 0;
	}
	if (flush_skip(rs) < 0)
		goto fail;
	if (rs->old && store_hop_withdraw(rs->n->store, pos, rs->old->name, rs->m->name, time_now_ms()) < 0)
		goto fail;
	int waiting = store_hop_waiting(rs->n->store, pos, rs->l->name);
	if (waiting < 0)
		goto fail;
	if (waiting)
		return 0; /* still queued on that link: it goes out as it is */
	uint64_t at = rs->l->next_seq[rs->lane] + 1;
	if (store_add_hop(rs->n->store, pos, rs->l->name, rs->lane, at, rs->m->name) < 0)
		goto fail;
	rs->l->next_seq[rs->lane] = at;
	rs->count++;
	return 0;
fail:
	rs->failed = true;
	return 1;
}

static int resend(struct node *n, struct member *m, struct link *old, int lane, uint64_t after, bool skips,
		  const char *why)
{
	struct resend rs = { n, m, member_route(n, m), old, lane, 0, false, 0, 0 };
	if (!rs.l)
		return 0;
	if (node_tx(n) < 0)
		return -1;
	/* the rows are read and written in one statement's walk: new rows go
	 * to another peer's part of the table, never under the cursor */
	if (store_member_rows(n->store, m->name, lane, after, RESEND_BATCH, skips, resend_row, &rs) < 0 || rs.failed ||
	    flush_skip(&rs) < 0) {
		log_error("store: %s", store_errmsg(n->store));
		n->tx_failed = true;
		return -1;
	}
	if (rs.count) {
		n->counters.relay_resent += (uint64_t)rs.count;
		log_info("member %s: %d %s messages handed to %s again (%s)", m->name, rs.count, label_precedence_name((Liaison__Precedence)(lane + 1)),
			 rs.l->name, why);
	}
	return rs.count;
}

int member_resend(struct node *n, struct member *m, int lane, uint64_t after, const char *why)
{
	return resend(n, m, NULL, lane, after, false, why);
}

void member_heard(struct node *n, struct member *m)
{
	(void)n;
	m->last_receipt = time_now_ms();
	m->resend_ivl = RESEND_FIRST_MS;
	m->resend_at = time_mono_ms() + RESEND_FIRST_MS;
}

void member_gap(struct node *n, struct member *m, Liaison__LaneMark **marks, size_t n_marks)
{
	for (size_t i = 0; i < n_marks; i++) {
		int lane = (int)marks[i]->lane - 1;
		if (lane < 0 || lane >= LANES || marks[i]->seq >= m->next_seq[lane])
			continue;
		n->counters.relay_gaps++;
		resend(n, m, NULL, lane, marks[i]->seq, true, "it reported a gap");
	}
}

/* Gap reports to an origin are bounded: each makes it hand everything it
 * has not receipted to its relay again. One that says nothing new (our
 * marks for it have not moved since the last) waits GAP_REPORT_MS; one
 * after progress is news (a relay that damages every few messages costs a
 * round each time) and waits GAP_NEWS_MS. A report held back is not lost:
 * members_tick sends it when its time comes, since no further message may
 * ever arrive to show the gap again. */
#define GAP_REPORT_MS 1000
#define GAP_NEWS_MS 100

static void gap_flush(struct node *n, struct member *m, int64_t now)
{
	if (!m->gap_due || n->tx_failed)
		return;
	bool news = memcmp(m->gap_marks, m->in_mark, sizeof(m->gap_marks)) != 0;
	if (now - m->gap_reported < (news ? GAP_NEWS_MS : GAP_REPORT_MS))
		return;
	if (relay_receipt_out(n, m, 0, &(struct relay_receipt){ .gap = true }) < 0)
		return;
	m->gap_reported = now;
	memcpy(m->gap_marks, m->in_mark, sizeof(m->gap_marks));
	m->gap_due = false;
}

void member_gap_seen(struct node *n, struct member *m)
{
	m->gap_due = true;
	gap_flush(n, m, time_mono_ms());
}

/* The relay in use has been down for FAILOVER_MS and another of `via` is
 * up: move to it and hand it everything the member has not receipted. What
 * waits on the old link for this member alone is withdrawn there; what the
 * old relay already holds may still arrive, and the member keeps one copy. */
static void failover(struct node *n, struct member *m, int64_t now)
{
	struct link *cur = member_route(n, m);
	if (cur && cur->connected) {
		m->route_down = 0;
		return;
	}
	if (!m->route_down) {
		m->route_down = now;
		return;
	}
	if (now - m->route_down < FAILOVER_MS)
		return;
	for (size_t i = 0; i < m->n_via; i++) {
		struct link *l = node_link(n, m->via[i]);
		if ((int)i == m->route || !l || !l->connected)
			continue;
		log_warn("member %s: relay %s is down: now through %s", m->name, m->via[m->route], l->name);
		m->route = (int)i;
		m->route_down = 0;
		for (int lane = 0; lane < LANES; lane++)
			if (resend(n, m, cur, lane, 0, false, "its relay changed") < 0)
				return;
		return;
	}
}

int member_skip(struct node *n, struct member *m, Liaison__LaneSkip **skips, size_t n_skips)
{
	for (size_t i = 0; i < n_skips; i++) {
		const Liaison__LaneSkip *k = skips[i];
		int lane = (int)k->lane - 1;
		if (lane < 0 || lane >= LANES || k->upto <= k->after || m->in_mark[lane] < k->after ||
		    m->in_mark[lane] >= k->upto)
			continue; /* something before it may still come: it is said again then */
		log_info("member %s will not send messages %llu to %llu of lane %d (refused on the way): skipped",
			 m->name, (unsigned long long)m->in_mark[lane] + 1, (unsigned long long)k->upto, lane + 1);
		m->in_mark[lane] = k->upto;
		if (node_tx(n) < 0 || store_set_lane_mark(n->store, m->name, lane, k->upto) < 0) {
			log_error("store: %s", store_errmsg(n->store));
			n->tx_failed = true;
			return -1;
		}
	}
	return 0;
}

void members_tick(struct node *n, int64_t now)
{
	for (size_t i = 0; i < n->n_members && !n->tx_failed; i++) {
		struct member *m = &n->members[i];
		gap_flush(n, m, now);
		if (m->n_via > 1)
			failover(n, m, now);
		if (!m->resend_at || now < m->resend_at)
			continue;
		bool any = false;
		for (int lane = 0; lane < LANES && !n->tx_failed; lane++)
			if (store_first_pending(n->store, m->name, lane)) {
				any = true;
				member_resend(n, m, lane, 0, "no receipt came back in time");
			}
		m->resend_ivl = any ? (m->resend_ivl * 2 > RESEND_MAX_MS ? RESEND_MAX_MS : m->resend_ivl * 2)
				    : RESEND_FIRST_MS;
		m->resend_at = any ? now + m->resend_ivl : 0;
	}
}

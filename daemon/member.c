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
#include "node_lookup.h"
#include "turn.h"
#include "log.h"
#include "timefmt.h"
#include "labels.h"

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
};

static int resend_row(void *ctx, int64_t pos, uint64_t seq)
{
	struct resend *rs = ctx;
	(void)seq;
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

static int resend(struct node *n, struct member *m, struct link *old, int lane, uint64_t after, const char *why)
{
	struct resend rs = { n, m, member_route(n, m), old, lane, 0, false };
	if (!rs.l)
		return 0;
	if (node_tx(n) < 0)
		return -1;
	/* the rows are read and written in one statement's walk: new rows go
	 * to another peer's part of the table, never under the cursor */
	if (store_member_pending(n->store, m->name, lane, after, RESEND_BATCH, resend_row, &rs) < 0 || rs.failed) {
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
	return resend(n, m, NULL, lane, after, why);
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
		member_resend(n, m, lane, marks[i]->seq, "it reported a gap");
	}
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
			if (resend(n, m, cur, lane, 0, "its relay changed") < 0)
				return;
		return;
	}
}

void members_tick(struct node *n, int64_t now)
{
	for (size_t i = 0; i < n->n_members && !n->tx_failed; i++) {
		struct member *m = &n->members[i];
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

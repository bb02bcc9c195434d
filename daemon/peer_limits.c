/* The size contract between peers.
 *
 * Each node states in its hello and in its state reply the largest
 * envelope and the largest frame it takes; a node that states nothing (an
 * older one) is held to the defaults of a 1 MiB max_message. A sender
 * refuses at send time a message one of its recipients would not take
 * (nothing is queued for anyone), builds no batch larger than the peer's
 * frame limit, and withdraws a queued envelope its peer no longer takes
 * (the peer restarted with a smaller limit) instead of resending it into a
 * dropped connection forever: see link_pump. */
#include <stdio.h>
#include "peer_limits.h"
#include "node_lookup.h"
#include "turn.h"
#include "log.h"

uint64_t limits_envelope_for(uint64_t max_message)
{
	return max_message + ENVELOPE_HEADER_MAX + 1024;
}

uint64_t limits_message_for(uint64_t max_envelope)
{
	uint64_t over = ENVELOPE_HEADER_MAX + 1024;
	return max_envelope > over ? max_envelope - over : 0;
}

uint64_t limits_frame_for(uint64_t max_envelope)
{
	return BATCH_MAX_BYTES + max_envelope + 4096;
}

uint64_t node_max_frame(const struct node *n)
{
	return limits_frame_for(node_max_envelope(n));
}

static void set_defaults(struct link *l)
{
	l->max_envelope = limits_envelope_for(ENVELOPE_DEFAULT_MAX_MESSAGE);
	l->max_frame = limits_frame_for(l->max_envelope);
}

void limits_load(struct node *n, struct link *l)
{
	uint64_t env, frame;
	set_defaults(l);
	if (store_peer_limits_get(n->store, l->name, &env, &frame) == 1 && env > 0 && frame > 0) {
		l->max_envelope = env;
		l->max_frame = frame;
	}
}

void limits_stated(struct node *n, struct link *l, uint64_t max_envelope, uint64_t max_frame)
{
	uint64_t old_env = l->max_envelope, old_frame = l->max_frame;
	if (max_envelope == 0) {
		set_defaults(l);
	} else {
		l->max_envelope = max_envelope;
		/* a peer that states an envelope limit but no frame limit: ours is its formula */
		l->max_frame = max_frame ? max_frame : limits_frame_for(max_envelope);
	}
	if (l->max_envelope == old_env && l->max_frame == old_frame)
		return;
	char now[32], before[32];
	limits_format(limits_message_for(l->max_envelope), now, sizeof(now));
	limits_format(limits_message_for(old_env), before, sizeof(before));
	log_info("peer %s takes messages up to %s%s (was %s)", l->name, now, max_envelope ? "" : " (states no limit: the default)",
		 before);
	if (node_tx_lazy(n) < 0 || store_peer_limits_put(n->store, l->name, l->max_envelope, l->max_frame) < 0)
		n->tx_failed = true;
}

bool limits_check_send(const struct node *n, struct link **sel, size_t n_sel, size_t body_len, char *why,
		       size_t whylen)
{
	for (size_t i = 0; i < n_sel; i++) {
		uint64_t lim = limits_message_for(sel[i]->max_envelope);
		if (body_len <= lim)
			continue;
		char size[32], theirs[32], ours[32];
		limits_format(body_len, size, sizeof(size));
		limits_format(lim, theirs, sizeof(theirs));
		limits_format(n->conf->max_message, ours, sizeof(ours));
		snprintf(why, whylen, "message of %s exceeds %s's limit of %s (this node's limit is %s)%s", size,
			 sel[i]->name, theirs, ours, n_sel > 1 ? ": nothing was sent to anyone" : "");
		return false;
	}
	return true;
}

void limits_format(uint64_t bytes, char *buf, size_t len)
{
	if (bytes >= 1024 * 1024)
		snprintf(buf, len, "%.1f MiB", (double)bytes / (1024.0 * 1024.0));
	else if (bytes >= 1024)
		snprintf(buf, len, "%.1f KiB", (double)bytes / 1024.0);
	else
		snprintf(buf, len, "%llu bytes", (unsigned long long)bytes);
}

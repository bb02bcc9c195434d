/* Refused handshakes, told within bounds.
 *
 * Anyone who can reach the listen port can make the node refuse a fresh
 * key as often as it likes, so what a refusal writes must not grow with
 * them: every refusal is counted (by reason: status and metrics), but the
 * log names at most REFUSALS_LOG_CAP new keys a minute and the audit chain
 * at most REFUSALS_AUDIT_CAP an hour. What goes beyond is told once per
 * window as a count: one log line a minute, one audit record an hour (and
 * both at stop), so the chain still accounts for every refusal without
 * giving strangers a way to lengthen it at will. A key already logged is
 * not logged again while the node remembers it. */
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include "zap_refusals.h"
#include "turn.h"
#include "log.h"
#include "timefmt.h"

static const char *const reason_names[REFUSAL_REASONS] = {
	[REFUSED_PEER_KEY] = "unknown_peer_key",
	[REFUSED_CLIENT_KEY] = "unknown_client_key",
	[REFUSED_OTHER] = "malformed",
};

const char *refusals_reason_name(enum refusal_reason why)
{
	return why < REFUSAL_REASONS ? reason_names[why] : "?";
}

uint64_t refusals_total(const struct node *n)
{
	uint64_t t = 0;
	for (int i = 0; i < REFUSAL_REASONS; i++)
		t += n->refusals.count[i];
	return t;
}

static bool remembered(const struct refusals *r, const char *b64)
{
	size_t seen = r->n_keys < REFUSED_KEYS_REMEMBERED ? r->n_keys : REFUSED_KEYS_REMEMBERED;
	for (size_t i = 0; i < seen; i++)
		if (!strcmp(r->keys[i], b64))
			return true;
	return false;
}

static void audit(struct node *n, const char *kind, const char *detail)
{
	if (node_tx_lazy(n) < 0 || store_audit(n->store, kind, detail) < 0)
		n->tx_failed = true;
}

void refusals_note(struct node *n, enum refusal_reason why, const char *domain, const uint8_t *key,
		   const char *address)
{
	struct refusals *r = &n->refusals;
	int64_t now = time_mono_ms();
	r->count[why < REFUSAL_REASONS ? why : REFUSED_OTHER]++;
	if (r->log_window == 0)
		r->log_window = now;
	if (r->audit_window == 0)
		r->audit_window = now;
	char b64[45] = "-";
	if (key) {
		sodium_bin2base64(b64, sizeof(b64), key, 32, sodium_base64_VARIANT_ORIGINAL);
		if (remembered(r, b64))
			return; /* told before: counted only */
	}
	const char *from = address && address[0] ? address : "?";
	if (r->logged < REFUSALS_LOG_CAP) {
		r->logged++;
		if (key) {
			snprintf(r->keys[r->n_keys++ % REFUSED_KEYS_REMEMBERED], sizeof(r->keys[0]), "%s", b64);
			log_warn("refused unknown %s key %s from %s", !strcmp(domain, "api") ? "client" : "peer", b64,
				 from);
		} else {
			log_warn("refused a malformed %s handshake from %s", domain[0] ? domain : "?", from);
		}
		if (r->logged == REFUSALS_LOG_CAP)
			log_warn("more refused keys this minute are counted, not logged one by one");
	} else {
		r->log_more++;
	}
	if (r->audited < REFUSALS_AUDIT_CAP) {
		char detail[160];
		r->audited++;
		snprintf(detail, sizeof(detail), "domain=%s key=%s from=%s", domain[0] ? domain : "?", b64, from);
		audit(n, "refused-key", detail);
	} else {
		r->audit_more++;
	}
}

static void end_log_window(struct node *n, int64_t now)
{
	struct refusals *r = &n->refusals;
	if (r->log_more)
		log_warn("refused %llu more handshakes in the last %lld s from keys not logged one by one "
			 "(%llu refused since start)",
			 (unsigned long long)r->log_more, (long long)(now - r->log_window) / 1000,
			 (unsigned long long)refusals_total(n));
	r->log_more = 0;
	r->logged = 0;
	r->log_window = 0;
}

static void end_audit_window(struct node *n, int64_t now)
{
	struct refusals *r = &n->refusals;
	if (r->audit_more) {
		char detail[160];
		snprintf(detail, sizeof(detail), "count=%llu seconds=%lld total=%llu", (unsigned long long)r->audit_more,
			 (long long)(now - r->audit_window) / 1000, (unsigned long long)refusals_total(n));
		audit(n, "refused-keys", detail);
	}
	r->audit_more = 0;
	r->audited = 0;
	r->audit_window = 0;
}

void refusals_tick(struct node *n, int64_t now)
{
	struct refusals *r = &n->refusals;
	if (r->log_window && now - r->log_window >= REFUSALS_LOG_WINDOW_MS)
		end_log_window(n, now);
	if (r->audit_window && now - r->audit_window >= REFUSALS_AUDIT_WINDOW_MS)
		end_audit_window(n, now);
}

void refusals_flush(struct node *n)
{
	int64_t now = time_mono_ms();
	if (n->refusals.log_window)
		end_log_window(n, now);
	if (n->refusals.audit_window)
		end_audit_window(n, now);
}

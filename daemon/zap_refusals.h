/* Refused handshakes: counted by reason, logged and audited within bounds. */
#ifndef LIAISOND_ZAP_REFUSALS_H
#define LIAISOND_ZAP_REFUSALS_H

#include "node.h"

/* At most this many keys are logged one by one a minute, and audited one
 * by one an hour; the rest are told as one summary line a minute and one
 * summary record an hour. */
#define REFUSALS_LOG_CAP 16
#define REFUSALS_LOG_WINDOW_MS (60 * 1000)
#define REFUSALS_AUDIT_CAP 16
#define REFUSALS_AUDIT_WINDOW_MS (3600 * 1000)

/* One refused handshake; key is NULL when the request carried none. */
void refusals_note(struct node *n, enum refusal_reason why, const char *domain, const uint8_t *key,
		   const char *address);
/* Ends the windows that are over: their summaries go to the log and the audit chain. */
void refusals_tick(struct node *n, int64_t now);
/* Tells what the current windows hold now (at stop). */
void refusals_flush(struct node *n);
uint64_t refusals_total(const struct node *n);
const char *refusals_reason_name(enum refusal_reason why);

#endif

/* CAP chains: a stored warning's Update/Cancel references recorded, and each
 * warning's cap_state (actual, updated, cancelled) worked out when read. */
#ifndef LIAISOND_CAP_CHAIN_H
#define LIAISOND_CAP_CHAIN_H

#include <stdint.h>
#include "liaison.pb-c.h"
#include "store.h"

/* Records what the warning just stored at pos (header h, opened payload p)
 * updates or cancels: its CAP <references> when its msgType is Update or
 * Cancel, and its liaison references (--updates, --cancels). Does nothing
 * for other types. Inside the caller's transaction; 0 or -1. */
int cap_chain_record(struct store *s, int64_t pos, const Liaison__Header *h, const Liaison__Payload *p);

/* "actual", "updated" or "cancelled" for a warning; NULL for other types or
 * when the store cannot say. Only warnings from the same originating node
 * change a warning's state: liaison vouches for nodes, not for CAP senders. */
const char *cap_chain_state(struct store *s, const Liaison__Header *h, const Liaison__Payload *p);

#endif

/* CAP chains in the store (table cap_refs). */
#ifndef LIAISOND_STORE_CAP_H
#define LIAISOND_STORE_CAP_H

#include <stdint.h>
#include "store.h"

enum cap_ref_kind { CAP_REF_NONE = 0, CAP_REF_UPDATES = 1, CAP_REF_CANCELS = 2 };

/* Records that the warning at pos, from node origin, updates or cancels the
 * alert (sender, identifier). Inside the caller's transaction. 0 or -1. */
int store_cap_ref_put(struct store *s, int64_t pos, const char *origin, const char *sender,
		      const char *identifier, int kind);
/* The strongest reference to (sender, identifier) from origin: CAP_REF_NONE,
 * CAP_REF_UPDATES or CAP_REF_CANCELS; -1 on error. */
int store_cap_state(struct store *s, const char *origin, const char *sender, const char *identifier);

#endif

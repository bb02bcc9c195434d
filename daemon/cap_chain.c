/* CAP chains: which warnings an Update or a Cancel replaces, and the state
 * that follows for each warning. A warning is known by its CAP sender and
 * identifier: those of the imported alert, or for a warning written in
 * liaison its node and message id (what `get --cap` prints for it). */
#include <string.h>

#include "cap.h"
#include "cap_chain.h"
#include "hexid.h"
#include "store_cap.h"

static const Liaison__EarlyWarning *warning_of(const Liaison__Header *h, const Liaison__Payload *p)
{
	if (h->type != LIAISON__MESSAGE_TYPE__WARNING || !p ||
	    p->body_case != LIAISON__PAYLOAD__BODY_WARNING)
		return NULL;
	return p->warning;
}

int cap_chain_record(struct store *s, int64_t pos, const Liaison__Header *h, const Liaison__Payload *p)
{
	const Liaison__EarlyWarning *w = warning_of(h, p);
	char buf[1024], hex[HEXID_LEN];
	const char *sender, *identifier, *sent;
	int kind;

	if (!w)
		return 0;
	for (size_t i = 0; i < h->n_references; i++) {
		const Liaison__Reference *r = h->references[i];
		if (r->id.len != 16)
			continue;
		hexid_format(r->id.data, hex);
		kind = r->kind == LIAISON__REFERENCE_KIND__CANCELS ? CAP_REF_CANCELS : CAP_REF_UPDATES;
		if (store_cap_ref_put(s, pos, h->sender, h->sender, hex, kind) < 0)
			return -1;
	}
	if (!strcmp(w->msg_type, "Update"))
		kind = CAP_REF_UPDATES;
	else if (!strcmp(w->msg_type, "Cancel"))
		kind = CAP_REF_CANCELS;
	else
		return 0;
	for (size_t i = 0; i < w->n_references; i++) {
		/* a malformed reference names nothing this node could hold: skipped */
		if (!cap_reference_split(w->references[i], buf, sizeof(buf), &sender, &identifier, &sent))
			continue;
		if (store_cap_ref_put(s, pos, h->sender, sender, identifier, kind) < 0)
			return -1;
	}
	return 0;
}

const char *cap_chain_state(struct store *s, const Liaison__Header *h, const Liaison__Payload *p)
{
	const Liaison__EarlyWarning *w = warning_of(h, p);
	char hex[HEXID_LEN];
	const char *sender, *identifier;
	int kind;

	if (!w)
		return NULL;
	if (w->cap_sent[0]) {
		sender = w->cap_sender;
		identifier = w->cap_identifier;
	} else {
		if (h->id.len != 16)
			return NULL;
		hexid_format(h->id.data, hex);
		sender = h->sender;
		identifier = hex;
	}
	kind = store_cap_state(s, h->sender, sender, identifier);
	return kind < 0 ? NULL : kind == CAP_REF_CANCELS ? "cancelled"
			       : kind == CAP_REF_UPDATES ? "updated" : "actual";
}

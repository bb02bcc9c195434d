/* A stored envelope as a client sees it. */
#ifndef LIAISOND_MSGVIEW_H
#define LIAISOND_MSGVIEW_H

#include "node.h"

struct msgview {
	struct opened opened;
	Liaison__Message msg;
	char **to;
};
int msgview_open(struct node *n, const struct stored_msg *m, struct msgview *v);
void msgview_clear(struct msgview *v);

#endif

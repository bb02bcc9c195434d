/* Members: organizations reached through relays. Their end-to-end streams,
 * the relay in use (the first of `via` that is up), failover to the next,
 * and handing again what a member has not receipted. */
#ifndef LIAISOND_MEMBER_H
#define LIAISOND_MEMBER_H

#include "node.h"

/* Builds n->members from the configuration, keeping the state of members
 * that stay; loads their streams from the store. 0 or -1. */
int members_load(struct node *n);
void members_free(struct node *n);
struct member *member_find(struct node *n, const char *name);
/* The link to the relay in use for m (NULL if none of its relays is configured). */
struct link *member_route(struct node *n, struct member *m);
/* Hands everything m has not receipted in lane, after stream seq `after`,
 * to the relay in use, except what that relay still holds queued. Returns
 * how many, or -1 (store failure: the turn fails). */
int member_resend(struct node *n, struct member *m, int lane, uint64_t after, const char *why);
/* A receipt from m came back: resend timers start over. */
void member_heard(struct node *n, struct member *m);
/* m says it holds everything up to marks and nothing after: a relay lost
 * something. Resends from there; positions refused for good on the way
 * (rejected) are announced to it as skips, in order with the resends. */
void member_gap(struct node *n, struct member *m, Liaison__LaneMark **marks, size_t n_marks);
/* Origin m says positions of its stream to us will never come (a relay
 * refused them): the end-to-end mark moves past them. 0 or -1. */
int member_skip(struct node *n, struct member *m, Liaison__LaneSkip **skips, size_t n_skips);
/* A message from m left a gap here: m is told (by a receipt with our marks)
 * now, or by members_tick once the report interval has passed. */
void member_gap_seen(struct node *n, struct member *m);
/* Failover, resend timers and gap reports held back; called a few times a second. */
void members_tick(struct node *n, int64_t now);

#endif

/* The cache of verified envelopes (readcache.h): direct-mapped by store
 * position, 65,536 slots (2.6 MB), so the most recent messages (what
 * subscribers and most queries read) are found.
 *
 * Why a cache is safe here: a hit needs the envelope's bytes to hash to
 * what was verified at that position, so a changed byte in the store is a
 * miss and the full check runs (and names the fault). A position reused
 * after a rolled-back transaction holds other bytes: a miss too. The cache
 * is in the node's own memory; whoever can write that holds the node's
 * keys anyway. */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "readcache.h"

#define READCACHE_SLOTS 65536

struct readcache_slot {
	int64_t pos; /* 0: empty (positions start at 1) */
	uint8_t hash[32];
};

struct readcache {
	struct readcache_slot slots[READCACHE_SLOTS];
};

struct readcache *readcache_new(void)
{
	return calloc(1, sizeof(struct readcache));
}

void readcache_destroy(struct readcache **c)
{
	if (!c || !*c)
		return;
	free(*c);
	*c = NULL;
}

void readcache_put(struct readcache *c, int64_t pos, const uint8_t *env, size_t len)
{
	if (!c || pos <= 0)
		return;
	struct readcache_slot *s = &c->slots[(uint64_t)pos % READCACHE_SLOTS];
	s->pos = pos;
	crypto_generichash(s->hash, sizeof(s->hash), env, len, NULL, 0);
}

void readcache_forget(struct readcache *c, int64_t pos)
{
	if (!c || pos <= 0)
		return;
	struct readcache_slot *s = &c->slots[(uint64_t)pos % READCACHE_SLOTS];
	if (s->pos == pos)
		memset(s, 0, sizeof(*s));
}

bool readcache_holds(const struct readcache *c, int64_t pos, const uint8_t *env, size_t len)
{
	if (!c || pos <= 0)
		return false;
	const struct readcache_slot *s = &c->slots[(uint64_t)pos % READCACHE_SLOTS];
	if (s->pos != pos)
		return false;
	uint8_t h[32];
	crypto_generichash(h, sizeof(h), env, len, NULL, 0);
	return sodium_memcmp(h, s->hash, sizeof(h)) == 0;
}

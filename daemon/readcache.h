/* Envelopes this node has verified, by store position: the BLAKE2b-256 of
 * their bytes, so that reading one again costs a hash (about 1 us a KiB)
 * instead of a signature check (46 us). */
#ifndef LIAISOND_READCACHE_H
#define LIAISOND_READCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct readcache;
/* NULL when out of memory; every function takes a NULL cache (it then
 * remembers nothing and holds nothing). */
struct readcache *readcache_new(void);
void readcache_destroy(struct readcache **c);
/* Remembers that the envelope stored at pos, these bytes, was verified. */
void readcache_put(struct readcache *c, int64_t pos, const uint8_t *env, size_t len);
/* Forgets pos (a deleted message). */
void readcache_forget(struct readcache *c, int64_t pos);
/* True only when these exact bytes were verified at pos. */
bool readcache_holds(const struct readcache *c, int64_t pos, const uint8_t *env, size_t len);

#endif

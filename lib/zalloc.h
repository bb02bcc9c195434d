/* Heap blocks that are wiped when freed, and a protobuf-c allocator made of
 * them, for messages that hold plaintext (decrypted payloads, API requests
 * and replies). */
#ifndef LIAISON_ZALLOC_H
#define LIAISON_ZALLOC_H

#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

/* malloc that remembers the block's size; NULL when out of memory. */
void *zalloc(size_t size);
/* Wipes the whole block (sodium_memzero), then frees it; accepts NULL. */
void zfree(void *p);
/* The size a block from zalloc was asked with. */
size_t zalloc_size(const void *p);
/* Wipes len bytes at p, then free(p): for blocks from plain malloc whose
 * length the caller knows; accepts NULL. */
void zfree_len(void *p, size_t len);

/* Pass to liaison__*__unpack and the matching __free_unpacked: every block
 * of the unpacked message is wiped when it is freed. */
extern ProtobufCAllocator zalloc_protobuf;

#endif

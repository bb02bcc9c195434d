/* Heap blocks that are wiped when freed. Each block carries its size in a
 * header before the pointer handed out, since free(3) does not tell. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sodium.h>
#include "zalloc.h"

/* max_align_t keeps the pointer after the header aligned as malloc's is */
typedef union {
	size_t size;
	max_align_t align;
} zheader;

void *zalloc(size_t size)
{
	if (size > SIZE_MAX - sizeof(zheader))
		return NULL;
	zheader *h = malloc(sizeof(zheader) + size);
	if (!h)
		return NULL;
	h->size = size;
	return h + 1;
}

size_t zalloc_size(const void *p)
{
	return ((const zheader *)p - 1)->size;
}

void zfree(void *p)
{
	if (!p)
		return;
	zheader *h = (zheader *)p - 1;
	sodium_memzero(h, sizeof(zheader) + h->size);
	free(h);
}

void zfree_len(void *p, size_t len)
{
	if (!p)
		return;
	sodium_memzero(p, len);
	free(p);
}

static void *pb_alloc(void *data, size_t size)
{
	(void)data;
	return zalloc(size);
}

static void pb_free(void *data, void *p)
{
	(void)data;
	zfree(p);
}

ProtobufCAllocator zalloc_protobuf = { .alloc = pb_alloc, .free = pb_free, .allocator_data = NULL };

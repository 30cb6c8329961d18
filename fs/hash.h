/* The node table's hashes (node_records.c, node_loose.c, intern.c): FNV-1a, then a
 * 64-bit finaliser so that similar names spread over every bit. */
#ifndef CTRFS_FS_HASH_H
#define CTRFS_FS_HASH_H

#include <stdint.h>

#define HASH_SEED 0xcbf29ce484222325ULL

static inline uint64_t hash_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static inline uint64_t hash_str(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

static inline uint64_t hash_path(const char *s)
{
	return hash_mix(hash_str(HASH_SEED, s));
}

#endif

/* Interned strings: one counted copy of each (intern.h). */
#include "intern.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"

struct istr {
	struct istr *next;
	uint64_t hash;
	uint32_t refs;
	char s[];
};

/* the index: a hash table of the strings, grown to keep one per bucket */
static struct {
	struct istr **buckets;
	size_t nbuckets, count;
} pool;

static struct istr *istr_of(const char *s)
{
	return (struct istr *)(s - offsetof(struct istr, s));
}

const char *intern(const char *s)
{
	uint64_t h = hash_path(s);
	if (pool.count >= pool.nbuckets) {
		size_t nb = pool.nbuckets ? pool.nbuckets * 2 : 256;
		struct istr **t = calloc(nb, sizeof(*t));
		if (!t && !pool.nbuckets)
			return NULL;
		if (t) {
			for (size_t i = 0; i < pool.nbuckets; i++) {
				for (struct istr *e = pool.buckets[i], *next; e; e = next) {
					next = e->next;
					e->next = t[e->hash & (nb - 1)];
					t[e->hash & (nb - 1)] = e;
				}
			}
			free(pool.buckets);
			pool.buckets = t;
			pool.nbuckets = nb;
		}
	}
	struct istr **b = &pool.buckets[h & (pool.nbuckets - 1)];
	for (struct istr *e = *b; e; e = e->next) {
		if (e->hash == h && strcmp(e->s, s) == 0) {
			e->refs++;
			return e->s;
		}
	}
	size_t len = strlen(s);
	struct istr *e = malloc(sizeof(*e) + len + 1);
	if (!e)
		return NULL;
	e->hash = h;
	e->refs = 1;
	memcpy(e->s, s, len + 1);
	e->next = *b;
	*b = e;
	pool.count++;
	return e->s;
}

void unintern(const char *s)
{
	struct istr *e = istr_of(s);
	if (--e->refs)
		return;
	for (struct istr **p = &pool.buckets[e->hash & (pool.nbuckets - 1)]; *p; p = &(*p)->next) {
		if (*p == e) {
			*p = e->next;
			break;
		}
	}
	pool.count--;
	free(e);
}

void intern_destroy(void)
{
	free(pool.buckets);
	pool.buckets = NULL;
	pool.nbuckets = pool.count = 0;
}

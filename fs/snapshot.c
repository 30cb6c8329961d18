/* Rendered file contents shared by the handles that opened the same content: 15,000
 * opens of one container.json hold it once. Keyed by inode and checked byte for byte,
 * so sharing never depends on a version number being right. */
#include "snapshot.h"

#include <pthread.h>
#include <string.h>

#include "budget.h"

struct shared {
	struct snapshot s; /* first: handles hold &shared.s */
	fuse_ino_t ino;
	unsigned refs;
	char *buf;
	struct shared *next;
};

#define BUCKETS 256
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct shared *table[BUCKETS];
static size_t count, bytes;

static struct shared **bucket(fuse_ino_t ino)
{
	return &table[(ino * 0x9e3779b97f4a7c15ULL) >> 56];
}

struct snapshot *snapshot_make(fuse_ino_t ino, struct strbuf *sb)
{
	char *buf = sb->buf;
	size_t len = sb->len;
	memset(sb, 0, sizeof(*sb));
	pthread_mutex_lock(&lock);
	struct shared *e = *bucket(ino);
	while (e && !(e->ino == ino && e->s.len == len && (!len || !memcmp(e->buf, buf, len))))
		e = e->next;
	if (e) {
		e->refs++;
		pthread_mutex_unlock(&lock);
		free(buf);
		return &e->s;
	}
	bool taken = budget_take(len);
	e = taken ? calloc(1, sizeof(*e)) : NULL;
	if (!e) {
		pthread_mutex_unlock(&lock);
		if (taken)
			budget_give(len);
		free(buf);
		return NULL;
	}
	e->ino = ino;
	e->refs = 1;
	e->buf = buf;
	e->s.data = buf ? buf : "";
	e->s.len = len;
	e->next = *bucket(ino);
	*bucket(ino) = e;
	count++;
	bytes += len;
	pthread_mutex_unlock(&lock);
	return &e->s;
}

void snapshot_put(struct snapshot *s)
{
	if (!s)
		return;
	struct shared *e = (struct shared *)s;
	pthread_mutex_lock(&lock);
	if (--e->refs) {
		pthread_mutex_unlock(&lock);
		return;
	}
	for (struct shared **p = bucket(e->ino); *p; p = &(*p)->next) {
		if (*p == e) {
			*p = e->next;
			break;
		}
	}
	count--;
	bytes -= e->s.len;
	pthread_mutex_unlock(&lock);
	budget_give(e->s.len);
	free(e->buf);
	free(e);
}

void snapshot_stats(size_t *n, size_t *b)
{
	pthread_mutex_lock(&lock);
	*n = count;
	*b = bytes;
	pthread_mutex_unlock(&lock);
}

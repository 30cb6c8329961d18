/* Scratch files: files of other names that editors and tools create, kept in memory.
 * They are never stored; they exist until removed, renamed onto a field or unmounted. */
#include "scratch.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "budget.h"
#include "ctrfs.h"

/* One scratch file, far below any sane limit, so that memory cannot be exhausted
 * through the mount by accident; their sum is capped by the daemon's budget. */
#define SCRATCH_MAX (64 << 20)
/* The smallest buffer: what most scratch files (an editor's swap file) fit in. */
#define SCRATCH_MIN 4096

struct scratch {
	pthread_mutex_t lock;
	int refs;
	char *buf;
	size_t len, cap;
	mode_t mode;
	struct timespec atime, mtime, ctime;
};

struct scratch *scratch_new(mode_t mode)
{
	struct scratch *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	pthread_mutex_init(&s->lock, NULL);
	s->refs = 1;
	s->mode = mode & 07777;
	clock_gettime(CLOCK_REALTIME, &s->mtime);
	s->atime = s->ctime = s->mtime;
	return s;
}

struct scratch *scratch_get(struct scratch *s)
{
	if (s)
		__atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
	return s;
}

void scratch_put(struct scratch *s)
{
	if (!s || __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	pthread_mutex_destroy(&s->lock);
	free(s->buf);
	budget_give(s->cap);
	free(s);
}

/* The buffer for len bytes: a power of two, so that appends copy little. */
static size_t cap_for(size_t len)
{
	size_t cap = SCRATCH_MIN;
	if (!len)
		return 0;
	while (cap < len)
		cap *= 2;
	return cap;
}

/* Grows or shrinks the content to len, zero-filling; caller holds the lock. The
 * buffer's bytes are the budget's: growing takes, shrinking gives back. The scratch
 * file's name is not known here (its handle and node have it), so refusals name the
 * operation only. */
static int resize(struct scratch *s, size_t len, const char *op)
{
	if (len > SCRATCH_MAX)
		return refuse(EFBIG, op, NULL, "a file kept in memory holds at most %d MiB",
			      SCRATCH_MAX >> 20);
	size_t cap = cap_for(len);
	if (cap > s->cap) {
		if (!budget_take(cap - s->cap))
			return refuse_budget(op, NULL);
		char *p = realloc(s->buf, cap);
		if (!p) {
			budget_give(cap - s->cap);
			return -ENOMEM;
		}
		s->buf = p;
		s->cap = cap;
	} else if (cap < s->cap / 2 || (!cap && s->cap)) {
		/* well below what it held: the memory goes back (a failed shrink keeps it) */
		char *p = cap ? realloc(s->buf, cap) : NULL;
		if (p || !cap) {
			if (!cap)
				free(s->buf);
			budget_give(s->cap - cap);
			s->buf = p;
			s->cap = cap;
		}
	}
	if (len > s->len)
		memset(s->buf + s->len, 0, len - s->len);
	s->len = len;
	clock_gettime(CLOCK_REALTIME, &s->mtime);
	s->ctime = s->mtime;
	return 0;
}

ssize_t scratch_read(struct scratch *s, char *buf, size_t size, off_t off)
{
	pthread_mutex_lock(&s->lock);
	size_t n = (size_t)off < s->len ? s->len - (size_t)off : 0;
	if (n > size)
		n = size;
	if (n)
		memcpy(buf, s->buf + off, n);
	pthread_mutex_unlock(&s->lock);
	return (ssize_t)n;
}

ssize_t scratch_write(struct scratch *s, const char *buf, size_t size, off_t off, bool append)
{
	if (!size)
		return 0;
	pthread_mutex_lock(&s->lock);
	size_t at = append ? s->len : (size_t)off;
	int rc = at + size > s->len ? resize(s, at + size, "write to a scratch file") : 0;
	if (!rc) {
		memcpy(s->buf + at, buf, size);
		clock_gettime(CLOCK_REALTIME, &s->mtime);
		s->ctime = s->mtime;
	}
	pthread_mutex_unlock(&s->lock);
	return rc ? rc : (ssize_t)size;
}

int scratch_truncate(struct scratch *s, off_t size)
{
	pthread_mutex_lock(&s->lock);
	int rc = resize(s, (size_t)size, "truncate of a scratch file");
	pthread_mutex_unlock(&s->lock);
	return rc;
}

char *scratch_content(struct scratch *s, size_t *len)
{
	pthread_mutex_lock(&s->lock);
	char *p = malloc(s->len + 1);
	if (p) {
		memcpy(p, s->buf ? s->buf : "", s->len);
		p[s->len] = '\0';
		*len = s->len;
	}
	pthread_mutex_unlock(&s->lock);
	return p;
}

void scratch_stat(struct scratch *s, struct stat *st)
{
	pthread_mutex_lock(&s->lock);
	st->st_mode = S_IFREG | s->mode;
	st->st_size = (off_t)s->len;
	st->st_atim = s->atime;
	st->st_mtim = s->mtime;
	st->st_ctim = s->ctime;
	pthread_mutex_unlock(&s->lock);
}

void scratch_setattr(struct scratch *s, const struct stat *attr, int to_set)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	pthread_mutex_lock(&s->lock);
	if (to_set & FUSE_SET_ATTR_MODE)
		s->mode = attr->st_mode & 07777;
	if (to_set & FUSE_SET_ATTR_ATIME)
		s->atime = attr->st_atim;
	if (to_set & FUSE_SET_ATTR_ATIME_NOW)
		s->atime = now;
	if (to_set & FUSE_SET_ATTR_MTIME)
		s->mtime = attr->st_mtim;
	if (to_set & FUSE_SET_ATTR_MTIME_NOW)
		s->mtime = now;
	s->ctime = now;
	pthread_mutex_unlock(&s->lock);
}

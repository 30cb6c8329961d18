/* Scratch files: files of other names that editors and tools create, kept in memory.
 * They are never stored; they exist until removed, renamed onto a field or unmounted. */
#include "scratch.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctrfs.h"

/* One scratch file, far below any sane limit, so that memory cannot be exhausted
 * through the mount by accident. */
#define SCRATCH_MAX (64 << 20)

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
	free(s);
}

/* Grows or shrinks the content to len, zero-filling; caller holds the lock. */
static int resize(struct scratch *s, size_t len)
{
	if (len > SCRATCH_MAX)
		return -EFBIG;
	if (len > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		while (cap < len)
			cap *= 2;
		char *p = realloc(s->buf, cap);
		if (!p)
			return -ENOMEM;
		s->buf = p;
		s->cap = cap;
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
	int rc = at + size > s->len ? resize(s, at + size) : 0;
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
	int rc = resize(s, (size_t)size);
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

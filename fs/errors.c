/*
 * MOUNT/.errors: why the mount refused what it refused. Every refusal (refuse() in
 * log.c) goes to stderr or syslog and also here, a read-only file holding the most
 * recent ones, so that a user who sees "Operation not permitted" can read the reason
 * where there is no terminal and no syslog (a daemon under a minimal container, a
 * desktop session). One line per refusal, oldest first:
 *
 *     2026-05-04T10:00:00.123456789Z refused write /default/web/image: REASON (EINVAL)
 *
 * The ring keeps the last ERRORS_LINES lines and at most ERRORS_BYTES; it lives in the
 * daemon, so it is per mount and starts empty at each mount. An open reads the lines
 * as they were at the open (one consistent snapshot, as for every file here); st_size
 * is the length a new open would read. Not listed in the root, as .events is not.
 */
#include "errors.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "budget.h"

struct snapshot {
	char *buf;
	size_t len;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
/* ring[(first + i) % ERRORS_LINES], i < count: each line with its '\n' */
static char *ring[ERRORS_LINES];
static size_t ring_len[ERRORS_LINES];
static size_t first, count, bytes;

static void drop_oldest(void)
{
	bytes -= ring_len[first];
	free(ring[first]);
	ring[first] = NULL;
	first = (first + 1) % ERRORS_LINES;
	count--;
}

void errors_add(const char *line, size_t len)
{
	char stamp[64];
	ctrfs_time_format(ctrfs_time_now(), stamp, sizeof(stamp));
	size_t sl = strlen(stamp);
	/* one line never takes more than a bounded share of the ring */
	if (len > ERRORS_BYTES / 8)
		len = ERRORS_BYTES / 8;
	char *l = malloc(sl + 1 + len + 1);
	if (!l)
		return; /* it went to stderr or syslog all the same */
	memcpy(l, stamp, sl);
	l[sl] = ' ';
	memcpy(l + sl + 1, line, len);
	l[sl + 1 + len] = '\n';
	size_t n = sl + len + 2;
	pthread_mutex_lock(&lock);
	while (count && (count == ERRORS_LINES || bytes + n > ERRORS_BYTES))
		drop_oldest();
	size_t at = (first + count) % ERRORS_LINES;
	ring[at] = l;
	ring_len[at] = n;
	bytes += n;
	count++;
	pthread_mutex_unlock(&lock);
}

size_t errors_size(void)
{
	pthread_mutex_lock(&lock);
	size_t n = bytes;
	pthread_mutex_unlock(&lock);
	return n;
}

void errors_open(fuse_req_t req, struct fuse_file_info *fi)
{
	if ((fi->flags & O_ACCMODE) != O_RDONLY) {
		fuse_reply_err(req, EACCES);
		return;
	}
	struct snapshot *s = calloc(1, sizeof(*s));
	pthread_mutex_lock(&lock);
	size_t n = bytes;
	bool taken = s && budget_take(n);
	if (taken && n && (s->buf = malloc(n))) {
		for (size_t i = 0; i < count; i++) {
			size_t k = (first + i) % ERRORS_LINES;
			memcpy(s->buf + s->len, ring[k], ring_len[k]);
			s->len += ring_len[k];
		}
	}
	pthread_mutex_unlock(&lock);
	if (!s || (taken && n && !s->buf)) {
		if (taken)
			budget_give(n);
		free(s);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if (!taken) {
		free(s);
		fuse_reply_err(req, -refuse_budget("open", ".errors"));
		return;
	}
	/* the size changes with every refusal: no page cache, the snapshot is the file */
	fi->direct_io = 1;
	fi->keep_cache = 0;
	fi->noflush = 1;
	fi->fh = (uintptr_t)s;
	if (fuse_reply_open(req, fi) != 0) {
		budget_give(n);
		free(s->buf);
		free(s);
	}
}

void errors_read(fuse_req_t req, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct snapshot *s = (struct snapshot *)(uintptr_t)fi->fh;
	if (off < 0 || (size_t)off >= s->len) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	size_t n = s->len - (size_t)off;
	if (n > size)
		n = size;
	/* a copy: the kernel may send RELEASE, which frees the snapshot, as soon as it
	 * has the reply, while this thread is still returning from sending it */
	char *copy = malloc(n);
	if (!copy) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	memcpy(copy, s->buf + off, n);
	fuse_reply_buf(req, copy, n);
	free(copy);
}

void errors_release(fuse_req_t req, struct fuse_file_info *fi)
{
	struct snapshot *s = (struct snapshot *)(uintptr_t)fi->fh;
	budget_give(s->len);
	free(s->buf);
	free(s);
	fuse_reply_err(req, 0);
}

void errors_destroy(void)
{
	pthread_mutex_lock(&lock);
	while (count)
		drop_oldest();
	pthread_mutex_unlock(&lock);
}

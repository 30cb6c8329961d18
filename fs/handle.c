/* Open files: each handle holds its file's content like a regular file, and decides
 * when that content is committed to the store.
 *
 * The rules (see FILESYSTEM.md, "Writing"): content is committed as soon as it is a
 * valid value, after each write(2), so that a write that can never become valid fails
 * visibly and leaves the store and the content as they were; an incomplete JSON
 * prefix waits for more. Flush commits what is pending, except an empty file: bash
 * truncates (O_TRUNC) and flushes before it writes, so emptiness waits for release
 * (or fsync). Scratch files write to their shared in-memory content instead.
 */
#include "handle.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>

#include "commit.h"
#include "render.h"
#include "scratch.h"

/* As for scratch files: far above any container's metadata. */
#define HANDLE_MAX (64 << 20)

struct handle {
	pthread_mutex_t lock;
	struct ctrfs *fs;
	struct nodeinfo ni;
	struct cache_group *group; /* the handles sharing the page cache, or NULL */
	struct handle *group_next;
	char *buf; /* the content: the snapshot taken at open, then as written */
	size_t len, cap;
	ctrfs_time mtime;
	bool append;
	bool dirty;  /* the content is not what the store holds */
	int refused; /* errno of a refusal already reported for the pending change */
};

static int reserve(struct handle *h, size_t len)
{
	if (len > HANDLE_MAX)
		return -EFBIG;
	if (len <= h->cap)
		return 0;
	size_t cap = h->cap ? h->cap : 4096;
	while (cap < len)
		cap *= 2;
	char *p = realloc(h->buf, cap);
	if (!p)
		return -ENOMEM;
	h->buf = p;
	h->cap = cap;
	return 0;
}

/* Sets the content's length, zero-filling a gap as a regular file does. */
static int resize(struct handle *h, size_t len)
{
	int rc = reserve(h, len);
	if (rc)
		return rc;
	if (len > h->len)
		memset(h->buf + h->len, 0, len - h->len);
	h->len = len;
	return 0;
}

/* ---- Page cache ----
 *
 * The kernel keeps one page cache per inode, while each handle reads its own content
 * (a snapshot taken at open, or what it wrote). Handles may use the cache together only
 * while they read the very same bytes: read-only handles with equal content. A handle
 * opened beside them otherwise bypasses the cache (direct I/O) and leaves their pages
 * alone, so that no reader ever sees pages of another snapshot. Scratch files have one
 * shared content and use the cache as a regular file does.
 *
 * The kernel also trusts one size per inode to read cached pages: while a group is
 * open, the file's attributes are its content's (handle_cached_attrs), so that no stat
 * or lookup meanwhile makes a cached read stop short or run on into zeros. The store's
 * newer value shows to each new open (directly) and to stat once the group is closed.
 */
struct cache_group {
	fuse_ino_t ino;
	bool writable; /* its one member writes: nobody may join */
	struct handle *members;
	struct cache_group *next;
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cache_group *groups;

static bool same_content(const struct handle *a, const struct handle *b)
{
	return a->len == b->len && (!a->len || memcmp(a->buf, b->buf, a->len) == 0);
}

/* Decides how h uses the page cache and tells the kernel through fi. */
static void cache_join(struct handle *h, bool writable, struct fuse_file_info *fi)
{
	fi->direct_io = 0;
	fi->keep_cache = 0;
	if (h->ni.scratch)
		return;
	pthread_mutex_lock(&cache_lock);
	struct cache_group *g = groups;
	while (g && g->ino != h->ni.ino)
		g = g->next;
	if (!g) {
		/* alone: the pages left by earlier snapshots are dropped (keep_cache 0) */
		g = calloc(1, sizeof(*g));
		if (g) {
			g->ino = h->ni.ino;
			g->writable = writable;
			g->next = groups;
			groups = g;
		}
	} else if (!writable && !g->writable && same_content(g->members, h)) {
		fi->keep_cache = 1; /* the pages are this content already */
	} else {
		g = NULL;
		fi->direct_io = 1;
		fi->keep_cache = 1; /* the others' pages stay theirs */
	}
	if (g) {
		h->group = g;
		h->group_next = g->members;
		g->members = h;
	} else if (!fi->direct_io) {
		fi->direct_io = 1; /* out of memory: bypassing the cache is always safe */
	}
	pthread_mutex_unlock(&cache_lock);
}

bool handle_cached_attrs(fuse_ino_t ino, size_t *len, ctrfs_time *mtime)
{
	pthread_mutex_lock(&cache_lock);
	struct cache_group *g = groups;
	while (g && g->ino != ino)
		g = g->next;
	if (g) {
		struct handle *h = g->members;
		pthread_mutex_lock(&h->lock);
		*len = h->len;
		*mtime = h->mtime;
		pthread_mutex_unlock(&h->lock);
	}
	pthread_mutex_unlock(&cache_lock);
	return g != NULL;
}

static void cache_leave(struct handle *h)
{
	struct cache_group *g = h->group;
	if (!g)
		return;
	pthread_mutex_lock(&cache_lock);
	for (struct handle **p = &g->members; *p; p = &(*p)->group_next) {
		if (*p == h) {
			*p = h->group_next;
			break;
		}
	}
	if (!g->members) {
		for (struct cache_group **p = &groups; *p; p = &(*p)->next) {
			if (*p == g) {
				*p = g->next;
				break;
			}
		}
		free(g);
	}
	pthread_mutex_unlock(&cache_lock);
	h->group = NULL;
}

static void handle_free(struct handle *h)
{
	cache_leave(h);
	nodeinfo_clear(&h->ni);
	pthread_mutex_destroy(&h->lock);
	free(h->buf);
	free(h);
}

/* Takes ownership of *ni. */
static int open_node(struct ctrfs *fs, struct nodeinfo *ni, struct fuse_file_info *fi,
		     struct handle **out)
{
	int flags = fi->flags;
	bool writable = (flags & O_ACCMODE) != O_RDONLY;
	const char *path = ni->path;
	int rc = 0;
	*out = NULL;
	if (node_is_dir(ni->fp.kind))
		rc = -EISDIR;
	else if (writable && fs->read_only)
		rc = refuse(EROFS, "open", path, "mounted read-only");
	else if (writable && ni->fp.kind == NODE_FIELD && !field_writable(ni->fp.field))
		rc = refuse(EPERM, "open", path, "%s is immutable", field_title(ni->fp.field));
	struct handle *h = rc ? NULL : calloc(1, sizeof(*h));
	if (!rc && !h)
		rc = -ENOMEM;
	if (rc) {
		nodeinfo_clear(ni);
		return rc;
	}
	pthread_mutex_init(&h->lock, NULL);
	h->fs = fs;
	h->ni = *ni;
	memset(ni, 0, sizeof(*ni));
	h->append = flags & O_APPEND;
	if (h->ni.scratch) {
		rc = flags & O_TRUNC ? scratch_truncate(h->ni.scratch, 0) : 0;
	} else {
		/* the snapshot this handle reads, whatever changes meanwhile */
		struct source src;
		struct strbuf sb = STRBUF_INIT;
		source_init(&src, fs);
		rc = render_file(&src, &h->ni.fp, &sb, &h->mtime);
		if (rc == -ENOENT && h->ni.pending)
			rc = 0; /* created through the mount, nothing stored yet */
		source_clear(&src);
		h->buf = sb.buf;
		h->len = h->cap = sb.len;
		if (!rc && (flags & O_TRUNC)) {
			h->len = 0;
			h->dirty = true;
		}
	}
	if (rc) {
		handle_free(h);
		return rc;
	}
	cache_join(h, writable, fi);
	*out = h;
	return 0;
}

int handle_open(struct ctrfs *fs, fuse_ino_t ino, struct fuse_file_info *fi, struct handle **out)
{
	struct nodeinfo ni;
	int rc = node_get(ino, &ni);
	return rc ? rc : open_node(fs, &ni, fi, out);
}

int handle_new(struct ctrfs *fs, const struct nodeinfo *ni, struct fuse_file_info *fi,
	       struct handle **out)
{
	struct nodeinfo copy = {.ino = ni->ino, .pending = ni->pending};
	if (!(copy.path = strdup(ni->path)) || fspath_copy(&copy.fp, &ni->fp)) {
		nodeinfo_clear(&copy);
		return -ENOMEM;
	}
	copy.scratch = scratch_get(ni->scratch);
	return open_node(fs, &copy, fi, out);
}

ssize_t handle_read(struct handle *h, char *buf, size_t size, off_t off)
{
	if (h->ni.scratch)
		return scratch_read(h->ni.scratch, buf, size, off);
	pthread_mutex_lock(&h->lock);
	size_t n = (size_t)off < h->len ? h->len - (size_t)off : 0;
	if (n > size)
		n = size;
	if (n)
		memcpy(buf, h->buf + off, n);
	pthread_mutex_unlock(&h->lock);
	return (ssize_t)n;
}

/* Commits the content; caller holds the lock. 0, COMMIT_INCOMPLETE or -errno. */
static int commit(struct handle *h, const char *op, bool final)
{
	int rc =
	    commit_content(h->fs, &h->ni.fp, h->ni.path, op, h->buf ? h->buf : "", h->len, final);
	if (rc < 0) {
		h->refused = -rc;
		return rc;
	}
	h->refused = 0;
	h->dirty = rc == COMMIT_INCOMPLETE;
	if (!rc) {
		h->mtime = ctrfs_time_now();
		node_set_stored(h->ni.path);
	}
	return rc;
}

ssize_t handle_write(struct handle *h, const char *buf, size_t size, off_t off)
{
	if (h->ni.scratch)
		return scratch_write(h->ni.scratch, buf, size, off, h->append);
	if (!size)
		return 0;
	pthread_mutex_lock(&h->lock);
	/* O_APPEND writes at our end, whatever size the kernel believes the file has */
	size_t at = h->append ? h->len : (size_t)off, old_len = h->len;
	bool old_dirty = h->dirty;
	size_t kept = at < old_len ? (old_len - at < size ? old_len - at : size) : 0;
	char *saved = malloc(kept + 1);
	int rc = saved ? resize(h, at + size > old_len ? at + size : old_len) : -ENOMEM;
	if (!rc) {
		memcpy(saved, h->buf + at, kept);
		memcpy(h->buf + at, buf, size);
		rc = commit(h, "write", false);
		if (rc < 0) {
			/* a refused write leaves the content as it was */
			memcpy(h->buf + at, saved, kept);
			h->len = old_len;
			h->dirty = old_dirty;
		}
	}
	pthread_mutex_unlock(&h->lock);
	free(saved);
	return rc < 0 ? rc : (ssize_t)size;
}

int handle_truncate(struct handle *h, off_t size)
{
	if (h->ni.scratch)
		return scratch_truncate(h->ni.scratch, size);
	pthread_mutex_lock(&h->lock);
	int rc = resize(h, (size_t)size);
	if (!rc) {
		/* committed when data follows, at flush, or at release if it stays empty */
		h->dirty = true;
		h->refused = 0;
	}
	pthread_mutex_unlock(&h->lock);
	return rc;
}

int handle_flush(struct handle *h)
{
	int rc = 0;
	pthread_mutex_lock(&h->lock);
	if (h->dirty && h->refused)
		rc = -h->refused; /* reported once already, by the write that failed */
	else if (h->dirty && h->len)
		rc = commit(h, "flush", true);
	pthread_mutex_unlock(&h->lock);
	return rc < 0 ? rc : 0;
}

int handle_fsync(struct handle *h)
{
	int rc = 0;
	pthread_mutex_lock(&h->lock);
	if (h->dirty)
		rc = h->refused ? -h->refused : commit(h, "fsync", true);
	pthread_mutex_unlock(&h->lock);
	return rc < 0 ? rc : 0;
}

/* A key file created through the mount and left empty: for a container label, empty
 * means no label, so there is nothing to store. */
static bool nothing_to_store(struct handle *h)
{
	struct nodeinfo now;
	if (h->len || h->ni.fp.kind != NODE_LABEL || node_find(h->ni.path, &now))
		return false;
	bool pending = now.pending;
	nodeinfo_clear(&now);
	return pending;
}

void handle_release(struct handle *h)
{
	if (h->dirty && h->refused)
		fuse_log(FUSE_LOG_DEBUG, "release /%s: refused content discarded\n", h->ni.path);
	else if (h->dirty && nothing_to_store(h))
		node_set_stored(h->ni.path);
	else if (h->dirty)
		commit(h, "release", true);
	handle_free(h);
}

void handle_discard(struct handle *h)
{
	handle_free(h);
}

int handle_stat(struct handle *h, struct stat *st)
{
	if (h->ni.scratch) {
		render_scratch_stat(h->fs, h->ni.ino, h->ni.scratch, st);
		return 0;
	}
	pthread_mutex_lock(&h->lock);
	render_file_stat(h->fs, h->ni.ino, &h->ni.fp, h->len, h->mtime, st);
	pthread_mutex_unlock(&h->lock);
	return 0;
}

int handle_truncate_path(struct ctrfs *fs, const struct nodeinfo *ni, off_t size)
{
	struct handle *h;
	struct fuse_file_info fi = {.flags = O_RDWR};
	if (ni->scratch)
		return scratch_truncate(ni->scratch, size);
	int rc = handle_new(fs, ni, &fi, &h);
	if (rc)
		return rc;
	pthread_mutex_lock(&h->lock);
	rc = resize(h, (size_t)size);
	if (!rc)
		rc = commit(h, "truncate", true);
	h->dirty = false;
	pthread_mutex_unlock(&h->lock);
	handle_free(h);
	return rc < 0 ? rc : 0;
}

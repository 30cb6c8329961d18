/* Open files: each handle holds its file's content like a regular file, and decides
 * when that content is committed to the store.
 *
 * The rules (see FILESYSTEM.md, "Writing"; ctrfs(8), WRITING):
 * - A handle's writes commit until the first commit succeeds: bash reports an error
 *   only from write(2), so `echo v > f` must meet a full disk there. An incomplete
 *   JSON prefix waits for more.
 * - After that, each write(2) is only validated, exactly as its commit would be (the
 *   store's own check, in a read transaction), so that a write that can never become
 *   valid fails visibly and leaves the content as it was; the content is committed at
 *   flush (close(2)) or fsync: at most two updates and change-log entries per open,
 *   however many writes (a 4 MB dd). The kernel may split one write(2) into several
 *   requests: a part refused makes the handle's content refused, and none of that
 *   write is ever stored.
 * - Except an empty file: bash truncates (O_TRUNC) and flushes before it writes, so
 *   emptiness waits for release, which the kernel sends after close(2) returned. So
 *   that it never overtakes a later change, it is stored only if the value is still
 *   the one it emptied (a compare-and-set in the store), and any later open, unlink or
 *   rename of the file through the mount stores it first ("settling").
 * Scratch files write to their shared in-memory content instead.
 */
#include "handle.h"
#include "handle_impl.h"
#include "making.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "budget.h"
#include "commit.h"
#include "cri.h"
#include "images.h"
#include "notify.h"
#include "pagecache.h"
#include "render.h"
#include "scratch.h"
#include "snapshot.h"

/* As for scratch files: far above any container's metadata. */
#define HANDLE_MAX (64 << 20)
/* See "Page cache" (pagecache.c): far above a lookup's round trip before an open. */
#define QUIET_NS (50ULL * 1000 * 1000)

/* Every open handle, so that those the kernel never sent a RELEASE for (the connection
 * ended with files still open) are released at exit too. */
static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;
static struct handle *open_list;

static void open_list_add(struct handle *h)
{
	pthread_mutex_lock(&open_lock);
	h->open_prev = NULL;
	h->open_next = open_list;
	if (open_list)
		open_list->open_prev = h;
	open_list = h;
	h->listed = true;
	pthread_mutex_unlock(&open_lock);
}

static void open_list_remove(struct handle *h)
{
	pthread_mutex_lock(&open_lock);
	if (h->listed) {
		if (h->open_prev)
			h->open_prev->open_next = h->open_next;
		else
			open_list = h->open_next;
		if (h->open_next)
			h->open_next->open_prev = h->open_prev;
		h->listed = false;
	}
	pthread_mutex_unlock(&open_lock);
}

/* Content up to this size is checked (or committed) at every write. Beyond it, a write
 * does so only once the content has doubled since, so that a stream of n bytes costs
 * O(n) in all, not O(n^2): a value the store will refuse is then refused at a later
 * write or at close, still whole, the stored value unchanged. */
#define HANDLE_CHECK_EVERY_WRITE (64 * 1024)

/* Makes room for len bytes of own content (copying the snapshot at the first change). */
static int reserve(struct handle *h, size_t len)
{
	if (len > HANDLE_MAX)
		return refuse(EFBIG, "write", h->ni.path, "a file holds %d MiB at most",
			      HANDLE_MAX >> 20);
	if (h->own && len <= h->cap)
		return 0;
	size_t cap = h->cap ? h->cap : 4096;
	while (cap < len)
		cap *= 2;
	if (cap > h->cap && !budget_take(cap - h->cap))
		return refuse_budget("write", h->ni.path);
	char *p = realloc(h->buf, cap > h->cap ? cap : h->cap);
	if (!p) {
		if (cap > h->cap)
			budget_give(cap - h->cap);
		return -ENOMEM;
	}
	if (!h->own && h->len)
		memcpy(p, handle_content(h), h->len);
	if (cap > h->cap)
		h->cap = cap;
	h->buf = p;
	h->own = true;
	return 0;
}

/* Sets the content's length, zero-filling a gap as a regular file does. */
static int resize(struct handle *h, size_t len)
{
	int rc = reserve(h, len > h->len ? len : h->len);
	if (rc)
		return rc;
	if (len > h->len)
		memset(h->buf + h->len, 0, len - h->len);
	h->len = len;
	return 0;
}

static void settle_all(void);

void handles_destroy(void)
{
	/* the kernel may end the connection with RELEASEs still queued (an unmount while
	 * files were being closed): the emptyings they would have stored were
	 * acknowledged, so store them now */
	settle_all();
	/* and the RELEASEs themselves: what each would have done, then the handle freed */
	for (;;) {
		pthread_mutex_lock(&open_lock);
		struct handle *h = open_list;
		pthread_mutex_unlock(&open_lock);
		if (!h)
			break;
		handle_release(h);
	}
	pagecache_destroy();
}

static void handle_free(struct handle *h)
{
	open_list_remove(h);
	pagecache_leave(h);
	nodeinfo_clear(&h->ni);
	pthread_mutex_destroy(&h->lock);
	pthread_mutex_destroy(&h->writing_lock);
	snapshot_put(h->snap);
	free(h->buf);
	budget_give(h->cap);
	free(h);
}

/* The file as the store has it now, as a snapshot: 0 (*out NULL when the file does not
 * exist but is pending: created through the mount), or -errno. */
static int take_snapshot(struct handle *h, struct source *src, struct snapshot **out,
			 ctrfs_time *mtime)
{
	struct strbuf sb = STRBUF_INIT;
	*out = NULL;
	int rc = render_file(src, &h->ni.fp, &sb, mtime);
	if (rc == -ENOENT && h->ni.pending)
		rc = 0; /* created through the mount, nothing stored yet */
	else if (!rc && !(*out = snapshot_make(h->ni.ino, &sb)))
		rc = refuse_budget("open", h->ni.path);
	strbuf_release(&sb);
	return rc;
}

/* ---- Settling emptied files ----
 *
 * A handle flushed empty is listed until its emptying is stored: at release, or
 * earlier when the same file is opened, unlinked or renamed through the mount, so that
 * whatever the user does next starts from the emptied file. Lock order: settle_lock,
 * then a handle's lock.
 */
static pthread_mutex_t settle_lock = PTHREAD_MUTEX_INITIALIZER;
static struct handle *settle_list;
static unsigned settle_count; /* read without the lock: most requests find none */

static int commit(struct handle *h, const char *op, enum commit_mode mode);

/* Stores h's emptying if it is still due; caller holds settle_lock (not h's locks). */
static void settle_one(struct handle *h, const char *op)
{
	pthread_mutex_lock(&h->writing_lock);
	pthread_mutex_lock(&h->lock);
	bool due = h->dirty && !h->len && !h->refused;
	bool nothing = due && h->ni.pending && node_is_label(h->ni.fp.kind) && !h->snap;
	if (nothing)
		h->dirty = false; /* created and left empty: no label, nothing to store */
	pthread_mutex_unlock(&h->lock);
	if (due && !nothing)
		commit(h, op, COMMIT_IF_UNCHANGED);
	pthread_mutex_unlock(&h->writing_lock);
}

static void settle_remove(struct handle *h)
{
	for (struct handle **p = &settle_list; *p; p = &(*p)->settle_next) {
		if (*p == h) {
			*p = h->settle_next;
			h->settling = false;
			__atomic_sub_fetch(&settle_count, 1, __ATOMIC_RELAXED);
			return;
		}
	}
}

void handle_settle(fuse_ino_t ino, const char *path)
{
	if (!__atomic_load_n(&settle_count, __ATOMIC_RELAXED))
		return;
	bool stored = false;
	/* a release storing one right now holds the lock: this waits for it too */
	pthread_mutex_lock(&settle_lock);
	for (struct handle *h = settle_list, *next; h; h = next) {
		next = h->settle_next;
		if (h->ni.ino == ino || (path && strcmp(h->ni.path, path) == 0)) {
			settle_one(h, "settle");
			stored |= handle_take_committed(h);
			settle_remove(h);
		}
	}
	pthread_mutex_unlock(&settle_lock);
	/* what the user does next sees the emptying everywhere in the mount */
	if (stored)
		notify_sync();
}

static void settle_all(void)
{
	pthread_mutex_lock(&settle_lock);
	while (settle_list) {
		struct handle *h = settle_list;
		settle_one(h, "unmount");
		settle_remove(h);
	}
	pthread_mutex_unlock(&settle_lock);
}

/* Lists h if its content is empty and due (caller holds neither lock). */
static void settle_add(struct handle *h)
{
	pthread_mutex_lock(&settle_lock);
	pthread_mutex_lock(&h->lock);
	if (!h->settling && h->dirty && !h->len && !h->refused) {
		h->settling = true;
		h->settle_next = settle_list;
		settle_list = h;
		__atomic_add_fetch(&settle_count, 1, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&h->lock);
	pthread_mutex_unlock(&settle_lock);
}

/* Is h's key file pending now (emptied by a settle since h's node was read)? */
static bool still_pending(const struct handle *h)
{
	struct nodeinfo now;
	if (node_find(h->ni.path, &h->ni.fp, &now))
		return false;
	bool pending = now.pending;
	nodeinfo_clear(&now);
	return pending;
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
	else if (writable && node_is_view(ni->fp.kind))
		rc = cri_refuse("open", path);
	else if (writable && ni->fp.kind == NODE_FIELD && !field_writable(ni->fp.field) &&
		 !making_active(ni->fp.ns, ni->fp.id))
		rc = refuse(EPERM, "open", path, "%s is immutable", field_title(ni->fp.field));
	struct handle *h = rc ? NULL : calloc(1, sizeof(*h));
	if (!rc && !h)
		rc = -ENOMEM;
	if (rc) {
		nodeinfo_clear(ni);
		return rc;
	}
	pthread_mutex_init(&h->lock, NULL);
	pthread_mutex_init(&h->writing_lock, NULL);
	h->fs = fs;
	h->ni = *ni;
	memset(ni, 0, sizeof(*ni));
	h->append = flags & O_APPEND;
	struct cache_group *g = NULL;
	bool fresh = false, no_keep = false;
	if (h->ni.scratch) {
		rc = flags & O_TRUNC ? scratch_truncate(h->ni.scratch, 0) : 0;
	} else {
		/* an emptying of this file still on its way is stored first */
		handle_settle(h->ni.ino, h->ni.path);
		/* the snapshot this handle reads, whatever changes meanwhile */
		struct source src;
		uint64_t seq = 0;
		/* CRI's files change without the notifier knowing: read past the page
		 * cache (no group: direct I/O), each open reading them anew */
		g = node_is_view(h->ni.fp.kind) || node_is_images(h->ni.fp.kind)
			? NULL
			: pagecache_begin(h->ni.ino);
		source_init(&src, fs);
		rc = take_snapshot(h, &src, &h->snap, &h->mtime);
		if (rc == -ENOENT &&
		    (node_is_key(h->ni.fp.kind) || h->ni.fp.kind == NODE_IMAGE_LABEL) &&
		    (writable || still_pending(h))) {
			/* the name the kernel still knows lost its record (emptied just now, or
			 * removed elsewhere): opened to write (the kernel does not pass
			 * O_CREAT on), it is created, as the kernel believes it exists */
			node_set_pending(h->ni.path, &h->ni.fp, true);
			h->ni.pending = true;
			rc = 0;
		}
		if (!rc && src.have_ctr) {
			node_ctr_seen(h->ni.fp.ns, h->ni.fp.id, src.c.created_at, src.c.updated_at);
			no_keep = node_ctr_no_keep(h->ni.fp.ns, h->ni.fp.id);
		}
		/* the changes the snapshot shows are all numbered up to seq: invalidated
		 * when the notifier is there, and none came just before (see "Page cache") */
		fresh = !rc && !source_last_seq(&src, &seq) && notify_fresh(seq) &&
			!node_changed_within(&h->ni.fp, QUIET_NS);
		source_clear(&src);
		h->len = h->snap ? h->snap->len : 0;
		if (!rc && (flags & O_TRUNC)) {
			h->own = true;
			h->len = 0;
			h->dirty = true;
		}
	}
	pagecache_join(h, g, writable, fresh, no_keep, fi);
	if (rc) {
		handle_free(h);
		return rc;
	}
	/* a read-only handle has nothing to commit at close: no FLUSH round trip */
	fi->noflush = !writable;
	open_list_add(h);
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
		memcpy(buf, handle_content(h) + off, n);
	pthread_mutex_unlock(&h->lock);
	return (ssize_t)n;
}

/* The time the store gave the change just committed (UpdatedAt), so that the handle's
 * attributes are the store's and the kernel may keep them. */
static ctrfs_time stored_mtime(struct handle *h)
{
	struct source src;
	const ctrfs_container *c;
	const ctrfs_namespace *n;
	ctrfs_time t = ctrfs_time_now();
	source_init(&src, h->fs);
	if (h->ni.fp.kind == NODE_IMAGE_LABEL) {
		images_label_owner(&src, &h->ni.fp, &t);
	} else if (h->ni.fp.kind == NODE_NS_LABEL) {
		if (!source_namespace(&src, h->ni.fp.ns, &n))
			t = n->updated_at;
	} else if (!source_container(&src, h->ni.fp.ns, h->ni.fp.id, 0, &c)) {
		t = c->updated_at;
	}
	source_clear(&src);
	return t;
}

/* Checks (COMMIT_CHECK) or commits the content; caller holds writing_lock (not lock:
 * taken here for the fields the answer sets). 0, COMMIT_INCOMPLETE (a check),
 * COMMIT_STALE (nothing stored) or -errno. */
static int commit(struct handle *h, const char *op, enum commit_mode mode)
{
	ctrfs_time stored_at = {0, 0};
	struct commit_text t = {handle_content(h), h->len, h->snap ? h->snap->data : NULL,
				h->snap ? h->snap->len : 0, &stored_at};
	/* an emptied label stays a file (see below), marked before the store drops the
	 * label: a lookup or create racing this commit then finds one or the other, never
	 * neither (ENOENT for a name the user just emptied) */
	bool emptying = mode != COMMIT_CHECK && !h->len && node_is_label(h->ni.fp.kind);
	if (emptying)
		node_set_pending(h->ni.path, &h->ni.fp, true);
	int rc = commit_content(h->fs, &h->ni.fp, h->ni.path, op, &t, mode);
	if (emptying && rc != 0 && !h->ni.pending)
		node_set_pending(h->ni.path, &h->ni.fp, false); /* not stored: as before */
	bool stored = rc == 0 && mode != COMMIT_CHECK;
	/* the store's time for it, read back only when the call did not tell it */
	if (stored && !stored_at.sec && !stored_at.nsec)
		stored_at = stored_mtime(h);
	pthread_mutex_lock(&h->lock);
	h->refused = rc < 0 ? -rc : 0;
	if (rc >= 0 && mode != COMMIT_CHECK && rc != COMMIT_INCOMPLETE)
		h->dirty = false;
	if (stored) {
		h->deferred = true;
		h->committed = true;
		h->mtime = stored_at;
	}
	pthread_mutex_unlock(&h->lock);
	if (stored)
		/* an emptied label is no label: its file stays, empty and not stored, as a
		 * created one does, so that the name the user still sees is there */
		node_set_pending(h->ni.path, &h->ni.fp, !h->len && node_is_label(h->ni.fp.kind));
	return rc;
}

ssize_t handle_write(struct handle *h, const char *buf, size_t size, off_t off)
{
	if (h->ni.scratch)
		return scratch_write(h->ni.scratch, buf, size, off, h->append);
	if (!size)
		return 0;
	pthread_mutex_lock(&h->writing_lock);
	pthread_mutex_lock(&h->lock);
	/* O_APPEND writes at our end, whatever size the kernel believes the file has */
	size_t at = h->append ? h->len : (size_t)off, old_len = h->len;
	size_t kept = at < old_len ? (old_len - at < size ? old_len - at : size) : 0;
	char *saved = malloc(kept + 1);
	int rc = saved ? resize(h, at + size > old_len ? at + size : old_len) : -ENOMEM;
	enum commit_mode mode = h->deferred ? COMMIT_CHECK : COMMIT_WRITE;
	bool later = h->len > HANDLE_CHECK_EVERY_WRITE && h->len < 2 * h->checked_len;
	if (!rc) {
		memcpy(saved, h->buf + at, kept);
		memcpy(h->buf + at, buf, size);
	}
	pthread_mutex_unlock(&h->lock);
	if (!rc) {
		rc = later ? COMMIT_INCOMPLETE : commit(h, "write", mode);
		pthread_mutex_lock(&h->lock);
		if (!later && rc >= 0)
			h->checked_len = h->len;
		if (rc < 0) {
			/* a refused write leaves the content as it was, and the whole content
			 * refused: the kernel may have split one write(2), whose first part
			 * must not be stored alone */
			memcpy(h->buf + at, saved, kept);
			h->len = old_len;
		} else if (rc || mode == COMMIT_CHECK)
			h->dirty = true; /* only checked, or incomplete: due at close */
		pthread_mutex_unlock(&h->lock);
	}
	pthread_mutex_unlock(&h->writing_lock);
	free(saved);
	return rc < 0 ? rc : (ssize_t)size;
}

/* ftruncate(fd, 0) of a value file: the value an emptying replaces is the store's now,
 * not at open. (JSON files keep what was read at open: container.json's changes are
 * told against what its writer read.) */
static void rebase(struct handle *h)
{
	const struct fspath *fp = &h->ni.fp;
	if (fp->kind == NODE_EXTENSION ||
	    (fp->kind == NODE_FIELD && fp->field != FIELD_IMAGE && fp->field != FIELD_SNAPSHOT_KEY))
		return;
	struct source src;
	struct snapshot *snap, *old = NULL;
	ctrfs_time t;
	source_init(&src, h->fs);
	if (!take_snapshot(h, &src, &snap, &t)) {
		pthread_mutex_lock(&h->lock);
		old = h->snap;
		h->snap = snap;
		pthread_mutex_unlock(&h->lock);
	}
	snapshot_put(old);
	source_clear(&src);
}

int handle_truncate(struct handle *h, off_t size)
{
	if (h->ni.scratch)
		return scratch_truncate(h->ni.scratch, size);
	pthread_mutex_lock(&h->writing_lock);
	pthread_mutex_lock(&h->lock);
	int rc = resize(h, (size_t)size);
	if (!rc) {
		/* committed when data follows, at flush, or at release if it stays empty */
		h->dirty = true;
		h->refused = 0;
	}
	pthread_mutex_unlock(&h->lock);
	if (!rc && !size)
		rebase(h);
	pthread_mutex_unlock(&h->writing_lock);
	return rc;
}

int handle_flush(struct handle *h)
{
	int rc = 0;
	pthread_mutex_lock(&h->writing_lock);
	pthread_mutex_lock(&h->lock);
	bool dirty = h->dirty, refused = h->refused, empty = !h->len;
	pthread_mutex_unlock(&h->lock);
	bool emptied = dirty && !refused && empty;
	if (dirty && refused)
		rc = -h->refused; /* reported once already, by the write that failed */
	else if (dirty && !empty)
		rc = commit(h, "flush", COMMIT_FINAL);
	pthread_mutex_unlock(&h->writing_lock);
	if (emptied)
		settle_add(h);
	return rc < 0 ? rc : 0;
}

int handle_fsync(struct handle *h)
{
	int rc = 0;
	pthread_mutex_lock(&h->writing_lock);
	if (h->dirty)
		rc = h->refused ? -h->refused : commit(h, "fsync", COMMIT_FINAL);
	pthread_mutex_unlock(&h->writing_lock);
	return rc < 0 ? rc : 0;
}

void handle_release(struct handle *h)
{
	/* listed until stored: a request for the file meanwhile waits for it */
	pthread_mutex_lock(&settle_lock);
	if (h->dirty && h->refused) {
		fuse_log(FUSE_LOG_DEBUG, "release /%s: refused content discarded\n", h->ni.path);
	} else if (h->dirty && !h->len) {
		settle_one(h, "release");
	} else if (h->dirty) {
		/* a flush that failed (the store was full, say): once more, unless the
		 * value changed since, as the close that reported it is long over */
		pthread_mutex_lock(&h->writing_lock);
		commit(h, "release", COMMIT_IF_UNCHANGED);
		pthread_mutex_unlock(&h->writing_lock);
	}
	if (h->settling)
		settle_remove(h);
	pthread_mutex_unlock(&settle_lock);
	handle_free(h);
}

void handle_discard(struct handle *h)
{
	handle_free(h);
}

bool handle_take_committed(struct handle *h)
{
	pthread_mutex_lock(&h->lock);
	bool c = h->committed;
	h->committed = false;
	pthread_mutex_unlock(&h->lock);
	return c;
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
	/* the handle is this call's alone: its locks only keep the rule */
	pthread_mutex_lock(&h->writing_lock);
	pthread_mutex_lock(&h->lock);
	rc = resize(h, (size_t)size);
	pthread_mutex_unlock(&h->lock);
	if (!rc)
		rc = commit(h, "truncate", COMMIT_FINAL);
	h->dirty = false;
	pthread_mutex_unlock(&h->writing_lock);
	handle_free(h);
	return rc < 0 ? rc : 0;
}

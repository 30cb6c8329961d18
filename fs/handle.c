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
#include "making.h"
#include "handle.h"

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
#include "render.h"
#include "scratch.h"
#include "snapshot.h"

/* As for scratch files: far above any container's metadata. */
#define HANDLE_MAX (64 << 20)
/* See "Page cache": far above a lookup's round trip before an open. */
#define QUIET_NS (50ULL * 1000 * 1000)

struct handle {
	pthread_mutex_t lock;
	struct ctrfs *fs;
	struct nodeinfo ni;
	struct cache_group *group; /* the handles sharing the page cache, or NULL */
	struct handle *group_next;
	/* The file as the store had it when opened (shared with other handles): what is
	 * read until the handle writes, what container.json's changes are told against,
	 * and the value an emptying may replace (taken again at ftruncate(0)). NULL when
	 * the file did not exist (created through the mount). */
	struct snapshot *snap;
	bool own;  /* the content is buf (written or truncated), no longer snap */
	char *buf; /* own content; cap bytes taken from the memory budget */
	size_t len, cap;
	ctrfs_time mtime;
	bool append;
	bool dirty;	/* the content is not what the store holds */
	bool committed; /* a change was committed (handle_take_committed) */
	bool deferred;	/* committed once: later writes wait for the close */
	bool settling;	/* in the list of emptied handles (settle_lock) */
	struct handle *settle_next;
	struct cache_group *writing; /* a writer: counted in its inode's group */
	int refused;	    /* errno of a refusal already reported for the pending change */
	size_t checked_len; /* the content's length when a write last checked it */
	struct handle *open_prev, *open_next; /* in the list of open handles (open_lock) */
	bool listed;
};

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

static const char *content(const struct handle *h)
{
	if (h->own)
		return h->buf ? h->buf : "";
	return h->snap ? h->snap->data : "";
}

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
		memcpy(p, content(h), h->len);
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

/* ---- Page cache ----
 *
 * The kernel keeps one page cache per inode, while each handle reads its own content
 * (a snapshot taken at open, or what it wrote). Handles may use the cache together only
 * while they read the very same bytes: read-only handles with equal content. A handle
 * opened beside them otherwise bypasses the cache (direct I/O) and leaves their pages
 * alone, so that no reader ever sees pages of another snapshot. Scratch files have one
 * shared content and use the cache as a regular file does.
 *
 * The kernel also trusts one size per inode to read cached pages. While a group is open
 * (or a handle is being opened), the file's attributes are its content's
 * (handle_cached_attrs), so that no cached read stops short or runs on into zeros. A
 * handle starting a group alone also needs the size the kernel holds to be its
 * content's, and the kernel may keep an older one: it discards the attributes it was
 * fetching when an invalidation lands meanwhile (their request predates it). So a
 * group starts only when the notifier (notify.c) has invalidated every change up to
 * the snapshot and the container has been quiet for QUIET_NS: then whatever size the
 * kernel holds was fetched after the last change (a fetch an invalidation discarded
 * was right before this open, within the quiet time). Otherwise the handle bypasses
 * the cache (direct I/O): a change by another process microseconds ago, or a
 * container being changed again and again.
 *
 * Pages outlive the handles that filled them: the kernel drops them when it finds a new
 * mtime or size (each change gives one; the notifier makes it look). So a handle
 * starting a group keeps the pages unless they are "suspect": filled by a writer, or by
 * a group that went on reading its older snapshot after the file changed.
 */
struct cache_group {
	fuse_ino_t ino;
	bool writable;	  /* its one member writes: nobody may join */
	bool dropped;	  /* the file changed while it was open */
	unsigned opening; /* handles of this inode being opened: attributes are volatile */
	unsigned writers; /* handles open for writing, members or not */
	struct handle *members;
	struct cache_group *next;
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cache_group *groups;

/* Inodes whose cached pages may not be the store's content: a small set. */
#define SUSPECT_BUCKETS 64
struct suspect {
	fuse_ino_t ino;
	struct suspect *next;
};
static struct suspect *suspects[SUSPECT_BUCKETS];
static bool all_suspect;

static struct suspect **suspect_find(fuse_ino_t ino)
{
	struct suspect **p = &suspects[(ino * 0x9e3779b97f4a7c15ULL) >> 58];
	while (*p && (*p)->ino != ino)
		p = &(*p)->next;
	return p;
}

/* Caller holds cache_lock. false when out of memory. */
static bool suspect_add(fuse_ino_t ino)
{
	struct suspect **p = suspect_find(ino);
	if (*p)
		return true;
	struct suspect *s = malloc(sizeof(*s));
	if (!s)
		return false;
	s->ino = ino;
	s->next = NULL;
	*p = s;
	return true;
}

/* Caller holds cache_lock: true when ino was suspect (now no more). */
static bool suspect_take(fuse_ino_t ino)
{
	struct suspect **p = suspect_find(ino), *s = *p;
	if (!s)
		return false;
	*p = s->next;
	free(s);
	return true;
}

static struct cache_group *group_find(fuse_ino_t ino);

void handle_changed(fuse_ino_t ino, void (*inval_all)(fuse_ino_t ino),
		    void (*inval_attrs)(fuse_ino_t ino))
{
	pthread_mutex_lock(&cache_lock);
	suspect_take(ino);
	struct cache_group *g = group_find(ino);
	/* its handles read their snapshot: the pages they leave are suspect */
	if (g)
		g->dropped = true;
	pthread_mutex_unlock(&cache_lock);
	/*
	 * Never notify the kernel under cache_lock: dropping pages waits for those locked
	 * by a read in flight, whose request may itself wait for cache_lock (a handle
	 * being opened or released): the notifier would sleep in the kernel for ever. A
	 * handle opened meanwhile has its pages dropped once more: harmless, they are
	 * read again from its snapshot.
	 */
	if (g)
		inval_attrs(ino);
	else
		inval_all(ino);
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
	for (int i = 0; i < SUSPECT_BUCKETS; i++) {
		while (suspects[i]) {
			struct suspect *s = suspects[i];
			suspects[i] = s->next;
			free(s);
		}
	}
}

static bool same_content(const struct handle *a, const struct handle *b)
{
	return a->len == b->len && (!a->len || memcmp(content(a), content(b), a->len) == 0);
}

static struct cache_group *group_find(fuse_ino_t ino)
{
	struct cache_group *g = groups;
	while (g && g->ino != ino)
		g = g->next;
	return g;
}

static void group_maybe_free(struct cache_group *g)
{
	if (!g || g->members || g->opening || g->writers)
		return;
	for (struct cache_group **p = &groups; *p; p = &(*p)->next) {
		if (*p == g) {
			*p = g->next;
			break;
		}
	}
	free(g);
}

/* Marks ino as being opened, before its snapshot is taken: attributes told meanwhile
 * are volatile. NULL when out of memory (then the handle bypasses the cache). */
static struct cache_group *cache_begin(fuse_ino_t ino)
{
	pthread_mutex_lock(&cache_lock);
	struct cache_group *g = group_find(ino);
	if (!g && (g = calloc(1, sizeof(*g)))) {
		g->ino = ino;
		g->next = groups;
		groups = g;
	}
	if (g)
		g->opening++;
	pthread_mutex_unlock(&cache_lock);
	return g;
}

/* Decides how h uses the page cache and tells the kernel through fi. `fresh`: every
 * change up to h's snapshot has been invalidated in the kernel; `no_keep`: the pages
 * the kernel holds may be another content of the same size and time. */
static void cache_join(struct handle *h, struct cache_group *g, bool writable, bool fresh,
		       bool no_keep, struct fuse_file_info *fi)
{
	fi->direct_io = 0;
	fi->keep_cache = 0;
	if (h->ni.scratch)
		return;
	if (!g) {
		fi->direct_io = 1; /* out of memory: bypassing the cache is always safe */
		fi->keep_cache = 1;
		return;
	}
	pthread_mutex_lock(&cache_lock);
	g->opening--;
	if (writable) {
		g->writers++;
		h->writing = g;
	}
	bool join = false;
	if (!g->members && fresh) {
		/* alone: the kernel's pages are kept unless they may be another content;
		 * else they are dropped at this open (keep_cache 0) */
		bool suspect = suspect_take(h->ni.ino) || all_suspect || no_keep;
		fi->keep_cache = !writable && !suspect;
		g->writable = writable;
		g->dropped = false;
		join = true;
	} else if (g->members && !writable && !g->writable && same_content(g->members, h)) {
		fi->keep_cache = 1; /* the pages are this content already */
		join = true;
	} else {
		fi->direct_io = 1;
		fi->keep_cache = 1; /* the others' pages stay theirs */
	}
	if (join) {
		h->group = g;
		h->group_next = g->members;
		g->members = h;
	} else {
		group_maybe_free(g);
	}
	pthread_mutex_unlock(&cache_lock);
}

/* The attributes of group g against the store's (*len, *mtime): true when they
 * differ (then set to the group's). Caller holds cache_lock. */
static bool group_attrs(struct cache_group *g, size_t *len, ctrfs_time *mtime)
{
	struct handle *h = g->members;
	pthread_mutex_lock(&h->lock);
	bool differ = h->len != *len || h->mtime.sec != mtime->sec || h->mtime.nsec != mtime->nsec;
	*len = h->len;
	*mtime = h->mtime;
	pthread_mutex_unlock(&h->lock);
	return differ;
}

bool handle_cached_attrs(fuse_ino_t ino, size_t *len, ctrfs_time *mtime)
{
	/* most stats find no open file: no lock for them */
	if (!__atomic_load_n(&groups, __ATOMIC_ACQUIRE))
		return false;
	size_t store_len = *len;
	ctrfs_time store_mtime = *mtime;
	bool vol;
	/*
	 * A group reading another content than the store's: the file may have just been
	 * closed, its RELEASE (which the kernel sends without waiting) still on its way
	 * to another thread of ours. Give it a moment, so that a stat after close(2)
	 * sees the store's attributes.
	 */
	for (int tries = 0; tries < 20; tries++) {
		*len = store_len;
		*mtime = store_mtime;
		pthread_mutex_lock(&cache_lock);
		struct cache_group *g = group_find(ino);
		vol = g && g->members && group_attrs(g, len, mtime);
		bool opening = g && g->opening;
		pthread_mutex_unlock(&cache_lock);
		if (!vol)
			return opening; /* a snapshot being taken: its size is not known yet */
		struct timespec nap = {0, 50000};
		nanosleep(&nap, NULL);
	}
	return true;
}

static void cache_leave(struct handle *h)
{
	struct cache_group *g = h->group;
	if (h->writing) {
		pthread_mutex_lock(&cache_lock);
		h->writing->writers--;
		group_maybe_free(h->writing);
		pthread_mutex_unlock(&cache_lock);
		h->writing = NULL;
	}
	if (!g)
		return;
	pthread_mutex_lock(&cache_lock);
	for (struct handle **p = &g->members; *p; p = &(*p)->group_next) {
		if (*p == h) {
			*p = h->group_next;
			break;
		}
	}
	/* the pages it leaves: a writer's, or an old snapshot's read after a change */
	if (!g->members && (g->writable || g->dropped) && !suspect_add(g->ino))
		all_suspect = true; /* out of memory: no pages are trusted any more */
	if (!g->members)
		g->writable = g->dropped = false;
	group_maybe_free(g);
	pthread_mutex_unlock(&cache_lock);
	h->group = NULL;
}

static void handle_free(struct handle *h)
{
	open_list_remove(h);
	cache_leave(h);
	nodeinfo_clear(&h->ni);
	pthread_mutex_destroy(&h->lock);
	snapshot_put(h->snap);
	free(h->buf);
	budget_give(h->cap);
	free(h);
}

/* The file as the store has it now, as a snapshot: 0 (*out NULL when the file does not
 * exist but is pending: created through the mount), or -errno. */
static int take_snapshot(struct handle *h, struct source *src, struct snapshot **out)
{
	struct strbuf sb = STRBUF_INIT;
	*out = NULL;
	int rc = render_file(src, &h->ni.fp, &sb, &h->mtime);
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

/* Stores h's emptying if it is still due; caller holds settle_lock (not h->lock). */
static void settle_one(struct handle *h, const char *op)
{
	pthread_mutex_lock(&h->lock);
	if (h->dirty && !h->len && !h->refused) {
		if (h->ni.pending && node_is_label(h->ni.fp.kind) && !h->snap)
			h->dirty = false; /* created and left empty: no label, nothing to store */
		else
			commit(h, op, COMMIT_IF_UNCHANGED);
	}
	pthread_mutex_unlock(&h->lock);
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
			: cache_begin(h->ni.ino);
		source_init(&src, fs);
		rc = take_snapshot(h, &src, &h->snap);
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
	cache_join(h, g, writable, fresh, no_keep, fi);
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
		memcpy(buf, content(h) + off, n);
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

/* Checks (COMMIT_CHECK) or commits the content; caller holds the lock. 0,
 * COMMIT_INCOMPLETE (a check), COMMIT_STALE (nothing stored) or -errno. */
static int commit(struct handle *h, const char *op, enum commit_mode mode)
{
	struct commit_text t = {content(h), h->len, h->snap ? h->snap->data : NULL,
				h->snap ? h->snap->len : 0};
	/* an emptied label stays a file (see below), marked before the store drops the
	 * label: a lookup or create racing this commit then finds one or the other, never
	 * neither (ENOENT for a name the user just emptied) */
	bool emptying = mode != COMMIT_CHECK && !h->len && node_is_label(h->ni.fp.kind);
	if (emptying)
		node_set_pending(h->ni.path, &h->ni.fp, true);
	int rc = commit_content(h->fs, &h->ni.fp, h->ni.path, op, &t, mode);
	if (emptying && rc != 0 && !h->ni.pending)
		node_set_pending(h->ni.path, &h->ni.fp, false); /* not stored: as before */
	if (rc < 0) {
		h->refused = -rc;
		return rc;
	}
	h->refused = 0;
	if (mode == COMMIT_CHECK || rc == COMMIT_INCOMPLETE)
		return rc;
	h->dirty = false;
	if (!rc) {
		h->deferred = true;
		h->committed = true;
		h->mtime = stored_mtime(h);
		/* an emptied label is no label: its file stays, empty and not stored, as a
		 * created one does, so that the name the user still sees is there */
		node_set_pending(h->ni.path, &h->ni.fp, !h->len && node_is_label(h->ni.fp.kind));
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
	size_t kept = at < old_len ? (old_len - at < size ? old_len - at : size) : 0;
	char *saved = malloc(kept + 1);
	int rc = saved ? resize(h, at + size > old_len ? at + size : old_len) : -ENOMEM;
	if (!rc) {
		memcpy(saved, h->buf + at, kept);
		memcpy(h->buf + at, buf, size);
		enum commit_mode mode = h->deferred ? COMMIT_CHECK : COMMIT_WRITE;
		bool later = h->len > HANDLE_CHECK_EVERY_WRITE && h->len < 2 * h->checked_len;
		rc = later ? COMMIT_INCOMPLETE : commit(h, "write", mode);
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
	}
	pthread_mutex_unlock(&h->lock);
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
	struct snapshot *snap;
	source_init(&src, h->fs);
	ctrfs_time keep = h->mtime;
	if (!take_snapshot(h, &src, &snap)) {
		snapshot_put(h->snap);
		h->snap = snap;
	}
	h->mtime = keep;
	source_clear(&src);
}

int handle_truncate(struct handle *h, off_t size)
{
	if (h->ni.scratch)
		return scratch_truncate(h->ni.scratch, size);
	pthread_mutex_lock(&h->lock);
	int rc = resize(h, (size_t)size);
	if (!rc) {
		/* committed when data follows, at flush, or at release if it stays empty */
		if (!size)
			rebase(h);
		h->dirty = true;
		h->refused = 0;
	}
	pthread_mutex_unlock(&h->lock);
	return rc;
}

int handle_flush(struct handle *h)
{
	int rc = 0;
	bool emptied = false;
	pthread_mutex_lock(&h->lock);
	if (h->dirty && h->refused)
		rc = -h->refused; /* reported once already, by the write that failed */
	else if (h->dirty && h->len)
		rc = commit(h, "flush", COMMIT_FINAL);
	else
		emptied = h->dirty;
	pthread_mutex_unlock(&h->lock);
	if (emptied)
		settle_add(h);
	return rc < 0 ? rc : 0;
}

int handle_fsync(struct handle *h)
{
	int rc = 0;
	pthread_mutex_lock(&h->lock);
	if (h->dirty)
		rc = h->refused ? -h->refused : commit(h, "fsync", COMMIT_FINAL);
	pthread_mutex_unlock(&h->lock);
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
		pthread_mutex_lock(&h->lock);
		commit(h, "release", COMMIT_IF_UNCHANGED);
		pthread_mutex_unlock(&h->lock);
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
	pthread_mutex_lock(&h->lock);
	rc = resize(h, (size_t)size);
	if (!rc)
		rc = commit(h, "truncate", COMMIT_FINAL);
	h->dirty = false;
	pthread_mutex_unlock(&h->lock);
	handle_free(h);
	return rc < 0 ? rc : 0;
}

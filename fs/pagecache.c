/* The page cache of open files: which handles of an inode may share the kernel's pages,
 * which attributes the kernel must be told while they do, and which pages a change
 * leaves suspect. The rules are below ("Page cache"); handle.c asks at open and
 * release, notify.c at each change, render.c at each stat. */
#include "pagecache.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "handle_impl.h"

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
/* How long a stat waits for a group reading another content to end (see
 * pagecache_attrs): far above a RELEASE's trip from close(2) to our thread. */
#define LEAVE_TRIES 20
#define LEAVE_NAP_NS 50000L
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

void pagecache_changed(fuse_ino_t ino, void (*inval_all)(fuse_ino_t ino),
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

static bool same_content(const struct handle *a, const struct handle *b)
{
	return a->len == b->len &&
	       (!a->len || memcmp(handle_content(a), handle_content(b), a->len) == 0);
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
struct cache_group *pagecache_begin(fuse_ino_t ino)
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
void pagecache_join(struct handle *h, struct cache_group *g, bool writable, bool fresh,
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

bool pagecache_attrs(fuse_ino_t ino, size_t *len, ctrfs_time *mtime)
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
	 * sees the store's attributes: a few naps, each letting the other threads run.
	 */
	for (int tries = 0; tries < LEAVE_TRIES; tries++) {
		*len = store_len;
		*mtime = store_mtime;
		pthread_mutex_lock(&cache_lock);
		struct cache_group *g = group_find(ino);
		vol = g && g->members && group_attrs(g, len, mtime);
		bool opening = g && g->opening;
		pthread_mutex_unlock(&cache_lock);
		if (!vol)
			return opening; /* a snapshot being taken: its size is not known yet */
		struct timespec nap = {0, LEAVE_NAP_NS};
		nanosleep(&nap, NULL);
	}
	return true;
}

void pagecache_leave(struct handle *h)
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

void pagecache_destroy(void)
{
	for (int i = 0; i < SUSPECT_BUCKETS; i++) {
		while (suspects[i]) {
			struct suspect *s = suspects[i];
			suspects[i] = s->next;
			free(s);
		}
	}
}

/* What handle.c and pagecache.c share: an open file's state. Nothing else sees it. */
#ifndef CTRFS_FS_HANDLE_IMPL_H
#define CTRFS_FS_HANDLE_IMPL_H

#include <pthread.h>

#include "node.h"
#include "snapshot.h"

/*
 * Two locks per handle (see "Locks" in doc/ARCHITECTURE.md):
 * - `writing_lock` serializes what changes the content and stores it: a write, a
 *   truncate, a flush, an fsync, a settle, the release. It is held across the store
 *   commit (a write(2) returns once its commit did), and nothing else ever waits for
 *   it: not a read, a stat or the notifier.
 * - `lock` guards the fields for a moment at a time, and is never held across a store
 *   call: a stat (handle_cached_attrs) or a read never waits for a commit.
 * The content (buf, len, own, snap) changes only under both; the commit reads it
 * holding `writing_lock` alone.
 */
struct handle {
	pthread_mutex_t writing_lock;
	pthread_mutex_t lock;
	struct ctrfs *fs;
	struct nodeinfo ni;
	struct cache_group *group; /* the handles sharing the page cache (pagecache.c) */
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

/* The content a handle reads: its own once it wrote or truncated, else its snapshot. */
static inline const char *handle_content(const struct handle *h)
{
	if (h->own)
		return h->buf ? h->buf : "";
	return h->snap ? h->snap->data : "";
}

#endif

/* What the derived read-only views (.pods, .query) share: their data kept per change of
 * the store (views.c). */
#ifndef CTRFS_FS_VIEWS_H
#define CTRFS_FS_VIEWS_H

#include <pthread.h>

#include <sys/stat.h>

#include "fspath.h"
#include "source.h"
#include "strbuf.h"

/*
 * The data a view derives from one namespace (and a name in it, as a filter; "" for a
 * view with one per namespace) as of one change: the change log's seq. Kept, so that a
 * path walk through a view (a lookup per name, never cached by the kernel: loose nodes)
 * does not list the namespace at every step. Immutable once made, shared by reference.
 * A view's own data embeds it as its first member.
 */
struct view_data {
	char ns[CTRFS_IDENTIFIER_MAX + 1];
	char *name; /* malloc'd, freed by the cache */
	uint64_t seq;
	unsigned refs;
};

#define VIEW_CACHED 8

/* One view's kept data: the newest of each (namespace, name), VIEW_CACHED in all. */
struct view_cache {
	pthread_mutex_t lock;
	void (*free)(struct view_data *d); /* frees the view's data (not d->name) */
	struct view_data *slot[VIEW_CACHED];
	unsigned next;
};

#define VIEW_CACHE_INIT(free_fn)                                                                   \
	{                                                                                          \
		PTHREAD_MUTEX_INITIALIZER, (free_fn), {0}, 0                                       \
	}

/* Makes the data of (ns, name) as of the change `seq` (a listing at least that new):
 * 0 and *out (zeroed where view_data is), or -errno. */
typedef int (*view_build_fn)(struct source *src, const char *ns, const char *name,
			     struct view_data **out);

/* The data of (ns, name) as of the source's snapshot, referenced: kept, or built and
 * kept. 0 or -errno (build's). */
int view_get(struct view_cache *c, struct source *src, const char *ns, const char *name,
	     view_build_fn build, struct view_data **out);
void view_put(struct view_cache *c, struct view_data *d);
/* Drops what is kept (at unmount). */
void view_cache_destroy(struct view_cache *c);

#endif

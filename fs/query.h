/* MOUNT/<ns>/.query/<filter>/: the containers a filter matches, as symlinks (query.c). */
#ifndef CTRFS_FS_QUERY_H
#define CTRFS_FS_QUERY_H

#include <sys/stat.h>

#include "fspath.h"
#include "source.h"
#include "strbuf.h"

/* Calls fn for each entry of the query directory `dir`: 0 or -errno. */
int query_list(struct source *src, const struct fspath *dir,
	       void (*fn)(void *arg, const char *name, enum node_kind kind, const char *key),
	       void *arg);
/* The attributes of a query node at `path` (st prepared by the caller): 0, -ENOENT,
 * -errno. A filter that does not parse is -ENOENT, its parse error logged. */
int query_stat(struct source *src, const char *path, const struct fspath *fp, struct stat *st);
/* The target of a query symlink (malloc'd): 0, -ENOENT, -errno. */
int query_readlink(struct source *src, const struct fspath *fp, char **target);

/* Frees the matches kept between requests (at unmount). */
void query_cache_destroy(void);

#endif

/* MOUNT/<ns>/.pods/: Kubernetes pods as directories of symlinks to their sandboxes and
 * containers (pods.c). */
#ifndef CTRFS_FS_PODS_H
#define CTRFS_FS_PODS_H

#include <sys/stat.h>

#include "fspath.h"
#include "source.h"
#include "strbuf.h"

/* Calls fn for each entry of the pods directory `dir`: 0 or -errno. */
int pods_list(struct source *src, const struct fspath *dir,
	      void (*fn)(void *arg, const char *name, enum node_kind kind, const char *key),
	      void *arg);
/* The attributes of a pods node (st prepared by the caller): 0, -ENOENT, -errno. */
int pods_stat(struct source *src, const struct fspath *fp, struct stat *st);
/* The target of a pods symlink (malloc'd): 0, -ENOENT, -errno. */
int pods_readlink(struct source *src, const struct fspath *fp, char **target);

/* Frees the pods kept between requests (at unmount). */
void pods_cache_destroy(void);

#endif

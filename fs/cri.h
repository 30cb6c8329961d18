/* The CRI view of a container: its read-only cri/ directory (cri.c). */
#ifndef CTRFS_FS_CRI_H
#define CTRFS_FS_CRI_H

#include <sys/stat.h>

#include "fspath.h"
#include "source.h"
#include "strbuf.h"

/* Does the container carry CRI metadata (its extensions loaded)? */
bool cri_has(const ctrfs_container *c);

/* Calls fn for each entry of the CRI directory `dir`: 0 or -errno. */
int cri_list(struct source *src, const struct fspath *dir,
	     void (*fn)(void *arg, const char *name, enum node_kind kind, int field), void *arg);
/* The content of a CRI file, as render_file: 0, -ENOENT, -errno. */
int cri_render(struct source *src, const struct fspath *fp, struct strbuf *out, ctrfs_time *mtime);
/* Whether the CRI directory `fp` exists (0, -ENOENT, -errno) and its time. */
int cri_dir_exists(struct source *src, const struct fspath *fp, ctrfs_time *mtime);

/* Any change below cri/, .pods/, .query/ or task/ (the path says which): refused,
 * logged, -EROFS. */
int cri_refuse(const char *op, const char *path);

#endif

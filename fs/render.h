/* What each node shows: a file's content rendered from the store, and its attributes. */
#ifndef CTRFS_FS_RENDER_H
#define CTRFS_FS_RENDER_H

#include <sys/stat.h>

#include "kcache.h" /* render.c: the sizes and counts it keeps */
#include "node.h"
#include "source.h"
#include "strbuf.h"

/*
 * The content of the store-backed file `fp` (any kind but directories and scratch
 * files), appended to out; *mtime (may be NULL) gets its time. 0, -ENOENT when the
 * file does not exist, -errno for a store failure (reason in src->err).
 */
int render_file(struct source *src, const struct fspath *fp, struct strbuf *out, ctrfs_time *mtime);

/*
 * The attributes of a node: 0 or -errno as render_file. *volatile_ (may be NULL) is set
 * when they are not the store's (a scratch file, or a file open with another content,
 * see handle.c): the kernel must not keep them.
 */
int render_stat(struct source *src, const struct nodeinfo *ni, struct stat *st, bool *volatile_);

/* Reads what a stat of the directories of ns/id (id NULL: of namespace ns) shows from
 * the source's snapshot and keeps it for the stats that follow (kcache.h), to be
 * called by the notifier only, right after it marked the record changed: its snapshot
 * holds every change it marked. 0 or -errno. */
int render_dir_attrs_refresh(struct source *src, const char *ns, const char *id);
/* The same for the store file `fp` numbered `ino` (a value or key file). */
int render_file_attrs_refresh(struct source *src, fuse_ino_t ino, const struct fspath *fp);

/* Whether the size of `fp` is known without rendering it (false for spec.json and
 * container.json until one stat rendered them): readdirplus leaves the others to a
 * lookup, so that find and ls without -l never render them. */
bool render_size_cheap(struct source *src, const struct fspath *fp);

/* Attributes of the store-backed file `ino` whose content is `len` bytes. */
void render_file_stat(struct ctrfs *fs, fuse_ino_t ino, const struct fspath *fp, size_t len,
		      ctrfs_time mtime, struct stat *st);

/* Attributes of the scratch file `ino`. */
void render_scratch_stat(struct ctrfs *fs, fuse_ino_t ino, struct scratch *s, struct stat *st);

#endif

/* What each node shows: a file's content rendered from the store, and its attributes. */
#ifndef CTRFS_FS_RENDER_H
#define CTRFS_FS_RENDER_H

#include <sys/stat.h>

#include "node.h"
#include "strbuf.h"

/* The store objects one request reads, each loaded at most once (readdirplus stats a
 * whole directory from one load). */
struct source {
	struct ctrfs *fs;
	bool have_ctr, have_ns;
	unsigned mask;			       /* CTRFS_LOAD_* parts loaded into c */
	char ctr_ns[CTRFS_IDENTIFIER_MAX + 1]; /* c's namespace */
	ctrfs_container c;
	ctrfs_namespace n;
	ctrfs_error err; /* the store's reason for the last failure */
};

void source_init(struct source *src, struct ctrfs *fs);
void source_clear(struct source *src);

/* The container or namespace, loaded as needed: 0, or -errno (-ENOENT when missing). */
int source_container(struct source *src, const char *ns, const char *id, unsigned mask,
		     const ctrfs_container **out);
int source_namespace(struct source *src, const char *ns, const ctrfs_namespace **out);

/*
 * The content of the store-backed file `fp` (any kind but directories and scratch
 * files), appended to out; *mtime (may be NULL) gets its time. 0, -ENOENT when the
 * file does not exist, -errno for a store failure (reason in src->err).
 */
int render_file(struct source *src, const struct fspath *fp, struct strbuf *out, ctrfs_time *mtime);

/* The attributes of a node: 0 or -errno as render_file. */
int render_stat(struct source *src, const struct nodeinfo *ni, struct stat *st);

/* Attributes of the store-backed file `ino` whose content is `len` bytes. */
void render_file_stat(struct ctrfs *fs, fuse_ino_t ino, const struct fspath *fp, size_t len,
		      ctrfs_time mtime, struct stat *st);

/* Attributes of the scratch file `ino`. */
void render_scratch_stat(struct ctrfs *fs, fuse_ino_t ino, struct scratch *s, struct stat *st);

#endif

/* What each node shows: a file's content rendered from the store, and its attributes. */
#ifndef CTRFS_FS_RENDER_H
#define CTRFS_FS_RENDER_H

#include <sys/stat.h>

#include "kcache.h" /* render.c: the sizes and counts it keeps */
#include "node.h"
#include "strbuf.h"

/* The store objects one request reads, each loaded at most once (readdirplus stats a
 * whole directory from one load), all from one read transaction: one consistent
 * snapshot per request, and no transaction set up per object. */
struct source {
	struct ctrfs *fs;
	ctrfs_reader *rd;   /* the snapshot, once begun */
	uint64_t epoch;	    /* node_epoch() when the transaction began (node_sizes_put) */
	uint64_t count_gen; /* node_ns_count_gen() then (node_ns_count_put) */
	bool have_ctr, have_ns;
	unsigned mask;			       /* CTRFS_LOAD_* parts loaded into c */
	char ctr_ns[CTRFS_IDENTIFIER_MAX + 1]; /* c's namespace */
	ctrfs_container c;
	ctrfs_namespace n;
	ctrfs_error err; /* the store's reason for the last failure */
};

void source_init(struct source *src, struct ctrfs *fs);
/* Ends the transaction and frees what was loaded. Call it before any write to the
 * store: a read transaction held across a write could stall growing the map. */
void source_clear(struct source *src);

/* The seq of the newest event in the source's snapshot (0 when none): the changes
 * that snapshot shows are all numbered up to it. 0 or -errno. */
int source_last_seq(struct source *src, uint64_t *seq);

/* The IDs of the namespace's containers, sorted, in the source's snapshot (count only
 * when ids is NULL): 0 or -errno. */
int source_ids(struct source *src, const char *ns, char ***ids, size_t *count);

/* The container or namespace, loaded as needed: 0, or -errno (-ENOENT when missing). */
int source_container(struct source *src, const char *ns, const char *id, unsigned mask,
		     const ctrfs_container **out);
int source_namespace(struct source *src, const char *ns, const ctrfs_namespace **out);
/* Image `name` of `ns`, copied into *out (the caller clears it): 0, -ENOENT, -errno. */
int source_image(struct source *src, const char *ns, const char *name, ctrfs_image *out);
/* The namespace's images, sorted by name (the caller frees them with
 * ctrfs_image_list_free): 0 or -errno. */
int source_images(struct source *src, const char *ns, ctrfs_image **list, size_t *count);
/* Container ns/id's task (the caller clears it): 0, -ENOENT without one, -errno. */
int source_task(struct source *src, const char *ns, const char *id, ctrfs_task *out);

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

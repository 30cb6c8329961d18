/* The node table: inode numbers, what each path means, and the nodes kept in memory. */
#ifndef CTRFS_FS_NODE_H
#define CTRFS_FS_NODE_H

#include "ctrfs.h"
#include "fspath.h"

struct scratch;

/* A copy of a node's state, taken under the table lock and owned by the caller. */
struct nodeinfo {
	fuse_ino_t ino;
	char *path; /* from the mount root, without a leading '/'; "" for the root */
	struct fspath fp;
	bool pending;		 /* a key file created through the mount, not stored yet */
	bool loose;		 /* a node of the table only: not to be cached by the kernel */
	struct scratch *scratch; /* NODE_SCRATCH: its content (a reference) */
};

int nodes_init(void);
void nodes_destroy(void);

/* The inode numbers ctrfs gives without a node: the root, the change feed and the
 * refusals. */
#define NODE_EVENTS_INO 2
#define NODE_ERRORS_INO 3
/* The files of the root that are ctrfs's own (.events, .errors)? */
#define NODE_IS_OWN(kind) ((kind) == NODE_EVENTS || (kind) == NODE_ERRORS)

/* Copies the state of node `ino` into *out: 0, -ESTALE for an unknown inode, -ENOMEM. */
int node_get(fuse_ino_t ino, struct nodeinfo *out);
void nodeinfo_clear(struct nodeinfo *ni);

/*
 * The node the table keeps for the file at `path` (meaning `fp`) beyond what the store
 * says: a scratch file, or a key file created through the mount (pending) or known to
 * the kernel. 0 and *out, or -ENOENT when the store alone describes the path.
 */
int node_find(const char *path, const struct fspath *fp, struct nodeinfo *out);

/* The inode number the file at `path` (meaning `fp`) has or will get, for readdir. */
fuse_ino_t node_ino_of(const char *path, const struct fspath *fp);

/*
 * Counts one lookup of the file at `path` (meaning `fp`), creating its node as needed:
 * the inode number to reply with, 0 when out of memory. A new node gets `scratch`
 * (referenced) and `pending`; both are kept until unlinked, even at lookup count 0.
 * *volatile_ (may be NULL) is set when the node lives in the table only (scratch files
 * and what was renamed away): the kernel must not cache its entry or attributes.
 */
fuse_ino_t node_remember(const char *path, const struct fspath *fp, struct scratch *scratch,
			 bool pending, bool *volatile_);
void node_forget(fuse_ino_t ino, uint64_t nlookup);

/* Marks the key file at `path` pending (shown, empty, though the store has no such
 * key: created or emptied through the mount) or stored (no longer pending). */
void node_set_pending(const char *path, const struct fspath *fp, bool pending);
static inline void node_set_stored(const char *path, const struct fspath *fp)
{
	node_set_pending(path, fp, false);
}
/* Takes the scratch file at `path` out of the tree; the node itself lives on while the
 * kernel still knows it. */
void node_unlink(const char *path);
/*
 * Moves the node at `from` (meaning `from_fp`) to `to`, with the meaning `fp`
 * (unlinking whatever is linked there), so that it keeps its inode number as rename(2)
 * does. With `scratch` (referenced), the node becomes that scratch file, created if
 * `from` has no node. 0 or -ENOMEM.
 */
int node_move(const char *from, const struct fspath *from_fp, const char *to,
	      const struct fspath *fp, struct scratch *scratch);
/* Links a new scratch file `s` at `path` (meaning fp), replacing what is linked there:
 * 0 or -ENOMEM. */
int node_add_scratch(const char *path, const struct fspath *fp, struct scratch *s);
/* Unlinks every scratch or pending node below `dir` (a container or namespace going
 * away). */
void node_unlink_below(const char *dir);

/* Calls fn for each linked scratch or pending file directly inside the directory `dir`
 * (path `dir_path`). */
void node_foreach_extra(const char *dir_path, const struct fspath *dir,
			void (*fn)(const char *name, void *arg), void *arg);

/* Memory the table holds, for the debug log: nodes and bytes. */
void node_stats(size_t *records, size_t *keys, size_t *generic);

#endif

/* The node table: inode numbers, what each path means, and the nodes kept in memory. */
#ifndef CTRFS_FS_NODE_H
#define CTRFS_FS_NODE_H

#include "ctrfs.h"

enum node_kind {
	NODE_ROOT,
	NODE_NS,	 /* <ns>/ */
	NODE_NS_LABELS,	 /* <ns>/.labels/ */
	NODE_CTR,	 /* <ns>/<id>/ */
	NODE_RUNTIME,	 /* <ns>/<id>/runtime/ */
	NODE_LABELS,	 /* <ns>/<id>/labels/ */
	NODE_EXTENSIONS, /* <ns>/<id>/extensions/ */
	NODE_FIELD,	 /* one of a container's fixed files */
	NODE_NS_LABEL,	 /* <ns>/.labels/<key> */
	NODE_LABEL,	 /* <ns>/<id>/labels/<key> */
	NODE_EXTENSION,	 /* <ns>/<id>/extensions/<name> */
	NODE_SCRATCH,	 /* any other file created through the mount: memory only */
};

enum field {
	FIELD_CONTAINER_JSON,
	FIELD_IMAGE,
	FIELD_SPEC_JSON,
	FIELD_SNAPSHOTTER,
	FIELD_SNAPSHOT_KEY,
	FIELD_SANDBOX_ID,
	FIELD_CREATED_AT,
	FIELD_UPDATED_AT,
	FIELD_RUNTIME_NAME,
	FIELD_RUNTIME_OPTIONS,
	FIELD_COUNT,
};

/* What a path stands for in the store. */
struct fspath {
	enum node_kind kind;
	enum field field; /* NODE_FIELD */
	char ns[CTRFS_IDENTIFIER_MAX + 1];
	char id[CTRFS_IDENTIFIER_MAX + 1];
	char *key; /* label key or extension name (malloc'd), else NULL */
};

struct scratch;

/* A copy of a node's state, taken under the table lock and owned by the caller. */
struct nodeinfo {
	fuse_ino_t ino;
	char *path; /* from the mount root, without a leading '/'; "" for the root */
	struct fspath fp;
	bool pending;		 /* a key file created through the mount, not stored yet */
	struct scratch *scratch; /* NODE_SCRATCH: its content (a reference) */
};

static inline bool node_is_dir(enum node_kind k)
{
	return k <= NODE_EXTENSIONS;
}

/* The file name of a fixed field and its directory (the container's or runtime/). */
const char *field_name(enum field f);
/* The field's file as messages name it, relative to its container ("runtime/name"). */
const char *field_title(enum field f);
bool field_in_runtime(enum field f);
/* Writable fields; the others are immutable (EPERM). */
bool field_writable(enum field f);
/* Fields whose file may be removed (clearing the value) because the value is optional. */
bool field_optional(enum field f);

void fspath_clear(struct fspath *fp);
int fspath_copy(struct fspath *dst, const struct fspath *src);

/*
 * What `name` inside the directory `dir` stands for: 0 and *out filled, -ENOENT when
 * no such name can exist there, -ENOTDIR when `dir` is a file, -ENOMEM.
 */
int fspath_child(const struct fspath *dir, const char *name, struct fspath *out);
/* "dir/name" (or "name" in the root), malloc'd. */
char *path_join(const char *dir, const char *name);

int nodes_init(void);
void nodes_destroy(void);

/* Copies the state of node `ino` into *out: 0, -ESTALE for an unknown inode, -ENOMEM. */
int node_get(fuse_ino_t ino, struct nodeinfo *out);
void nodeinfo_clear(struct nodeinfo *ni);

/* The linked node at `path` (scratch and pending files live only here): 0 or -ENOENT. */
int node_find(const char *path, struct nodeinfo *out);

/* The inode number `path` has or will get, for readdir's d_ino. */
fuse_ino_t node_ino_of(const char *path);

/*
 * Counts one lookup of the file at `path` (meaning `fp`), creating its node as needed:
 * the inode number to reply with, 0 when out of memory. A new node gets `scratch`
 * (referenced) and `pending`; both are kept until unlinked, even at lookup count 0.
 */
fuse_ino_t node_remember(const char *path, const struct fspath *fp, struct scratch *scratch,
			 bool pending);
void node_forget(fuse_ino_t ino, uint64_t nlookup);

/* Marks the file at `path` stored (no longer pending). */
void node_set_stored(const char *path);
/* Takes the file at `path` out of the tree (scratch file removed, pending key dropped);
 * the node itself lives on while the kernel still knows it. */
void node_unlink(const char *path);
/*
 * Moves the node at `from` to `to` (unlinking whatever is linked there), with the
 * meaning `fp`, so that it keeps its inode number as rename(2) does. With `scratch`
 * (referenced), the node becomes that scratch file, created if `from` has no node.
 * 0 or -ENOMEM.
 */
int node_move(const char *from, const char *to, const struct fspath *fp, struct scratch *scratch);
/* Links a new scratch file `s` at `path` (meaning fp), replacing what is linked there:
 * 0 or -ENOMEM. */
int node_add_scratch(const char *path, const struct fspath *fp, struct scratch *s);
/* Unlinks every scratch or pending node below `dir` (a container or namespace going
 * away). */
void node_unlink_below(const char *dir);

/* Calls fn for each linked scratch or pending file directly inside `dir`. */
void node_foreach_extra(const char *dir, void (*fn)(const char *name, void *arg), void *arg);

#endif

/* What the change notifier must invalidate for a change: every inode the kernel may
 * hold of a container or a namespace (node_targets.c). */
#ifndef CTRFS_FS_NODE_TARGETS_H
#define CTRFS_FS_NODE_TARGETS_H

#include "ctrfs.h"
#include "kinds.h"

/* One inode the kernel may hold, to invalidate: its number, and for a key file its
 * directory's inode, its name and whether it was pending (only in the table). */
struct node_target {
	fuse_ino_t ino;
	fuse_ino_t parent; /* key files and directories of the tree: the parent's inode */
	char *name;	   /* key files: the file name (malloc'd), else NULL */
	char *key;	   /* key files: the key (malloc'd), else NULL */
	enum node_kind kind;
	enum field field; /* NODE_FIELD's */
	bool pending;
};

struct node_targets {
	struct node_target *v;
	size_t n, cap;
	fuse_ino_t dir_ino;    /* the container's or namespace's directory */
	fuse_ino_t parent_ino; /* the directory holding it (namespace or root) */
	bool known;	       /* the table has a node for it */
};

/*
 * The notifier saw a change of the container ns/id: records it (the sizes cached for
 * it are dropped, node_changed_within counts from now: kcache.h), and appends to *t
 * every inode the kernel may hold of it (its directory, files, subdirectories and keys,
 * and scratch or renamed nodes below it). 0 or -ENOMEM.
 */
int node_ctr_changed_collect_targets(const char *ns, const char *id, struct node_targets *t);
/* The same for the namespace `ns` itself: its directory, .labels/ and its keys. */
int node_ns_changed_collect_targets(const char *ns, struct node_targets *t);
void node_targets_clear(struct node_targets *t);

/* Calls fn for every container and then every namespace the table knows (id NULL for a
 * namespace), with the table unlocked (the names are copies). */
int node_foreach_known(int (*fn)(const char *ns, const char *id, void *arg), void *arg);

#endif

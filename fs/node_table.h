/* What the node table's files share (node.c, node_records.c, node_loose.c,
 * node_targets.c, kcache.c); nothing else includes it.
 *
 * The kernel may hold every inode of the tree (ls -lR of 100k containers: two million),
 * so the store's files are not one allocation each. A container (or a namespace) has
 * one record, which counts the lookups of its directory, fixed files and subdirectories
 * together: their inode numbers are the record's slot and a fixed sub-number, and need
 * no memory of their own. Each key file the kernel holds is a 16-byte entry of its
 * record, its key interned (keys repeat across containers). A slot is a hash of the
 * path and a key's sub-number a hash of the key, so a file keeps its number while
 * mounted, even after the kernel forgot it and looks it up again (the next free number
 * on the rare collision).
 *
 * Scratch files, and inodes renamed away from their place in the store, are "loose"
 * nodes: one allocation each, found by path and by number. Their entries and attributes
 * are never cached by the kernel (they change by rename without the store knowing).
 */
#ifndef CTRFS_FS_NODE_TABLE_H
#define CTRFS_FS_NODE_TABLE_H

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "dir_attrs.h"
#include "fspath.h"

struct scratch;

/* ---- inode numbers ----
 *
 * slot << 24 | sub, with slot 0 for the root, .events and .errors. Loose nodes made here have
 * bit 63 set; a loose node that was a key keeps its number, which its record then
 * never gives out again while the loose node lives. */

#define SUB_BITS 24
#define SUB_MASK ((1u << SUB_BITS) - 1)
#define SLOT_MAX ((1ULL << (63 - SUB_BITS)) - 1)
#define LOOSE_BIT (1ULL << 63)

enum {
	SUB_DIR = 0,
	SUB_NS_LABELS = 1,
	SUB_FIELD0 = 1, /* + enum field */
	SUB_RUNTIME = SUB_FIELD0 + FIELD_COUNT,
	SUB_LABELS,
	SUB_EXTENSIONS,
	SUB_FIXED_END,
	/* the CRI view: never cached by the kernel, so never invalidated (not `known`) */
	SUB_CRI = 64,
	SUB_CRI_STATUS,
	SUB_CRI_FILE0, /* + enum cri_file */
	SUB_CRI_END = SUB_CRI_FILE0 + CRI_FILE_COUNT,
	/* the task view: likewise never cached */
	SUB_TASK = SUB_CRI_END,
	SUB_TASK_FILE0, /* + enum task_file */
	SUB_TASK_END = SUB_TASK_FILE0 + TASK_FILE_COUNT,
	SUB_KEY0 = 256,
};

static inline fuse_ino_t make_ino(uint64_t slot, uint32_t sub)
{
	return (fuse_ino_t)(slot << SUB_BITS | sub);
}

/* ---- records and their key entries (node_records.c) ---- */

struct keyent {
	const char *key; /* interned */
	uint32_t sub : SUB_BITS;
	uint32_t kind : 7; /* NODE_LABEL, NODE_EXTENSION or NODE_NS_LABEL */
	uint32_t pending : 1;
	uint32_t nlookup; /* saturates: the kernel forgets a whole count at once */
};

/* What a stat of one of a record's files shows (kcache.c). */
struct file_attrs {
	uint32_t sub : 31;
	uint32_t stale : 1; /* kept before the record's last change: not to be used */
	uint32_t len;
	int64_t mtime; /* ns since the epoch */
};

struct rec {
	uint64_t slot;
	uint64_t hash;
	struct rec *slot_next, *name_next;
	struct rec *ns;	  /* a container's namespace (a reference to it) */
	uint64_t nlookup; /* of the record's fixed inodes, together */
	struct keyent *keys;
	uint32_t nkeys, capkeys;
	uint32_t refs;	     /* a namespace's: container records pointing to it */
	uint16_t known;	     /* fixed subs looked up since the record was made */
	bool is_ctr;	     /* else a namespace's */
	bool ver_known;	     /* ctr.ver_* are set */
	bool no_keep;	     /* changed with its times kept: no cached pages kept */
	bool ns_count_known; /* ns.* are set */
	uint64_t changed_at; /* CLOCK_MONOTONIC ns of the last change the notifier saw */
	/* what a stat of its directories shows (kcache.c), from a snapshot taken at an
	 * epoch not before attrs_epoch, the one of its last change */
	bool attrs_known;
	uint64_t attrs_epoch;
	struct node_dir_attrs attrs;
	/* likewise for its files, by sub (kcache.c): a few, dropped at each change */
	struct file_attrs *fattrs;
	uint16_t nfattrs, capfattrs;
	/* times as nanoseconds since the epoch (tns): a record per container counts */
	union {
		struct {
			/* struct node_sizes' lengths, valid while the container has
			 * these times (kcache.c) */
			struct {
				int64_t spec, info;
			} sizes;
			int64_t sz_created, sz_updated;
			uint64_t sz_epoch; /* of the last invalidation */
			/* the version the kernel may hold pages of (node_ctr_seen) */
			int64_t ver_created, ver_updated;
		} ctr;
		struct {
			/* the number of containers, known until a container of the namespace
			 * is created or deleted (node_ns_count_forget) */
			size_t count;
		} ns;
	} u;
	char name[]; /* the namespace's name or the container's ID */
};

/* ---- loose nodes: scratch files and what was renamed away (node_loose.c) ---- */

struct loose {
	fuse_ino_t ino;
	char *path;
	struct fspath fp;
	uint64_t nlookup;
	bool linked;  /* reachable by path: in the path index */
	bool pending; /* an image's label file created through the mount, not stored yet */
	struct scratch *scratch;
	struct loose *ino_next, *path_next;
	/* the list of linked scratch files, which readdir adds to the store's */
	struct loose *extra_next, **extra_prev;
};

#define LOOSE_BUCKETS 256

/* The table's state: one lock for all of it (every operation is a few hash probes),
 * taken by the public functions of node.c, node_targets.c and kcache.c; the functions
 * declared below expect it held. */
struct node_table {
	pthread_mutex_t lock;
	/* records, by slot and by name (node_records.c) */
	struct rec **by_slot, **by_name;
	size_t rec_buckets, rec_count, key_count;
	/* loose nodes by number and by path, and the list of linked scratch files
	 * (node_loose.c) */
	struct loose *loose_ino[LOOSE_BUCKETS], *loose_path[LOOSE_BUCKETS];
	struct loose *extras;
	size_t loose_count;
	/* what the kernel was told (kcache.c) */
	uint64_t epoch;	    /* counts the invalidations of cached sizes (node_epoch) */
	uint64_t count_gen; /* counts node_ns_count_forget: a count made meanwhile is not kept */
};

extern struct node_table nodes;

/* Namespace-level kinds: their node is the namespace's record (else a container's). */
static inline bool ns_level(enum node_kind k)
{
	return k == NODE_NS || k == NODE_NS_LABELS || k == NODE_NS_LABEL;
}

/* Nodes of the table only (entries and attributes never cached by the kernel): scratch
 * files and the derived views */
static inline bool node_is_loose(enum node_kind k)
{
	return k == NODE_SCRATCH || node_is_derived(k) || node_is_images(k);
}

/* Is `path` below the directory `dir` (of length dl)? */
static inline bool path_below(const char *path, const char *dir, size_t dl)
{
	return strncmp(path, dir, dl) == 0 && path[dl] == '/';
}

/* node_records.c */
uint64_t rec_hash(const char *ns, const char *id);
int rec_grow(void);
void recs_destroy(void);
struct rec *find_slot(uint64_t slot);
struct rec *find_rec(const char *ns, const char *id);
/* The slot a new record of hash h gets: h, or the next free on collision. */
uint64_t free_slot(uint64_t h);
/* The record of fp's namespace or container, made when `create`. */
struct rec *rec_of(const struct fspath *fp, bool create);
/* Drops a record nothing needs any more: no lookups, keys or containers. */
void rec_maybe_free(struct rec *r);
/* The fixed sub-number of a non-key node of a record. */
uint32_t fixed_sub(const struct fspath *fp);
/* The meaning of record r's node `sub`: 0, or -ESTALE when it has no such node. */
int record_fspath(struct rec *r, uint32_t sub, struct fspath *fp, bool *pending);
struct keyent *key_find(struct rec *r, enum node_kind kind, const char *key);
struct keyent *key_by_sub(struct rec *r, uint32_t sub);
/* The sub-number a new key entry gets: a hash of the key, the next free on collision. */
uint32_t free_sub(struct rec *r, uint64_t slot, enum node_kind kind, const char *key);
struct keyent *key_add(struct rec *r, enum node_kind kind, const char *key);
void key_remove(struct rec *r, struct keyent *k);
/* Drops a key entry that is neither looked up nor pending. */
void key_maybe_remove(struct rec *r, struct keyent *k);
/* Clears the pending keys of r (their files go with their directory). */
void drop_pending(struct rec *r);

/* node_loose.c */
struct loose *find_loose_ino(fuse_ino_t ino);
struct loose *find_loose_path(const char *path);
/* The number a new loose node at `path` gets. */
fuse_ino_t free_loose_ino(const char *path);
/* A loose node linked at `path`, lookup count 0. */
struct loose *loose_new(fuse_ino_t ino, const char *path, const struct fspath *fp);
/* Keeps n in the extras list exactly while it is a linked scratch file. */
void update_extra(struct loose *n);
void loose_link_path(struct loose *n);
void loose_unlink_path(struct loose *n);
/* Drops a loose node nothing needs any more: no lookups, and no scratch content
 * reachable by path. */
void loose_maybe_free(struct loose *n);
/* Takes n out of the tree; it lives on while the kernel knows it. */
void loose_unlink(struct loose *n);
void looses_destroy(void);

/* kcache.c: the notifier saw a change of r (sizes cached for a container dropped,
 * node_changed_within counts from now). */
void rec_changed(struct rec *r);

#endif

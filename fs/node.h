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
	NODE_EVENTS,	 /* .events: the change feed (events.c) */
	NODE_ERRORS,	 /* .errors: the latest refusals (errors.c) */
	NODE_CRI,	 /* <ns>/<id>/cri/: CRI's record, read-only (cri.c) */
	NODE_CRI_STATUS, /* <ns>/<id>/cri/status/ */
	NODE_CRI_FILE,	 /* a file of those two; `field` holds its enum cri_file */
	/* <ns>/.pods/...: key is the path below .pods (pods.c); loose nodes */
	NODE_PODS,	     /* <ns>/.pods/ */
	NODE_POD_NS,	     /* .pods/<pod-namespace>/ */
	NODE_POD,	     /* .pods/<pod-namespace>/<pod-name>/ */
	NODE_POD_ATTEMPTS,   /* .../attempts/ */
	NODE_POD_CONTAINERS, /* .../containers/ */
	NODE_POD_LINK,	     /* .../sandbox, attempts/<n>, containers/<name>: symlinks */
	/* <ns>/.query/...: key is the path below .query (query.c); loose nodes */
	NODE_QUERIES,	 /* <ns>/.query/: lists nothing */
	NODE_QUERY,	 /* .query/<filter>/ */
	NODE_QUERY_LINK, /* .query/<filter>/<id>: a symlink to the container */
	/* <ns>/.images/...: key is the path below .images (images.c); loose nodes */
	NODE_IMAGES,		/* <ns>/.images/ */
	NODE_IMAGE,		/* .images/<name>/ */
	NODE_IMAGE_TARGET,	/* .images/<name>/target/ */
	NODE_IMAGE_ANNOTATIONS, /* .images/<name>/target/annotations/ */
	NODE_IMAGE_LABELS,	/* .images/<name>/labels/ */
	NODE_IMAGE_FILE, /* created_at, updated_at, target/<file>: `field` holds its image_file */
	NODE_IMAGE_ANNOTATION, /* target/annotations/<key> */
	NODE_IMAGE_LABEL,      /* labels/<key>: writable */
	NODE_CTR_IMAGE,	       /* <ns>/<id>/.image: symlink to its image's directory */
	NODE_TASK,	       /* <ns>/<id>/task/: its task, read-only (task.c) */
	NODE_TASK_FILE,	       /* a file of task/; `field` holds its enum task_file */
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
	bool loose;		 /* a node of the table only: not to be cached by the kernel */
	struct scratch *scratch; /* NODE_SCRATCH: its content (a reference) */
};

/* The parent directory of the directory `dir` (not the root): 0 or -ENOTDIR. */
int fspath_parent(const struct fspath *dir, struct fspath *out);

static inline bool node_is_dir(enum node_kind k)
{
	return k <= NODE_EXTENSIONS || k == NODE_CRI || k == NODE_CRI_STATUS ||
	       (k >= NODE_PODS && k < NODE_POD_LINK) || k == NODE_QUERIES || k == NODE_QUERY ||
	       (k >= NODE_IMAGES && k < NODE_IMAGE_FILE) || k == NODE_TASK;
}

static inline bool node_is_link(enum node_kind k)
{
	return k == NODE_POD_LINK || k == NODE_QUERY_LINK || k == NODE_CTR_IMAGE;
}

/* The images view and the containers' links into it (never cached by the kernel:
 * loose nodes) */
static inline bool node_is_images(enum node_kind k)
{
	return k >= NODE_IMAGES && k <= NODE_CTR_IMAGE;
}

/* The read-only task view below a container (never cached by the kernel) */
static inline bool node_is_task(enum node_kind k)
{
	return k == NODE_TASK || k == NODE_TASK_FILE;
}

/* The pods view (never cached by the kernel: loose nodes) */
static inline bool node_is_pods(enum node_kind k)
{
	return k >= NODE_PODS && k <= NODE_POD_LINK;
}

/* The filters-as-directories view (never cached by the kernel: loose nodes) */
static inline bool node_is_query(enum node_kind k)
{
	return k >= NODE_QUERIES && k <= NODE_QUERY_LINK;
}

/* The views derived from a whole namespace: loose nodes, made at lookup */
static inline bool node_is_derived(enum node_kind k)
{
	return node_is_pods(k) || node_is_query(k);
}

/* The read-only CRI view below a container (never cached by the kernel) */
static inline bool node_is_cri(enum node_kind k)
{
	return k == NODE_CRI || k == NODE_CRI_STATUS || k == NODE_CRI_FILE;
}

/* The read-only views: CRI's records (cri/, .pods/), .query/, tasks (task/) and .images/
 * (but for an image's labels) */
static inline bool node_is_view(enum node_kind k)
{
	return node_is_cri(k) || node_is_derived(k) || node_is_task(k) ||
	       (node_is_images(k) && k != NODE_IMAGE_LABEL);
}

/* Label files, of containers and namespaces: an empty label is no label (containerd
 * stores none), so an emptied one stays as an empty file that is not stored */
static inline bool node_is_label(enum node_kind k)
{
	return k == NODE_LABEL || k == NODE_NS_LABEL || k == NODE_IMAGE_LABEL;
}

/* Files named by a key (a label key or an extension name) */
static inline bool node_is_key(enum node_kind k)
{
	return k == NODE_LABEL || k == NODE_EXTENSION || k == NODE_NS_LABEL;
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

/* ---- what the change notifier needs (notify.c) ---- */

/* One inode the kernel may hold, to invalidate: its number, and for a key file its
 * directory's inode, its name and whether it was pending (only in the table). */
struct node_target {
	fuse_ino_t ino;
	fuse_ino_t parent; /* key files and directories of the tree: the parent's inode */
	char *name;	   /* key files: the file name (malloc'd), else NULL */
	char *key;	   /* key files: the key (malloc'd), else NULL */
	enum node_kind kind;
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
 * Every inode the kernel may hold of the container ns/id (its directory, files,
 * subdirectories and keys, and scratch or renamed nodes below it), appended to *t.
 * Also forgets the cached sizes of its JSON files (node_sizes).
 */
int node_ctr_targets(const char *ns, const char *id, struct node_targets *t);
/* The same for the namespace `ns` itself: its directory, .labels/ and its keys. */
int node_ns_targets(const char *ns, struct node_targets *t);
void node_targets_clear(struct node_targets *t);

/* Calls fn for every container and then every namespace the table knows (id NULL for a
 * namespace), with the table unlocked (the names are copies). */
int node_foreach_known(int (*fn)(const char *ns, const char *id, void *arg), void *arg);

/* ---- cached sizes of rendered JSON files, kept with the container's node ---- */

struct node_sizes {
	int64_t spec, info; /* lengths of spec.json and container.json, -1 when unknown */
};

/* Counts the invalidations of cached sizes (node_ctr_targets): read it before taking
 * the snapshot whose sizes are to be recorded. */
uint64_t node_epoch(void);
/* The cached sizes of ns/id's JSON files for the container version with these times:
 * false when the table has no node for it. */
bool node_sizes_get(const char *ns, const char *id, ctrfs_time created, ctrfs_time updated,
		    struct node_sizes *out);
/* Records the sizes rendered from a snapshot taken at `epoch`: ignored when the
 * container was invalidated since (the snapshot may predate that change). */
void node_sizes_put(const char *ns, const char *id, ctrfs_time created, ctrfs_time updated,
		    uint64_t epoch, const struct node_sizes *sz);

/* The number of containers of a namespace the kernel knows, kept between creates and
 * deletes (counting walks all its keys: O(N), which an update must not cost). The
 * generation is read before the read transaction that counts, which put then records
 * only if no create or delete was seen since. */
uint64_t node_ns_count_gen(void);
bool node_ns_count_get(const char *ns, size_t *count);
void node_ns_count_put(const char *ns, uint64_t gen, size_t count);
/* A container of `ns` (NULL: of any namespace) was created or deleted. */
void node_ns_count_forget(const char *ns);

/*
 * Versions of a container the kernel may hold pages of: node_ctr_seen records the
 * version (its times) a file was opened at, node_ctr_version the version after each
 * change (true, and the container's files no longer keep cached pages, when a change
 * kept the times: the kernel drops pages only when the mtime or size changes).
 */
void node_ctr_seen(const char *ns, const char *id, ctrfs_time created, ctrfs_time updated);
bool node_ctr_version(const char *ns, const char *id, ctrfs_time created, ctrfs_time updated);
bool node_ctr_no_keep(const char *ns, const char *id);

/* Did the notifier see a change of fp's container (or namespace, for its labels) in
 * the last `ns` nanoseconds? */
bool node_changed_within(const struct fspath *fp, uint64_t ns);

/* Memory the table holds, for the debug log: nodes and bytes. */
void node_stats(size_t *records, size_t *keys, size_t *generic);

#endif

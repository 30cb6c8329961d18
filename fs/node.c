/* The node table: inode numbers, what each path means, and the nodes kept in memory.
 *
 * An inode number is a 64-bit hash of the node's path (the next free number on the
 * rare collision), so a file keeps its number while mounted even after the kernel
 * forgot it and looks it up again. A node is kept while the kernel holds lookups on it,
 * or while it is a scratch or pending file (their only existence is here).
 */
#include "node.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "names.h"
#include "scratch.h"

struct node {
	fuse_ino_t ino;
	char *path;
	struct fspath fp;
	uint64_t nlookup;
	bool linked; /* reachable by path: in the path index */
	bool pending;
	struct scratch *scratch;
	struct node *ino_next, *path_next;
	/* the list of linked scratch and pending files, which readdir adds to the store's */
	struct node *extra_next, **extra_prev;
};

static const char *const field_names[FIELD_COUNT] = {
    [FIELD_CONTAINER_JSON] = "container.json",
    [FIELD_IMAGE] = "image",
    [FIELD_SPEC_JSON] = "spec.json",
    [FIELD_SNAPSHOTTER] = "snapshotter",
    [FIELD_SNAPSHOT_KEY] = "snapshot_key",
    [FIELD_SANDBOX_ID] = "sandbox_id",
    [FIELD_CREATED_AT] = "created_at",
    [FIELD_UPDATED_AT] = "updated_at",
    [FIELD_RUNTIME_NAME] = "name",
    [FIELD_RUNTIME_OPTIONS] = "options",
};

const char *field_name(enum field f)
{
	return field_names[f];
}

const char *field_title(enum field f)
{
	if (f == FIELD_RUNTIME_NAME)
		return "runtime/name";
	if (f == FIELD_RUNTIME_OPTIONS)
		return "runtime/options";
	return field_names[f];
}

bool field_in_runtime(enum field f)
{
	return f == FIELD_RUNTIME_NAME || f == FIELD_RUNTIME_OPTIONS;
}

bool field_writable(enum field f)
{
	return f == FIELD_CONTAINER_JSON || f == FIELD_IMAGE || f == FIELD_SPEC_JSON ||
	       f == FIELD_SNAPSHOT_KEY;
}

bool field_optional(enum field f)
{
	return f == FIELD_IMAGE || f == FIELD_SNAPSHOT_KEY;
}

void fspath_clear(struct fspath *fp)
{
	free(fp->key);
	fp->key = NULL;
}

int fspath_copy(struct fspath *dst, const struct fspath *src)
{
	*dst = *src;
	if (src->key && !(dst->key = strdup(src->key)))
		return -ENOMEM;
	return 0;
}

static bool is_identifier(const char *s)
{
	return ctrfs_identifier_validate(s, NULL) == CTRFS_OK;
}

/* In a directory of keys: the key a name stands for, or a scratch file. */
static int key_child(enum node_kind kind, const char *name, struct fspath *out)
{
	if (names_decode(name, &out->key)) {
		out->kind = kind;
		return 0;
	}
	out->kind = NODE_SCRATCH;
	return 0;
}

int fspath_child(const struct fspath *dir, const char *name, struct fspath *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->ns, dir->ns, sizeof(out->ns));
	memcpy(out->id, dir->id, sizeof(out->id));
	switch (dir->kind) {
	case NODE_ROOT:
		if (!is_identifier(name))
			return -ENOENT;
		out->kind = NODE_NS;
		strcpy(out->ns, name);
		return 0;
	case NODE_NS:
		if (strcmp(name, ".labels") == 0) {
			out->kind = NODE_NS_LABELS;
			return 0;
		}
		if (!is_identifier(name))
			return -ENOENT;
		out->kind = NODE_CTR;
		strcpy(out->id, name);
		return 0;
	case NODE_NS_LABELS:
		return key_child(NODE_NS_LABEL, name, out);
	case NODE_LABELS:
		return key_child(NODE_LABEL, name, out);
	case NODE_EXTENSIONS:
		return key_child(NODE_EXTENSION, name, out);
	case NODE_CTR:
		if (strcmp(name, "runtime") == 0)
			out->kind = NODE_RUNTIME;
		else if (strcmp(name, "labels") == 0)
			out->kind = NODE_LABELS;
		else if (strcmp(name, "extensions") == 0)
			out->kind = NODE_EXTENSIONS;
		else
			out->kind = NODE_SCRATCH;
		for (int f = 0; out->kind == NODE_SCRATCH && f < FIELD_COUNT; f++) {
			if (!field_in_runtime(f) && strcmp(name, field_names[f]) == 0) {
				out->kind = NODE_FIELD;
				out->field = f;
			}
		}
		return 0;
	case NODE_RUNTIME:
		for (int f = 0; f < FIELD_COUNT; f++) {
			if (field_in_runtime(f) && strcmp(name, field_names[f]) == 0) {
				out->kind = NODE_FIELD;
				out->field = f;
				return 0;
			}
		}
		return -ENOENT;
	default:
		return -ENOTDIR;
	}
}

char *path_join(const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	char *p = malloc(dl + nl + 2);
	if (!p)
		return NULL;
	if (dl) {
		memcpy(p, dir, dl);
		p[dl++] = '/';
	}
	memcpy(p + dl, name, nl + 1);
	return p;
}

/* ---- the table: two chained hash indexes, by inode number and by path ---- */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct node **by_ino, **by_path;
static size_t nbuckets, nnodes;
static struct node *extras;

/* Keeps n in the extras list exactly while it is a linked scratch or pending file. */
static void update_extra(struct node *n)
{
	bool want = n->linked && (n->scratch || n->pending);
	if (want && !n->extra_prev) {
		n->extra_next = extras;
		if (extras)
			extras->extra_prev = &n->extra_next;
		extras = n;
		n->extra_prev = &extras;
	} else if (!want && n->extra_prev) {
		*n->extra_prev = n->extra_next;
		if (n->extra_next)
			n->extra_next->extra_prev = n->extra_prev;
		n->extra_next = NULL;
		n->extra_prev = NULL;
	}
}

/* FNV-1a, then a 64-bit finaliser so that similar paths spread over every bit */
static uint64_t hash_path(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static size_t ino_bucket(fuse_ino_t ino)
{
	return (size_t)(ino * 0x9e3779b97f4a7c15ULL >> 7) & (nbuckets - 1);
}

static struct node *find_ino(fuse_ino_t ino)
{
	for (struct node *n = by_ino[ino_bucket(ino)]; n; n = n->ino_next)
		if (n->ino == ino)
			return n;
	return NULL;
}

static struct node *find_path(const char *path)
{
	for (struct node *n = by_path[hash_path(path) & (nbuckets - 1)]; n; n = n->path_next)
		if (strcmp(n->path, path) == 0)
			return n;
	return NULL;
}

static void link_path(struct node *n)
{
	struct node **b = &by_path[hash_path(n->path) & (nbuckets - 1)];
	n->path_next = *b;
	*b = n;
	n->linked = true;
}

static void unlink_path(struct node *n)
{
	if (!n->linked)
		return;
	for (struct node **p = &by_path[hash_path(n->path) & (nbuckets - 1)]; *p;
	     p = &(*p)->path_next) {
		if (*p == n) {
			*p = n->path_next;
			break;
		}
	}
	n->linked = false;
	update_extra(n);
}

static void link_ino(struct node *n)
{
	struct node **b = &by_ino[ino_bucket(n->ino)];
	n->ino_next = *b;
	*b = n;
}

static int grow(void)
{
	size_t old = nbuckets;
	struct node **oi = by_ino, **op = by_path;
	nbuckets = old ? old * 2 : 1024;
	by_ino = calloc(nbuckets, sizeof(*by_ino));
	by_path = calloc(nbuckets, sizeof(*by_path));
	if (!by_ino || !by_path) {
		free(by_ino);
		free(by_path);
		by_ino = oi;
		by_path = op;
		nbuckets = old;
		return -ENOMEM;
	}
	for (size_t i = 0; i < old; i++) {
		for (struct node *n = oi[i], *next; n; n = next) {
			next = n->ino_next;
			link_ino(n);
			if (n->linked)
				link_path(n);
		}
	}
	free(oi);
	free(op);
	return 0;
}

static fuse_ino_t free_ino(const char *path)
{
	fuse_ino_t ino = hash_path(path);
	/* 0 is no inode and 1 the root; a collision takes the next free number */
	while (ino <= FUSE_ROOT_ID || find_ino(ino))
		ino++;
	return ino;
}

static void node_free(struct node *n)
{
	scratch_put(n->scratch);
	fspath_clear(&n->fp);
	free(n->path);
	free(n);
}

/* Drops a node nothing needs any more: no lookups, and no content kept only here. */
static void maybe_free(struct node *n)
{
	if (n->nlookup || n->ino == FUSE_ROOT_ID || (n->linked && (n->scratch || n->pending)))
		return;
	unlink_path(n);
	for (struct node **p = &by_ino[ino_bucket(n->ino)]; *p; p = &(*p)->ino_next) {
		if (*p == n) {
			*p = n->ino_next;
			break;
		}
	}
	nnodes--;
	node_free(n);
}

static struct node *node_new(fuse_ino_t ino, const char *path, const struct fspath *fp)
{
	if (nnodes >= nbuckets && grow())
		return NULL;
	struct node *n = calloc(1, sizeof(*n));
	if (!n || !(n->path = strdup(path)) || fspath_copy(&n->fp, fp)) {
		if (n)
			free(n->path);
		free(n);
		return NULL;
	}
	n->ino = ino;
	link_ino(n);
	link_path(n);
	nnodes++;
	return n;
}

int nodes_init(void)
{
	struct fspath root = {.kind = NODE_ROOT};
	if (grow())
		return -ENOMEM;
	return node_new(FUSE_ROOT_ID, "", &root) ? 0 : -ENOMEM;
}

void nodes_destroy(void)
{
	for (size_t i = 0; i < nbuckets; i++) {
		for (struct node *n = by_ino[i], *next; n; n = next) {
			next = n->ino_next;
			node_free(n);
		}
	}
	free(by_ino);
	free(by_path);
	by_ino = by_path = NULL;
	extras = NULL;
	nbuckets = nnodes = 0;
}

static int copy_out(const struct node *n, struct nodeinfo *out)
{
	memset(out, 0, sizeof(*out));
	out->ino = n->ino;
	out->pending = n->pending;
	if (!(out->path = strdup(n->path)) || fspath_copy(&out->fp, &n->fp)) {
		free(out->path);
		out->path = NULL;
		return -ENOMEM;
	}
	out->scratch = scratch_get(n->scratch);
	return 0;
}

int node_get(fuse_ino_t ino, struct nodeinfo *out)
{
	pthread_mutex_lock(&lock);
	struct node *n = find_ino(ino);
	int rc = n ? copy_out(n, out) : -ESTALE;
	pthread_mutex_unlock(&lock);
	return rc;
}

int node_find(const char *path, struct nodeinfo *out)
{
	pthread_mutex_lock(&lock);
	struct node *n = find_path(path);
	int rc = n ? copy_out(n, out) : -ENOENT;
	pthread_mutex_unlock(&lock);
	return rc;
}

void nodeinfo_clear(struct nodeinfo *ni)
{
	free(ni->path);
	ni->path = NULL;
	fspath_clear(&ni->fp);
	scratch_put(ni->scratch);
	ni->scratch = NULL;
}

fuse_ino_t node_ino_of(const char *path)
{
	pthread_mutex_lock(&lock);
	struct node *n = find_path(path);
	fuse_ino_t ino = n ? n->ino : free_ino(path);
	pthread_mutex_unlock(&lock);
	return ino;
}

fuse_ino_t node_remember(const char *path, const struct fspath *fp, struct scratch *scratch,
			 bool pending)
{
	pthread_mutex_lock(&lock);
	struct node *n = find_path(path);
	if (!n && (n = node_new(free_ino(path), path, fp)))
		n->scratch = scratch_get(scratch);
	if (n) {
		n->nlookup++;
		n->pending |= pending;
		update_extra(n);
	}
	fuse_ino_t ino = n ? n->ino : 0;
	pthread_mutex_unlock(&lock);
	return ino;
}

void node_forget(fuse_ino_t ino, uint64_t nlookup)
{
	pthread_mutex_lock(&lock);
	struct node *n = find_ino(ino);
	if (n) {
		n->nlookup = nlookup < n->nlookup ? n->nlookup - nlookup : 0;
		maybe_free(n);
	}
	pthread_mutex_unlock(&lock);
}

void node_set_stored(const char *path)
{
	pthread_mutex_lock(&lock);
	struct node *n = find_path(path);
	if (n) {
		n->pending = false;
		update_extra(n);
		maybe_free(n);
	}
	pthread_mutex_unlock(&lock);
}

/* Takes n out of the tree; caller holds the lock. */
static void unlink_node(struct node *n)
{
	n->pending = false;
	unlink_path(n);
	maybe_free(n);
}

void node_unlink(const char *path)
{
	pthread_mutex_lock(&lock);
	struct node *n = find_path(path);
	if (n)
		unlink_node(n);
	pthread_mutex_unlock(&lock);
}

int node_move(const char *from, const char *to, const struct fspath *fp, struct scratch *scratch)
{
	struct fspath copy;
	char *p = strdup(to);
	if (!p || fspath_copy(&copy, fp)) {
		free(p);
		return -ENOMEM;
	}
	pthread_mutex_lock(&lock);
	int rc = 0;
	struct node *n = find_path(from), *old = find_path(to);
	if (old && old != n)
		unlink_node(old);
	if (n) {
		unlink_path(n);
		free(n->path);
		fspath_clear(&n->fp);
		n->path = p;
		n->fp = copy;
		p = NULL;
		copy.key = NULL;
		link_path(n);
	} else if (scratch && !(n = node_new(free_ino(to), to, fp))) {
		rc = -ENOMEM;
	}
	if (n && scratch) {
		scratch_put(n->scratch);
		n->scratch = scratch_get(scratch);
	}
	if (n)
		update_extra(n);
	pthread_mutex_unlock(&lock);
	free(p);
	fspath_clear(&copy);
	return rc;
}

int node_add_scratch(const char *path, const struct fspath *fp, struct scratch *s)
{
	pthread_mutex_lock(&lock);
	struct node *old = find_path(path), *n;
	if (old)
		unlink_node(old);
	n = node_new(free_ino(path), path, fp);
	if (n) {
		n->scratch = scratch_get(s);
		update_extra(n);
	}
	pthread_mutex_unlock(&lock);
	return n ? 0 : -ENOMEM;
}

static bool below(const char *path, const char *dir, size_t dl)
{
	return strncmp(path, dir, dl) == 0 && path[dl] == '/';
}

void node_unlink_below(const char *dir)
{
	size_t dl = strlen(dir);
	pthread_mutex_lock(&lock);
	for (struct node *n = extras, *next; n; n = next) {
		next = n->extra_next;
		if (below(n->path, dir, dl))
			unlink_node(n);
	}
	pthread_mutex_unlock(&lock);
}

void node_foreach_extra(const char *dir, void (*fn)(const char *name, void *arg), void *arg)
{
	size_t dl = strlen(dir);
	pthread_mutex_lock(&lock);
	for (struct node *n = extras; n; n = n->extra_next) {
		const char *name = dl ? n->path + dl + 1 : n->path;
		if ((dl == 0 || below(n->path, dir, dl)) && !strchr(name, '/'))
			fn(name, arg);
	}
	pthread_mutex_unlock(&lock);
}

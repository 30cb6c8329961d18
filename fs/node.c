/* The node table: inode numbers, what each path means, and the nodes kept in memory.
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
#include "node.h"

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "names.h"
#include "scratch.h"

static bool ns_level(enum node_kind k)
{
	return k == NODE_NS || k == NODE_NS_LABELS || k == NODE_NS_LABEL;
}

/* Nodes of the table only (entries and attributes never cached by the kernel): scratch
 * files and the derived views */
static bool node_is_loose(enum node_kind k)
{
	return k == NODE_SCRATCH || node_is_derived(k) || node_is_images(k);
}

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

static fuse_ino_t make_ino(uint64_t slot, uint32_t sub)
{
	return (fuse_ino_t)(slot << SUB_BITS | sub);
}

/* FNV-1a, then a 64-bit finaliser so that similar names spread over every bit */
static uint64_t hash_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static uint64_t hash_str(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

#define HASH_SEED 0xcbf29ce484222325ULL

static uint64_t hash_path(const char *s)
{
	return hash_mix(hash_str(HASH_SEED, s));
}

/* The hash naming a record: its namespace, and its ID for a container. */
static uint64_t rec_hash(const char *ns, const char *id)
{
	uint64_t h = hash_str(HASH_SEED, ns);
	if (id) {
		h = (h ^ '/') * 0x100000001b3ULL;
		h = hash_str(h, id);
	}
	return hash_mix(h);
}

/* ---- interned keys: label keys repeat across containers ---- */

struct istr {
	struct istr *next;
	uint64_t hash;
	uint32_t refs;
	char s[];
};

static struct istr **istrs;
static size_t istr_buckets, istr_count;

static struct istr *istr_of(const char *s)
{
	return (struct istr *)(s - offsetof(struct istr, s));
}

static const char *intern(const char *s)
{
	uint64_t h = hash_path(s);
	if (istr_count >= istr_buckets) {
		size_t nb = istr_buckets ? istr_buckets * 2 : 256;
		struct istr **t = calloc(nb, sizeof(*t));
		if (!t && !istr_buckets)
			return NULL;
		if (t) {
			for (size_t i = 0; i < istr_buckets; i++) {
				for (struct istr *e = istrs[i], *next; e; e = next) {
					next = e->next;
					e->next = t[e->hash & (nb - 1)];
					t[e->hash & (nb - 1)] = e;
				}
			}
			free(istrs);
			istrs = t;
			istr_buckets = nb;
		}
	}
	struct istr **b = &istrs[h & (istr_buckets - 1)];
	for (struct istr *e = *b; e; e = e->next) {
		if (e->hash == h && strcmp(e->s, s) == 0) {
			e->refs++;
			return e->s;
		}
	}
	size_t len = strlen(s);
	struct istr *e = malloc(sizeof(*e) + len + 1);
	if (!e)
		return NULL;
	e->hash = h;
	e->refs = 1;
	memcpy(e->s, s, len + 1);
	e->next = *b;
	*b = e;
	istr_count++;
	return e->s;
}

static void unintern(const char *s)
{
	struct istr *e = istr_of(s);
	if (--e->refs)
		return;
	for (struct istr **p = &istrs[e->hash & (istr_buckets - 1)]; *p; p = &(*p)->next) {
		if (*p == e) {
			*p = e->next;
			break;
		}
	}
	istr_count--;
	free(e);
}

/* ---- records ---- */

struct keyent {
	const char *key; /* interned */
	uint32_t sub : SUB_BITS;
	uint32_t kind : 7; /* NODE_LABEL, NODE_EXTENSION or NODE_NS_LABEL */
	uint32_t pending : 1;
	uint32_t nlookup; /* saturates: the kernel forgets a whole count at once */
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
	/* times as nanoseconds since the epoch (tns): a record per container counts */
	union {
		struct {
			/* node_sizes, valid while the container has these times */
			struct node_sizes sizes;
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

/* one lock for the whole table: every operation is a few hash probes */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct rec **by_slot, **by_name;
static size_t rec_buckets, rec_count, key_count;
static uint64_t epoch;

static struct rec *find_slot(uint64_t slot)
{
	if (!rec_buckets)
		return NULL;
	for (struct rec *r = by_slot[hash_mix(slot) & (rec_buckets - 1)]; r; r = r->slot_next)
		if (r->slot == slot)
			return r;
	return NULL;
}

static struct rec *find_rec(const char *ns, const char *id)
{
	if (!rec_buckets)
		return NULL;
	uint64_t h = rec_hash(ns, id);
	for (struct rec *r = by_name[h & (rec_buckets - 1)]; r; r = r->name_next) {
		if (r->hash != h || r->is_ctr != (id != NULL))
			continue;
		if (id ? strcmp(r->name, id) == 0 && strcmp(r->ns->name, ns) == 0
		       : strcmp(r->name, ns) == 0)
			return r;
	}
	return NULL;
}

static void rec_link(struct rec *r)
{
	size_t i = hash_mix(r->slot) & (rec_buckets - 1), j = r->hash & (rec_buckets - 1);
	r->slot_next = by_slot[i];
	by_slot[i] = r;
	r->name_next = by_name[j];
	by_name[j] = r;
}

static int rec_grow(void)
{
	size_t old = rec_buckets;
	struct rec **os = by_slot, **on = by_name;
	size_t nb = old ? old * 2 : 1024;
	struct rec **s = calloc(nb, sizeof(*s)), **n = calloc(nb, sizeof(*n));
	if (!s || !n) {
		free(s);
		free(n);
		return -ENOMEM;
	}
	by_slot = s;
	by_name = n;
	rec_buckets = nb;
	for (size_t i = 0; i < old; i++) {
		for (struct rec *r = os[i], *next; r; r = next) {
			next = r->slot_next;
			rec_link(r);
		}
	}
	free(os);
	free(on);
	return 0;
}

static struct loose *find_loose_ino(fuse_ino_t ino);

static uint64_t free_slot(uint64_t h)
{
	uint64_t slot = h % SLOT_MAX + 1;
	while (find_slot(slot))
		slot = slot % SLOT_MAX + 1;
	return slot;
}

static struct rec *rec_new(struct rec *ns, const char *name)
{
	if (rec_count >= rec_buckets && rec_grow())
		return NULL;
	size_t len = strlen(name);
	struct rec *r = calloc(1, sizeof(*r) + len + 1);
	if (!r)
		return NULL;
	memcpy(r->name, name, len + 1);
	r->is_ctr = ns != NULL;
	r->ns = ns;
	r->hash = ns ? rec_hash(ns->name, name) : rec_hash(name, NULL);
	r->slot = free_slot(r->hash);
	if (ns) {
		r->u.ctr.sizes.spec = r->u.ctr.sizes.info = -1;
		ns->refs++;
	}
	rec_link(r);
	rec_count++;
	return r;
}

static void rec_unlink(struct rec *r)
{
	struct rec **p;
	for (p = &by_slot[hash_mix(r->slot) & (rec_buckets - 1)]; *p != r; p = &(*p)->slot_next)
		;
	*p = r->slot_next;
	for (p = &by_name[r->hash & (rec_buckets - 1)]; *p != r; p = &(*p)->name_next)
		;
	*p = r->name_next;
}

/* Drops a record nothing needs any more: no lookups, keys or containers. */
static void rec_maybe_free(struct rec *r)
{
	if (!r || r->nlookup || r->nkeys || r->refs)
		return;
	struct rec *ns = r->ns;
	rec_unlink(r);
	rec_count--;
	free(r->keys);
	free(r);
	if (ns) {
		ns->refs--;
		rec_maybe_free(ns);
	}
}

/* The record of fp's namespace or container, made when `create`. */
static struct rec *rec_of(const struct fspath *fp, bool create)
{
	struct rec *ns = find_rec(fp->ns, NULL);
	if (!ns && create)
		ns = rec_new(NULL, fp->ns);
	if (!ns || ns_level(fp->kind))
		return ns;
	struct rec *c = find_rec(fp->ns, fp->id);
	if (!c && create) {
		c = rec_new(ns, fp->id);
		if (!c)
			rec_maybe_free(ns);
	}
	return c;
}

/* The fixed sub-number of a non-key node of a record. */
static uint32_t fixed_sub(const struct fspath *fp)
{
	switch (fp->kind) {
	case NODE_NS_LABELS:
		return SUB_NS_LABELS;
	case NODE_FIELD:
		return SUB_FIELD0 + fp->field;
	case NODE_RUNTIME:
		return SUB_RUNTIME;
	case NODE_LABELS:
		return SUB_LABELS;
	case NODE_EXTENSIONS:
		return SUB_EXTENSIONS;
	case NODE_CRI:
		return SUB_CRI;
	case NODE_CRI_STATUS:
		return SUB_CRI_STATUS;
	case NODE_CRI_FILE:
		return SUB_CRI_FILE0 + fp->field;
	case NODE_TASK:
		return SUB_TASK;
	case NODE_TASK_FILE:
		return SUB_TASK_FILE0 + fp->field;
	default:
		return SUB_DIR;
	}
}

static struct keyent *key_find(struct rec *r, enum node_kind kind, const char *key)
{
	for (uint32_t i = 0; r && i < r->nkeys; i++) {
		struct keyent *k = &r->keys[i];
		if (k->kind == kind && strcmp(k->key, key) == 0)
			return k;
	}
	return NULL;
}

static struct keyent *key_by_sub(struct rec *r, uint32_t sub)
{
	for (uint32_t i = 0; i < r->nkeys; i++)
		if (r->keys[i].sub == sub)
			return &r->keys[i];
	return NULL;
}

/* The sub-number a new key entry gets: a hash of the key, the next free on collision. */
static uint32_t free_sub(struct rec *r, uint64_t slot, enum node_kind kind, const char *key)
{
	const uint32_t span = SUB_MASK + 1 - SUB_KEY0;
	uint32_t sub = SUB_KEY0 + (uint32_t)(hash_mix(hash_path(key) + (uint64_t)kind) % span);
	while ((r && key_by_sub(r, sub)) || find_loose_ino(make_ino(slot, sub)))
		sub = sub + 1 > SUB_MASK ? SUB_KEY0 : sub + 1;
	return sub;
}

static struct keyent *key_add(struct rec *r, enum node_kind kind, const char *key)
{
	if (r->nkeys == r->capkeys) {
		uint32_t cap = r->capkeys ? r->capkeys * 2 : 4;
		struct keyent *k = realloc(r->keys, cap * sizeof(*k));
		if (!k)
			return NULL;
		r->keys = k;
		r->capkeys = cap;
	}
	const char *ik = intern(key);
	if (!ik)
		return NULL;
	struct keyent *k = &r->keys[r->nkeys];
	memset(k, 0, sizeof(*k));
	k->key = ik;
	k->kind = kind;
	k->sub = free_sub(r, r->slot, kind, key);
	r->nkeys++;
	key_count++;
	return k;
}

static void key_remove(struct rec *r, struct keyent *k)
{
	unintern(k->key);
	*k = r->keys[--r->nkeys];
	key_count--;
	if (!r->nkeys) {
		free(r->keys);
		r->keys = NULL;
		r->capkeys = 0;
	}
}

/* Drops a key entry that is neither looked up nor pending. */
static void key_maybe_remove(struct rec *r, struct keyent *k)
{
	if (k->nlookup || k->pending)
		return;
	key_remove(r, k);
	rec_maybe_free(r);
}

/* ---- loose nodes: scratch files and what was renamed away ---- */

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
static struct loose *loose_ino[LOOSE_BUCKETS], *loose_path[LOOSE_BUCKETS];
static struct loose *extras;
static size_t loose_count;

static size_t loose_ino_bucket(fuse_ino_t ino)
{
	return hash_mix(ino) & (LOOSE_BUCKETS - 1);
}

static struct loose *find_loose_ino(fuse_ino_t ino)
{
	if (!loose_count)
		return NULL;
	for (struct loose *n = loose_ino[loose_ino_bucket(ino)]; n; n = n->ino_next)
		if (n->ino == ino)
			return n;
	return NULL;
}

static struct loose *find_loose_path(const char *path)
{
	if (!loose_count)
		return NULL;
	for (struct loose *n = loose_path[hash_path(path) & (LOOSE_BUCKETS - 1)]; n;
	     n = n->path_next)
		if (strcmp(n->path, path) == 0)
			return n;
	return NULL;
}

/* Keeps n in the extras list exactly while it is a linked scratch file. */
static void update_extra(struct loose *n)
{
	bool want = n->linked && n->scratch;
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

static void loose_link_path(struct loose *n)
{
	struct loose **b = &loose_path[hash_path(n->path) & (LOOSE_BUCKETS - 1)];
	n->path_next = *b;
	*b = n;
	n->linked = true;
	update_extra(n);
}

static void loose_unlink_path(struct loose *n)
{
	if (!n->linked)
		return;
	for (struct loose **p = &loose_path[hash_path(n->path) & (LOOSE_BUCKETS - 1)]; *p;
	     p = &(*p)->path_next) {
		if (*p == n) {
			*p = n->path_next;
			break;
		}
	}
	n->linked = false;
	update_extra(n);
}

static fuse_ino_t free_loose_ino(const char *path)
{
	fuse_ino_t ino = LOOSE_BIT | hash_path(path);
	while (find_loose_ino(ino))
		ino = LOOSE_BIT | (ino + 1);
	return ino;
}

static void loose_free(struct loose *n)
{
	scratch_put(n->scratch);
	fspath_clear(&n->fp);
	free(n->path);
	free(n);
}

/* Drops a loose node nothing needs any more: no lookups, and no scratch content
 * reachable by path. */
static void loose_maybe_free(struct loose *n)
{
	if (n->nlookup || (n->linked && (n->scratch || n->pending)))
		return;
	loose_unlink_path(n);
	for (struct loose **p = &loose_ino[loose_ino_bucket(n->ino)]; *p; p = &(*p)->ino_next) {
		if (*p == n) {
			*p = n->ino_next;
			break;
		}
	}
	loose_count--;
	loose_free(n);
}

static struct loose *loose_new(fuse_ino_t ino, const char *path, const struct fspath *fp)
{
	struct loose *n = calloc(1, sizeof(*n));
	if (!n || !(n->path = strdup(path)) || fspath_copy(&n->fp, fp)) {
		if (n)
			free(n->path);
		free(n);
		return NULL;
	}
	n->ino = ino;
	struct loose **b = &loose_ino[loose_ino_bucket(ino)];
	n->ino_next = *b;
	*b = n;
	loose_count++;
	loose_link_path(n);
	return n;
}

/* Takes n out of the tree; it lives on while the kernel knows it. */
static void loose_unlink(struct loose *n)
{
	loose_unlink_path(n);
	loose_maybe_free(n);
}

/* The meaning of record r's node `sub`: 0, or -ESTALE when it has no such node. */
static int record_fspath(struct rec *r, uint32_t sub, struct fspath *fp, bool *pending)
{
	memset(fp, 0, sizeof(*fp));
	*pending = false;
	struct rec *ns = r->is_ctr ? r->ns : r;
	strcpy(fp->ns, ns->name);
	if (r->is_ctr)
		strcpy(fp->id, r->name);
	if (sub >= SUB_KEY0) {
		struct keyent *k = key_by_sub(r, sub);
		if (!k)
			return -ESTALE;
		fp->kind = k->kind;
		*pending = k->pending;
		return (fp->key = strdup(k->key)) ? 0 : -ENOMEM;
	}
	if (!r->is_ctr) {
		if (sub > SUB_NS_LABELS)
			return -ESTALE;
		fp->kind = sub == SUB_DIR ? NODE_NS : NODE_NS_LABELS;
		return 0;
	}
	if (sub == SUB_DIR)
		fp->kind = NODE_CTR;
	else if (sub < SUB_RUNTIME)
		fp->kind = NODE_FIELD, fp->field = sub - SUB_FIELD0;
	else if (sub == SUB_RUNTIME)
		fp->kind = NODE_RUNTIME;
	else if (sub == SUB_LABELS)
		fp->kind = NODE_LABELS;
	else if (sub == SUB_EXTENSIONS)
		fp->kind = NODE_EXTENSIONS;
	else if (sub == SUB_CRI)
		fp->kind = NODE_CRI;
	else if (sub == SUB_CRI_STATUS)
		fp->kind = NODE_CRI_STATUS;
	else if (sub >= SUB_CRI_FILE0 && sub < SUB_CRI_END)
		fp->kind = NODE_CRI_FILE, fp->field = (enum field)(sub - SUB_CRI_FILE0);
	else if (sub == SUB_TASK)
		fp->kind = NODE_TASK;
	else if (sub >= SUB_TASK_FILE0 && sub < SUB_TASK_END)
		fp->kind = NODE_TASK_FILE, fp->field = (enum field)(sub - SUB_TASK_FILE0);
	else
		return -ESTALE;
	return 0;
}

/* ---- the API ---- */

int nodes_init(void)
{
	return rec_grow();
}

void nodes_destroy(void)
{
	for (size_t i = 0; i < rec_buckets; i++) {
		for (struct rec *r = by_slot[i], *next; r; r = next) {
			next = r->slot_next;
			for (uint32_t k = 0; k < r->nkeys; k++)
				unintern(r->keys[k].key);
			free(r->keys);
			free(r);
		}
	}
	free(by_slot);
	free(by_name);
	by_slot = by_name = NULL;
	rec_buckets = rec_count = key_count = 0;
	for (size_t i = 0; i < LOOSE_BUCKETS; i++) {
		for (struct loose *n = loose_ino[i], *next; n; n = next) {
			next = n->ino_next;
			loose_free(n);
		}
		loose_ino[i] = loose_path[i] = NULL;
	}
	extras = NULL;
	loose_count = 0;
	free(istrs);
	istrs = NULL;
	istr_buckets = istr_count = 0;
}

static int copy_loose(const struct loose *n, struct nodeinfo *out)
{
	memset(out, 0, sizeof(*out));
	out->ino = n->ino;
	out->loose = true;
	if (!(out->path = strdup(n->path)) || fspath_copy(&out->fp, &n->fp)) {
		free(out->path);
		out->path = NULL;
		return -ENOMEM;
	}
	out->scratch = scratch_get(n->scratch);
	out->pending = n->pending;
	return 0;
}

static int special_node(fuse_ino_t ino, struct nodeinfo *out)
{
	memset(out, 0, sizeof(*out));
	out->ino = ino;
	out->fp.kind = ino == FUSE_ROOT_ID	? NODE_ROOT
		       : ino == NODE_EVENTS_INO ? NODE_EVENTS
						: NODE_ERRORS;
	out->path = strdup(ino == FUSE_ROOT_ID	    ? ""
			   : ino == NODE_EVENTS_INO ? ".events"
						    : ".errors");
	return out->path ? 0 : -ENOMEM;
}

int node_get(fuse_ino_t ino, struct nodeinfo *out)
{
	if (ino == FUSE_ROOT_ID || ino == NODE_EVENTS_INO || ino == NODE_ERRORS_INO)
		return special_node(ino, out);
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&lock);
	struct loose *n = find_loose_ino(ino);
	int rc;
	if (n) {
		rc = copy_loose(n, out);
	} else {
		struct rec *r = find_slot(ino >> SUB_BITS);
		rc = r ? record_fspath(r, ino & SUB_MASK, &out->fp, &out->pending) : -ESTALE;
	}
	pthread_mutex_unlock(&lock);
	if (!rc && !n) {
		out->ino = ino;
		if (!(out->path = fspath_store_path(&out->fp)))
			rc = -ENOMEM;
	}
	if (rc)
		nodeinfo_clear(out);
	return rc;
}

int node_find(const char *path, const struct fspath *fp, struct nodeinfo *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&lock);
	struct loose *n = find_loose_path(path);
	int rc = -ENOENT;
	if (n) {
		rc = copy_loose(n, out);
	} else if (node_is_key(fp->kind)) {
		struct rec *r = rec_of(fp, false);
		struct keyent *k = key_find(r, fp->kind, fp->key);
		if (k) {
			out->ino = make_ino(r->slot, k->sub);
			out->pending = k->pending;
			rc = fspath_copy(&out->fp, fp);
			if (!rc && !(out->path = strdup(path)))
				rc = -ENOMEM;
		}
	}
	pthread_mutex_unlock(&lock);
	if (rc)
		nodeinfo_clear(out);
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

/* The number fp's node has or would get; caller holds the lock. */
static fuse_ino_t ino_of(const struct fspath *fp)
{
	struct rec *r = rec_of(fp, false);
	uint64_t slot;
	if (r) {
		slot = r->slot;
	} else {
		/* what rec_new would give it now */
		struct rec *ns = ns_level(fp->kind) ? NULL : find_rec(fp->ns, NULL);
		slot = free_slot(ns_level(fp->kind) ? rec_hash(fp->ns, NULL)
						    : rec_hash(ns ? ns->name : fp->ns, fp->id));
	}
	if (!node_is_key(fp->kind))
		return make_ino(slot, fixed_sub(fp));
	struct keyent *k = key_find(r, fp->kind, fp->key);
	return make_ino(slot, k ? k->sub : free_sub(r, slot, fp->kind, fp->key));
}

fuse_ino_t node_ino_of(const char *path, const struct fspath *fp)
{
	if (fp->kind == NODE_ROOT)
		return FUSE_ROOT_ID;
	if (fp->kind == NODE_EVENTS)
		return NODE_EVENTS_INO;
	if (fp->kind == NODE_ERRORS)
		return NODE_ERRORS_INO;
	pthread_mutex_lock(&lock);
	struct loose *n = find_loose_path(path);
	fuse_ino_t ino = n ? n->ino : node_is_loose(fp->kind) ? free_loose_ino(path) : ino_of(fp);
	pthread_mutex_unlock(&lock);
	return ino;
}

fuse_ino_t node_remember(const char *path, const struct fspath *fp, struct scratch *scratch,
			 bool pending, bool *volatile_)
{
	bool vol = false;
	fuse_ino_t ino = 0;
	if (fp->kind == NODE_ROOT || NODE_IS_OWN(fp->kind)) {
		if (volatile_)
			*volatile_ = false;
		return fp->kind == NODE_ROOT	 ? FUSE_ROOT_ID
		       : fp->kind == NODE_EVENTS ? NODE_EVENTS_INO
						 : NODE_ERRORS_INO;
	}
	pthread_mutex_lock(&lock);
	struct loose *n = find_loose_path(path);
	/* the derived views are loose too: never cached, gone once forgotten */
	if (!n && (scratch || node_is_loose(fp->kind)) &&
	    (n = loose_new(free_loose_ino(path), path, fp)))
		n->scratch = scratch ? scratch_get(scratch) : NULL;
	if (n) {
		n->nlookup++;
		n->pending |= pending && node_is_images(fp->kind);
		update_extra(n);
		ino = n->ino;
		vol = true;
	} else if (fp->kind != NODE_SCRATCH) {
		struct rec *r = rec_of(fp, true);
		if (r && node_is_key(fp->kind)) {
			struct keyent *k = key_find(r, fp->kind, fp->key);
			if (!k)
				k = key_add(r, fp->kind, fp->key);
			if (k) {
				if (k->nlookup != UINT32_MAX)
					k->nlookup++;
				k->pending |= pending;
				ino = make_ino(r->slot, k->sub);
			} else {
				rec_maybe_free(r);
			}
		} else if (r) {
			uint32_t sub = fixed_sub(fp);
			r->nlookup++;
			if (sub < SUB_FIXED_END)
				r->known |= (uint16_t)(1u << sub);
			ino = make_ino(r->slot, sub);
		}
	}
	pthread_mutex_unlock(&lock);
	if (volatile_)
		*volatile_ = vol;
	return ino;
}

void node_forget(fuse_ino_t ino, uint64_t nlookup)
{
	if (ino == FUSE_ROOT_ID || ino == NODE_EVENTS_INO || ino == NODE_ERRORS_INO)
		return;
	pthread_mutex_lock(&lock);
	struct loose *n = find_loose_ino(ino);
	if (n) {
		n->nlookup = nlookup < n->nlookup ? n->nlookup - nlookup : 0;
		loose_maybe_free(n);
	} else {
		struct rec *r = find_slot(ino >> SUB_BITS);
		uint32_t sub = ino & SUB_MASK;
		if (r && sub >= SUB_KEY0) {
			struct keyent *k = key_by_sub(r, sub);
			if (k) {
				k->nlookup =
				    nlookup < k->nlookup ? k->nlookup - (uint32_t)nlookup : 0;
				key_maybe_remove(r, k);
			}
		} else if (r) {
			r->nlookup = nlookup < r->nlookup ? r->nlookup - nlookup : 0;
			rec_maybe_free(r);
		}
	}
	pthread_mutex_unlock(&lock);
}

void node_set_pending(const char *path, const struct fspath *fp, bool pending)
{
	if (node_is_images(fp->kind)) {
		/* an image's label: a loose node, kept while pending */
		pthread_mutex_lock(&lock);
		struct loose *n = find_loose_path(path);
		if (!n && pending)
			n = loose_new(free_loose_ino(path), path, fp);
		if (n) {
			n->pending = pending;
			loose_maybe_free(n);
		}
		pthread_mutex_unlock(&lock);
		return;
	}
	if (!node_is_key(fp->kind))
		return;
	pthread_mutex_lock(&lock);
	struct rec *r = rec_of(fp, pending);
	struct keyent *k = r ? key_find(r, fp->kind, fp->key) : NULL;
	if (!k && r && pending)
		k = key_add(r, fp->kind, fp->key);
	if (k) {
		k->pending = pending;
		if (!pending)
			key_maybe_remove(r, k);
	} else if (r) {
		rec_maybe_free(r);
	}
	pthread_mutex_unlock(&lock);
}

/* Takes the key entry k of r out of the tree: while the kernel holds it, it lives on
 * as a loose node with its number. Caller holds the lock. */
static struct loose *key_detach(struct rec *r, struct keyent *k, const char *path,
				const struct fspath *fp)
{
	struct loose *n = NULL;
	if (k->nlookup) {
		n = loose_new(make_ino(r->slot, k->sub), path, fp);
		if (n)
			n->nlookup = k->nlookup;
	}
	k->nlookup = 0;
	k->pending = false;
	key_maybe_remove(r, k);
	return n;
}

void node_unlink(const char *path)
{
	pthread_mutex_lock(&lock);
	struct loose *n = find_loose_path(path);
	if (n)
		loose_unlink(n);
	pthread_mutex_unlock(&lock);
}

int node_move(const char *from, const struct fspath *from_fp, const char *to,
	      const struct fspath *fp, struct scratch *scratch)
{
	int rc = 0;
	pthread_mutex_lock(&lock);
	struct loose *n = find_loose_path(from), *old = find_loose_path(to);
	struct rec *fr = NULL, *tr = node_is_key(fp->kind) ? rec_of(fp, false) : NULL;
	struct keyent *fk = NULL, *tk = tr ? key_find(tr, fp->kind, fp->key) : NULL;
	if (!n && node_is_key(from_fp->kind)) {
		fr = rec_of(from_fp, false);
		fk = key_find(fr, from_fp->kind, from_fp->key);
	}
	bool same_dir = fk && fr == tr;
	/* what `to` was is unlinked, as rename(2) does; its inode lives on while held */
	if (old && old != n)
		loose_unlink(old);
	if (tk && tk != fk) {
		struct loose *gone = key_detach(tr, tk, to, fp);
		if (gone)
			loose_unlink(gone);
		if (fk) /* the entries moved in the array */
			fk = key_find(fr, from_fp->kind, from_fp->key);
	}
	if (same_dir && !scratch) {
		/* a key renamed within its directory keeps its entry and number */
		const char *ik = intern(fp->key);
		if (ik) {
			unintern(fk->key);
			fk->key = ik;
		} else {
			rc = -ENOMEM;
		}
		pthread_mutex_unlock(&lock);
		return rc;
	}
	if (fk) /* a key becoming a scratch file: its inode goes with it, loose */
		n = key_detach(fr, fk, from, from_fp);
	if (n) {
		char *p = strdup(to);
		struct fspath copy;
		if (!p || fspath_copy(&copy, fp)) {
			free(p);
			rc = -ENOMEM;
		} else {
			loose_unlink_path(n);
			free(n->path);
			fspath_clear(&n->fp);
			n->path = p;
			n->fp = copy;
			loose_link_path(n);
		}
	} else if (scratch && !(n = loose_new(free_loose_ino(to), to, fp))) {
		rc = -ENOMEM;
	}
	if (!rc && n && scratch) {
		scratch_put(n->scratch);
		n->scratch = scratch_get(scratch);
		update_extra(n);
	}
	if (n)
		loose_maybe_free(n);
	pthread_mutex_unlock(&lock);
	return rc;
}

int node_add_scratch(const char *path, const struct fspath *fp, struct scratch *s)
{
	pthread_mutex_lock(&lock);
	struct loose *old = find_loose_path(path), *n;
	if (old)
		loose_unlink(old);
	n = loose_new(free_loose_ino(path), path, fp);
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

/* Clears the pending keys of r (their files go with their directory). */
static void drop_pending(struct rec *r)
{
	for (uint32_t i = r->nkeys; i-- > 0;) {
		struct keyent *k = &r->keys[i];
		if (k->pending) {
			k->pending = false;
			if (!k->nlookup)
				key_remove(r, k);
		}
	}
}

void node_unlink_below(const char *dir)
{
	size_t dl = strlen(dir);
	const char *slash = strchr(dir, '/');
	char ns[CTRFS_IDENTIFIER_MAX + 1];
	snprintf(ns, sizeof(ns), "%.*s", (int)(slash ? (size_t)(slash - dir) : dl), dir);
	pthread_mutex_lock(&lock);
	for (struct loose *n = extras, *next; n; n = next) {
		next = n->extra_next;
		if (below(n->path, dir, dl))
			loose_unlink(n);
	}
	for (size_t i = 0; i < rec_buckets; i++) {
		for (struct rec *r = by_slot[i], *next; r; r = next) {
			next = r->slot_next;
			struct rec *rns = r->is_ctr ? r->ns : r;
			if (!r->nkeys || strcmp(rns->name, ns) != 0)
				continue;
			if (!slash || (r->is_ctr && strcmp(r->name, slash + 1) == 0)) {
				drop_pending(r);
				rec_maybe_free(r);
			}
		}
	}
	pthread_mutex_unlock(&lock);
}

void node_foreach_extra(const char *dir_path, const struct fspath *dir,
			void (*fn)(const char *name, void *arg), void *arg)
{
	size_t dl = strlen(dir_path);
	char **names = NULL;
	size_t count = 0;
	pthread_mutex_lock(&lock);
	for (struct loose *n = extras; n; n = n->extra_next) {
		const char *name = dl ? n->path + dl + 1 : n->path;
		if ((dl == 0 || below(n->path, dir_path, dl)) && !strchr(name, '/'))
			fn(name, arg);
	}
	enum node_kind key_kind = dir->kind == NODE_LABELS	 ? NODE_LABEL
				  : dir->kind == NODE_EXTENSIONS ? NODE_EXTENSION
				  : dir->kind == NODE_NS_LABELS	 ? NODE_NS_LABEL
								 : NODE_ROOT;
	struct fspath kfp = *dir;
	kfp.kind = key_kind;
	struct rec *r = key_kind != NODE_ROOT ? rec_of(&kfp, false) : NULL;
	for (uint32_t i = 0; r && i < r->nkeys; i++) {
		if (r->keys[i].kind != key_kind || !r->keys[i].pending)
			continue;
		char **v = realloc(names, (count + 1) * sizeof(*v));
		if (!v)
			break;
		names = v;
		if ((names[count] = names_encode(r->keys[i].key)))
			count++;
	}
	pthread_mutex_unlock(&lock);
	/* fn may take other locks: called for the keys with the table unlocked */
	for (size_t i = 0; i < count; i++) {
		fn(names[i], arg);
		free(names[i]);
	}
	free(names);
}

/* ---- the notifier's view ---- */

static int target_add(struct node_targets *t, fuse_ino_t ino, fuse_ino_t parent,
		      enum node_kind kind, const char *name, const char *key, bool pending)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		struct node_target *v = realloc(t->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	struct node_target *e = &t->v[t->n];
	memset(e, 0, sizeof(*e));
	e->ino = ino;
	e->parent = parent;
	e->kind = kind;
	e->pending = pending;
	if (key && !(e->key = strdup(key)))
		return -ENOMEM;
	e->name = key ? names_encode(key) : name ? strdup(name) : NULL;
	if ((key || name) && !e->name) {
		free(e->key);
		return -ENOMEM;
	}
	t->n++;
	return 0;
}

void node_targets_clear(struct node_targets *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].name);
		free(t->v[i].key);
	}
	free(t->v);
	memset(t, 0, sizeof(*t));
}

static int rec_targets(struct rec *r, struct node_targets *t)
{
	int rc = 0;
	fuse_ino_t dir = make_ino(r->slot, SUB_DIR);
	for (uint32_t sub = 1; sub < SUB_FIXED_END && !rc; sub++) {
		if (!(r->known & (1u << sub)))
			continue;
		struct fspath fp;
		bool pending;
		if (record_fspath(r, sub, &fp, &pending) != 0)
			continue;
		fuse_ino_t parent = dir;
		const char *name = NULL;
		if (fp.kind == NODE_FIELD && field_in_runtime(fp.field))
			parent = make_ino(r->slot, SUB_RUNTIME);
		/* runtime/options is the one fixed name that can vanish (a container made
		 * anew under the same ID without options): named for its removal */
		if (fp.kind == NODE_FIELD && fp.field == FIELD_RUNTIME_OPTIONS)
			name = field_name(fp.field);
		rc = target_add(t, make_ino(r->slot, sub), parent, fp.kind, name, NULL, false);
		fspath_clear(&fp);
	}
	for (uint32_t i = 0; i < r->nkeys && !rc; i++) {
		struct keyent *k = &r->keys[i];
		uint32_t dsub = k->kind == NODE_LABEL	    ? SUB_LABELS
				: k->kind == NODE_EXTENSION ? SUB_EXTENSIONS
							    : SUB_NS_LABELS;
		rc = target_add(t, make_ino(r->slot, k->sub), make_ino(r->slot, dsub), k->kind,
				NULL, k->key, k->pending);
	}
	return rc;
}

/* Loose nodes below `dir`: renamed inodes the kernel may show there. */
static int loose_targets(const char *dir, struct node_targets *t)
{
	size_t dl = strlen(dir);
	int rc = 0;
	for (size_t i = 0; i < LOOSE_BUCKETS && !rc && loose_count; i++)
		for (struct loose *n = loose_ino[i]; n && !rc; n = n->ino_next)
			if (below(n->path, dir, dl))
				rc = target_add(t, n->ino, 0, NODE_SCRATCH, NULL, NULL, false);
	return rc;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

bool node_changed_within(const struct fspath *fp, uint64_t ns)
{
	uint64_t now = now_ns();
	pthread_mutex_lock(&lock);
	struct rec *r = rec_of(fp, false);
	bool recent = r && r->changed_at && now - r->changed_at < ns;
	pthread_mutex_unlock(&lock);
	return recent;
}

int node_ctr_targets(const char *ns, const char *id, struct node_targets *t)
{
	char dir[2 * CTRFS_IDENTIFIER_MAX + 2];
	snprintf(dir, sizeof(dir), "%s/%s", ns, id);
	pthread_mutex_lock(&lock);
	struct rec *nr = find_rec(ns, NULL), *r = find_rec(ns, id);
	int rc = 0;
	t->parent_ino = nr && nr->nlookup ? make_ino(nr->slot, SUB_DIR) : 0;
	t->known = r && r->nlookup;
	t->dir_ino = r ? make_ino(r->slot, SUB_DIR) : 0;
	if (r) {
		r->u.ctr.sz_epoch = ++epoch;
		r->u.ctr.sizes.spec = r->u.ctr.sizes.info = -1;
		r->changed_at = now_ns();
		rc = rec_targets(r, t);
	}
	if (!rc)
		rc = loose_targets(dir, t);
	pthread_mutex_unlock(&lock);
	return rc;
}

int node_ns_targets(const char *ns, struct node_targets *t)
{
	pthread_mutex_lock(&lock);
	struct rec *r = find_rec(ns, NULL);
	int rc = 0;
	t->parent_ino = FUSE_ROOT_ID;
	t->known = r && r->nlookup;
	t->dir_ino = r ? make_ino(r->slot, SUB_DIR) : 0;
	if (r) {
		r->changed_at = now_ns();
		rc = rec_targets(r, t);
	}
	if (!rc)
		rc = loose_targets(ns, t);
	pthread_mutex_unlock(&lock);
	return rc;
}

int node_foreach_known(int (*fn)(const char *ns, const char *id, void *arg), void *arg)
{
	struct name {
		char ns[CTRFS_IDENTIFIER_MAX + 1], id[CTRFS_IDENTIFIER_MAX + 1];
		bool is_ctr;
	} *v = NULL;
	size_t n = 0;
	pthread_mutex_lock(&lock);
	v = calloc(rec_count ? rec_count : 1, sizeof(*v));
	for (size_t i = 0; v && i < rec_buckets; i++) {
		for (struct rec *r = by_slot[i]; r; r = r->slot_next) {
			struct name *e = &v[n++];
			e->is_ctr = r->is_ctr;
			snprintf(e->ns, sizeof(e->ns), "%s", r->is_ctr ? r->ns->name : r->name);
			if (r->is_ctr)
				snprintf(e->id, sizeof(e->id), "%s", r->name);
		}
	}
	pthread_mutex_unlock(&lock);
	if (!v)
		return -ENOMEM;
	int rc = 0;
	/* containers first, then namespaces */
	for (size_t i = 0; i < n && !rc; i++)
		if (v[i].is_ctr)
			rc = fn(v[i].ns, v[i].id, arg);
	for (size_t i = 0; i < n && !rc; i++)
		if (!v[i].is_ctr)
			rc = fn(v[i].ns, NULL, arg);
	free(v);
	return rc;
}

/* ---- cached sizes ---- */

static int64_t tns(ctrfs_time t)
{
	return t.sec * 1000000000LL + t.nsec;
}

uint64_t node_epoch(void)
{
	pthread_mutex_lock(&lock);
	uint64_t e = epoch;
	pthread_mutex_unlock(&lock);
	return e;
}

bool node_sizes_get(const char *ns, const char *id, ctrfs_time created, ctrfs_time updated,
		    struct node_sizes *out)
{
	pthread_mutex_lock(&lock);
	struct rec *r = find_rec(ns, id);
	if (r && !(r->u.ctr.sz_created == tns(created) && r->u.ctr.sz_updated == tns(updated))) {
		/* another version of the container: what was cached is not its */
		r->u.ctr.sizes.spec = r->u.ctr.sizes.info = -1;
		r->u.ctr.sz_created = tns(created);
		r->u.ctr.sz_updated = tns(updated);
	}
	if (r)
		*out = r->u.ctr.sizes;
	pthread_mutex_unlock(&lock);
	return r != NULL;
}

void node_sizes_put(const char *ns, const char *id, ctrfs_time created, ctrfs_time updated,
		    uint64_t at, const struct node_sizes *sz)
{
	pthread_mutex_lock(&lock);
	struct rec *r = find_rec(ns, id);
	if (r && r->u.ctr.sz_epoch <= at && r->u.ctr.sz_created == tns(created) &&
	    r->u.ctr.sz_updated == tns(updated)) {
		if (sz->spec >= 0)
			r->u.ctr.sizes.spec = sz->spec;
		if (sz->info >= 0)
			r->u.ctr.sizes.info = sz->info;
	}
	pthread_mutex_unlock(&lock);
}

void node_ctr_seen(const char *ns, const char *id, ctrfs_time created, ctrfs_time updated)
{
	pthread_mutex_lock(&lock);
	struct rec *r = find_rec(ns, id);
	if (r && !r->ver_known) {
		r->u.ctr.ver_created = tns(created);
		r->u.ctr.ver_updated = tns(updated);
		r->ver_known = true;
	}
	pthread_mutex_unlock(&lock);
}

bool node_ctr_version(const char *ns, const char *id, ctrfs_time created, ctrfs_time updated)
{
	pthread_mutex_lock(&lock);
	struct rec *r = find_rec(ns, id);
	bool same = r && r->ver_known && r->u.ctr.ver_created == tns(created) &&
		    r->u.ctr.ver_updated == tns(updated);
	if (same)
		r->no_keep = true;
	if (r) {
		r->u.ctr.ver_created = tns(created);
		r->u.ctr.ver_updated = tns(updated);
		r->ver_known = true;
	}
	pthread_mutex_unlock(&lock);
	return same;
}

bool node_ctr_no_keep(const char *ns, const char *id)
{
	pthread_mutex_lock(&lock);
	struct rec *r = find_rec(ns, id);
	bool no = r && r->no_keep;
	pthread_mutex_unlock(&lock);
	return no;
}

/* counts every node_ns_count_forget: a count made meanwhile is not kept */
static uint64_t count_gen;

uint64_t node_ns_count_gen(void)
{
	pthread_mutex_lock(&lock);
	uint64_t gen = count_gen;
	pthread_mutex_unlock(&lock);
	return gen;
}

bool node_ns_count_get(const char *ns, size_t *count)
{
	pthread_mutex_lock(&lock);
	struct rec *r = find_rec(ns, NULL);
	bool known = r && r->ns_count_known;
	if (known)
		*count = r->u.ns.count;
	pthread_mutex_unlock(&lock);
	return known;
}

void node_ns_count_put(const char *ns, uint64_t gen, size_t count)
{
	pthread_mutex_lock(&lock);
	struct rec *r = find_rec(ns, NULL);
	if (r && gen == count_gen) {
		r->u.ns.count = count;
		r->ns_count_known = true;
	}
	pthread_mutex_unlock(&lock);
}

void node_ns_count_forget(const char *ns)
{
	pthread_mutex_lock(&lock);
	count_gen++;
	for (size_t i = 0; i < rec_buckets; i++)
		for (struct rec *r = by_name[i]; r; r = r->name_next)
			if (!r->is_ctr && (!ns || strcmp(r->name, ns) == 0))
				r->ns_count_known = false;
	pthread_mutex_unlock(&lock);
}

void node_stats(size_t *records, size_t *keys, size_t *generic)
{
	pthread_mutex_lock(&lock);
	*records = rec_count;
	*keys = key_count;
	*generic = loose_count;
	pthread_mutex_unlock(&lock);
}

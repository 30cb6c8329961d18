/* Directory listings: opendir, readdir, readdirplus.
 *
 * A listing is taken when a reader starts at offset 0 and kept (LISTINGS of them) while
 * it reads on in pieces, its offsets naming the listing and the position in it, so that
 * a directory read in several requests is one snapshot. No state is kept per open
 * directory: the kernel opens directories without asking (no_opendir) and caches what
 * it read (cache_readdir) until the notifier invalidates it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "cri.h"
#include "images.h"
#include "names.h"
#include "ops.h"
#include "pods.h"
#include "query.h"
#include "task.h"

struct lentry {
	uint32_t name; /* offset in the listing's names */
	uint32_t key;  /* offset of the key (key files), else UINT32_MAX */
	uint8_t kind, field;
};

struct listing {
	fuse_ino_t ino;
	uint32_t id;
	unsigned refs;
	uint64_t used;
	struct nodeinfo dir;
	char *parent_path; /* for ".." */
	struct lentry *e;
	size_t n, cap;
	char *names;
	size_t names_len, names_cap;
	bool oom;
};

#define LISTINGS 16
static pthread_mutex_t listings_lock = PTHREAD_MUTEX_INITIALIZER;
static struct listing *listings[LISTINGS];
static uint32_t listing_ids;
static uint64_t listing_clock;

static uint32_t add_name(struct listing *l, const char *s)
{
	size_t len = strlen(s) + 1;
	if (l->names_len + len > l->names_cap) {
		size_t cap = l->names_cap ? l->names_cap * 2 : 1024;
		while (cap < l->names_len + len)
			cap *= 2;
		char *p = cap <= UINT32_MAX ? realloc(l->names, cap) : NULL;
		if (!p) {
			l->oom = true;
			return 0;
		}
		l->names = p;
		l->names_cap = cap;
	}
	memcpy(l->names + l->names_len, s, len);
	l->names_len += len;
	return (uint32_t)(l->names_len - len);
}

static void add(struct listing *l, const char *name, enum node_kind kind, enum field field,
		const char *key)
{
	if (l->oom || strlen(name) > NAME_LIMIT)
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct lentry *p = realloc(l->e, cap * sizeof(*p));
		if (!p) {
			l->oom = true;
			return;
		}
		l->e = p;
		l->cap = cap;
	}
	struct lentry *e = &l->e[l->n];
	e->name = add_name(l, name);
	e->key = key ? add_name(l, key) : UINT32_MAX;
	e->kind = (uint8_t)kind;
	e->field = (uint8_t)field;
	if (!l->oom)
		l->n++;
}

static void add_key(struct listing *l, enum node_kind kind, const char *key)
{
	char *name = names_encode(key);
	if (!name)
		l->oom = true;
	else
		add(l, name, kind, 0, key);
	free(name);
}

static void add_extra(const char *name, void *arg)
{
	struct listing *l = arg;
	/* a pending key that got stored meanwhile is listed already */
	for (size_t i = 2; i < l->n; i++)
		if (strcmp(l->names + l->e[i].name, name) == 0)
			return;
	struct fspath fp;
	enum node_kind kind = NODE_SCRATCH;
	if (fspath_child(&l->dir.fp, name, &fp) == 0) {
		kind = fp.kind;
		if (fp.key) {
			add(l, name, kind, 0, fp.key);
			fspath_clear(&fp);
			return;
		}
	}
	add(l, name, kind, 0, NULL);
}

static void add_cri(void *arg, const char *name, enum node_kind kind, int field)
{
	add(arg, name, kind, (enum field)field, NULL);
}

static void add_view(void *arg, const char *name, enum node_kind kind, const char *key)
{
	add(arg, name, kind, 0, key);
}

static void add_image(void *arg, const char *name, enum node_kind kind, int field, const char *key)
{
	add(arg, name, kind, (enum field)field, key);
}

static void listing_free(struct listing *l)
{
	if (!l)
		return;
	nodeinfo_clear(&l->dir);
	free(l->parent_path);
	free(l->e);
	free(l->names);
	free(l);
}

static int list_dir(struct source *src, struct listing *l)
{
	const struct fspath *fp = &l->dir.fp;
	const ctrfs_container *c;
	const ctrfs_namespace *n;
	ctrfs_namespace *nss;
	char **ids;
	size_t count;
	int rc = 0;
	switch (fp->kind) {
	case NODE_ROOT:
		/* .events and .errors are not listed: grep -r and find would read .events
		 * forever, and a copy of the tree is the store's, not the mount's */
		if (ctrfs_namespace_list(src->fs->store, &nss, &count, &src->err))
			return -store_errno(&src->err, EIO);
		for (size_t i = 0; i < count; i++)
			add(l, nss[i].name, NODE_NS, 0, NULL);
		ctrfs_namespace_list_free(nss, count);
		break;
	case NODE_NS:
		if ((rc = source_namespace(src, fp->ns, &n)))
			return rc;
		if ((rc = source_ids(src, fp->ns, &ids, &count)))
			return rc;
		add(l, ".labels", NODE_NS_LABELS, 0, NULL);
		for (size_t i = 0; i < count; i++)
			add(l, ids[i], NODE_CTR, 0, NULL);
		ctrfs_strv_free(ids, count);
		break;
	case NODE_NS_LABELS:
		if ((rc = source_namespace(src, fp->ns, &n)))
			return rc;
		for (size_t i = 0; i < n->labels.count; i++)
			add_key(l, NODE_NS_LABEL, n->labels.items[i].key);
		break;
	case NODE_CTR:
		if ((rc = source_container(src, fp->ns, fp->id, CTRFS_LOAD_EXTENSIONS, &c)))
			return rc;
		for (int f = 0; f < FIELD_COUNT; f++)
			if (!field_in_runtime(f))
				add(l, field_name(f), NODE_FIELD, f, NULL);
		add(l, "runtime", NODE_RUNTIME, 0, NULL);
		add(l, "labels", NODE_LABELS, 0, NULL);
		add(l, "extensions", NODE_EXTENSIONS, 0, NULL);
		if (cri_has(c))
			add(l, "cri", NODE_CRI, 0, NULL);
		if ((rc = task_has(src, fp->ns, fp->id)) < 0)
			return rc;
		if (rc)
			add(l, "task", NODE_TASK, 0, NULL);
		rc = 0;
		break;
	case NODE_TASK:
		if ((rc = task_list(src, fp, add_cri, l)))
			return rc;
		break;
	case NODE_CRI:
	case NODE_CRI_STATUS:
		if ((rc = cri_list(src, fp, add_cri, l)))
			return rc;
		break;
	case NODE_PODS:
	case NODE_POD_NS:
	case NODE_POD:
	case NODE_POD_ATTEMPTS:
	case NODE_POD_CONTAINERS:
		if ((rc = pods_list(src, fp, add_view, l)))
			return rc;
		break;
	case NODE_QUERIES:
	case NODE_QUERY:
		if ((rc = query_list(src, fp, add_view, l)))
			return rc;
		break;
	case NODE_IMAGES:
	case NODE_IMAGE:
	case NODE_IMAGE_TARGET:
	case NODE_IMAGE_ANNOTATIONS:
	case NODE_IMAGE_LABELS:
		if ((rc = images_list(src, fp, add_image, l)))
			return rc;
		break;
	case NODE_RUNTIME:
		if ((rc = source_container(src, fp->ns, fp->id, 0, &c)))
			return rc;
		add(l, field_name(FIELD_RUNTIME_NAME), NODE_FIELD, FIELD_RUNTIME_NAME, NULL);
		if (c->has_runtime_options)
			add(l, field_name(FIELD_RUNTIME_OPTIONS), NODE_FIELD, FIELD_RUNTIME_OPTIONS,
			    NULL);
		break;
	case NODE_LABELS:
		if ((rc = source_container(src, fp->ns, fp->id, CTRFS_LOAD_LABELS, &c)))
			return rc;
		for (size_t i = 0; i < c->labels.count; i++)
			add_key(l, NODE_LABEL, c->labels.items[i].key);
		break;
	case NODE_EXTENSIONS:
		if ((rc = source_container(src, fp->ns, fp->id, CTRFS_LOAD_EXTENSIONS, &c)))
			return rc;
		for (size_t i = 0; i < c->extensions.count; i++)
			add_key(l, NODE_EXTENSION, c->extensions.items[i].name);
		break;
	default:
		return -ENOTDIR;
	}
	node_foreach_extra(l->dir.path, fp, add_extra, l);
	return l->oom ? -ENOMEM : 0;
}

/* A new listing of directory `ino`, registered with one reference. */
static int listing_new(struct source *src, fuse_ino_t ino, struct listing **out)
{
	struct listing *l = calloc(1, sizeof(*l));
	int rc = l ? node_get(ino, &l->dir) : -ENOMEM;
	if (rc) {
		free(l);
		return rc;
	}
	if (!node_is_dir(l->dir.fp.kind)) {
		listing_free(l);
		return -ENOTDIR;
	}
	char *slash = strrchr(l->dir.path, '/');
	l->parent_path = strndup(l->dir.path, slash ? (size_t)(slash - l->dir.path) : 0);
	l->ino = ino;
	add(l, ".", l->dir.fp.kind, 0, NULL);
	add(l, "..", NODE_ROOT, 0, NULL);
	rc = l->parent_path ? list_dir(src, l) : -ENOMEM;
	if (rc) {
		listing_free(l);
		return rc;
	}
	pthread_mutex_lock(&listings_lock);
	l->id = ++listing_ids & 0x7fffffff;
	if (!l->id)
		l->id = ++listing_ids & 0x7fffffff;
	l->refs = 2; /* the table's and the caller's */
	l->used = ++listing_clock;
	int slot = 0;
	for (int i = 0; i < LISTINGS; i++) {
		if (!listings[i]) {
			slot = i;
			break;
		}
		if (listings[i]->used < listings[slot]->used)
			slot = i;
	}
	struct listing *old = listings[slot];
	listings[slot] = l;
	if (old && --old->refs == 0)
		listing_free(old);
	pthread_mutex_unlock(&listings_lock);
	*out = l;
	return 0;
}

static struct listing *listing_find(fuse_ino_t ino, uint32_t id)
{
	struct listing *l = NULL;
	pthread_mutex_lock(&listings_lock);
	for (int i = 0; i < LISTINGS && !l; i++) {
		if (listings[i] && listings[i]->id == id && listings[i]->ino == ino) {
			l = listings[i];
			l->refs++;
			l->used = ++listing_clock;
		}
	}
	pthread_mutex_unlock(&listings_lock);
	return l;
}

/* Drops the caller's reference; `done`: the reader got to the end, the table's goes. */
static void listing_put(struct listing *l, bool done)
{
	pthread_mutex_lock(&listings_lock);
	for (int i = 0; done && i < LISTINGS; i++) {
		if (listings[i] == l) {
			listings[i] = NULL;
			l->refs--;
		}
	}
	bool last = --l->refs == 0;
	pthread_mutex_unlock(&listings_lock);
	if (last)
		listing_free(l);
}

/* What entry i of l means (its key borrowed from the listing). */
static void entry_fspath(const struct listing *l, size_t i, struct fspath *fp)
{
	const struct lentry *e = &l->e[i];
	const char *name = l->names + e->name;
	memset(fp, 0, sizeof(*fp));
	memcpy(fp->ns, l->dir.fp.ns, sizeof(fp->ns));
	memcpy(fp->id, l->dir.fp.id, sizeof(fp->id));
	fp->kind = e->kind;
	fp->field = e->field;
	if (e->kind == NODE_NS)
		snprintf(fp->ns, sizeof(fp->ns), "%s", name);
	else if (e->kind == NODE_CTR)
		snprintf(fp->id, sizeof(fp->id), "%s", name);
	if (e->key != UINT32_MAX)
		fp->key = l->names + e->key;
}

static fuse_ino_t parent_ino(const struct listing *l)
{
	struct fspath fp;
	if (l->dir.fp.kind == NODE_ROOT)
		return FUSE_ROOT_ID;
	if (fspath_parent(&l->dir.fp, &fp))
		return 0;
	fuse_ino_t ino = node_ino_of(l->parent_path, &fp);
	fspath_clear(&fp);
	return ino;
}

#define COOKIE(id, i) ((off_t)((uint64_t)(id) << 32 | (uint64_t)((i) + 1)))

static void reply_dir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, bool plus)
{
	struct source src;
	struct listing *l = NULL;
	size_t start = 0;
	int rc = 0;
	source_init(&src, req_fs(req));
	if (off > 0) {
		uint64_t o = (uint64_t)off;
		start = (size_t)(o & 0xffffffff);
		l = listing_find(ino, (uint32_t)(o >> 32));
	}
	/* a listing evicted meanwhile: read on in a new one, from the same position */
	if (!l)
		rc = listing_new(&src, ino, &l);
	char *buf = rc ? NULL : malloc(size);
	if (!rc && !buf)
		rc = -ENOMEM;
	if (rc) {
		source_clear(&src);
		if (l)
			listing_put(l, true);
		fuse_reply_err(req, -rc);
		return;
	}
	size_t used = 0, i;
	for (i = start; i < l->n; i++) {
		struct fuse_entry_param e = {0};
		const char *name = l->names + l->e[i].name;
		struct fspath fp;
		size_t len;
		entry_fspath(l, i, &fp);
		bool full = plus && i >= 2 && render_size_cheap(&src, &fp);
		__cleanup_free char *path = i >= 2 ? path_join(l->dir.path, name) : NULL;
		if (i >= 2 && !path)
			break;
		if (full) {
			if (entry_of(&src, path, &fp, &e))
				continue; /* gone since listed */
		} else {
			/* names only; readdirplus leaves what is costly to a lookup (ino 0) */
			e.attr.st_ino = i == 0	 ? ino
					: i == 1 ? parent_ino(l)
						 : node_ino_of(path, &fp);
			e.attr.st_mode = node_is_dir(fp.kind)	 ? S_IFDIR
					 : node_is_link(fp.kind) ? S_IFLNK
								 : S_IFREG;
		}
		len = plus ? fuse_add_direntry_plus(req, buf + used, size - used, name, &e,
						    COOKIE(l->id, i))
			   : fuse_add_direntry(req, buf + used, size - used, name, &e.attr,
					       COOKIE(l->id, i));
		if (len > size - used) {
			if (full)
				node_forget(e.ino, 1); /* did not fit: the kernel never sees it */
			break;
		}
		used += len;
	}
	source_clear(&src);
	/* an empty answer ends the reading: the listing is not needed any more */
	listing_put(l, used == 0);
	fuse_reply_buf(req, buf, used);
	free(buf);
}

void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	if (req_fs(req)->no_opendir) {
		/* the kernel then opens directories itself, listings cached */
		fuse_reply_err(req, ENOSYS);
		return;
	}
	fi->fh = 0;
	/* CRI's directories change without the notifier knowing (cri.c) */
	struct nodeinfo ni;
	bool cri = node_get(ino, &ni) == 0 && node_is_view(ni.fp.kind);
	if (cri)
		nodeinfo_clear(&ni);
	fi->cache_readdir = !cri;
	fi->keep_cache = !cri;
	fuse_reply_open(req, fi);
}

void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)fi;
	reply_dir(req, ino, size, off, false);
}

void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	(void)fi;
	reply_dir(req, ino, size, off, true);
}

void op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	fuse_reply_err(req, 0);
}

void listings_destroy(void)
{
	for (int i = 0; i < LISTINGS; i++) {
		listing_free(listings[i]);
		listings[i] = NULL;
	}
}

/* The read side of the tree: lookup, attributes and directory listings. */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/statvfs.h>

#include "handle.h"
#include "names.h"
#include "ops.h"
#include "scratch.h"

/* The kernel refuses a whole listing (EIO) holding a longer name (FUSE_NAME_MAX). */
#define NAME_LIMIT 1024

/* Entries and attributes are not cached by the kernel: the store changes under it.
 * (Caching with invalidation from the change log is for a later layer.) */
static const double entry_timeout = 0.0, attr_timeout = 0.0;

int child_of(fuse_ino_t parent, const char *name, struct nodeinfo *dir, struct fspath *fp,
	     char **path)
{
	*path = NULL;
	int rc = node_get(parent, dir);
	if (rc)
		return rc;
	rc = fspath_child(&dir->fp, name, fp);
	if (!rc && !(*path = path_join(dir->path, name))) {
		fspath_clear(fp);
		rc = -ENOMEM;
	}
	if (rc)
		nodeinfo_clear(dir);
	return rc;
}

int entry_of(struct source *src, const char *path, const struct fspath *fp,
	     struct fuse_entry_param *e)
{
	struct nodeinfo ni = {0};
	int rc = node_find(path, &ni);
	if (rc && fp->kind == NODE_SCRATCH)
		return -ENOENT; /* scratch files exist only in the table */
	if (rc) {
		/* not in the table: described by what the path means */
		ni.path = (char *)path;
		ni.fp = *fp;
	}
	memset(e, 0, sizeof(*e));
	rc = render_stat(src, &ni, &e->attr);
	if (!rc) {
		e->ino = node_remember(path, fp, ni.scratch, false);
		e->attr.st_ino = e->ino;
		e->entry_timeout = entry_timeout;
		e->attr_timeout = attr_timeout;
		if (!e->ino)
			rc = -ENOMEM;
	}
	if (ni.path != path)
		nodeinfo_clear(&ni);
	return rc;
}

void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct nodeinfo dir;
	struct fspath fp;
	struct fuse_entry_param e;
	struct source src;
	__cleanup_free char *path = NULL;
	int rc = child_of(parent, name, &dir, &fp, &path);
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	source_init(&src, req_fs(req));
	rc = entry_of(&src, path, &fp, &e);
	source_clear(&src);
	fspath_clear(&fp);
	nodeinfo_clear(&dir);
	if (rc)
		fuse_reply_err(req, -rc);
	else if (fuse_reply_entry(req, &e) != 0)
		node_forget(e.ino, 1); /* the kernel never got it */
}

void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	node_forget(ino, nlookup);
	fuse_reply_none(req);
}

void op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	for (size_t i = 0; i < count; i++)
		node_forget(forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct nodeinfo ni;
	struct stat st;
	struct source src;
	int rc = node_get(ino, &ni);
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	if (fi && !node_is_dir(ni.fp.kind)) {
		/* fstat(2) of an open file: the content that handle reads */
		rc = handle_stat((struct handle *)(uintptr_t)fi->fh, &st);
	} else {
		source_init(&src, req_fs(req));
		rc = render_stat(&src, &ni, &st);
		source_clear(&src);
	}
	nodeinfo_clear(&ni);
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_attr(req, &st, attr_timeout);
}

/* ---- directories: listed once at opendir, then read in pieces ---- */

struct dirent_ {
	char *name;
	bool dir;
};

struct dirlist {
	struct nodeinfo ni;
	char *parent_path; /* for ".." */
	struct dirent_ *e;
	size_t n, cap;
	bool oom;
	struct dirlist *prev, *next; /* in open_dirlists once handed to the kernel */
	bool linked;
};

/* Listings handed to the kernel: a daemon stopped by a signal may never get their
 * RELEASEDIR, so what is left here is freed at exit (dirlists_free_all). */
static pthread_mutex_t dirlists_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dirlist *open_dirlists;

static void dirlist_link(struct dirlist *d)
{
	pthread_mutex_lock(&dirlists_lock);
	d->next = open_dirlists;
	if (open_dirlists)
		open_dirlists->prev = d;
	open_dirlists = d;
	d->linked = true;
	pthread_mutex_unlock(&dirlists_lock);
}

static void dirlist_unlink(struct dirlist *d)
{
	pthread_mutex_lock(&dirlists_lock);
	if (d->linked) {
		if (d->prev)
			d->prev->next = d->next;
		else
			open_dirlists = d->next;
		if (d->next)
			d->next->prev = d->prev;
		d->linked = false;
	}
	pthread_mutex_unlock(&dirlists_lock);
}

static void add(struct dirlist *d, const char *name, bool dir)
{
	if (d->oom || strlen(name) > NAME_LIMIT)
		return;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 32;
		struct dirent_ *p = realloc(d->e, cap * sizeof(*p));
		if (!p) {
			d->oom = true;
			return;
		}
		d->e = p;
		d->cap = cap;
	}
	if (!(d->e[d->n].name = strdup(name))) {
		d->oom = true;
		return;
	}
	d->e[d->n++].dir = dir;
}

static void add_key(struct dirlist *d, const char *key)
{
	char *name = names_encode(key);
	if (!name)
		d->oom = true;
	else
		add(d, name, false);
	free(name);
}

static void add_extra(const char *name, void *arg)
{
	struct dirlist *d = arg;
	/* a pending key that got stored meanwhile is listed already */
	for (size_t i = 2; i < d->n; i++)
		if (strcmp(d->e[i].name, name) == 0)
			return;
	add(d, name, false);
}

static void dirlist_free(struct dirlist *d)
{
	dirlist_unlink(d);
	for (size_t i = 0; i < d->n; i++)
		free(d->e[i].name);
	free(d->e);
	free(d->parent_path);
	nodeinfo_clear(&d->ni);
	free(d);
}

static int list_dir(struct source *src, struct dirlist *d)
{
	const struct fspath *fp = &d->ni.fp;
	const ctrfs_container *c;
	const ctrfs_namespace *n;
	ctrfs_namespace *nss;
	char **ids;
	size_t count;
	int rc = 0;
	switch (fp->kind) {
	case NODE_ROOT:
		if (ctrfs_namespace_list(src->fs->store, &nss, &count, &src->err))
			return -store_errno(&src->err, EIO);
		for (size_t i = 0; i < count; i++)
			add(d, nss[i].name, true);
		ctrfs_namespace_list_free(nss, count);
		break;
	case NODE_NS:
		if ((rc = source_namespace(src, fp->ns, &n)))
			return rc;
		if (ctrfs_container_ids(src->fs->store, fp->ns, &ids, &count, &src->err))
			return -store_errno(&src->err, EIO);
		add(d, ".labels", true);
		for (size_t i = 0; i < count; i++)
			add(d, ids[i], true);
		ctrfs_strv_free(ids, count);
		break;
	case NODE_NS_LABELS:
		if ((rc = source_namespace(src, fp->ns, &n)))
			return rc;
		for (size_t i = 0; i < n->labels.count; i++)
			add_key(d, n->labels.items[i].key);
		break;
	case NODE_CTR:
		if ((rc = source_container(src, fp->ns, fp->id, 0, &c)))
			return rc;
		for (int f = 0; f < FIELD_COUNT; f++)
			if (!field_in_runtime(f))
				add(d, field_name(f), false);
		add(d, "runtime", true);
		add(d, "labels", true);
		add(d, "extensions", true);
		break;
	case NODE_RUNTIME:
		if ((rc = source_container(src, fp->ns, fp->id, 0, &c)))
			return rc;
		add(d, field_name(FIELD_RUNTIME_NAME), false);
		if (c->has_runtime_options)
			add(d, field_name(FIELD_RUNTIME_OPTIONS), false);
		break;
	case NODE_LABELS:
		if ((rc = source_container(src, fp->ns, fp->id, CTRFS_LOAD_LABELS, &c)))
			return rc;
		for (size_t i = 0; i < c->labels.count; i++)
			add_key(d, c->labels.items[i].key);
		break;
	case NODE_EXTENSIONS:
		if ((rc = source_container(src, fp->ns, fp->id, CTRFS_LOAD_EXTENSIONS, &c)))
			return rc;
		for (size_t i = 0; i < c->extensions.count; i++)
			add_key(d, c->extensions.items[i].name);
		break;
	default:
		return -ENOTDIR;
	}
	node_foreach_extra(d->ni.path, add_extra, d);
	return d->oom ? -ENOMEM : 0;
}

void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct source src;
	struct dirlist *d = calloc(1, sizeof(*d));
	int rc = d ? node_get(ino, &d->ni) : -ENOMEM;
	if (rc) {
		free(d);
		fuse_reply_err(req, -rc);
		return;
	}
	char *slash = strrchr(d->ni.path, '/');
	d->parent_path = strndup(d->ni.path, slash ? (size_t)(slash - d->ni.path) : 0);
	add(d, ".", true);
	add(d, "..", true);
	source_init(&src, req_fs(req));
	rc = d->parent_path ? list_dir(&src, d) : -ENOMEM;
	source_clear(&src);
	if (rc) {
		dirlist_free(d);
		fuse_reply_err(req, -rc);
		return;
	}
	fi->fh = (uintptr_t)d;
	/* listings change with the store: never keep them in the kernel */
	fi->cache_readdir = 0;
	fi->keep_cache = 0;
	dirlist_link(d);
	if (fuse_reply_open(req, fi) != 0)
		dirlist_free(d);
}

void dirlists_free_all(void)
{
	while (open_dirlists)
		dirlist_free(open_dirlists);
}

static fuse_ino_t entry_ino(const struct dirlist *d, size_t i)
{
	if (i == 0)
		return d->ni.ino;
	if (i == 1)
		return d->ni.ino == FUSE_ROOT_ID ? FUSE_ROOT_ID : node_ino_of(d->parent_path);
	__cleanup_free char *path = path_join(d->ni.path, d->e[i].name);
	return path ? node_ino_of(path) : 0;
}

static void reply_dir(fuse_req_t req, struct dirlist *d, size_t size, off_t off, bool plus)
{
	char *buf = malloc(size);
	size_t used = 0;
	struct source src;
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	source_init(&src, req_fs(req));
	for (size_t i = (size_t)off; i < d->n; i++) {
		struct fuse_entry_param e = {0};
		const char *name = d->e[i].name;
		size_t len;
		if (!plus || i < 2) {
			e.attr.st_ino = entry_ino(d, i);
			e.attr.st_mode = d->e[i].dir ? S_IFDIR : S_IFREG;
			e.ino = e.attr.st_ino;
			len = plus ? fuse_add_direntry_plus(req, buf + used, size - used, name, &e,
							    (off_t)i + 1)
				   : fuse_add_direntry(req, buf + used, size - used, name, &e.attr,
						       (off_t)i + 1);
		} else {
			__cleanup_free char *path = path_join(d->ni.path, name);
			struct fspath fp;
			if (!path || fspath_child(&d->ni.fp, name, &fp))
				continue;
			int rc = entry_of(&src, path, &fp, &e);
			fspath_clear(&fp);
			if (rc)
				continue; /* gone since opendir */
			len = fuse_add_direntry_plus(req, buf + used, size - used, name, &e,
						     (off_t)i + 1);
			if (len > size - used)
				node_forget(e.ino, 1); /* did not fit: the kernel never sees it */
		}
		if (len > size - used)
			break;
		used += len;
	}
	source_clear(&src);
	fuse_reply_buf(req, buf, used);
	free(buf);
}

void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)ino;
	reply_dir(req, (struct dirlist *)(uintptr_t)fi->fh, size, off, false);
}

void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	(void)ino;
	reply_dir(req, (struct dirlist *)(uintptr_t)fi->fh, size, off, true);
}

void op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	dirlist_free((struct dirlist *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	(void)ino;
	struct statvfs sv = {
	    .f_bsize = 4096,
	    .f_frsize = 4096,
	    .f_namemax = NAME_LIMIT,
	};
	fuse_reply_statfs(req, &sv);
}

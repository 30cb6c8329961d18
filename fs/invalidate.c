/* What the notifier tells the kernel to forget for one change (notify.c says when):
 * every inode the kernel holds of a container or namespace, the entries of keys gone,
 * and, from the same snapshot, the attributes kcache.c keeps for the stats that follow.
 * The kernel notifications of the mount are sent from here, by the notifier's thread
 * only (see notify.c: none may wait for a request in flight). */
#include "invalidate.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kcache.h"
#include "node_targets.h"
#include "pagecache.h"
#include "render.h"

/* The session notified: the notifier's thread is the only caller, and pagecache.c's
 * callbacks take an inode alone. */
static struct fuse_session *se;

static void inval_attrs(fuse_ino_t ino)
{
	fuse_lowlevel_notify_inval_inode(se, ino, -1, 0);
}

static void inval_all(fuse_ino_t ino)
{
	fuse_lowlevel_notify_inval_inode(se, ino, 0, 0);
}

/* A directory: attributes and cached listing. */
static void inval_dir(fuse_ino_t ino)
{
	inval_all(ino);
}

/* A file: attributes, and pages unless it is open (see pagecache_changed). */
static void inval_file(fuse_ino_t ino)
{
	pagecache_changed(ino, inval_all, inval_attrs);
}

/* The entry parent/name is looked up again at its next use (ENOENT then drops it, with
 * what is cached below it), and the directory's cached listing is dropped. */
static void expire_entry(fuse_ino_t parent, const char *name)
{
	if (!parent)
		return;
	/* -ENOENT: the kernel has no such entry, which is as good */
	int rc =
	    fuse_lowlevel_notify_expire_entry(se, parent, name, strlen(name), FUSE_LL_EXPIRE_ONLY);
	if (rc == -ENOSYS)
		/* a kernel older than 6.2: invalidated, which takes the directory's lock */
		fuse_lowlevel_notify_inval_entry(se, parent, name, strlen(name));
}

/* Does the key `key` of kind `kind` exist in the loaded container or namespace? */
static bool key_exists(const ctrfs_container *c, const ctrfs_namespace *n, enum node_kind kind,
		       const char *key)
{
	if (kind == NODE_NS_LABEL)
		return n && ctrfs_labels_get(&n->labels, key);
	if (!c)
		return false;
	if (kind == NODE_LABEL)
		return ctrfs_labels_get(&c->labels, key);
	return ctrfs_extensions_get(&c->extensions, key);
}

static void inval_target(const struct node_target *e)
{
	if (node_is_dir(e->kind))
		inval_dir(e->ino);
	else
		inval_file(e->ino);
}

/* The attributes of a file the change left, read from the batch's snapshot for the
 * stat the kernel sends next (render.c keeps them until the next change). */
static void refresh_file(struct source *src, const struct node_target *e, const char *ns,
			 const char *id)
{
	struct fspath fp = {.kind = e->kind, .field = e->field, .key = e->key};
	snprintf(fp.ns, sizeof(fp.ns), "%s", ns);
	snprintf(fp.id, sizeof(fp.id), "%s", id ? id : "");
	render_file_attrs_refresh(src, e->ino, &fp);
}

/* Files whose attributes the notifier reads again after a change, at most. */
#define REFRESH_MAX 8

static void inval_targets(struct source *src, const char *ns, const char *id,
			  const struct node_targets *t, const ctrfs_container *c,
			  const ctrfs_namespace *n)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct node_target *e = &t->v[i];
		bool gone = false;
		if (e->key)
			gone = !e->pending && !key_exists(c, n, e->kind, e->key);
		else if (e->kind == NODE_FIELD && e->name) /* runtime/options */
			gone = !c || !c->has_runtime_options;
		if (gone)
			expire_entry(e->parent, e->name);
		inval_target(e);
	}
	/* the files whose attributes a tool looked at before the change, the latest few:
	 * the one being written is among them; a record's every key would cost a render
	 * each, at every change */
	fuse_ino_t stale[REFRESH_MAX];
	size_t nstale = t->known ? node_file_attrs_stale(t->dir_ino, stale, REFRESH_MAX) : 0;
	for (size_t k = 0; k < nstale; k++) {
		for (size_t i = 0; i < t->n; i++) {
			const struct node_target *e = &t->v[i];
			if (e->ino == stale[k] && !e->pending && !node_is_dir(e->kind) &&
			    (!e->key || key_exists(c, n, e->kind, e->key)))
				refresh_file(src, e, ns, id);
		}
	}
}

/* The targets of a container or namespace whose loading ended with rc, and their
 * directory: when it was read (found or gone), the entries of keys gone expire too; a
 * store that could not be read gets everything invalidated and nothing expired. */
static void inval_loaded(struct source *src, const char *ns, const char *id,
			 const struct node_targets *t, int rc, const ctrfs_container *c,
			 const ctrfs_namespace *n)
{
	if (!rc || rc == -ENOENT)
		inval_targets(src, ns, id, t, c, n);
	else
		for (size_t i = 0; i < t->n; i++)
			inval_target(&t->v[i]);
	if (t->known)
		inval_dir(t->dir_ino);
}

/* Each takes `arg`, the batch's source: one snapshot for every change of a batch. */
static int inval_container(const char *ns, const char *id, void *arg)
{
	struct source *src = arg;
	struct node_targets t = {0};
	const ctrfs_container *c = NULL;
	if (!id)
		return 0;
	node_ctr_changed_collect_targets(ns, id, &t);
	int rc = source_container(src, ns, id, CTRFS_LOAD_LABELS | CTRFS_LOAD_EXTENSIONS, &c);
	if (!rc) {
		/* replaced with its times kept: cached pages cannot be told from new ones */
		node_ctr_version_changed(ns, id, c->created_at, c->updated_at);
		/* the stats the kernel sends next, answered from what was just read */
		if (t.known)
			render_dir_attrs_refresh(src, ns, id);
	} else if (rc == -ENOENT) {
		c = NULL;
		/* its entry is looked up again, and found gone with all below it */
		expire_entry(t.parent_ino, id);
		char dir[2 * CTRFS_IDENTIFIER_MAX + 2];
		snprintf(dir, sizeof(dir), "%s/%s", ns, id);
		node_unlink_below(dir); /* its scratch files go with it */
	}
	inval_loaded(src, ns, id, &t, rc, c, NULL);
	node_targets_clear(&t);
	return 0;
}

static int inval_namespace(const char *ns, const char *id, void *arg)
{
	struct source *src = arg;
	struct node_targets t = {0};
	const ctrfs_namespace *n = NULL;
	if (id)
		return 0;
	node_ns_changed_collect_targets(ns, &t);
	int rc = source_namespace(src, ns, &n);
	if (rc == -ENOENT) {
		n = NULL;
		expire_entry(FUSE_ROOT_ID, ns);
	} else if (!rc && t.known) {
		render_dir_attrs_refresh(src, ns, NULL);
	}
	inval_loaded(src, ns, NULL, &t, rc, NULL, n);
	node_targets_clear(&t);
	return 0;
}

/* The namespace directory holding changed containers: its listing and mtime. */
static void inval_ns_dir(struct source *src, const char *ns)
{
	struct node_targets t = {0};
	node_ns_changed_collect_targets(ns, &t);
	if (t.known) {
		render_dir_attrs_refresh(src, ns, NULL);
		inval_dir(t.dir_ino);
	}
	node_targets_clear(&t);
}

void invalidate_everything(struct source *src)
{
	se = src->fs->se;
	node_ns_count_forget(NULL);
	node_foreach_known(inval_container, src);
	node_foreach_known(inval_namespace, src);
	inval_dir(FUSE_ROOT_ID);
}

void invalidate_container(struct source *src, const char *ns, const char *id)
{
	se = src->fs->se;
	inval_container(ns, id, src);
}

void invalidate_namespace(struct source *src, const char *ns)
{
	se = src->fs->se;
	inval_namespace(ns, NULL, src);
}

void invalidate_ns_dir(struct source *src, const char *ns)
{
	se = src->fs->se;
	inval_ns_dir(src, ns);
}

void invalidate_root(struct ctrfs *fs)
{
	se = fs->se;
	inval_dir(FUSE_ROOT_ID);
}

void invalidate_expire_entry(struct ctrfs *fs, fuse_ino_t parent, const char *name)
{
	se = fs->se;
	expire_entry(parent, name);
}

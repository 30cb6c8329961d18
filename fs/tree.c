/* Changes to the tree: create, mkdir, rmdir, unlink, rename (and the links ctrfs refuses).
 *
 * Directories are namespaces and containers (mkdir creates, rmdir deletes, as on
 * configfs). Files created under other names are scratch files held in memory; a key
 * file created in labels/ or extensions/ is pending until content is committed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "commit.h"
#include "creation.h"
#include "cri.h"
#include "handle.h"
#include "images.h"
#include "making.h"
#include "notify.h"
#include "ops.h"
#include "removal.h"
#include "scratch.h"

/* Does the store-backed file fp exist? 0 yes, -ENOENT no, -errno. */
static int exists(struct ctrfs *fs, const struct fspath *fp)
{
	struct source src;
	struct strbuf sb = STRBUF_INIT;
	source_init(&src, fs);
	int rc = render_file(&src, fp, &sb, NULL);
	source_clear(&src);
	strbuf_release(&sb);
	return rc;
}

/* Does the directory holding a key file of fp (its container or namespace) exist? */
static int owner_exists(struct ctrfs *fs, const struct fspath *fp)
{
	struct source src;
	const ctrfs_container *c;
	const ctrfs_namespace *n;
	ctrfs_time t;
	source_init(&src, fs);
	int rc = fp->kind == NODE_IMAGE_LABEL ? images_label_owner(&src, fp, &t)
		 : fp->kind == NODE_NS_LABEL  ? source_namespace(&src, fp->ns, &n)
					      : source_container(&src, fp->ns, fp->id, 0, &c);
	source_clear(&src);
	return rc;
}

static bool is_key(enum node_kind k)
{
	return k == NODE_LABEL || k == NODE_EXTENSION || k == NODE_NS_LABEL ||
	       k == NODE_IMAGE_LABEL;
}

void op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
	       struct fuse_file_info *fi)
{
	struct ctrfs *fs = req_fs(req);
	struct nodeinfo dir, ni = {0};
	struct fspath fp = {0};
	struct fuse_entry_param e;
	struct handle *h = NULL;
	struct scratch *scratch = NULL;
	struct source src;
	__cleanup_free char *path = NULL;
	int rc = node_get(parent, &dir);
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	path = path_join(dir.path, name);
	rc = path ? fspath_child(&dir.fp, name, &fp) : -ENOMEM;
	bool in_view = node_is_view(dir.fp.kind);
	nodeinfo_clear(&dir);
	if (rc == -ENOENT)
		rc = in_view ? cri_refuse("create", path)
			     : refuse(EPERM, "create", path, "only directories are made here");
	bool pending = false, making = false;
	if (rc) {
		/* refused above */
	} else if (node_is_view(fp.kind)) {
		rc = cri_refuse("create", path);
	} else if (fs->read_only) {
		rc = refuse(EROFS, "create", path, "mounted read-only");
	} else if (fp.kind == NODE_SCRATCH) {
		if (!(scratch = scratch_new(mode)))
			rc = -ENOMEM;
	} else if (is_key(fp.kind)) {
		rc = owner_exists(fs, &fp);
		/* one its maker does not see yet is written anew (making.h) */
		making = !rc && making_hidden(req, &fp);
		/* stored meanwhile by someone else: then it is simply opened */
		if (!rc && exists(fs, &fp) == -ENOENT)
			pending = true;
	} else if (node_is_dir(fp.kind)) {
		/* an existing directory was found by the kernel's lookup before create */
		rc = refuse(EPERM, "create", path, "only directories are made here");
	} else if (making_active(fp.ns, fp.id)) {
		/* cp of a saved container: the file, hidden from its maker, is opened to be
		 * written anew (making.h); runtime/options appears, empty, to be written */
		making = true;
		if (exists(fs, &fp) == -ENOENT)
			rc = creation_set(fs, &fp, path, "create", NULL, &(ctrfs_any){0}, false);
	} else if (exists(fs, &fp) == -ENOENT) {
		rc = refuse(EPERM, "create", path, "%s is immutable", field_title(fp.field));
	} else {
		rc = -EEXIST; /* the other fixed files always exist */
	}
	if (!rc && (scratch || pending)) {
		/* register the file so that the lookup below finds it */
		fuse_ino_t ino = node_remember(path, &fp, scratch, pending, NULL);
		if (!ino)
			rc = -ENOMEM;
		else
			node_forget(ino, 1);
	}
	if (!rc) {
		source_init(&src, fs);
		rc = entry_of(&src, path, &fp, &e);
		source_clear(&src);
	}
	if (!rc && making)
		fi->flags |= O_TRUNC; /* what the maker creates starts empty */
	if (!rc && !(rc = node_get(e.ino, &ni))) {
		rc = handle_new(fs, &ni, fi, &h);
		nodeinfo_clear(&ni);
		if (rc)
			node_forget(e.ino, 1);
	}
	if (rc) {
		/* not made after all */
		if (scratch)
			node_unlink(path);
		else if (pending)
			node_set_stored(path, &fp);
		fspath_clear(&fp);
		scratch_put(scratch);
		fuse_reply_err(req, -rc);
		return;
	}
	making_made(req, &fp);
	fspath_clear(&fp);
	scratch_put(scratch);
	fi->fh = (uintptr_t)h;
	if (fuse_reply_create(req, &e, fi) != 0) {
		handle_discard(h);
		node_forget(e.ino, 1);
	}
}

/* Refuses to make something ctrfs has no such thing for, naming the path. */
static void refuse_kind(fuse_req_t req, fuse_ino_t parent, const char *name, const char *op,
			const char *why)
{
	struct nodeinfo dir;
	__cleanup_free char *path = NULL;
	if (node_get(parent, &dir) == 0) {
		path = path_join(dir.path, name);
		nodeinfo_clear(&dir);
	}
	fuse_reply_err(req, -refuse(EPERM, op, path ? path : name, "%s", why));
}

void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
	(void)mode;
	(void)rdev;
	refuse_kind(req, parent, name, "mknod", "only regular files and directories");
}

void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
	(void)ino;
	refuse_kind(req, newparent, newname, "link", "hard links are not supported");
}

void op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	(void)link;
	refuse_kind(req, parent, name, "symlink", "symbolic links are not supported");
}

static int make_container(fuse_req_t req, const char *ns, const char *id, const char *path)
{
	struct ctrfs *fs = req_fs(req);
	ctrfs_container c = {0};
	ctrfs_error err;
	int rc = 0;
	/* the default spec names its cgroup after the ID: check the ID first */
	if (ctrfs_identifier_validate(id, &err) || ctrfs_spec_default(ns, id, &c.spec, &err))
		return refuse_store("mkdir", path, &err, EPERM);
	c.id = (char *)id;
	c.runtime_name = (char *)fs->runtime;
	c.has_spec = true;
	if (ctrfs_container_create(fs->store, ns, &c, NULL, &err))
		rc = refuse_store("mkdir", path, &err, EPERM);
	if (!rc) {
		removal_forget(ns, id); /* marks of a container of that name that was deleted */
		making_begin(req, ns, id);
	}
	c.id = c.runtime_name = NULL; /* borrowed */
	ctrfs_container_clear(&c);
	return rc;
}

/* Is name (in the container directory dir) one of the container's own directories,
 * hidden from the caller, its maker? Then the caller sees it from now on. */
static bool made_by_maker(fuse_req_t req, const struct fspath *dir, const char *name)
{
	struct fspath fp;
	if (fspath_child(dir, name, &fp))
		return false;
	bool hidden = node_is_dir(fp.kind) && making_hidden(req, &fp);
	if (hidden)
		making_made(req, &fp);
	fspath_clear(&fp);
	return hidden;
}

static void do_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	(void)mode;
	struct ctrfs *fs = req_fs(req);
	struct nodeinfo dir;
	struct fspath fp;
	struct fuse_entry_param e;
	struct source src;
	ctrfs_error err;
	int rc = node_get(parent, &dir);
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	__cleanup_free char *path = path_join(dir.path, name);
	if (!path)
		rc = -ENOMEM;
	else if (fs->read_only)
		rc = refuse(EROFS, "mkdir", path, "mounted read-only");
	else if (dir.fp.kind == NODE_ROOT && ctrfs_namespace_create(fs->store, name, NULL, &err))
		rc = refuse_store("mkdir", path, &err, EPERM);
	else if (dir.fp.kind == NODE_NS)
		rc = make_container(req, dir.fp.ns, name, path);
	else if (dir.fp.kind == NODE_CTR && made_by_maker(req, &dir.fp, name))
		rc = 0; /* cp of a saved container makes runtime/, labels/... (making.h) */
	else if (node_is_view(dir.fp.kind))
		rc = cri_refuse("mkdir", path);
	else if (dir.fp.kind != NODE_ROOT)
		rc = refuse(EPERM, "mkdir", path, "only namespaces and containers are directories");
	if (!rc && !(rc = fspath_child(&dir.fp, name, &fp))) {
		source_init(&src, fs);
		rc = entry_of(&src, path, &fp, &e);
		source_clear(&src);
		fspath_clear(&fp);
	}
	nodeinfo_clear(&dir);
	if (rc)
		fuse_reply_err(req, -rc);
	else if (fuse_reply_entry(req, &e) != 0)
		node_forget(e.ino, 1);
}

/* A removal refused because the same process was refused another one in the
 * container before (removal.h). */
static int refuse_piecemeal(const char *op, const char *path)
{
	return refuse(EPERM, op, path,
		      "this process was refused removing another file of the container, so it "
		      "removes nothing more of it: rmdir deletes a container");
}

static void do_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct ctrfs *fs = req_fs(req);
	struct nodeinfo dir;
	struct fspath fp;
	ctrfs_error err;
	__cleanup_free char *path = NULL;
	int rc = child_of(parent, name, &dir, &fp, &path);
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	if (fs->read_only)
		rc = refuse(EROFS, "rmdir", path, "mounted read-only");
	else if (fp.kind != NODE_CTR && removal_marked(req, &fp))
		rc = refuse_piecemeal("rmdir", path);
	else if (fp.kind == NODE_NS && ctrfs_namespace_delete(fs->store, fp.ns, &err))
		rc = refuse_store("rmdir", path, &err, ENOTEMPTY);
	else if (fp.kind == NODE_CTR && ctrfs_container_delete(fs->store, fp.ns, fp.id, &err))
		rc = refuse_store("rmdir", path, &err, EBUSY);
	else if (node_is_view(fp.kind))
		rc = node_is_dir(fp.kind) ? cri_refuse("rmdir", path) : -ENOTDIR;
	else if (fp.kind != NODE_NS && fp.kind != NODE_CTR)
		/* it cannot go while its owner stays: a successful rmdir would make the
		 * kernel treat the directory as dead though it is still there */
		rc = node_is_dir(fp.kind)
			 ? refuse(EPERM, "rmdir", path,
				  "part of a %s and always there (rmdir of the %s deletes it all)",
				  fp.kind == NODE_NS_LABELS ? "namespace" : "container",
				  fp.kind == NODE_NS_LABELS ? "namespace" : "container")
			 : -ENOTDIR;
	if (!rc && fp.kind == NODE_CTR) {
		removal_forget(fp.ns, fp.id);
		making_forget(fp.ns, fp.id);
	}
	if (!rc)
		node_unlink_below(path); /* its scratch files go with it */
	fspath_clear(&fp);
	nodeinfo_clear(&dir);
	fuse_reply_err(req, -rc);
}

static void do_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct ctrfs *fs = req_fs(req);
	struct nodeinfo dir, ni;
	struct fspath fp;
	__cleanup_free char *path = NULL;
	int rc = child_of(parent, name, &dir, &fp, &path);
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	handle_settle(0, path); /* an emptying on its way comes first */
	bool known = node_find(path, &fp, &ni) == 0;
	if (fs->read_only) {
		rc = refuse(EROFS, "unlink", path, "mounted read-only");
	} else if (fp.kind != NODE_SCRATCH && removal_marked(req, &fp)) {
		rc = refuse_piecemeal("unlink", path);
	} else if (fp.kind == NODE_SCRATCH) {
		if (known && ni.scratch)
			node_unlink(path);
		else
			rc = -ENOENT;
	} else if (node_is_dir(fp.kind)) {
		rc = -EISDIR;
	} else if (known && ni.pending && exists(fs, &fp) == -ENOENT) {
		node_set_stored(path, &fp); /* never stored: nothing to delete */
	} else {
		rc = commit_remove(fs, &fp, path, "unlink");
		if (!rc)
			node_set_stored(path, &fp);
		else if (rc == -EPERM && fp.kind == NODE_FIELD)
			removal_refused(req, &fp); /* rm -r met a file it cannot remove */
	}
	if (known)
		nodeinfo_clear(&ni);
	fspath_clear(&fp);
	nodeinfo_clear(&dir);
	fuse_reply_err(req, -rc);
}

/* ---- rename ---- */

struct end {
	struct fspath fp;
	char *path;
	struct nodeinfo ni; /* when the table knows the path */
	bool known;
};

static void end_clear(struct end *e)
{
	fspath_clear(&e->fp);
	free(e->path);
	if (e->known)
		nodeinfo_clear(&e->ni);
}

/* Fills e, even when failing, so that end_clear and messages can use it. */
static int end_of(fuse_ino_t parent, const char *name, struct end *e)
{
	struct nodeinfo dir;
	memset(e, 0, sizeof(*e));
	int rc = node_get(parent, &dir);
	if (rc)
		return rc;
	e->path = path_join(dir.path, name);
	rc = e->path ? fspath_child(&dir.fp, name, &e->fp) : -ENOMEM;
	nodeinfo_clear(&dir);
	if (!rc)
		handle_settle(0, e->path); /* an emptying on its way comes first */
	if (!rc)
		e->known = node_find(e->path, &e->fp, &e->ni) == 0;
	return rc;
}

/* Does the target of a rename exist (for RENAME_NOREPLACE)? */
static bool end_exists(struct ctrfs *fs, const struct end *e)
{
	if (e->fp.kind == NODE_SCRATCH)
		return e->known;
	return exists(fs, &e->fp) == 0 || (e->known && e->ni.pending);
}

/* rename(scratch, file of the store): the scratch content becomes the value. */
static int rename_into_store(struct ctrfs *fs, struct end *from, struct end *to)
{
	size_t len;
	if (!from->known || !from->ni.scratch)
		return -ENOENT;
	if (node_is_dir(to->fp.kind))
		return -EISDIR;
	if (is_key(to->fp.kind)) {
		int rc = owner_exists(fs, &to->fp);
		if (rc)
			return rc;
	}
	__cleanup_free char *content = scratch_content(from->ni.scratch, &len);
	if (!content)
		return -ENOMEM;
	struct commit_text t = {content, len, NULL, 0};
	int rc = commit_content(fs, &to->fp, to->path, "rename", &t, COMMIT_FINAL);
	if (rc)
		return rc;
	node_unlink(from->path);
	/* an empty label is none: its file stays, empty and not stored */
	node_set_pending(to->path, &to->fp, !len && node_is_label(to->fp.kind));
	return 0;
}

/* rename(file of the store, scratch): the value moves out to a scratch file (a backup,
 * as some editors make) and the file is removed as by unlink. */
static int rename_out_of_store(struct ctrfs *fs, struct end *from, struct end *to)
{
	struct source src;
	struct strbuf sb = STRBUF_INIT;
	source_init(&src, fs);
	int rc = render_file(&src, &from->fp, &sb, NULL);
	source_clear(&src);
	/* a key file created and not written yet has nothing stored to remove */
	bool stored = !(rc == -ENOENT && from->known && from->ni.pending);
	if (!stored)
		rc = 0;
	struct scratch *s = rc ? NULL : scratch_new(0644);
	if (!rc && (!s || sb.oom || scratch_write(s, sb.buf ? sb.buf : "", sb.len, 0, false) < 0))
		rc = -ENOMEM;
	strbuf_release(&sb);
	if (!rc && stored)
		rc = commit_remove(fs, &from->fp, from->path, "rename");
	if (!rc) {
		node_set_stored(from->path, &from->fp);
		/* a key is gone and its inode moves, as with rename(2); a field's file stays
		 * (cleared), keeping its inode number, and the backup is a new file */
		if (from->fp.kind == NODE_FIELD)
			rc = node_add_scratch(to->path, &to->fp, s);
		else
			rc = node_move(from->path, &from->fp, to->path, &to->fp, s);
	}
	scratch_put(s);
	return rc;
}

/* rename(key, key) within one labels/, extensions/ or .labels/ directory. */
static int rename_key(struct ctrfs *fs, struct end *from, struct end *to)
{
	ctrfs_error err;
	ctrfs_code code;
	if (from->known && from->ni.pending && exists(fs, &from->fp) == -ENOENT)
		return node_move(from->path, &from->fp, to->path, &to->fp, NULL);
	if (from->fp.kind == NODE_NS_LABEL)
		code = ctrfs_namespace_rename_label(fs->store, from->fp.ns, from->fp.key,
						    to->fp.key, &err);
	else
		code = ctrfs_container_rename_key(fs->store, from->fp.ns, from->fp.id,
						  from->fp.kind == NODE_EXTENSION, from->fp.key,
						  to->fp.key, &err);
	if (code)
		return refuse_store("rename", from->path, &err, EPERM);
	node_set_stored(to->path, &to->fp);
	return node_move(from->path, &from->fp, to->path, &to->fp, NULL);
}

static bool same_owner(const struct fspath *a, const struct fspath *b)
{
	return strcmp(a->ns, b->ns) == 0 && (a->kind == NODE_NS_LABEL || strcmp(a->id, b->id) == 0);
}

static int do_rename(struct ctrfs *fs, struct end *from, struct end *to, unsigned int flags)
{
	if (flags & RENAME_EXCHANGE)
		return refuse(EINVAL, "rename", from->path, "RENAME_EXCHANGE is not supported");
	if (fs->read_only)
		return refuse(EROFS, "rename", from->path, "mounted read-only");
	if (node_is_view(from->fp.kind) || node_is_view(to->fp.kind))
		return cri_refuse("rename", node_is_view(from->fp.kind) ? from->path : to->path);
	if (from->fp.kind == NODE_IMAGE_LABEL || to->fp.kind == NODE_IMAGE_LABEL)
		return refuse(EPERM, "rename", from->path,
			      "an image's labels are not renamed: write the new one, remove the "
			      "old one");
	if (strcmp(from->path, to->path) == 0)
		return 0;
	if ((flags & RENAME_NOREPLACE) && end_exists(fs, to))
		return -EEXIST;
	if (node_is_dir(from->fp.kind))
		return refuse(EPERM, "rename", from->path, "directories cannot be renamed");
	if (from->fp.kind == NODE_SCRATCH && to->fp.kind == NODE_SCRATCH) {
		if (!from->known || !from->ni.scratch)
			return -ENOENT;
		return node_move(from->path, &from->fp, to->path, &to->fp, NULL);
	}
	if (from->fp.kind == NODE_SCRATCH)
		return rename_into_store(fs, from, to);
	if (to->fp.kind == NODE_SCRATCH)
		return rename_out_of_store(fs, from, to);
	if (from->fp.kind == NODE_FIELD)
		return refuse(EPERM, "rename", from->path, "fields have fixed names");
	if (from->fp.kind == to->fp.kind && same_owner(&from->fp, &to->fp))
		return rename_key(fs, from, to);
	/* another container or kind: mv copies and unlinks instead */
	return -EXDEV;
}

static bool dir_is_view(fuse_ino_t ino)
{
	struct nodeinfo ni;
	if (node_get(ino, &ni))
		return false;
	bool view = node_is_view(ni.fp.kind);
	nodeinfo_clear(&ni);
	return view;
}

static void do_rename_req(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
			  const char *newname, unsigned int flags)
{
	struct end from, to;
	int rc = end_of(parent, name, &from);
	int rc_to = end_of(newparent, newname, &to);
	if (!rc && rc_to == -ENOENT)
		rc = node_is_view(from.fp.kind) || dir_is_view(newparent)
			 ? cri_refuse("rename", to.path)
			 : refuse(EPERM, "rename", to.path, "no such file can be made there");
	else if (!rc)
		rc = rc_to ? rc_to : do_rename(req_fs(req), &from, &to, flags);
	/* the kernel now shows the scratch file's inode under the store file's name; its
	 * entry may be cached (a key's, renamed away and back): drop it, so that the next
	 * lookup finds the store file's own inode */
	if (!rc && from.fp.kind == NODE_SCRATCH && to.fp.kind != NODE_SCRATCH)
		notify_inval_entry(newparent, newname);
	end_clear(&to);
	end_clear(&from);
	fuse_reply_err(req, -rc);
}

/* The requests that change the store tell the notifier (see notify_own_begin). */

void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	notify_own_begin();
	do_mkdir(req, parent, name, mode);
	notify_own_end();
}

void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	notify_own_begin();
	do_rmdir(req, parent, name);
	notify_own_end();
}

void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	notify_own_begin();
	do_unlink(req, parent, name);
	notify_own_end();
}

void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
	       const char *newname, unsigned int flags)
{
	notify_own_begin();
	do_rename_req(req, parent, name, newparent, newname, flags);
	notify_own_end();
}

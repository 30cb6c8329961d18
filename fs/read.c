/* The read side of the tree: lookup, attributes, symlinks (the listings: readdir.c).
 *
 * The kernel caches entries, attributes and listings for long (CACHE_TIMEOUT): the
 * change notifier (notify.c) invalidates what each change touches. What the store does
 * not know (scratch files, inodes renamed away, attributes of a file open with another
 * content) is never cached.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>

#include "handle.h"
#include "images.h"
#include "making.h"
#include "ops.h"
#include "pods.h"
#include "query.h"

/* Long, yet bounded: a change the notifier could not see (a store replaced under the
 * mount) shows within the hour. */
const double CACHE_TIMEOUT = 3600.0;

int child_of(fuse_ino_t parent, const char *name, struct nodeinfo *dir, struct fspath *fp,
	     char **path)
{
	*path = NULL;
	/* newer kernels pass longer names; older ones answer ENAMETOOLONG themselves:
	 * the same answer everywhere, and nothing is made that a listing cannot show */
	if (strlen(name) > NAME_LIMIT)
		return -ENAMETOOLONG;
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
	int rc = node_find(path, fp, &ni);
	if (rc && fp->kind == NODE_SCRATCH)
		return -ENOENT; /* scratch files exist only in the table */
	if (rc) {
		/* not in the table: described by what the path means */
		ni.path = (char *)path;
		ni.fp = *fp;
	}
	memset(e, 0, sizeof(*e));
	bool loose = false, vol = false;
	/* counted first, so that the attributes know the inode (an open file's) */
	e->ino = node_remember(path, fp, ni.scratch, false, &loose);
	if (!e->ino) {
		rc = -ENOMEM;
	} else {
		ni.ino = e->ino;
		rc = render_stat(src, &ni, &e->attr, &vol);
		if (rc)
			node_forget(e->ino, 1);
	}
	if (!rc) {
		e->attr.st_ino = e->ino;
		/* the CRI view changes without the notifier knowing (cri.c); the task
		 * view is asked likewise (task.c) */
		bool asked = loose || node_is_cri(fp->kind) || node_is_task(fp->kind);
		e->entry_timeout = asked ? 0.0 : CACHE_TIMEOUT;
		e->attr_timeout = asked || vol ? 0.0 : CACHE_TIMEOUT;
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
	/* the maker of a container sees only what it made in it (making.h); the answer
	 * is not cached, so others still see the file */
	if (making_hidden(req, &fp)) {
		rc = -ENOENT;
		goto out;
	}
	source_init(&src, req_fs(req));
	rc = entry_of(&src, path, &fp, &e);
	source_clear(&src);
out:
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
	bool vol = true;
	int rc = node_get(ino, &ni);
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	if (fi && !node_is_dir(ni.fp.kind) && !NODE_IS_OWN(ni.fp.kind)) {
		/* fstat(2) of an open file: the content that handle reads, to be kept by
		 * the kernel only when it is the store's (stdio asks at each first write) */
		struct stat store;
		bool vol_store = true;
		rc = handle_stat((struct handle *)(uintptr_t)fi->fh, &st);
		if (!rc && !ni.scratch) {
			/* the store's, as any stat would get them (an open group's included):
			 * only when they are this handle's too may the kernel keep them, else
			 * a handle bypassing the cache would set the size the group reads by */
			source_init(&src, req_fs(req));
			vol = render_stat(&src, &ni, &store, &vol_store) || vol_store ||
			      store.st_size != st.st_size ||
			      store.st_mtim.tv_sec != st.st_mtim.tv_sec ||
			      store.st_mtim.tv_nsec != st.st_mtim.tv_nsec;
			source_clear(&src);
		}
	} else {
		source_init(&src, req_fs(req));
		rc = render_stat(&src, &ni, &st, &vol);
		source_clear(&src);
		vol |= ni.loose || node_is_cri(ni.fp.kind) || node_is_task(ni.fp.kind);
	}
	nodeinfo_clear(&ni);
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_attr(req, &st, vol ? 0.0 : CACHE_TIMEOUT);
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

/* readlink(2) of a view's symlink: .pods/, .query/ and a container's .image */
void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct nodeinfo ni;
	struct source src;
	char *target = NULL;
	int rc = node_get(ino, &ni);
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	source_init(&src, req_fs(req));
	rc = node_is_query(ni.fp.kind)	  ? query_readlink(&src, &ni.fp, &target)
	     : node_is_images(ni.fp.kind) ? images_readlink(&src, &ni.fp, &target)
					  : pods_readlink(&src, &ni.fp, &target);
	source_clear(&src);
	nodeinfo_clear(&ni);
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_readlink(req, target);
	free(target);
}

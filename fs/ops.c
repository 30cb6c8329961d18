/* The fuse_lowlevel_ops table, and the operations on open files and attributes. */
#include <errno.h>
#include <poll.h>
#include <string.h>

#include "errors.h"
#include "events.h"
#include "handle.h"
#include "notify.h"
#include "ops.h"
#include "scratch.h"

static struct handle *fh(const struct fuse_file_info *fi)
{
	return (struct handle *)(uintptr_t)fi->fh;
}

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	struct ctrfs *fs = userdata;
	/* every write must reach the filesystem when it happens, to be validated then */
	conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
	/* directories are opened by the kernel alone (op_opendir answers ENOSYS once),
	 * their listings cached: find and ls -R then cost nothing per directory */
	if (conn->capable & FUSE_CAP_NO_OPENDIR_SUPPORT) {
		conn->want |= FUSE_CAP_NO_OPENDIR_SUPPORT;
		fs->no_opendir = true;
	}
	/* O_TRUNC arrives with open, so the handle knows it was truncated */
	if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
		conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
	if (conn->capable & FUSE_CAP_READDIRPLUS)
		conn->want |= FUSE_CAP_READDIRPLUS;
	/* every piece of a listing with attributes, not only the first: a walk (find)
	 * then enters each subdirectory without a lookup (one request less for each
	 * container of a large namespace) */
	conn->want &= ~FUSE_CAP_READDIRPLUS_AUTO;
	/* the kernel then asks the size before each read, with the handle, so that an
	 * open file reads its own snapshot to the end even after the value changed */
	if (conn->capable & FUSE_CAP_AUTO_INVAL_DATA)
		conn->want |= FUSE_CAP_AUTO_INVAL_DATA;
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct handle *h;
	if (ino == NODE_EVENTS_INO) {
		events_open(req, fi);
		return;
	}
	if (ino == NODE_ERRORS_INO) {
		errors_open(req, fi);
		return;
	}
	int rc = handle_open(req_fs(req), ino, fi, &h);
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	fi->fh = (uintptr_t)h;
	if (fuse_reply_open(req, fi) != 0)
		handle_discard(h);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	if (ino == NODE_EVENTS_INO) {
		events_read(req, size, off, fi);
		return;
	}
	if (ino == NODE_ERRORS_INO) {
		errors_read(req, size, off, fi);
		return;
	}
	char *buf = malloc(size ? size : 1);
	ssize_t n = buf ? handle_read(fh(fi), buf, size, off) : -ENOMEM;
	if (n < 0)
		fuse_reply_err(req, (int)-n);
	else
		fuse_reply_buf(req, buf, (size_t)n);
	free(buf);
}

static void op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	(void)ino;
	notify_own_begin();
	ssize_t n = handle_write(fh(fi), buf, size, off);
	/* the writer's next command sees the change everywhere */
	if (handle_take_committed(fh(fi)))
		notify_sync();
	notify_own_end();
	if (n < 0)
		fuse_reply_err(req, (int)-n);
	else
		fuse_reply_write(req, (size_t)n);
}

/* A flush or fsync: commits what the handle holds (handle.c), and returns once the
 * kernel was told what the commit changed. */
static void handle_end(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		       int (*commit)(struct handle *h))
{
	if (ino == NODE_EVENTS_INO || ino == NODE_ERRORS_INO) {
		fuse_reply_err(req, 0);
		return;
	}
	notify_own_begin();
	int rc = commit(fh(fi));
	if (handle_take_committed(fh(fi)))
		notify_sync();
	notify_own_end();
	fuse_reply_err(req, -rc);
}

static void op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	handle_end(req, ino, fi, handle_flush);
}

static void op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	(void)datasync;
	handle_end(req, ino, fi, handle_fsync);
}

static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	if (ino == NODE_EVENTS_INO) {
		events_release(req, fi);
		return;
	}
	if (ino == NODE_ERRORS_INO) {
		errors_release(req, fi);
		return;
	}
	/* most handles only read: they neither commit nor wake the notifier */
	bool writable = (fi->flags & O_ACCMODE) != O_RDONLY;
	if (writable)
		notify_own_begin();
	handle_release(fh(fi));
	if (writable)
		notify_own_end();
	fuse_reply_err(req, 0);
}

static void op_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		    struct fuse_pollhandle *ph)
{
	if (ino == NODE_EVENTS_INO) {
		events_poll(req, fi, ph);
		return;
	}
	/* other files are always ready, as regular files are */
	if (ph)
		fuse_pollhandle_destroy(ph);
	fuse_reply_poll(req, POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM);
}

static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		       struct fuse_file_info *fi)
{
	struct ctrfs *fs = req_fs(req);
	struct nodeinfo ni;
	struct stat st;
	struct source src;
	int rc = node_get(ino, &ni);
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	bool dir = node_is_dir(ni.fp.kind);
	if (NODE_IS_OWN(ni.fp.kind) && (to_set & FUSE_SET_ATTR_SIZE))
		rc = -EPERM; /* ctrfs's own files: no size to set */
	else if (fs->read_only)
		rc = refuse(EROFS, "setattr", ni.path, "mounted read-only");
	else if ((to_set & FUSE_SET_ATTR_SIZE) && dir)
		rc = -EISDIR;
	else if ((to_set & FUSE_SET_ATTR_SIZE) && fi)
		rc = handle_truncate(fh(fi), attr->st_size);
	else if (to_set & FUSE_SET_ATTR_SIZE) {
		/* committed at once: seen everywhere before truncate(2) returns */
		notify_own_begin();
		if (!(rc = handle_truncate_path(fs, &ni, attr->st_size)) && !ni.scratch)
			notify_sync();
		notify_own_end();
	}
	/* mode, owner and times of the store's files come from the store: chmod, chown
	 * and utimes succeed without effect, as tools that copy attributes expect */
	if (!rc && ni.scratch)
		scratch_setattr(ni.scratch, attr, to_set);
	if (!rc && fi && !dir && !NODE_IS_OWN(ni.fp.kind)) {
		rc = handle_stat(fh(fi), &st);
	} else if (!rc) {
		source_init(&src, fs);
		rc = render_stat(&src, &ni, &st, NULL);
		source_clear(&src);
	}
	nodeinfo_clear(&ni);
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_attr(req, &st, 0.0);
}

/* No extended attributes: ENOSYS once, and the kernel answers every later xattr call
 * itself (EOPNOTSUPP), so that ls -l does not ask for ACLs of each file. Setting one
 * (vim copies POSIX ACLs) then fails with ENOTSUP, which editors ignore. */
static void op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
			size_t size, int flags)
{
	(void)ino;
	(void)name;
	(void)value;
	(void)size;
	(void)flags;
	fuse_reply_err(req, ENOSYS);
}

static void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	(void)ino;
	(void)name;
	(void)size;
	fuse_reply_err(req, ENOSYS);
}

static void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	(void)ino;
	(void)size;
	fuse_reply_err(req, ENOSYS);
}

static void op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	(void)ino;
	(void)name;
	fuse_reply_err(req, ENOSYS);
}

const struct fuse_lowlevel_ops ctrfs_ops = {
    .init = op_init,
    .lookup = op_lookup,
    .forget = op_forget,
    .forget_multi = op_forget_multi,
    .getattr = op_getattr,
    .setattr = op_setattr,
    .mknod = op_mknod,
    .mkdir = op_mkdir,
    .unlink = op_unlink,
    .rmdir = op_rmdir,
    .symlink = op_symlink,
    .readlink = op_readlink,
    .rename = op_rename,
    .link = op_link,
    .open = op_open,
    .read = op_read,
    .write = op_write,
    .flush = op_flush,
    .release = op_release,
    .fsync = op_fsync,
    .opendir = op_opendir,
    .readdir = op_readdir,
    .readdirplus = op_readdirplus,
    .releasedir = op_releasedir,
    .statfs = op_statfs,
    .setxattr = op_setxattr,
    .getxattr = op_getxattr,
    .listxattr = op_listxattr,
    .removexattr = op_removexattr,
    .create = op_create,
    .poll = op_poll,
};

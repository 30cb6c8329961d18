/* The FUSE operations, by concern: read.c (lookup, attributes, symlinks), readdir.c
 * (directories), tree.c (creating, removing, renaming), ops.c (the table, file handles,
 * attributes set). */
#ifndef CTRFS_FS_OPS_H
#define CTRFS_FS_OPS_H

#include "names.h"
#include "node.h"
#include "render.h"

extern const struct fuse_lowlevel_ops ctrfs_ops;

/* The kernel refuses a whole listing (EIO) holding a longer name (FUSE_NAME_MAX on older
 * kernels): names.c shortens keys' names to fit, and longer names of other
 * files are neither listed nor looked up. */
#define NAME_LIMIT NAMES_MAX

/* How long the kernel may keep entries and attributes (the notifier invalidates them). */
extern const double CACHE_TIMEOUT;

/* Frees the directory listings kept between readdir requests (at unmount). */
void listings_destroy(void);

/* The entry to reply for the file `fp` at `path`, counting one lookup of it: 0, or
 * -ENOENT (no such file) or another -errno. */
int entry_of(struct source *src, const char *path, const struct fspath *fp,
	     struct fuse_entry_param *e);
/* What `name` in directory `parent` is: its meaning and path (*path malloc'd). */
int child_of(fuse_ino_t parent, const char *name, struct nodeinfo *dir, struct fspath *fp,
	     char **path);

void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name);
void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup);
void op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets);
void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void op_readlink(fuse_req_t req, fuse_ino_t ino);
void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi);
void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi);
void op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void op_statfs(fuse_req_t req, fuse_ino_t ino);

void op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
	       struct fuse_file_info *fi);
void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev);
void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode);
void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name);
void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name);
void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
	       const char *newname, unsigned int flags);
void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname);
void op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name);

#endif

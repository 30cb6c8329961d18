/* Open files: each handle holds its file's content like a regular file, and decides
 * when that content is committed to the store. */
#ifndef CTRFS_FS_HANDLE_H
#define CTRFS_FS_HANDLE_H

#include "node.h"

struct handle;

/* open(2) of node `ino` with `flags`: 0 and *out, or -errno (refusals logged).
 * Sets fi's caching flags for the handle (see pagecache.c). */
int handle_open(struct ctrfs *fs, fuse_ino_t ino, struct fuse_file_info *fi, struct handle **out);
/* A handle on a file just created through the mount (scratch or pending key). */
int handle_new(struct ctrfs *fs, const struct nodeinfo *ni, struct fuse_file_info *fi,
	       struct handle **out);

ssize_t handle_read(struct handle *h, char *buf, size_t size, off_t off);
/* Bytes written, or -errno when the content can no longer become valid (the content
 * and the store are then as they were before this write). */
ssize_t handle_write(struct handle *h, const char *buf, size_t size, off_t off);
int handle_truncate(struct handle *h, off_t size);
int handle_flush(struct handle *h);
int handle_fsync(struct handle *h);
/* Commits what is still pending and frees the handle. */
void handle_release(struct handle *h);
/* Frees a handle the kernel never got (its reply failed): nothing is committed. */
void handle_discard(struct handle *h);
/* The attributes of the open file: its content as this handle sees it. */
int handle_stat(struct handle *h, struct stat *st);

void handles_destroy(void);

/* Stores first the emptying still due of the file `ino` (or at `path`, may be NULL),
 * by a handle flushed empty and not yet released: before an open, unlink or rename of
 * that file through the mount, so that what the user does next starts from it. */
void handle_settle(fuse_ino_t ino, const char *path);
/* Did the handle commit a change since the last call? */
bool handle_take_committed(struct handle *h);

/* truncate(2) by path, without a handle: resize and commit at once. */
int handle_truncate_path(struct ctrfs *fs, const struct nodeinfo *ni, off_t size);

#endif

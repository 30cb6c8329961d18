/* The page cache of open files (see pagecache.c): handles of one inode share the
 * kernel's pages only while they read the very same bytes. */
#ifndef CTRFS_FS_PAGECACHE_H
#define CTRFS_FS_PAGECACHE_H

#include "ctrfs.h"

struct handle;
struct cache_group;

/* handle.c, around an open: marks ino as being opened before its snapshot is taken
 * (NULL when out of memory: the handle then bypasses the cache), then decides how the
 * handle uses the cache and tells the kernel through fi. `fresh`: every change up to
 * the handle's snapshot has been invalidated in the kernel; `no_keep`: the pages the
 * kernel holds may be another content of the same size and time. */
struct cache_group *pagecache_begin(fuse_ino_t ino);
void pagecache_join(struct handle *h, struct cache_group *g, bool writable, bool fresh,
		    bool no_keep, struct fuse_file_info *fi);
/* At release: the handle leaves its group (its pages may become suspect). */
void pagecache_leave(struct handle *h);

/* While handles of `ino` share the page cache, the file's size and time are theirs
 * (the kernel reads cached pages up to the size it was told): *len, *mtime (the
 * store's, on entry) set then. True when the attributes are volatile: another content
 * than the store's, or a handle being opened. */
bool pagecache_attrs(fuse_ino_t ino, size_t *len, ctrfs_time *mtime);

/*
 * The file `ino` changed in the store (the notifier says): calls inval_all(ino) (its
 * attributes and pages), or inval_attrs(ino) while a handle of it is open or being
 * opened: a read or write in flight locks the pages, and a notification must never
 * wait (see notify.c). Those handles read their snapshot; the pages they leave are then
 * suspect (not kept by the next handle). Both callbacks must not block.
 */
void pagecache_changed(fuse_ino_t ino, void (*inval_all)(fuse_ino_t ino),
		       void (*inval_attrs)(fuse_ino_t ino));
void pagecache_destroy(void);

#endif

/* Commits to a container being made (making.h): its creation-time fields too. */
#ifndef CTRFS_FS_CREATION_H
#define CTRFS_FS_CREATION_H

#include "node.h"

/* Sets the creation-time field fp (runtime/name, snapshotter, sandbox_id: `value`;
 * runtime/options: `options`, NULL for none) of a container being made, with a snapshot key held
 * for its snapshotter. Only validates when `check`. 0 or -errno, logged as `op`. */
int creation_set(struct ctrfs *fs, const struct fspath *fp, const char *path, const char *op,
		 const char *value, const ctrfs_any *options, bool check);

/* container.json of a container being made: `c` (parsed from it; ID and times are
 * the store's) becomes the whole container. Consumes c. 0 or -errno, logged. */
int creation_store_info(struct ctrfs *fs, const struct fspath *fp, const char *path, const char *op,
			ctrfs_container *c, bool check);

/* A snapshot key written to a container being made that has no snapshotter yet: held
 * until one comes (true), else false (the caller stores it as usual). */
bool creation_hold_key(struct ctrfs *fs, const struct fspath *fp, const char *value, bool check);

#endif

/* A mount of a store bound to containerd follows containerd (issue 13): a thread that
 * syncs the store with containerd and then applies each of containerd's events to it,
 * reconnecting with backoff (and syncing again) when containerd goes away. */
#ifndef CTRFS_FS_FOLLOW_H
#define CTRFS_FS_FOLLOW_H

#include "ctrfs.h"

/* -o containerd[=ADDRESS]: records the binding in the store (ADDRESS NULL: ctr's,
 * $CONTAINERD_ADDRESS or /run/containerd/containerd.sock). 0, or -1 logged. */
int follow_bind(struct ctrfs *fs, const char *address);
/* Starts following when the store is bound (by this mount or before), and waits (a
 * bounded time) for the first sync, so that the mount shows containerd's records
 * from its first look. containerd down: the mirror is served and the thread keeps
 * trying. 0, or -1 logged. */
int follow_start(struct ctrfs *fs);
/* Stops the thread (safe when it never started). */
void follow_stop(void);

#endif

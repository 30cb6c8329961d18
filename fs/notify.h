/* The change notifier: a thread that follows the store's change log and tells the
 * kernel what to forget (see notify.c). */
#ifndef CTRFS_FS_NOTIFY_H
#define CTRFS_FS_NOTIFY_H

#include "ctrfs.h"

/* Registers fs as a watcher of its store (before the mount), so that every write by
 * another process waits until the notifier has seen it; logs why when it cannot. */
void notify_watch(struct ctrfs *fs);
/* Starts the notifier on fs (after the session is mounted): 0 or -errno. */
int notify_start(struct ctrfs *fs);
/* Stops it and ends the registration; waiting .events readers get the end of the
 * stream. Safe to call again. */
void notify_stop(struct ctrfs *fs);

/* Have the changes numbered up to `seq` all been invalidated in the kernel? Until then
 * the kernel may hold attributes from before them (handle.c then bypasses the cache). */
bool notify_fresh(uint64_t seq);

/* After a change committed through the mount: waits until the notifier invalidated
 * every change this daemon committed (ctrfs_store_committed_seq: no transaction), so
 * that the writer's next command (a stat of another file of the container, as
 * vim does before writing) sees the new UpdatedAt. */
void notify_sync(void);

/* Around a request that may change the store: the notifier then does not look again
 * and again after a wakeup by the request's own write (see notify.c), and looks once
 * when the request is done. */
void notify_own_begin(void);
void notify_own_end(void);

/* Wakes the notifier (events.c: a read interrupted). Async-signal-safe. */
void notify_kick(void);

/* Asks the notifier to expire the kernel's entry parent/name (after a rename through
 * the mount gave it an inode that is not the store file's). */
void notify_inval_entry(fuse_ino_t parent, const char *name);

#endif

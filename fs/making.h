/* Containers being made: copied into the mount by cp -a or rsync -a. */
#ifndef CTRFS_FS_MAKING_H
#define CTRFS_FS_MAKING_H

#include "node.h"

/*
 * mkdir makes a container with defaults; a tool that copies a saved container in
 * (cp -a, rsync -a) then writes its files. A container is *being made* while the
 * process that made it with mkdir runs:
 *  - that process sees in it only what it has made since (cp creates each file with
 *    O_CREAT|O_EXCL and each directory with mkdir, which fail on what exists); other
 *    processes see the whole container;
 *  - its creation-time fields (runtime/name, runtime/options, snapshotter,
 *    sandbox_id) take what is written to them, container.json sets them too, and
 *    the store's own values (created_at, updated_at, container.json's ID and times)
 *    accept any well-formed value without effect;
 *  - a snapshot key written before the snapshotter waits for it (the store keeps a
 *    key only with a snapshotter).
 * Once the process ends, the container follows the rules of every other one.
 */

/* The calling process of req made the container ns/id with mkdir. */
void making_begin(fuse_req_t req, const char *ns, const char *id);
/* Is ns/id being made? */
bool making_active(const char *ns, const char *id);
/* Is fp (a file or directory inside a container) hidden from the caller, the maker
 * of its container, because it did not make it yet? */
bool making_hidden(fuse_req_t req, const struct fspath *fp);
/* The caller made fp (create or mkdir): it sees it from now on. */
void making_made(fuse_req_t req, const struct fspath *fp);
/* ns/id is gone: it is no longer being made. */
void making_forget(const char *ns, const char *id);

/* Keeps `key` as ns/id's snapshot key until a snapshotter comes: false when ns/id is
 * not being made (or out of memory). */
bool making_hold_key(const char *ns, const char *id, const char *key);
/* The snapshot key ns/id holds (malloc'd; NULL if none), no longer held. */
char *making_take_key(const char *ns, const char *id);

#endif

/* Whose store this is: refusing a store that other users could have written. */
#ifndef CTRFS_OWNERSHIP_H
#define CTRFS_OWNERSHIP_H

#include "ctrfs_store.h"

/*
 * Checks the store directory open at dirfd (`path` names it in messages) and the LMDB
 * files in it (those that exist), as ssh checks its own files:
 *  - none may be writable by group or others (whoever could write them could forge
 *    records, or swap the watcher sockets every write connects to);
 *  - for root (euid 0), each must also be owned by root: a store another user owns is
 *    that user's data, and root acting on it (`ctrfs -o ro` as root) must not let that
 *    user steer root;
 *  - the files must be regular files, not symbolic links (LMDB would follow them).
 * FAILED_PRECONDITION with sys_errno EPERM, naming the path and the problem.
 */
ctrfs_code ownership_check(const char *path, int dirfd, ctrfs_error *err);

#endif

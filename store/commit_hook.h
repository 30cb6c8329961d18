/* The post-commit hook (issue 12): what every write of the store runs around its
 * commit, as db_write (db.c) calls it, knowing no more than this. watch.c is the hook:
 * the handshake by which a write waits until every mount caching the store has seen it.
 * A leaf header, so that db.c does not depend on watch.c (which builds on db.h). */
#ifndef CTRFS_COMMIT_HOOK_H
#define CTRFS_COMMIT_HOOK_H

#include "ctrfs_store.h"

struct db_txn;
struct watch; /* a store's watcher state: watch.c's own */

struct commit_hook {
	/* Inside the write's transaction, just before its commit: what `after` needs, read
	 * in the state the write commits (NULL: nothing to do, the common case). */
	void *(*before)(struct db_txn *t);
	/* Once the transaction has ended, no lock held: when `committed`, runs with what
	 * `before` gave; either way frees it. */
	void (*after)(ctrfs_store *s, void *note, bool committed);
};

/* The watcher handshake (watch.c), the hook every store runs. */
extern const struct commit_hook watch_commit_hook;
/* A store's watcher state (ctrfs_store_open); NULL when out of memory. */
struct watch *watch_new(void);
void watch_free(struct watch *w);

#endif

/* A scratch store for the store's unit tests (beside check.h; built with store_dep):
 * made in a fresh directory under /tmp, written without fsync, reopened read-only or for
 * writing, one table dropped to make a store as an earlier ctrfs left it, and removed
 * with its directory. A set-up that fails ends the test (exit 1) with the reason. Static
 * inline: each test uses what it needs. */
#ifndef CTRFS_TESTS_SCRATCH_STORE_H
#define CTRFS_TESTS_SCRATCH_STORE_H

#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "db.h"

static inline ctrfs_store *scratch_store_open(const char *dir, bool read_only)
{
	ctrfs_open_options o = {.read_only = read_only, .no_sync = !read_only, .map_size = 1 << 20};
	ctrfs_store *s;
	ctrfs_error err;
	if (ctrfs_store_open(dir, &o, &s, &err)) {
		fprintf(stderr, "cannot open the store in %s%s: %s\n", dir,
			read_only ? " read-only" : "", err.text);
		exit(1);
	}
	return s;
}

/* dir: a mkdtemp template ("/tmp/ctrfs-test-NAME-XXXXXX"), made here. */
static inline ctrfs_store *scratch_store_make(char *dir)
{
	if (!mkdtemp(dir)) {
		perror(dir);
		exit(1);
	}
	return scratch_store_open(dir, false);
}

/* Closes s and opens the store in dir again. */
static inline ctrfs_store *scratch_store_reopen(ctrfs_store *s, const char *dir, bool read_only)
{
	ctrfs_store_close(s);
	return scratch_store_open(dir, read_only);
}

/* Drops table tb: a store made before the table was added has none. */
static inline void scratch_store_drop_table(ctrfs_store *s, enum db_table tb)
{
	MDB_txn *txn;
	if (mdb_txn_begin(s->env, NULL, 0, &txn) || mdb_drop(txn, s->dbi[tb], 1) ||
	    mdb_txn_commit(txn)) {
		fprintf(stderr, "cannot drop table %d\n", (int)tb);
		exit(1);
	}
}

static inline int scratch_store_remove_one(const char *path, const struct stat *st, int flag,
					   struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

/* Closes s and removes dir with all in it. */
static inline void scratch_store_remove(ctrfs_store *s, const char *dir)
{
	ctrfs_store_close(s);
	nftw(dir, scratch_store_remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

#endif

/* The LMDB environment of a store: opening, transactions, map growth, error mapping. */
#ifndef CTRFS_DB_H
#define CTRFS_DB_H

#include <lmdb.h>
#include <pthread.h>
#include <sys/types.h>

#include "ctrfs_store.h"
#include "strbuf.h"

/* 2 added DB_IMAGES; a version-1 store upgrades in place when opened to write (db.c) */
#define DB_SCHEMA_VERSION 2

enum db_table {
	DB_META,   /* "schema" -> u32 version */
	DB_NS,	   /* <ns> -> namespace record */
	DB_CTR,	   /* <ns>\0<id> -> core record */
	DB_SPEC,   /* <ns>\0<id> -> Any */
	DB_LABELS, /* <ns>\0<id> -> label map */
	DB_EXT,	   /* <ns>\0<id> -> extension map */
	DB_EVENTS, /* u64 BE seq -> event record */
	DB_TIMES,  /* <ns>\0<id> or <ns> -> when each part changed (times.c) */
	DB_IMAGES, /* <ns>\0<image name> -> image record (images.c), schema 2 */
	DB_TASKS,  /* <ns>\0<id> -> the container's task, mirrored (tasks.c) */
	DB_NTABLES,
};

struct ctrfs_store {
	MDB_env *env;
	MDB_dbi dbi[DB_NTABLES];
	char *path;
	bool read_only;
	/* The data file LMDB has open, as it was at open: a write into a file that was
	 * removed (or replaced at its path) since would be acknowledged and lost. */
	char *data_path;
	int data_fd;
	dev_t data_dev;
	ino_t data_ino;
	/* events.c: the change log's byte bound (CTRFS_EVENTS_MAX_BYTES, or its variable) */
	size_t events_max_bytes;
	/* times.c: opened read-only, a store made before the times table has none */
	bool no_times;
	/* images.c: a version-1 store opened read-only has no images table (no images) */
	bool no_images;
	/* tasks.c: likewise, a store made before the tasks table has no tasks */
	bool no_tasks;
	/* Held shared by every transaction of this process, exclusively to grow the map:
	 * LMDB allows mdb_env_set_mapsize only while this process has no transaction. */
	pthread_rwlock_t resize_lock;
	/* What every write runs once committed (commit_hook.h: watch.c's handshake), and
	 * that hook's state, opaque here */
	const struct commit_hook *commit_hook;
	struct watch *watch;
	/* the seq of the newest event this handle committed (atomic; events.c) */
	uint64_t committed_seq;
	/* binding.c: the LMDB transaction as of which the store was found unbound (atomic;
	 * 0: not known), so that an unbound store's writes read no binding record */
	uint64_t unbound_txnid;
	/* binding.c: the connection to containerd of a bound store (made when first needed) */
	struct binding *binding;
};

/* A transaction; `rc` keeps the first LMDB error met inside so that the caller can
 * tell a full map (retry after growing) from other failures. */
struct db_txn {
	ctrfs_store *store;
	MDB_txn *txn;
	int rc;
	uint64_t appended; /* a write: the seq of the last event it appended (0: none) */
	bool rebinds;	   /* a write: it writes the binding record (binding.c) */
};

/* Runs `fn` in one write transaction and commits it, growing the map and retrying
 * when it fills up; then the store's commit hook (commit_hook.h). `fn` must be safe to run again
 * from the start (it is, when it only reads its inputs and the transaction). */
typedef ctrfs_code (*db_txn_fn)(struct db_txn *t, void *arg, ctrfs_error *err);
ctrfs_code db_write(ctrfs_store *s, db_txn_fn fn, void *arg, ctrfs_error *err);

ctrfs_code db_read_begin(ctrfs_store *s, struct db_txn *t, ctrfs_error *err);
void db_read_end(struct db_txn *t);

/* Table access. get: CTRFS_OK, NOT_FOUND (no message set) or an error. */
ctrfs_code db_get(struct db_txn *t, enum db_table tb, const void *key, size_t klen, MDB_val *val,
		  ctrfs_error *err);
ctrfs_code db_put(struct db_txn *t, enum db_table tb, const void *key, size_t klen,
		  const void *data, size_t len, ctrfs_error *err);
ctrfs_code db_put_sb(struct db_txn *t, enum db_table tb, const void *key, size_t klen,
		     struct strbuf *sb, ctrfs_error *err);
/* Deleting a missing key is not an error. */
ctrfs_code db_del(struct db_txn *t, enum db_table tb, const void *key, size_t klen,
		  ctrfs_error *err);
/* Maps an LMDB/system error to a ctrfs error, recording it in t->rc. */
ctrfs_code db_fail(struct db_txn *t, int rc, ctrfs_error *err, const char *what);

/* Keys: "<ns>\0<id>" (the NUL keeps one namespace's containers together in order). */
struct db_key {
	char buf[2 * CTRFS_IDENTIFIER_MAX + 2];
	size_t len;
};
void db_key_container(struct db_key *k, const char *ns, const char *id);

#endif

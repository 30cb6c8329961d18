/* The LMDB environment of a store: opening, transactions, map growth, error mapping. */
#include "db.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "commit_hook.h"
#include "error.h"
#include "ownership.h"
#include "write_seam.h"

#define DB_DEFAULT_MAP_SIZE ((size_t)256 << 20)

static const char *const table_names[DB_NTABLES] = {
    [DB_META] = "meta",	    [DB_NS] = "namespaces",  [DB_CTR] = "containers", [DB_SPEC] = "specs",
    [DB_LABELS] = "labels", [DB_EXT] = "extensions", [DB_EVENTS] = "events",  [DB_TIMES] = "times",
    [DB_IMAGES] = "images", [DB_TASKS] = "tasks",
};

const char *ctrfs_store_path(const ctrfs_store *s)
{
	return s->path;
}

void db_key_container(struct db_key *k, const char *ns, const char *id)
{
	size_t nl = strnlen(ns, CTRFS_IDENTIFIER_MAX), il = strnlen(id, CTRFS_IDENTIFIER_MAX);
	memcpy(k->buf, ns, nl);
	k->buf[nl] = '\0';
	memcpy(k->buf + nl + 1, id, il);
	k->len = nl + 1 + il;
}

/* LMDB reports a short write (what a full disk gives) as EIO; tell the two apart by
 * asking the filesystem for its free space. */
static bool store_disk_full(const ctrfs_store *s)
{
	struct statvfs st;
	if (!s || statvfs(s->path, &st) < 0)
		return false;
	return (unsigned long long)st.f_bavail * st.f_frsize < (1ULL << 20);
}

ctrfs_code db_fail(struct db_txn *t, int rc, ctrfs_error *err, const char *what)
{
	if (t && !t->rc)
		t->rc = rc;
	if (rc == EIO && t && store_disk_full(t->store))
		rc = ENOSPC;
	switch (rc) {
	case MDB_MAP_FULL:
		return ctrfs_fail_sys(err, CTRFS_UNAVAILABLE, ENOSPC, "%s: store map is full",
				      what);
	case ENOSPC:
	case EDQUOT:
		return ctrfs_fail_sys(err, CTRFS_UNAVAILABLE, ENOSPC, "%s: no space left on device",
				      what);
	case EACCES:
		/* not "read-only": the user may not even read it, and should know why */
		return ctrfs_fail_sys(err, CTRFS_UNAVAILABLE, EACCES, "%s: %s", what,
				      strerror(EACCES));
	case EROFS:
		return ctrfs_fail_sys(err, CTRFS_UNAVAILABLE, EROFS, "%s: store is read-only",
				      what);
	case ENOMEM:
		return ctrfs_fail_oom(err);
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
		return ctrfs_fail_sys(err, CTRFS_INTERNAL, EIO, "%s: store is damaged: %s", what,
				      mdb_strerror(rc));
	default:
		return ctrfs_fail_sys(err, CTRFS_INTERNAL, rc > 0 ? rc : EIO, "%s: %s", what,
				      mdb_strerror(rc));
	}
}

/* Adopts a map size grown by another process. Caller holds no transaction. */
static int adopt_map_size(ctrfs_store *s)
{
	pthread_rwlock_wrlock(&s->resize_lock);
	int rc = mdb_env_set_mapsize(s->env, 0);
	pthread_rwlock_unlock(&s->resize_lock);
	return rc;
}

static int grow_map(ctrfs_store *s)
{
	pthread_rwlock_wrlock(&s->resize_lock);
	MDB_envinfo info;
	int rc = mdb_env_info(s->env, &info);
	if (!rc)
		rc = mdb_env_set_mapsize(s->env, info.me_mapsize * 2);
	pthread_rwlock_unlock(&s->resize_lock);
	return rc;
}

static int txn_begin(ctrfs_store *s, unsigned flags, MDB_txn **txn)
{
	for (int tries = 0;; tries++) {
		pthread_rwlock_rdlock(&s->resize_lock);
		int rc = mdb_txn_begin(s->env, NULL, flags, txn);
		if (rc == 0)
			return 0;
		pthread_rwlock_unlock(&s->resize_lock);
		if (rc != MDB_MAP_RESIZED || tries > 8)
			return rc;
		rc = adopt_map_size(s);
		if (rc)
			return rc;
	}
}

ctrfs_code db_read_begin(ctrfs_store *s, struct db_txn *t, ctrfs_error *err)
{
	t->store = s;
	t->rc = 0;
	int rc = txn_begin(s, MDB_RDONLY, &t->txn);
	if (rc)
		return db_fail(NULL, rc, err, "read transaction");
	return CTRFS_OK;
}

void db_read_end(struct db_txn *t)
{
	if (!t->txn)
		return;
	mdb_txn_abort(t->txn);
	t->txn = NULL;
	pthread_rwlock_unlock(&t->store->resize_lock);
}

/* Is the data file LMDB writes still the store at s->path? After `rm -rf` of the store
 * (or a new store made in its place) every write would be acknowledged into a file that
 * nobody reads again, lost at close. One fstat and one stat per write transaction. */
static ctrfs_code still_in_place(ctrfs_store *s, ctrfs_error *err)
{
	struct stat st;
	if (fstat(s->data_fd, &st) == 0 && st.st_nlink > 0 && stat(s->data_path, &st) == 0 &&
	    st.st_dev == s->data_dev && st.st_ino == s->data_ino)
		return CTRFS_OK;
	return ctrfs_fail_sys(err, CTRFS_UNAVAILABLE, ESTALE,
			      "store %s was removed or replaced while open: reopen it (remount)",
			      s->path);
}

/* Records that the events up to seq are committed (seqs only grow, but two threads
 * may finish their commits in either order). */
static void committed(ctrfs_store *s, uint64_t seq)
{
	uint64_t cur = __atomic_load_n(&s->committed_seq, __ATOMIC_RELAXED);
	while (cur < seq && !__atomic_compare_exchange_n(&s->committed_seq, &cur, seq, true,
							 __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		;
}

uint64_t ctrfs_store_version(ctrfs_store *s)
{
	MDB_envinfo info;
	/* it reads the meta pages in the map, which growing it replaces: as a transaction,
	 * never while another thread of ours grows it */
	pthread_rwlock_rdlock(&s->resize_lock);
	int rc = mdb_env_info(s->env, &info);
	pthread_rwlock_unlock(&s->resize_lock);
	return rc ? 0 : (uint64_t)info.me_last_txnid;
}

uint64_t ctrfs_store_committed_seq(ctrfs_store *s)
{
	return __atomic_load_n(&s->committed_seq, __ATOMIC_ACQUIRE);
}

ctrfs_code db_write(ctrfs_store *s, db_txn_fn fn, void *arg, ctrfs_error *err)
{
	if (s->read_only)
		return ctrfs_fail_sys(err, CTRFS_UNAVAILABLE, EROFS, "store %s is opened read-only",
				      s->path);
	for (int tries = 0;; tries++) {
		struct db_txn t = {s, NULL, 0};
		void *note = NULL;
		int rc = txn_begin(s, 0, &t.txn);
		if (rc)
			return db_fail(NULL, rc, err, "write transaction");
		ctrfs_code code = still_in_place(s, err);
		if (code == CTRFS_OK)
			code = fn(&t, arg, err);
		if (code == CTRFS_OK) {
			note = s->commit_hook->before(&t);
			uint64_t id = mdb_txn_id(t.txn);
			rc = mdb_txn_commit(t.txn);
			/* unbound before this commit, which left the binding alone: unbound
			 * after it (binding_on reads nothing) */
			uint64_t prev = id - 1;
			if (!rc && !t.rebinds)
				__atomic_compare_exchange_n(&s->unbound_txnid, &prev, id, false,
							    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
			if (rc)
				code = db_fail(&t, rc, err, "commit");
			else if (t.appended)
				committed(s, t.appended);
		} else {
			mdb_txn_abort(t.txn);
		}
		pthread_rwlock_unlock(&s->resize_lock);
		/* the mounts caching this store forget what changed before we return */
		if (note)
			s->commit_hook->after(s, note, code == CTRFS_OK);
		if (code == CTRFS_OK || t.rc != MDB_MAP_FULL || tries > 16)
			return code;
		rc = grow_map(s);
		if (rc)
			return db_fail(NULL, rc, err, "growing the store map");
	}
}

ctrfs_code db_get(struct db_txn *t, enum db_table tb, const void *key, size_t klen, MDB_val *val,
		  ctrfs_error *err)
{
	MDB_val k = {klen, (void *)key};
	int rc = mdb_get(t->txn, t->store->dbi[tb], &k, val);
	if (rc == MDB_NOTFOUND)
		return CTRFS_NOT_FOUND;
	if (rc)
		return db_fail(t, rc, err, table_names[tb]);
	return CTRFS_OK;
}

ctrfs_code db_put(struct db_txn *t, enum db_table tb, const void *key, size_t klen,
		  const void *data, size_t len, ctrfs_error *err)
{
	MDB_val k = {klen, (void *)key}, v = {len, (void *)data};
	int rc = mdb_put(t->txn, t->store->dbi[tb], &k, &v, 0);
	if (rc)
		return db_fail(t, rc, err, table_names[tb]);
	return CTRFS_OK;
}

ctrfs_code db_put_sb(struct db_txn *t, enum db_table tb, const void *key, size_t klen,
		     struct strbuf *sb, ctrfs_error *err)
{
	if (sb->oom)
		return ctrfs_fail_oom(err);
	return db_put(t, tb, key, klen, sb->buf ? sb->buf : "", sb->len, err);
}

ctrfs_code db_del(struct db_txn *t, enum db_table tb, const void *key, size_t klen,
		  ctrfs_error *err)
{
	MDB_val k = {klen, (void *)key};
	int rc = mdb_del(t->txn, t->store->dbi[tb], &k, NULL);
	if (rc && rc != MDB_NOTFOUND)
		return db_fail(t, rc, err, table_names[tb]);
	return CTRFS_OK;
}

/* Opens (creating when allowed) every table and checks the schema version. */
static ctrfs_code open_tables(ctrfs_store *s, ctrfs_error *err)
{
	MDB_txn *txn;
	int rc = txn_begin(s, s->read_only ? MDB_RDONLY : 0, &txn);
	if (rc)
		return db_fail(NULL, rc, err, s->path);
	/* txn_begin holds the resize lock shared for the transaction's life */
	pthread_rwlock_unlock(&s->resize_lock);
	for (int i = 0; i < DB_NTABLES; i++) {
		rc = mdb_dbi_open(txn, table_names[i], s->read_only ? 0 : MDB_CREATE, &s->dbi[i]);
		if (rc == MDB_NOTFOUND && i == DB_TIMES) {
			/* added later: an older store, opened read-only, shows UpdatedAt */
			s->no_times = true;
			continue;
		}
		if (rc == MDB_NOTFOUND && i == DB_IMAGES) {
			/* schema 2: a version-1 store opened read-only has no images */
			s->no_images = true;
			continue;
		}
		if (rc == MDB_NOTFOUND && i == DB_TASKS) {
			s->no_tasks = true; /* likewise: an older store has no tasks */
			continue;
		}
		if (rc) {
			mdb_txn_abort(txn);
			if (rc == MDB_NOTFOUND)
				return ctrfs_fail(err, CTRFS_NOT_FOUND,
						  "%s: not a ctrfs store (no table %s)", s->path,
						  table_names[i]);
			return db_fail(NULL, rc, err, s->path);
		}
	}
	MDB_val k = {6, "schema"}, v;
	rc = mdb_get(txn, s->dbi[DB_META], &k, &v);
	uint32_t version = DB_SCHEMA_VERSION;
	if (rc == MDB_NOTFOUND && !s->read_only) {
		v.mv_size = sizeof(version);
		v.mv_data = &version;
		rc = mdb_put(txn, s->dbi[DB_META], &k, &v, 0);
	} else if (rc == 0) {
		if (v.mv_size != sizeof(version))
			rc = MDB_CORRUPTED;
		else
			memcpy(&version, v.mv_data, sizeof(version));
	}
	if (rc) {
		mdb_txn_abort(txn);
		return db_fail(NULL, rc, err, s->path);
	}
	/* Version 1 lacked only the images table, which the loop above has just created
	 * when writable: the upgrade in place is recording the new version. Read-only, a
	 * version-1 store is read as it is (no images). */
	if (version == 1 && s->no_images)
		version = DB_SCHEMA_VERSION;
	else if (version == 1 && !s->read_only) {
		version = DB_SCHEMA_VERSION;
		v.mv_size = sizeof(version);
		v.mv_data = &version;
		rc = mdb_put(txn, s->dbi[DB_META], &k, &v, 0);
		if (rc) {
			mdb_txn_abort(txn);
			return db_fail(NULL, rc, err, s->path);
		}
	}
	if (version != DB_SCHEMA_VERSION) {
		mdb_txn_abort(txn);
		return ctrfs_fail(err, CTRFS_FAILED_PRECONDITION,
				  "%s: store schema version %u, this ctrfs reads version %d",
				  s->path, version, DB_SCHEMA_VERSION);
	}
	rc = mdb_txn_commit(txn);
	if (rc)
		return db_fail(NULL, rc, err, s->path);
	return CTRFS_OK;
}

/* The store directory, opened without following a symbolic link in its last component
 * (whose target could change between our checks and LMDB's open); created (0700) when
 * missing and allowed. */
static ctrfs_code open_dir(const char *path, const ctrfs_open_options *opts, int *fd,
			   ctrfs_error *err)
{
	const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	*fd = open(path, flags);
	if (*fd < 0 && errno == ENOENT && !opts->no_create && !opts->read_only) {
		/* 0700: container specs hold secrets (env vars) */
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			return ctrfs_fail_sys(err, CTRFS_INTERNAL, errno, "creating %s: %s", path,
					      strerror(errno));
		*fd = open(path, flags);
	}
	if (*fd >= 0)
		return CTRFS_OK;
	if (errno == ENOENT)
		return ctrfs_fail_sys(err, CTRFS_NOT_FOUND, ENOENT, "store %s: not found", path);
	int saved = errno;
	struct stat st;
	/* O_NOFOLLOW|O_DIRECTORY on a symbolic link fails ENOTDIR or ELOOP */
	if ((saved == ENOTDIR || saved == ELOOP) && lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
		return ctrfs_fail(
		    err, CTRFS_INVALID_ARGUMENT,
		    "store %s: a symbolic link: give the path of the directory itself", path);
	if (saved == ENOTDIR)
		return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT, "store %s: not a directory", path);
	return ctrfs_fail_sys(err, CTRFS_INTERNAL, saved, "%s: %s", path, strerror(saved));
}

/* With no_create, a directory without a data file is no store either: LMDB would make
 * one in any directory a mistyped path names (/tmp, $HOME). */
static ctrfs_code check_data_file(const char *path, int dirfd, ctrfs_error *err)
{
	struct stat st;
	if (fstatat(dirfd, "data.mdb", &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT)
		return CTRFS_OK; /* anything else: LMDB's open says what is wrong */
	return ctrfs_fail_sys(err, CTRFS_NOT_FOUND, ENOENT, "store %s: not found", path);
}

/* Remembers the data file LMDB opened, after checking that it is the one in the
 * directory that was checked (not one swapped in meanwhile). */
static ctrfs_code note_data_file(ctrfs_store *s, int dirfd, ctrfs_error *err)
{
	struct stat st, in_dir;
	int rc = mdb_env_get_fd(s->env, &s->data_fd);
	if (rc)
		return db_fail(NULL, rc, err, s->path);
	if (asprintf(&s->data_path, "%s/data.mdb", s->path) < 0) {
		s->data_path = NULL;
		return ctrfs_fail_oom(err);
	}
	if (fstat(s->data_fd, &st) < 0 ||
	    fstatat(dirfd, "data.mdb", &in_dir, AT_SYMLINK_NOFOLLOW) < 0)
		return ctrfs_fail_sys(err, CTRFS_INTERNAL, errno, "store %s: %s", s->path,
				      strerror(errno));
	if (st.st_dev != in_dir.st_dev || st.st_ino != in_dir.st_ino)
		return ctrfs_fail_sys(err, CTRFS_UNAVAILABLE, ESTALE,
				      "store %s: data.mdb was replaced while being opened",
				      s->path);
	s->data_dev = st.st_dev;
	s->data_ino = st.st_ino;
	return CTRFS_OK;
}

static size_t size_from_env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? strtoull(v, NULL, 10) : 0;
}

ctrfs_code ctrfs_store_open(const char *path, const ctrfs_open_options *opts, ctrfs_store **out,
			    ctrfs_error *err)
{
	ctrfs_open_options none = {0};
	if (!opts)
		opts = &none;
	*out = NULL;
	int dirfd;
	ctrfs_code code = open_dir(path, opts, &dirfd, err);
	if (code)
		return code;
	if (opts->no_create)
		code = check_data_file(path, dirfd, err);
	if (!code)
		code = ownership_check(path, dirfd, err);
	if (code) {
		close(dirfd);
		return code;
	}

	ctrfs_store *s = calloc(1, sizeof(*s));
	if (!s || !(s->path = strdup(path))) {
		free(s);
		close(dirfd);
		return ctrfs_fail_oom(err);
	}
	s->read_only = opts->read_only;
	s->data_fd = -1;
	/* CTRFS_EVENTS_MAX_BYTES lets tests use a small change log */
	s->events_max_bytes = size_from_env("CTRFS_EVENTS_MAX_BYTES");
	if (!s->events_max_bytes)
		s->events_max_bytes = CTRFS_EVENTS_MAX_BYTES;
	pthread_rwlock_init(&s->resize_lock, NULL);
	s->commit_hook = &watch_commit_hook;
	s->watch = watch_new();
	int rc = s->watch ? mdb_env_create(&s->env) : ENOMEM;
	if (!rc)
		rc = mdb_env_set_maxdbs(s->env, DB_NTABLES + 2);
	if (!rc)
		rc = mdb_env_set_maxreaders(s->env, 1022);
	/* CTRFS_MAP_SIZE (bytes) lets tests start small to exercise the map growth */
	size_t map_size = opts->map_size ? opts->map_size : size_from_env("CTRFS_MAP_SIZE");
	if (!rc)
		rc = mdb_env_set_mapsize(s->env, map_size ? map_size : DB_DEFAULT_MAP_SIZE);
	/* NOTLS: read transactions are not tied to threads (the FUSE daemon has a pool). */
	unsigned flags =
	    MDB_NOTLS | (opts->read_only ? MDB_RDONLY : 0) | (opts->no_sync ? MDB_NOSYNC : 0);
	if (!rc)
		rc = mdb_env_open(s->env, path, flags, 0600);
	if (rc) {
		code = rc == ENOENT ? ctrfs_fail_sys(err, CTRFS_NOT_FOUND, ENOENT,
						     "store %s: not found", path)
				    : db_fail(NULL, rc, err, path);
	} else {
		int dead = 0;
		/* readers left by processes that died (kill -9) would pin old pages forever */
		mdb_reader_check(s->env, &dead);
		code = note_data_file(s, dirfd, err);
		if (!code)
			code = open_tables(s, err);
	}
	close(dirfd);
	if (code) {
		ctrfs_store_close(s);
		return code;
	}
	*out = s;
	return CTRFS_OK;
}

void ctrfs_store_close(ctrfs_store *s)
{
	if (!s)
		return;
	if (s->env)
		mdb_env_close(s->env);
	binding_free(s);
	pthread_rwlock_destroy(&s->resize_lock);
	watch_free(s->watch);
	free(s->data_path);
	free(s->path);
	free(s);
}

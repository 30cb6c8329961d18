/* A store bound to a running containerd (see write_seam.h): the binding's record in the
 * meta table, and the store's one client, taken and given back a call at a time. The
 * one place where containerd's status codes become store codes (ctrd_fail). The writes
 * are binding_writes.c, the sync and refreshes binding_sync.c. */
#include "binding_client.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "db.h"

#define META_KEY "containerd"

/* The store's connection to containerd: one client, one call at a time. */
struct binding {
	pthread_mutex_t lock;
	char *address;
	ctrd_client *client;
};

static pthread_mutex_t make_lock = PTHREAD_MUTEX_INITIALIZER;

static struct binding *binding_of(ctrfs_store *s)
{
	pthread_mutex_lock(&make_lock);
	if (!s->binding && (s->binding = calloc(1, sizeof(*s->binding))))
		pthread_mutex_init(&s->binding->lock, NULL);
	pthread_mutex_unlock(&make_lock);
	return s->binding;
}

void binding_free(ctrfs_store *s)
{
	if (!s->binding)
		return;
	ctrd_client_free(s->binding->client);
	free(s->binding->address);
	pthread_mutex_destroy(&s->binding->lock);
	free(s->binding);
	s->binding = NULL;
}

/* ---- the record ---- */

ctrfs_code ctrfs_store_bound_address(ctrfs_store *s, char **address, ctrfs_error *err)
{
	struct db_txn t;
	MDB_val v;
	*address = NULL;
	ctrfs_code code = db_read_begin(s, &t, err);
	if (code)
		return code;
	code = db_get(&t, DB_META, META_KEY, strlen(META_KEY), &v, err);
	if (code == CTRFS_OK && v.mv_size && !(*address = strndup(v.mv_data, v.mv_size)))
		code = ctrfs_fail_oom(err);
	else if (code == CTRFS_NOT_FOUND)
		code = CTRFS_OK;
	if (!code && !*address)
		/* what binding_on may answer without a read until the store changes */
		__atomic_store_n(&s->unbound_txnid, (uint64_t)mdb_txn_id(t.txn), __ATOMIC_RELEASE);
	db_read_end(&t);
	return code;
}

struct bind_args {
	const char *address;
	unsigned flags;
};

/* Does the store hold any namespace? (a store that is not a mirror yet holds the
 * user's own records, which the first sync would replace) */
static ctrfs_code holds_namespaces(struct db_txn *t, bool *any, ctrfs_error *err)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = mdb_cursor_open(t->txn, t->store->dbi[DB_NS], &cur);
	if (rc)
		return db_fail(t, rc, err, "namespaces");
	rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		return db_fail(t, rc, err, "namespaces");
	*any = rc == 0;
	return CTRFS_OK;
}

static ctrfs_code bind_txn(struct db_txn *t, void *p, ctrfs_error *err)
{
	const struct bind_args *a = p;
	/* binding_on reads again, from this commit on */
	t->rebinds = true;
	__atomic_store_n(&t->store->unbound_txnid, 0, __ATOMIC_RELEASE);
	if (!a->address || !*a->address)
		return db_del(t, DB_META, META_KEY, strlen(META_KEY), err);
	MDB_val v;
	ctrfs_code code = db_get(t, DB_META, META_KEY, strlen(META_KEY), &v, err);
	if (code == CTRFS_NOT_FOUND && !(a->flags & CTRFS_BIND_REPLACE)) {
		bool any = false;
		if ((code = holds_namespaces(t, &any, err)))
			return code;
		if (any)
			return ctrfs_fail(
			    err, CTRFS_FAILED_PRECONDITION,
			    "%s holds namespaces of its own: bound to containerd, it "
			    "would hold only what containerd holds (bind a new store, "
			    "or replace them: ctrfsctl bind --replace)",
			    t->store->path);
	} else if (code && code != CTRFS_NOT_FOUND) {
		return code;
	}
	return db_put(t, DB_META, META_KEY, strlen(META_KEY), a->address, strlen(a->address), err);
}

ctrfs_code ctrfs_store_bind(ctrfs_store *s, const char *address, unsigned flags, ctrfs_error *err)
{
	struct bind_args a = {address, flags};
	return db_write(s, bind_txn, &a, err);
}

const char *ctrfs_containerd_default_address(void)
{
	return ctrd_address_from_env();
}

bool binding_on(ctrfs_store *s)
{
	char *address = NULL;
	/* unbound as of the store's last commit: nothing to read (a write through this
	 * handle keeps that true, see db_write; any other commit makes us read again) */
	uint64_t unbound = __atomic_load_n(&s->unbound_txnid, __ATOMIC_ACQUIRE);
	if (unbound && ctrfs_store_version(s) == unbound)
		return false;
	if (ctrfs_store_bound_address(s, &address, NULL) || !address)
		return false;
	struct binding *b = binding_of(s);
	if (!b) {
		free(address);
		return false;
	}
	pthread_mutex_lock(&b->lock);
	if (!b->address || strcmp(b->address, address) != 0) {
		ctrd_client_free(b->client); /* bound elsewhere since */
		b->client = NULL;
		free(b->address);
		b->address = address;
	} else {
		free(address);
	}
	pthread_mutex_unlock(&b->lock);
	return true;
}

/* ---- errors: containerd's codes as the store's, once ---- */

static ctrfs_code ctrd_fail(ctrfs_error *err, const struct ctrd_status *st, const char *address)
{
	const char *msg = st->message ? st->message : ctrd_code_name(st->code);
	switch (st->code) {
	case CTRD_INVALID_ARGUMENT:
	case CTRD_OUT_OF_RANGE:
	case CTRD_UNKNOWN: /* containerd's "key required" for an empty label key */
		return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT, "%s", msg);
	case CTRD_NOT_FOUND:
		return ctrfs_fail(err, CTRFS_NOT_FOUND, "%s", msg);
	case CTRD_ALREADY_EXISTS:
		return ctrfs_fail(err, CTRFS_ALREADY_EXISTS, "%s", msg);
	case CTRD_FAILED_PRECONDITION:
		return ctrfs_fail(err, CTRFS_FAILED_PRECONDITION, "%s", msg);
	case CTRD_UNAVAILABLE:
		return ctrfs_fail_sys(err, CTRFS_UNAVAILABLE, EIO, "%s", msg);
	case CTRD_DEADLINE_EXCEEDED:
	case CTRD_CANCELLED:
		return ctrfs_fail_sys(err, CTRFS_UNAVAILABLE, EIO, "containerd at %s: %s", address,
				      msg);
	default:
		return ctrfs_fail_sys(err, CTRFS_INTERNAL, EIO, "containerd: %s: %s",
				      ctrd_code_name(st->code), msg);
	}
}

/* Takes the store's client (connecting when needed); release with client_put. */
ctrfs_code client_get(ctrfs_store *s, ctrd_client **out, ctrfs_error *err)
{
	struct binding *b = binding_of(s);
	*out = NULL;
	if (!b)
		return ctrfs_fail_oom(err);
	pthread_mutex_lock(&b->lock);
	if (!b->address) {
		pthread_mutex_unlock(&b->lock);
		return ctrfs_fail(err, CTRFS_FAILED_PRECONDITION,
				  "store is not bound to containerd");
	}
	if (!b->client) {
		struct ctrd_status st = {0};
		if (ctrd_connect(b->address, &b->client, &st)) {
			ctrfs_code code = ctrd_fail(err, &st, b->address);
			ctrd_status_clear(&st);
			b->client = NULL;
			pthread_mutex_unlock(&b->lock);
			return code;
		}
	}
	*out = b->client;
	return CTRFS_OK;
}

/* Ends a call: maps a failure into err (a broken connection is dropped, the next call
 * connects again) and lets the next caller in. */
ctrfs_code client_put(ctrfs_store *s, int rc, struct ctrd_status *st, ctrfs_error *err)
{
	struct binding *b = s->binding;
	ctrfs_code code = CTRFS_OK;
	if (rc) {
		code = ctrd_fail(err, st, b->address);
		if (rc == CTRD_UNAVAILABLE || rc == CTRD_DEADLINE_EXCEEDED ||
		    rc == CTRD_CANCELLED) {
			ctrd_client_free(b->client);
			b->client = NULL;
		}
	}
	ctrd_status_clear(st);
	pthread_mutex_unlock(&b->lock);
	return code;
}

ctrfs_code require_bound(ctrfs_store *s, ctrfs_error *err)
{
	return binding_on(s)
		   ? CTRFS_OK
		   : ctrfs_fail(err, CTRFS_FAILED_PRECONDITION, "store is not bound to containerd");
}

ctrfs_code bound_client(ctrfs_store *s, ctrd_client **out, ctrfs_error *err)
{
	ctrfs_code code = require_bound(s, err);
	return code ? code : client_get(s, out, err);
}

/* A store bound to a running containerd: writes go to containerd first, its answer is
 * mirrored (see write_seam.h, mirror.h). The one place where containerd's status codes
 * become store codes (ctrd_fail). */
#include "binding_client.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrd_client.h"
#include "db.h"
#include "error.h"
#include "goquote.h"
#include "mirror.h"
#include "tasks.h"

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

/* ---- records: the store's ↔ the client's ---- */

static struct ctrd_label *labels_out(const ctrfs_labels *l, size_t *n)
{
	*n = l->count;
	struct ctrd_label *v = calloc(l->count + 1, sizeof(*v));
	for (size_t i = 0; v && i < l->count; i++)
		v[i] = (struct ctrd_label){l->items[i].key, l->items[i].value};
	return v;
}

static struct ctrd_any any_out(bool present, const ctrfs_any *a)
{
	return (struct ctrd_any){present, present ? a->type_url : NULL, present ? a->value : NULL,
				 present ? a->value_len : 0};
}

/* The client's form of C, borrowing C's strings; free with borrowed_clear. */
static bool container_out(const ctrfs_container *c, struct ctrd_container *o)
{
	memset(o, 0, sizeof(*o));
	o->id = c->id;
	o->image = c->image;
	o->runtime_name = c->runtime_name;
	o->runtime_options = any_out(c->has_runtime_options, &c->runtime_options);
	o->spec = any_out(c->has_spec, &c->spec);
	o->snapshotter = c->snapshotter;
	o->snapshot_key = c->snapshot_key;
	o->labels = labels_out(&c->labels, &o->n_labels);
	o->n_extensions = c->extensions.count;
	o->extensions = calloc(c->extensions.count + 1, sizeof(*o->extensions));
	for (size_t i = 0; o->extensions && i < c->extensions.count; i++)
		o->extensions[i] = (struct ctrd_extension){
		    c->extensions.items[i].name, any_out(true, &c->extensions.items[i].any)};
	return o->labels && o->extensions;
}

static void borrowed_clear(struct ctrd_container *o)
{
	free(o->labels);
	free(o->extensions);
}

ctrfs_time time_in(struct ctrd_time t)
{
	return t.present ? (ctrfs_time){t.seconds, t.nanos} : (ctrfs_time){0, 0};
}

bool labels_in(const struct ctrd_label *v, size_t n, ctrfs_labels *l)
{
	for (size_t i = 0; i < n; i++)
		if (ctrfs_labels_set(l, v[i].key, v[i].value ? v[i].value : ""))
			return false;
	return true;
}

static bool any_in(const struct ctrd_any *a, ctrfs_any *out)
{
	return ctrfs_any_set(out, a->type_url ? a->type_url : "", a->value, a->value_len) ==
	       CTRFS_OK;
}

bool str_in(char **dst, const char *src)
{
	*dst = src && *src ? strdup(src) : NULL;
	return !src || !*src || *dst;
}

/* The store's form of containerd's container (a deep copy). */
static ctrfs_code container_in(const struct ctrd_container *c, ctrfs_container *o, ctrfs_error *err)
{
	memset(o, 0, sizeof(*o));
	bool ok = str_in(&o->id, c->id) && str_in(&o->image, c->image) &&
		  str_in(&o->runtime_name, c->runtime_name) &&
		  str_in(&o->snapshotter, c->snapshotter) &&
		  str_in(&o->snapshot_key, c->snapshot_key) &&
		  labels_in(c->labels, c->n_labels, &o->labels);
	if (ok && (o->has_runtime_options = c->runtime_options.present))
		ok = any_in(&c->runtime_options, &o->runtime_options);
	if (ok && (o->has_spec = c->spec.present))
		ok = any_in(&c->spec, &o->spec);
	for (size_t i = 0; ok && i < c->n_extensions; i++) {
		ctrfs_any a = {0};
		ok = any_in(&c->extensions[i].value, &a) &&
		     ctrfs_extensions_set(&o->extensions, c->extensions[i].name, &a) == CTRFS_OK;
		ctrfs_any_clear(&a);
	}
	o->created_at = time_in(c->created_at);
	o->updated_at = time_in(c->updated_at);
	if (!ok) {
		ctrfs_container_clear(o);
		return ctrfs_fail_oom(err);
	}
	return CTRFS_OK;
}

/* Mirrors containerd's answer; `out` (may be NULL) receives it as the store returns
 * its own (labels with empty values are none). */
static ctrfs_code mirror_answer(ctrfs_store *s, const char *ns, const struct ctrd_container *got,
				ctrfs_container *out, ctrfs_error *err)
{
	ctrfs_container c;
	ctrfs_code code = container_in(got, &c, err);
	if (!code)
		code = mirror_container_put(s, ns, &c, err);
	if (!code && out)
		*out = c;
	else
		ctrfs_container_clear(&c);
	return code;
}

/* ---- container writes ---- */

ctrfs_code binding_container_create(ctrfs_store *s, const char *ns, const ctrfs_container *c,
				    ctrfs_container *created, ctrfs_error *err)
{
	struct ctrd_container in, got = {0};
	struct ctrd_status st = {0};
	if (!container_out(c, &in)) {
		borrowed_clear(&in);
		return ctrfs_fail_oom(err);
	}
	ctrd_client *cl;
	ctrfs_code code = client_get(s, &cl, err);
	if (cl)
		code = client_put(s, ctrd_container_create(cl, ns, &in, &got, &st), &st, err);
	borrowed_clear(&in);
	if (!code)
		code = mirror_answer(s, ns, &got, created, err);
	ctrd_container_clear(&got);
	return code;
}

static ctrfs_code update_paths(ctrfs_store *s, const char *ns, const ctrfs_container *c,
			       const char *const *paths, size_t npaths, ctrfs_container *updated,
			       ctrfs_error *err)
{
	struct ctrd_container in, got = {0};
	struct ctrd_status st = {0};
	if (!container_out(c, &in)) {
		borrowed_clear(&in);
		return ctrfs_fail_oom(err);
	}
	ctrd_client *cl;
	ctrfs_code code = client_get(s, &cl, err);
	if (cl)
		code = client_put(s, ctrd_container_update(cl, ns, &in, paths, npaths, &got, &st),
				  &st, err);
	borrowed_clear(&in);
	if (!code)
		code = mirror_answer(s, ns, &got, updated, err);
	ctrd_container_clear(&got);
	return code;
}

ctrfs_code binding_container_update(ctrfs_store *s, const char *ns, const ctrfs_container *c,
				    const char *const *paths, size_t npaths,
				    const ctrfs_update_options *opts, ctrfs_container *updated,
				    ctrfs_error *err)
{
	/* the store's own rules and compare-and-set first, in a read: a write the store
	 * would refuse never reaches containerd */
	ctrfs_update_options check = {.check_only = true,
				      .unless_changed = opts ? opts->unless_changed : NULL};
	ctrfs_code code = ctrfs_container_update_ex(s, ns, c, paths, npaths, &check, NULL, err);
	if (code)
		return code;
	return update_paths(s, ns, c, paths, npaths, updated, err);
}

ctrfs_code binding_container_rename_key(ctrfs_store *s, const char *ns, const char *id,
					bool extension, const char *from, const char *to,
					ctrfs_error *err)
{
	ctrfs_container cur, next = {.id = (char *)id};
	ctrfs_code code = ctrfs_container_get(
	    s, ns, id, extension ? CTRFS_LOAD_EXTENSIONS : CTRFS_LOAD_LABELS, &cur, err);
	if (code)
		return code;
	const char *value = extension ? NULL : ctrfs_labels_get(&cur.labels, from);
	const ctrfs_any *any = extension ? ctrfs_extensions_get(&cur.extensions, from) : NULL;
	if (!value && !any)
		code = ctrfs_fail(err, CTRFS_NOT_FOUND, "%s \"%s\": not found",
				  extension ? "extension" : "label", from);
	else if (extension ? ctrfs_extensions_set(&next.extensions, to, any)
			   : ctrfs_labels_set(&next.labels, to, value))
		code = ctrfs_fail_oom(err);
	char *paths[2] = {NULL, NULL};
	const char *prefix = extension ? "extensions." : "labels.";
	if (!code && (asprintf(&paths[0], "%s%s", prefix, from) < 0 ||
		      asprintf(&paths[1], "%s%s", prefix, to) < 0))
		code = ctrfs_fail_oom(err);
	/* one Update naming both keys: the old one absent (removed), the new one set */
	if (!code)
		code = update_paths(s, ns, &next, (const char *const *)paths,
				    strcmp(from, to) ? 2 : 1, NULL, err);
	free(paths[0]);
	free(paths[1]);
	ctrfs_labels_clear(&next.labels);
	ctrfs_extensions_clear(&next.extensions);
	ctrfs_container_clear(&cur);
	return code;
}

/* containerd's Containers.Delete deletes a container whose task runs (the task then
 * runs on, with no container); ctr refuses it first, in its client, with this message.
 * A stopped task ctr deletes first: ctrfs has no task writes, so it asks for that. */
static ctrfs_code refuse_with_task(ctrfs_store *s, const char *ns, const char *id, ctrfs_error *err)
{
	ctrfs_task task;
	ctrfs_code code = ctrfs_task_get(s, ns, id, &task, err);
	if (code)
		return code == CTRFS_NOT_FOUND ? CTRFS_OK : code;
	if (task.status == CTRFS_TASK_STOPPED)
		code = ctrfs_fail(err, CTRFS_FAILED_PRECONDITION,
				  "container %s has a stopped task: delete it first (ctr tasks rm)",
				  GOQ(id));
	else
		code = ctrfs_fail(err, CTRFS_FAILED_PRECONDITION,
				  "cannot delete a non stopped container: {%s %u 0001-01-01 "
				  "00:00:00 +0000 UTC}",
				  ctrfs_task_status_name(task.status), task.exit_status);
	ctrfs_task_clear(&task);
	return code;
}

ctrfs_code binding_container_delete(ctrfs_store *s, const char *ns, const char *id,
				    ctrfs_error *err)
{
	struct ctrd_status st = {0};
	ctrd_client *cl;
	ctrfs_code code = refuse_with_task(s, ns, id, err);
	if (code)
		return code;
	code = client_get(s, &cl, err);
	if (code)
		return code;
	code = client_put(s, ctrd_container_delete(cl, ns, id, &st), &st, err);
	if (!code)
		code = mirror_container_drop(s, ns, id, err);
	return code;
}

ctrfs_code binding_container_recreate(ctrfs_store *s, const char *ns, const ctrfs_container *c,
				      ctrfs_error *err)
{
	/* containerd has no way to change creation-time fields: the container is deleted
	 * and created again (containerd gives it a new CreatedAt) */
	ctrfs_container cur;
	ctrfs_code code = ctrfs_container_get(s, ns, c->id, 0, &cur, err);
	if (code)
		return code;
	ctrfs_container_clear(&cur);
	code = binding_container_delete(s, ns, c->id, err);
	if (!code)
		code = binding_container_create(s, ns, c, NULL, err);
	return code;
}

/* ---- namespace writes ---- */

/* NAME: the one written (containerd's Update answers with labels only) */
static ctrfs_code mirror_ns_answer(ctrfs_store *s, const char *name,
				   const struct ctrd_namespace *got, ctrfs_error *err)
{
	ctrfs_labels l = {0};
	ctrfs_code code =
	    labels_in(got->labels, got->n_labels, &l) ? CTRFS_OK : ctrfs_fail_oom(err);
	if (!code)
		code = mirror_namespace_put(s, name, &l, err);
	ctrfs_labels_clear(&l);
	return code;
}

ctrfs_code binding_namespace_create(ctrfs_store *s, const char *name, const ctrfs_labels *labels,
				    ctrfs_error *err)
{
	ctrfs_labels none = {0};
	struct ctrd_namespace in = {.name = (char *)name}, got = {0};
	struct ctrd_status st = {0};
	if (!(in.labels = labels_out(labels ? labels : &none, &in.n_labels)))
		return ctrfs_fail_oom(err);
	ctrd_client *cl;
	ctrfs_code code = client_get(s, &cl, err);
	if (cl)
		code = client_put(s, ctrd_namespace_create(cl, &in, &got, &st), &st, err);
	free(in.labels);
	if (!code)
		code = mirror_ns_answer(s, name, &got, err);
	ctrd_namespace_clear(&got);
	return code;
}

ctrfs_code binding_namespace_label(ctrfs_store *s, const char *name, const char *key,
				   const char *value, const char *to, bool guard,
				   const char *expect, ctrfs_error *err)
{
	ctrfs_namespace cur = {0};
	ctrfs_code code = CTRFS_OK;
	if (guard || to) {
		code = ctrfs_namespace_get(s, name, &cur, err);
		if (code)
			return code;
	}
	const char *was = ctrfs_labels_get(&cur.labels, key);
	if (guard && !(was == expect || (was && expect && strcmp(was, expect) == 0)))
		code = ctrfs_fail(err, CTRFS_FAILED_PRECONDITION,
				  "namespace \"%s\": label \"%s\" changed since it was read", name,
				  key);
	else if (to && !was)
		code = ctrfs_fail(err, CTRFS_NOT_FOUND, "namespace \"%s\": label \"%s\": not found",
				  name, key);
	struct ctrd_label label = {(char *)(to ? to : key), (char *)(to ? was : value)};
	struct ctrd_namespace in = {.name = (char *)name,
				    .labels = &label,
				    .n_labels = label.value ? 1 : 0},
			      got = {0};
	char *paths[2] = {NULL, NULL};
	if (!code && (asprintf(&paths[0], "labels.%s", key) < 0 ||
		      (to && asprintf(&paths[1], "labels.%s", to) < 0)))
		code = ctrfs_fail_oom(err);
	ctrd_client *cl = NULL;
	if (!code)
		code = client_get(s, &cl, err);
	struct ctrd_status st = {0};
	if (cl)
		code = client_put(s,
				  ctrd_namespace_update(cl, &in, (const char *const *)paths,
							to && strcmp(key, to) ? 2 : 1, &got, &st),
				  &st, err);
	if (!code)
		code = mirror_ns_answer(s, name, &got, err);
	ctrd_namespace_clear(&got);
	free(paths[0]);
	free(paths[1]);
	ctrfs_namespace_clear(&cur);
	return code;
}

ctrfs_code binding_namespace_delete(ctrfs_store *s, const char *name, ctrfs_error *err)
{
	struct ctrd_status st = {0};
	ctrd_client *cl;
	ctrfs_code code = client_get(s, &cl, err);
	if (code)
		return code;
	code = client_put(s, ctrd_namespace_delete(cl, name, &st), &st, err);
	if (!code)
		code = mirror_namespace_drop(s, name, err);
	return code;
}

/* ---- reading containerd into the store ---- */

static void all_free(struct mirror_namespace *all, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		ctrfs_namespace_clear(&all[i].ns);
		ctrfs_container_list_free(all[i].containers, all[i].count);
		ctrfs_task_list_free(all[i].tasks, all[i].ntasks);
		ctrfs_image_list_free(all[i].images, all[i].nimages);
	}
	free(all);
}

/* Go's zero time (year 1), which containerd sends for a task that has not exited */
#define GO_ZERO_SEC (-62135596800LL)

/* The store's form of containerd's process (its task: the container's init process). */
static ctrfs_code task_in(const struct ctrd_process *p, ctrfs_task *o, ctrfs_error *err)
{
	memset(o, 0, sizeof(*o));
	const char *id = p->container_id && *p->container_id ? p->container_id : p->id;
	if (!str_in(&o->id, id))
		return ctrfs_fail_oom(err);
	o->status = p->status >= CTRFS_TASK_UNKNOWN && p->status <= CTRFS_TASK_PAUSING
			? (ctrfs_task_status)p->status
			: CTRFS_TASK_UNKNOWN;
	o->pid = p->pid;
	o->exit_status = p->exit_status;
	if (p->exited_at.present && p->exited_at.seconds > GO_ZERO_SEC)
		o->exited_at = time_in(p->exited_at);
	return CTRFS_OK;
}

/* containerd's tasks of namespace m into m. Called with the client taken. */
static int read_tasks(ctrd_client *cl, struct mirror_namespace *m, struct ctrd_status *st,
		      ctrfs_error *err, ctrfs_code *local)
{
	struct ctrd_process_list ps = {0};
	int rc = ctrd_tasks_list(cl, m->ns.name, &ps, st);
	if (!rc && !(m->tasks = calloc(ps.n + 1, sizeof(*m->tasks))))
		*local = ctrfs_fail_oom(err);
	for (size_t j = 0; !rc && !*local && j < ps.n; j++) {
		*local = task_in(&ps.items[j], &m->tasks[m->ntasks], err);
		if (!*local && m->tasks[m->ntasks].id)
			m->ntasks++;
	}
	ctrd_process_list_clear(&ps);
	return rc;
}

/* Everything containerd holds, in the store's form. Called with the client taken. */
static int read_all(ctrd_client *cl, struct mirror_namespace **out, size_t *n,
		    struct ctrd_status *st, ctrfs_error *err, ctrfs_code *local)
{
	struct ctrd_namespace_list nss = {0};
	*out = NULL;
	*n = 0;
	int rc = ctrd_namespaces_list(cl, &nss, st);
	if (rc)
		return rc;
	struct mirror_namespace *all = calloc(nss.n + 1, sizeof(*all));
	*local = all ? CTRFS_OK : ctrfs_fail_oom(err);
	for (size_t i = 0; !rc && !*local && i < nss.n; i++) {
		struct mirror_namespace *m = &all[i];
		*n = i + 1;
		if (!(m->ns.name = strdup(nss.items[i].name)) ||
		    !labels_in(nss.items[i].labels, nss.items[i].n_labels, &m->ns.labels)) {
			*local = ctrfs_fail_oom(err);
			break;
		}
		struct ctrd_container_list cs = {0};
		rc = ctrd_containers_list(cl, m->ns.name, NULL, 0, &cs, st);
		if (!rc && !(m->containers = calloc(cs.n + 1, sizeof(*m->containers))))
			*local = ctrfs_fail_oom(err);
		for (size_t j = 0; !rc && !*local && j < cs.n; j++) {
			*local = container_in(&cs.items[j], &m->containers[j], err);
			if (!*local)
				m->count = j + 1;
		}
		ctrd_container_list_clear(&cs);
		if (!rc && !*local)
			rc = read_tasks(cl, m, st, err, local);
		if (!rc && !*local)
			rc = binding_images_read(cl, m->ns.name, &m->images, &m->nimages, st, err,
						 local);
	}
	ctrd_namespace_list_clear(&nss);
	if (rc || *local) {
		all_free(all, *n);
		*n = 0;
		return rc;
	}
	*out = all;
	return CTRD_OK;
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

ctrfs_code ctrfs_store_sync(ctrfs_store *s, ctrfs_sync_result *res, ctrfs_error *err)
{
	ctrfs_code code = require_bound(s, err);
	if (code)
		return code;
	struct mirror_namespace *all = NULL;
	size_t n = 0;
	ctrfs_code local = CTRFS_OK;
	/* a connection made before containerd restarted fails at its first call (and is
	 * dropped): the sync that follows a restart reads on a new one. Reads only: safe
	 * to repeat. */
	for (int attempt = 0; attempt < 2; attempt++) {
		ctrd_client *cl;
		code = client_get(s, &cl, err);
		if (code)
			return code;
		struct ctrd_status st = {0};
		code = client_put(s, read_all(cl, &all, &n, &st, err, &local), &st, err);
		if (code != CTRFS_UNAVAILABLE)
			break;
	}
	if (code || local)
		return code ? code : local;
	code = mirror_replace_all(s, all, n, res, err);
	all_free(all, n);
	return code;
}

ctrfs_code ctrfs_store_refresh_container(ctrfs_store *s, const char *ns, const char *id,
					 ctrfs_error *err)
{
	ctrd_client *cl;
	ctrfs_code code = bound_client(s, &cl, err);
	if (code)
		return code;
	struct ctrd_container got = {0};
	struct ctrd_status st = {0};
	int rc = ctrd_container_get(cl, ns, id, &got, &st);
	bool gone = rc == CTRD_NOT_FOUND;
	code = client_put(s, gone ? CTRD_OK : rc, &st, err);
	if (!code)
		code = gone ? mirror_container_drop(s, ns, id, err)
			    : mirror_answer(s, ns, &got, NULL, err);
	ctrd_container_clear(&got);
	return code;
}

ctrfs_code ctrfs_store_refresh_namespace(ctrfs_store *s, const char *name, ctrfs_error *err)
{
	ctrd_client *cl;
	ctrfs_code code = bound_client(s, &cl, err);
	if (code)
		return code;
	/* a list, not Get: containerd answers Get of a missing namespace with OK */
	struct ctrd_namespace_list nss = {0};
	struct ctrd_status st = {0};
	code = client_put(s, ctrd_namespaces_list(cl, &nss, &st), &st, err);
	const struct ctrd_namespace *found = NULL;
	for (size_t i = 0; !code && i < nss.n; i++)
		if (strcmp(nss.items[i].name, name) == 0)
			found = &nss.items[i];
	if (!code)
		code = found ? mirror_ns_answer(s, name, found, err)
			     : mirror_namespace_drop(s, name, err);
	ctrd_namespace_list_clear(&nss);
	return code;
}

ctrfs_code ctrfs_store_refresh_task(ctrfs_store *s, const char *ns, const char *id,
				    ctrfs_error *err)
{
	ctrd_client *cl;
	ctrfs_code code = bound_client(s, &cl, err);
	if (code)
		return code;
	struct ctrd_process got = {0};
	struct ctrd_status st = {0};
	int rc = ctrd_task_get(cl, ns, id, &got, &st);
	bool gone = rc == CTRD_NOT_FOUND;
	code = client_put(s, gone ? CTRD_OK : rc, &st, err);
	ctrfs_task task = {0};
	if (!code && !gone)
		code = task_in(&got, &task, err);
	if (!code && !gone && !task.id) /* containerd named no container: it is ID's */
		code = (task.id = strdup(id)) ? CTRFS_OK : ctrfs_fail_oom(err);
	if (!code)
		code = gone ? mirror_task_drop(s, ns, id, err) : mirror_task_put(s, ns, &task, err);
	ctrfs_task_clear(&task);
	ctrd_process_clear(&got);
	return code;
}

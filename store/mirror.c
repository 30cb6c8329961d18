/* The mirror: containerd's records written into the store as they are (see mirror.h). */
#include "mirror.h"

#include <stdlib.h>
#include <string.h>

#include "containers.h"
#include "error.h"
#include "events.h"
#include "namespaces.h"
#include "tasks.h"

static bool time_same(ctrfs_time a, ctrfs_time b)
{
	return a.sec == b.sec && a.nsec == b.nsec;
}

/* Is the stored container `a` exactly `b`, every field and both times? */
static bool container_same(const ctrfs_container *a, const ctrfs_container *b)
{
	char **paths = NULL;
	size_t n = 0;
	if (ctrfs_container_changed_paths(a, b, &paths, &n, NULL))
		return false;
	ctrfs_strv_free(paths, n);
	return n == 0 && ctr_str_eq(a->runtime_name, b->runtime_name) &&
	       ctr_any_eq(a->has_runtime_options, &a->runtime_options, b->has_runtime_options,
			  &b->runtime_options) &&
	       ctr_any_eq(a->has_spec, &a->spec, b->has_spec, &b->spec) &&
	       ctr_str_eq(a->snapshotter, b->snapshotter) &&
	       ctr_str_eq(a->sandbox_id, b->sandbox_id) &&
	       time_same(a->created_at, b->created_at) && time_same(a->updated_at, b->updated_at);
}

/* ---- in one transaction ---- */

static ctrfs_code put_container(struct db_txn *t, const char *ns, const ctrfs_container *c,
				size_t *changed, ctrfs_error *err)
{
	ctrfs_container cur;
	ctrfs_code code = ctr_load(t, ns, c->id, CTRFS_LOAD_ALL, &cur, err);
	if (code && code != CTRFS_NOT_FOUND)
		return code;
	bool existed = code == CTRFS_OK;
	bool same = existed && container_same(&cur, c);
	if (existed)
		ctrfs_container_clear(&cur);
	if (same)
		return CTRFS_OK;
	code = existed ? ctr_remove(t, ns, c->id, err) : CTRFS_OK;
	if (!code)
		code = ctr_store(t, ns, c, PART_CORE | CTRFS_LOAD_ALL, err);
	if (!code)
		code = ns_touch(t, ns, ctrfs_time_now(), err);
	if (!code)
		code = events_append(
		    t, ns, existed ? "/containers/update" : "/containers/create",
		    existed ? event_container_update(c) : event_container_create(c), err);
	if (!code && changed)
		(*changed)++;
	return code;
}

static ctrfs_code drop_container(struct db_txn *t, const char *ns, const char *id, size_t *removed,
				 ctrfs_error *err)
{
	struct db_key key;
	MDB_val v;
	db_key_container(&key, ns, id);
	ctrfs_code code = db_get(t, DB_CTR, key.buf, key.len, &v, err);
	if (code == CTRFS_NOT_FOUND)
		return CTRFS_OK;
	if (!code)
		code = ctr_remove(t, ns, id, err);
	if (!code) /* its task goes with it (containerd deletes none that runs) */
		code = tasks_drop(t, ns, id, removed, err);
	if (!code)
		code = ns_touch(t, ns, ctrfs_time_now(), err);
	if (!code)
		code =
		    events_append(t, ns, "/containers/delete", json_pack("{s:s}", "id", id), err);
	if (!code && removed)
		(*removed)++;
	return code;
}

static ctrfs_code put_namespace(struct db_txn *t, const char *name, const ctrfs_labels *labels,
				size_t *changed, ctrfs_error *err)
{
	ctrfs_namespace cur;
	ctrfs_code code = ns_load(t, name, &cur, err);
	if (code && code != CTRFS_NOT_FOUND)
		return code;
	bool existed = code == CTRFS_OK;
	ctrfs_labels none = {0};
	if (!labels)
		labels = &none;
	bool same = existed && ctr_labels_eq(&cur.labels, labels);
	if (existed)
		ctrfs_namespace_clear(&cur);
	if (same)
		return CTRFS_OK;
	ctrfs_namespace ns = {
	    .name = (char *)name, .labels = *labels, .updated_at = ctrfs_time_now()};
	code = ns_store(t, &ns, err);
	if (!code)
		code = events_append(
		    t, name, existed ? "/namespaces/update" : "/namespaces/create",
		    json_pack("{s:s, s:o}", "name", name, "labels", event_labels_json(labels)),
		    err);
	if (!code && changed)
		(*changed)++;
	return code;
}

/* The ids stored in namespace `ns` (a cursor over "<ns>\0..."). */
static ctrfs_code stored_ids(struct db_txn *t, const char *ns, char ***ids, size_t *count,
			     ctrfs_error *err)
{
	struct db_key key;
	db_key_container(&key, ns, "");
	MDB_cursor *cur;
	MDB_val k = {key.len, key.buf}, v;
	*ids = NULL;
	*count = 0;
	int rc = mdb_cursor_open(t->txn, t->store->dbi[DB_CTR], &cur);
	if (rc)
		return db_fail(t, rc, err, "containers");
	size_t cap = 0;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size <= key.len || memcmp(k.mv_data, key.buf, key.len) != 0)
			break;
		if (*count == cap) {
			cap = cap ? 2 * cap : 16;
			char **more = realloc(*ids, cap * sizeof(*more));
			if (!more)
				goto oom;
			*ids = more;
		}
		char *id = strndup((const char *)k.mv_data + key.len, k.mv_size - key.len);
		if (!id)
			goto oom;
		(*ids)[(*count)++] = id;
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND) {
		ctrfs_strv_free(*ids, *count);
		return db_fail(t, rc, err, "containers");
	}
	return CTRFS_OK;
oom:
	mdb_cursor_close(cur);
	ctrfs_strv_free(*ids, *count);
	return ctrfs_fail_oom(err);
}

static bool has_task(const struct mirror_namespace *m, const char *id)
{
	for (size_t i = 0; m && i < m->ntasks; i++)
		if (strcmp(m->tasks[i].id, id) == 0)
			return true;
	return false;
}

/* Drops the tasks stored in `ns` that m (NULL: none) does not hold. */
static ctrfs_code drop_tasks_except(struct db_txn *t, const char *ns,
				    const struct mirror_namespace *m, size_t *removed,
				    ctrfs_error *err)
{
	char **ids;
	size_t n;
	ctrfs_code code = tasks_stored_ids(t, ns, &ids, &n, err);
	for (size_t i = 0; !code && i < n; i++)
		if (!has_task(m, ids[i]))
			code = tasks_drop(t, ns, ids[i], removed, err);
	ctrfs_strv_free(ids, n);
	return code;
}

static ctrfs_code drop_namespace(struct db_txn *t, const char *name, size_t *removed,
				 ctrfs_error *err)
{
	ctrfs_namespace cur;
	ctrfs_code code = ns_load(t, name, &cur, err);
	if (code == CTRFS_NOT_FOUND)
		return CTRFS_OK;
	if (code)
		return code;
	ctrfs_namespace_clear(&cur);
	char **ids;
	size_t n;
	code = stored_ids(t, name, &ids, &n, err);
	if (code)
		return code;
	for (size_t i = 0; !code && i < n; i++)
		code = drop_container(t, name, ids[i], removed, err);
	ctrfs_strv_free(ids, n);
	ctrfs_sync_result none = {0};
	if (!code)
		code = mirror_images_replace(t, name, NULL, 0, &none, err);
	if (removed)
		*removed += none.removed;
	if (!code)
		code = drop_tasks_except(t, name, NULL, removed, err);
	if (!code)
		code = db_del(t, DB_NS, name, strlen(name), err);
	if (!code)
		code = events_append(t, name, "/namespaces/delete",
				     json_pack("{s:s}", "name", name), err);
	if (!code && removed)
		(*removed)++;
	return code;
}

/* ---- one change each ---- */

struct one_arg {
	const char *ns, *id;
	const ctrfs_container *c;
	const ctrfs_labels *labels;
};

static ctrfs_code container_put_txn(struct db_txn *t, void *p, ctrfs_error *err)
{
	struct one_arg *a = p;
	return put_container(t, a->ns, a->c, NULL, err);
}

ctrfs_code mirror_container_put(ctrfs_store *s, const char *ns, const ctrfs_container *c,
				ctrfs_error *err)
{
	struct one_arg a = {.ns = ns, .c = c};
	return db_write(s, container_put_txn, &a, err);
}

static ctrfs_code container_drop_txn(struct db_txn *t, void *p, ctrfs_error *err)
{
	struct one_arg *a = p;
	return drop_container(t, a->ns, a->id, NULL, err);
}

ctrfs_code mirror_container_drop(ctrfs_store *s, const char *ns, const char *id, ctrfs_error *err)
{
	struct one_arg a = {.ns = ns, .id = id};
	return db_write(s, container_drop_txn, &a, err);
}

static ctrfs_code namespace_put_txn(struct db_txn *t, void *p, ctrfs_error *err)
{
	struct one_arg *a = p;
	return put_namespace(t, a->ns, a->labels, NULL, err);
}

ctrfs_code mirror_namespace_put(ctrfs_store *s, const char *name, const ctrfs_labels *labels,
				ctrfs_error *err)
{
	struct one_arg a = {.ns = name, .labels = labels};
	return db_write(s, namespace_put_txn, &a, err);
}

static ctrfs_code namespace_drop_txn(struct db_txn *t, void *p, ctrfs_error *err)
{
	struct one_arg *a = p;
	return drop_namespace(t, a->ns, NULL, err);
}

ctrfs_code mirror_namespace_drop(ctrfs_store *s, const char *name, ctrfs_error *err)
{
	struct one_arg a = {.ns = name};
	return db_write(s, namespace_drop_txn, &a, err);
}

/* ---- everything ---- */

struct all_arg {
	const struct mirror_namespace *all;
	size_t n;
	ctrfs_sync_result res;
};

static const struct mirror_namespace *find_ns(const struct all_arg *a, const char *name)
{
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->all[i].ns.name, name) == 0)
			return &a->all[i];
	return NULL;
}

static bool has_container(const struct mirror_namespace *m, const char *id)
{
	for (size_t i = 0; i < m->count; i++)
		if (strcmp(m->containers[i].id, id) == 0)
			return true;
	return false;
}

/* Namespaces stored now (names only). */
static ctrfs_code stored_namespaces(struct db_txn *t, char ***names, size_t *count,
				    ctrfs_error *err)
{
	MDB_cursor *cur;
	MDB_val k, v;
	size_t cap = 0;
	*names = NULL;
	*count = 0;
	int rc = mdb_cursor_open(t->txn, t->store->dbi[DB_NS], &cur);
	if (rc)
		return db_fail(t, rc, err, "namespaces");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (*count == cap) {
			cap = cap ? 2 * cap : 16;
			char **more = realloc(*names, cap * sizeof(*more));
			if (!more)
				break;
			*names = more;
		}
		if (!((*names)[*count] = strndup(k.mv_data, k.mv_size)))
			break;
		(*count)++;
	}
	mdb_cursor_close(cur);
	if (rc == 0) {
		ctrfs_strv_free(*names, *count);
		return ctrfs_fail_oom(err);
	}
	if (rc != MDB_NOTFOUND) {
		ctrfs_strv_free(*names, *count);
		return db_fail(t, rc, err, "namespaces");
	}
	return CTRFS_OK;
}

static ctrfs_code all_txn(struct db_txn *t, void *p, ctrfs_error *err)
{
	struct all_arg *a = p;
	memset(&a->res, 0, sizeof(a->res)); /* the transaction may run again */
	ctrfs_code code = CTRFS_OK;
	for (size_t i = 0; !code && i < a->n; i++) {
		const struct mirror_namespace *m = &a->all[i];
		a->res.namespaces++;
		code = put_namespace(t, m->ns.name, &m->ns.labels, &a->res.changed, err);
		for (size_t j = 0; !code && j < m->count; j++) {
			a->res.containers++;
			code =
			    put_container(t, m->ns.name, &m->containers[j], &a->res.changed, err);
		}
		for (size_t j = 0; !code && j < m->ntasks; j++) {
			a->res.tasks++;
			code = tasks_put(t, m->ns.name, &m->tasks[j], &a->res.changed, err);
		}
		if (!code)
			code = mirror_images_replace(t, m->ns.name, m->images, m->nimages, &a->res,
						     err);
	}
	char **names = NULL;
	size_t nn = 0;
	if (!code)
		code = stored_namespaces(t, &names, &nn, err);
	for (size_t i = 0; !code && i < nn; i++) {
		const struct mirror_namespace *m = find_ns(a, names[i]);
		if (!m) {
			code = drop_namespace(t, names[i], &a->res.removed, err);
			continue;
		}
		char **ids;
		size_t n;
		code = stored_ids(t, names[i], &ids, &n, err);
		if (code)
			break;
		for (size_t j = 0; !code && j < n; j++)
			if (!has_container(m, ids[j]))
				code = drop_container(t, names[i], ids[j], &a->res.removed, err);
		ctrfs_strv_free(ids, n);
		if (!code)
			code = drop_tasks_except(t, names[i], m, &a->res.removed, err);
	}
	ctrfs_strv_free(names, nn);
	return code;
}

ctrfs_code mirror_replace_all(ctrfs_store *s, const struct mirror_namespace *all, size_t n,
			      ctrfs_sync_result *res, ctrfs_error *err)
{
	struct all_arg a = {all, n, {0}};
	ctrfs_code code = db_write(s, all_txn, &a, err);
	if (!code && res)
		*res = a.res;
	return code;
}

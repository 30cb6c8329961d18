/* Containers read: one by ID, a namespace's IDs, a listing through filters; each its
 * own read transaction. */
#include "containers.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "filter.h"
#include "goquote.h"

/* Reads happen in their own transaction; a missing container is containerd's error. */
ctrfs_code ctrfs_container_get(ctrfs_store *s, const char *ns, const char *id, unsigned load,
			       ctrfs_container *out, ctrfs_error *err)
{
	struct db_txn t;
	memset(out, 0, sizeof(*out));
	ctrfs_code code = ctr_ns_required(ns, err);
	if (code)
		return code;
	if (strlen(id) > CTRFS_IDENTIFIER_MAX)
		return ctrfs_fail(err, CTRFS_NOT_FOUND, "container %s in namespace %s: not found",
				  GOQ(id), GOQ(ns));
	code = db_read_begin(s, &t, err);
	if (code)
		return code;
	code = ctr_load(&t, ns, id, load, out, err);
	db_read_end(&t);
	if (code == CTRFS_NOT_FOUND)
		return ctrfs_fail(err, code, "container %s in namespace %s: not found", GOQ(id),
				  GOQ(ns));
	return code;
}

/* Walks the containers of one namespace in ID order. */
static ctrfs_code ctr_foreach(struct db_txn *t, const char *ns,
			      ctrfs_code (*fn)(const char *id, void *arg), void *arg,
			      ctrfs_error *err)
{
	MDB_cursor *cur;
	struct db_key prefix;
	if (strlen(ns) > CTRFS_IDENTIFIER_MAX)
		return CTRFS_OK;
	db_key_container(&prefix, ns, "");
	MDB_val k = {prefix.len, prefix.buf}, v;
	int rc = mdb_cursor_open(t->txn, t->store->dbi[DB_CTR], &cur);
	if (rc)
		return db_fail(t, rc, err, "containers");
	ctrfs_code code = CTRFS_OK;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && !code;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < prefix.len || memcmp(k.mv_data, prefix.buf, prefix.len) != 0)
			break;
		char id[CTRFS_IDENTIFIER_MAX + 1];
		size_t il = k.mv_size - prefix.len;
		if (il > CTRFS_IDENTIFIER_MAX)
			il = CTRFS_IDENTIFIER_MAX;
		memcpy(id, (char *)k.mv_data + prefix.len, il);
		id[il] = '\0';
		code = fn(id, arg);
	}
	if (rc && rc != MDB_NOTFOUND && !code)
		code = db_fail(t, rc, err, "containers");
	mdb_cursor_close(cur);
	return code;
}

struct id_list {
	char **ids;
	size_t count, cap;
};

static ctrfs_code collect_id(const char *id, void *arg)
{
	struct id_list *l = arg;
	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **p = realloc(l->ids, cap * sizeof(char *));
		if (!p)
			return CTRFS_INTERNAL;
		l->ids = p;
		l->cap = cap;
	}
	if (!(l->ids[l->count] = strdup(id)))
		return CTRFS_INTERNAL;
	l->count++;
	return CTRFS_OK;
}

static ctrfs_code ids_in_txn(struct db_txn *t, const char *ns, struct id_list *l, ctrfs_error *err)
{
	ctrfs_code code = ctr_foreach(t, ns, collect_id, l, err);
	if (code == CTRFS_INTERNAL && !t->rc)
		code = ctrfs_fail_oom(err);
	return code;
}

static ctrfs_code count_id(const char *id, void *arg)
{
	(void)id;
	++*(size_t *)arg;
	return CTRFS_OK;
}

ctrfs_code ctr_ids(struct db_txn *t, const char *ns, char ***ids, size_t *count, ctrfs_error *err)
{
	struct id_list l = {0};
	*count = 0;
	if (!ids)
		return ctr_foreach(t, ns, count_id, count, err);
	ctrfs_code code = ids_in_txn(t, ns, &l, err);
	if (code) {
		ctrfs_strv_free(l.ids, l.count);
		return code;
	}
	*ids = l.ids;
	*count = l.count;
	return CTRFS_OK;
}

ctrfs_code ctrfs_container_ids(ctrfs_store *s, const char *ns, char ***ids, size_t *count,
			       ctrfs_error *err)
{
	struct db_txn t;
	struct id_list l = {0};
	ctrfs_code code = db_read_begin(s, &t, err);
	if (code)
		return code;
	code = ids_in_txn(&t, ns, &l, err);
	db_read_end(&t);
	if (code) {
		ctrfs_strv_free(l.ids, l.count);
		return code;
	}
	*ids = l.ids;
	*count = l.count;
	return CTRFS_OK;
}

ctrfs_code ctrfs_container_list(ctrfs_store *s, const char *ns, const char *const *filters,
				size_t nfilters, unsigned load, ctrfs_container **out,
				size_t *count, ctrfs_error *err)
{
	ctrfs_filter *filter = NULL;
	struct db_txn t;
	struct id_list l = {0};
	*out = NULL;
	*count = 0;
	ctrfs_code code = ctr_ns_required(ns, err);
	if (code)
		return code;
	code = filter_parse(filters, nfilters, &filter, err);
	if (code)
		return code;
	/* labels are needed to match label filters */
	if (nfilters)
		load |= CTRFS_LOAD_LABELS;
	code = db_read_begin(s, &t, err);
	if (code) {
		filter_free(filter);
		return code;
	}
	code = ids_in_txn(&t, ns, &l, err);
	ctrfs_container *list = NULL;
	size_t n = 0;
	if (!code && l.count && !(list = calloc(l.count, sizeof(*list))))
		code = ctrfs_fail_oom(err);
	for (size_t i = 0; !code && i < l.count; i++) {
		code = ctr_load(&t, ns, l.ids[i], load, &list[n], err);
		if (code == CTRFS_NOT_FOUND)
			code = ctr_damaged(err, ns, l.ids[i], "core");
		if (code)
			break;
		if (filter_match(filter, filter_container_field, &list[n]))
			n++;
		else
			ctrfs_container_clear(&list[n]);
	}
	db_read_end(&t);
	filter_free(filter);
	ctrfs_strv_free(l.ids, l.count);
	if (code) {
		ctrfs_container_list_free(list, n);
		return code;
	}
	*out = list;
	*count = n;
	return CTRFS_OK;
}

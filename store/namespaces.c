/* Namespaces: create, list, label, delete-if-empty, as containerd's namespace store. */
#include "namespaces.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "write_seam.h"
#include "error.h"
#include "events.h"
#include "goquote.h"
#include "record.h"
#include "times.h"
#include "validate.h"

ctrfs_code ns_load(struct db_txn *t, const char *name, ctrfs_namespace *out, ctrfs_error *err)
{
	MDB_val v;
	memset(out, 0, sizeof(*out));
	ctrfs_code code = db_get(t, DB_NS, name, strlen(name), &v, err);
	if (code)
		return code;
	struct record_reader r = {v.mv_data, v.mv_size, false};
	bool ok = record_get_u8(&r) == RECORD_VERSION;
	out->updated_at = record_get_time(&r);
	if (!ok || !record_get_labels(&r, &out->labels))
		return ctrfs_fail_sys(err, CTRFS_INTERNAL, EIO, "namespace %s: damaged record",
				      name);
	out->name = strdup(name);
	if (!out->name) {
		ctrfs_namespace_clear(out);
		return ctrfs_fail_oom(err);
	}
	return CTRFS_OK;
}

ctrfs_code ns_store(struct db_txn *t, const ctrfs_namespace *ns, ctrfs_error *err)
{
	struct strbuf sb = STRBUF_INIT;
	record_put_u8(&sb, RECORD_VERSION);
	record_put_time(&sb, ns->updated_at);
	record_put_labels(&sb, &ns->labels);
	ctrfs_code code = db_put_sb(t, DB_NS, ns->name, strlen(ns->name), &sb, err);
	strbuf_release(&sb);
	return code;
}

ctrfs_code ns_touch(struct db_txn *t, const char *name, ctrfs_time now, ctrfs_error *err)
{
	ctrfs_namespace ns;
	ctrfs_code code = ns_load(t, name, &ns, err);
	if (code == CTRFS_NOT_FOUND) {
		ns.name = (char *)name;
		ns.updated_at = now;
		return ns_store(t, &ns, err);
	}
	if (code)
		return code;
	ns.updated_at = now;
	code = ns_store(t, &ns, err);
	ctrfs_namespace_clear(&ns);
	return code;
}

static json_t *ns_event(const ctrfs_namespace *ns)
{
	return json_pack("{s:s, s:o}", "name", ns->name, "labels", event_labels_json(&ns->labels));
}

struct ns_create_arg {
	const char *name;
	const ctrfs_labels *labels;
};

static ctrfs_code ns_create_txn(struct db_txn *t, void *p, ctrfs_error *err)
{
	struct ns_create_arg *a = p;
	ctrfs_namespace ns;
	ctrfs_code code = ns_load(t, a->name, &ns, NULL);
	if (code == CTRFS_OK) {
		ctrfs_namespace_clear(&ns);
		return CTRFS_ALREADY_EXISTS;
	}
	if (code != CTRFS_NOT_FOUND)
		return code;
	ns.name = (char *)a->name;
	ns.updated_at = ctrfs_time_now();
	ns.labels = (ctrfs_labels){0};
	/* containerd's Create sets each label with SetLabel, which drops an empty value */
	for (size_t i = 0; a->labels && i < a->labels->count; i++)
		if (a->labels->items[i].value[0] &&
		    ctrfs_labels_set(&ns.labels, a->labels->items[i].key,
				     a->labels->items[i].value)) {
			ctrfs_labels_clear(&ns.labels);
			return ctrfs_fail_oom(err);
		}
	code = ns_store(t, &ns, err);
	if (!code)
		code = times_ns_labels_changed(t, a->name, NULL, ns.updated_at, &ns.labels,
					       ns.updated_at, err);
	if (!code)
		code = events_append(t, a->name, "/namespaces/create", ns_event(&ns), err);
	ctrfs_labels_clear(&ns.labels);
	return code;
}

static ctrfs_code validate_labels(const ctrfs_labels *l, ctrfs_error *err)
{
	for (size_t i = 0; l && i < l->count; i++) {
		ctrfs_code code = ctrfs_label_validate(l->items[i].key, l->items[i].value, err);
		if (!code)
			code = label_key_validate(l->items[i].key, l->items[i].value, err);
		if (code)
			return ctrfs_error_prefix(err, code, "namespace.Labels: ");
	}
	return CTRFS_OK;
}

ctrfs_code ctrfs_namespace_create(ctrfs_store *s, const char *name, const ctrfs_labels *labels,
				  ctrfs_error *err)
{
	ctrfs_code code = ctrfs_identifier_validate(name, err);
	if (!code)
		code = validate_labels(labels, err);
	if (code)
		return code;
	if (binding_on(s))
		return binding_namespace_create(s, name, labels, err);
	struct ns_create_arg a = {name, labels};
	code = db_write(s, ns_create_txn, &a, err);
	if (code == CTRFS_ALREADY_EXISTS)
		return ctrfs_fail(err, code, "namespace %s: already exists", GOQ(name));
	return code;
}

ctrfs_code ctrfs_namespace_get(ctrfs_store *s, const char *name, ctrfs_namespace *out,
			       ctrfs_error *err)
{
	struct db_txn t;
	ctrfs_code code = db_read_begin(s, &t, err);
	if (code)
		return code;
	code = ns_load(&t, name, out, err);
	db_read_end(&t);
	if (code == CTRFS_NOT_FOUND)
		return ctrfs_fail(err, code, "namespace %s: not found", GOQ(name));
	return code;
}

ctrfs_code ctrfs_namespace_list(ctrfs_store *s, ctrfs_namespace **out, size_t *count,
				ctrfs_error *err)
{
	struct db_txn t;
	MDB_cursor *cur;
	MDB_val k, v;
	*out = NULL;
	*count = 0;
	ctrfs_code code = db_read_begin(s, &t, err);
	if (code)
		return code;
	int rc = mdb_cursor_open(t.txn, s->dbi[DB_NS], &cur);
	if (rc) {
		code = db_fail(&t, rc, err, "namespaces");
		db_read_end(&t);
		return code;
	}
	size_t cap = 0;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && !code;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (*count == cap) {
			cap = cap ? cap * 2 : 8;
			ctrfs_namespace *p = realloc(*out, cap * sizeof(**out));
			if (!p) {
				code = ctrfs_fail_oom(err);
				break;
			}
			*out = p;
		}
		char name[CTRFS_IDENTIFIER_MAX + 1];
		snprintf(name, sizeof(name), "%.*s", (int)k.mv_size, (char *)k.mv_data);
		code = ns_load(&t, name, &(*out)[*count], err);
		if (!code)
			(*count)++;
	}
	if (rc && rc != MDB_NOTFOUND && !code)
		code = db_fail(&t, rc, err, "namespaces");
	mdb_cursor_close(cur);
	db_read_end(&t);
	if (code) {
		ctrfs_namespace_list_free(*out, *count);
		*out = NULL;
		*count = 0;
	}
	return code;
}

struct ns_label_arg {
	const char *name, *key, *value, *to;
	bool guard;	    /* set only if the label still holds `expect` */
	const char *expect; /* NULL: absent */
};

static bool opt_str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static ctrfs_code ns_label_txn(struct db_txn *t, void *p, ctrfs_error *err)
{
	struct ns_label_arg *a = p;
	ctrfs_namespace ns;
	ctrfs_code code = ns_load(t, a->name, &ns, err);
	bool existed = code != CTRFS_NOT_FOUND;
	if (code == CTRFS_NOT_FOUND) {
		/* containerd creates the namespace when a label is set on it */
		if (!(ns.name = strdup(a->name)))
			return ctrfs_fail_oom(err);
		code = CTRFS_OK;
	} else if (code) {
		return code;
	}
	/* what they were, to record when each changed label changed (times.c) */
	ctrfs_labels before = {0};
	ctrfs_time before_updated = ns.updated_at;
	if (ctrfs_labels_copy(&before, &ns.labels))
		code = ctrfs_fail_oom(err);
	else if (a->guard && !opt_str_eq(ctrfs_labels_get(&ns.labels, a->key), a->expect)) {
		code = ctrfs_fail(err, CTRFS_FAILED_PRECONDITION,
				  "namespace %s: label %s changed since it was read", GOQ(a->name),
				  GOQ(a->key));
	} else if (a->to) { /* rename */
		const char *v = ctrfs_labels_get(&ns.labels, a->key);
		if (!v) {
			code = ctrfs_fail(err, CTRFS_NOT_FOUND, "namespace %s: label %s: not found",
					  GOQ(a->name), GOQ(a->key));
		} else {
			code = ctrfs_label_validate(a->to, v, err);
			if (!code)
				code = label_key_validate(a->to, v, err);
			if (code)
				code = ctrfs_error_prefix(err, code, "namespace.Labels: ");
			else if (ctrfs_labels_set(&ns.labels, a->to, v))
				code = ctrfs_fail_oom(err);
			else if (strcmp(a->key, a->to) != 0)
				ctrfs_labels_remove(&ns.labels, a->key);
		}
	} else if (a->value && *a->value) {
		if (ctrfs_labels_set(&ns.labels, a->key, a->value))
			code = ctrfs_fail_oom(err);
	} else {
		ctrfs_labels_remove(&ns.labels, a->key);
	}
	if (!code) {
		ns.updated_at = ctrfs_time_now();
		code = ns_store(t, &ns, err);
	}
	if (!code)
		code = times_ns_labels_changed(t, a->name, existed ? &before : NULL, before_updated,
					       &ns.labels, ns.updated_at, err);
	ctrfs_labels_clear(&before);
	if (!code)
		code = events_append(t, a->name, "/namespaces/update", ns_event(&ns), err);
	ctrfs_namespace_clear(&ns);
	return code;
}

/* Sets (value NULL: removes) a label, guarded by `expect` when `guard`. */
static ctrfs_code set_label(ctrfs_store *s, const char *name, const char *key, const char *value,
			    bool guard, const char *expect, ctrfs_error *err)
{
	ctrfs_code code = ctrfs_identifier_validate(name, err);
	if (code)
		return code;
	code = ctrfs_label_validate(key, value, err);
	if (!code)
		code = label_key_validate(key, value, err);
	if (code)
		return ctrfs_error_prefix(err, code, "namespace.Labels: ");
	if (binding_on(s))
		return binding_namespace_label(s, name, key, value, NULL, guard, expect, err);
	struct ns_label_arg a = {name, key, value, NULL, guard, expect};
	return db_write(s, ns_label_txn, &a, err);
}

ctrfs_code ctrfs_namespace_set_label(ctrfs_store *s, const char *name, const char *key,
				     const char *value, ctrfs_error *err)
{
	return set_label(s, name, key, value, false, NULL, err);
}

ctrfs_code ctrfs_namespace_set_label_if(ctrfs_store *s, const char *name, const char *key,
					const char *value, const char *expect, ctrfs_error *err)
{
	return set_label(s, name, key, value, true, expect, err);
}

ctrfs_code ctrfs_namespace_rename_label(ctrfs_store *s, const char *name, const char *from,
					const char *to, ctrfs_error *err)
{
	if (binding_on(s))
		return binding_namespace_label(s, name, from, NULL, to, false, NULL, err);
	struct ns_label_arg a = {name, from, NULL, to, false, NULL};
	return db_write(s, ns_label_txn, &a, err);
}

static ctrfs_code ns_delete_txn(struct db_txn *t, void *p, ctrfs_error *err)
{
	const char *name = p;
	ctrfs_namespace ns;
	ctrfs_code code = ns_load(t, name, &ns, err);
	if (code == CTRFS_NOT_FOUND)
		return ctrfs_fail(err, code, "namespace %s: not found", GOQ(name));
	if (code)
		return code;
	ctrfs_namespace_clear(&ns);

	/* any container key "<name>\0..." means the namespace is in use */
	MDB_cursor *cur;
	struct db_key key;
	db_key_container(&key, name, "");
	MDB_val k = {key.len, key.buf}, v;
	int rc = mdb_cursor_open(t->txn, t->store->dbi[DB_CTR], &cur);
	if (rc)
		return db_fail(t, rc, err, "containers");
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	bool used = rc == 0 && k.mv_size >= key.len && memcmp(k.mv_data, key.buf, key.len) == 0;
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		return db_fail(t, rc, err, "containers");
	if (!used && !t->store->no_images) {
		/* and so do images (keyed the same way) */
		rc = mdb_cursor_open(t->txn, t->store->dbi[DB_IMAGES], &cur);
		if (rc)
			return db_fail(t, rc, err, "images");
		k = (MDB_val){key.len, key.buf};
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		used = rc == 0 && k.mv_size >= key.len && memcmp(k.mv_data, key.buf, key.len) == 0;
		mdb_cursor_close(cur);
		if (rc && rc != MDB_NOTFOUND)
			return db_fail(t, rc, err, "images");
	}
	if (used)
		return ctrfs_fail(err, CTRFS_FAILED_PRECONDITION,
				  "namespace %s must be empty: failed precondition", GOQ(name));
	code = db_del(t, DB_NS, name, strlen(name), err);
	if (!code)
		code = times_removed(t, name, NULL, err);
	if (!code)
		code = events_append(t, name, "/namespaces/delete",
				     json_pack("{s:s}", "name", name), err);
	return code;
}

ctrfs_code ctrfs_namespace_delete(ctrfs_store *s, const char *name, ctrfs_error *err)
{
	if (binding_on(s))
		return binding_namespace_delete(s, name, err);
	return db_write(s, ns_delete_txn, (void *)name, err);
}

/* Containers: get, list, create, update by field paths, rename keys, delete. */
#include "containers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "write_seam.h"
#include "error.h"
#include "events.h"
#include "filter.h"
#include "goquote.h"
#include "namespaces.h"
#include "record.h"
#include "tasks.h"
#include "times.h"
#include "validate.h"

/* containerd's namespaces.NamespaceRequired: every container operation checks it first. */
static ctrfs_code ns_required(const char *ns, ctrfs_error *err)
{
	ctrfs_code code = ctrfs_identifier_validate(ns, err);
	return code ? ctrfs_error_prefix(err, code, "namespace validation: ") : CTRFS_OK;
}

static ctrfs_code damaged(ctrfs_error *err, const char *ns, const char *id, const char *part)
{
	return ctrfs_fail_sys(err, CTRFS_INTERNAL, EIO,
			      "container %s in namespace %s: "
			      "damaged %s record",
			      GOQ(id), GOQ(ns), part);
}

ctrfs_code ctr_load(struct db_txn *t, const char *ns, const char *id, unsigned load,
		    ctrfs_container *out, ctrfs_error *err)
{
	struct db_key key;
	MDB_val v;
	memset(out, 0, sizeof(*out));
	db_key_container(&key, ns, id);
	ctrfs_code code = db_get(t, DB_CTR, key.buf, key.len, &v, err);
	if (code)
		return code;
	struct record_reader r = {v.mv_data, v.mv_size, false};
	out->id = strdup(id);
	if (!record_get_core(&r, out) || !out->id) {
		ctrfs_container_clear(out);
		return damaged(err, ns, id, "core");
	}
	out->has_spec = true; /* a stored container always has one (validated) */
	if (load & CTRFS_LOAD_SPEC) {
		code = db_get(t, DB_SPEC, key.buf, key.len, &v, err);
		struct record_reader rs = {v.mv_data, v.mv_size, false};
		if (code == CTRFS_NOT_FOUND || (!code && !record_get_any(&rs, &out->spec)))
			code = damaged(err, ns, id, "spec");
	}
	if (!code && (load & CTRFS_LOAD_LABELS)) {
		code = db_get(t, DB_LABELS, key.buf, key.len, &v, err);
		struct record_reader rl = {v.mv_data, v.mv_size, false};
		if (code == CTRFS_NOT_FOUND)
			code = CTRFS_OK; /* no labels */
		else if (!code && !record_get_labels(&rl, &out->labels))
			code = damaged(err, ns, id, "labels");
	}
	if (!code && (load & CTRFS_LOAD_EXTENSIONS)) {
		code = db_get(t, DB_EXT, key.buf, key.len, &v, err);
		struct record_reader re = {v.mv_data, v.mv_size, false};
		if (code == CTRFS_NOT_FOUND)
			code = CTRFS_OK;
		else if (!code && !record_get_extensions(&re, &out->extensions))
			code = damaged(err, ns, id, "extensions");
	}
	if (code)
		ctrfs_container_clear(out);
	return code;
}

/* What containerd's write of a validated container refuses (validate.h). */
static ctrfs_code writable(const ctrfs_container *c, ctrfs_error *err)
{
	ctrfs_code code = label_keys_validate(&c->labels, err);
	if (code) {
		char prefix[GO_QUOTED_MAX + 40];
		snprintf(prefix, sizeof(prefix), "failed to write container %s: ", GOQ(c->id));
		return ctrfs_error_prefix(err, code, prefix);
	}
	return CTRFS_OK;
}

static ctrfs_code store_labels(struct db_txn *t, const struct db_key *key, const ctrfs_labels *l,
			       ctrfs_error *err)
{
	size_t kept = 0;
	for (size_t i = 0; i < l->count; i++)
		kept += l->items[i].value[0] != '\0';
	if (!kept)
		return db_del(t, DB_LABELS, key->buf, key->len, err);
	struct strbuf sb = STRBUF_INIT;
	record_put_u32(&sb, (uint32_t)kept);
	for (size_t i = 0; i < l->count; i++) {
		if (!l->items[i].value[0])
			continue; /* an empty value deletes the label, as in containerd */
		record_put_str(&sb, l->items[i].key);
		record_put_str(&sb, l->items[i].value);
	}
	ctrfs_code code = db_put_sb(t, DB_LABELS, key->buf, key->len, &sb, err);
	strbuf_release(&sb);
	return code;
}

ctrfs_code ctr_store(struct db_txn *t, const char *ns, const ctrfs_container *c, unsigned parts,
		     ctrfs_error *err)
{
	struct db_key key;
	struct strbuf sb = STRBUF_INIT;
	ctrfs_code code = CTRFS_OK;
	db_key_container(&key, ns, c->id);
	if (parts & PART_CORE) {
		record_put_core(&sb, c);
		code = db_put_sb(t, DB_CTR, key.buf, key.len, &sb, err);
		strbuf_release(&sb);
	}
	if (!code && (parts & CTRFS_LOAD_SPEC)) {
		record_put_any(&sb, &c->spec);
		code = db_put_sb(t, DB_SPEC, key.buf, key.len, &sb, err);
		strbuf_release(&sb);
	}
	if (!code && (parts & CTRFS_LOAD_LABELS))
		code = store_labels(t, &key, &c->labels, err);
	if (!code && (parts & CTRFS_LOAD_EXTENSIONS)) {
		if (!c->extensions.count) {
			code = db_del(t, DB_EXT, key.buf, key.len, err);
		} else {
			record_put_extensions(&sb, &c->extensions);
			code = db_put_sb(t, DB_EXT, key.buf, key.len, &sb, err);
			strbuf_release(&sb);
		}
	}
	return code;
}

ctrfs_code ctr_remove(struct db_txn *t, const char *ns, const char *id, ctrfs_error *err)
{
	struct db_key key;
	db_key_container(&key, ns, id);
	ctrfs_code code = db_del(t, DB_CTR, key.buf, key.len, err);
	if (!code)
		code = db_del(t, DB_SPEC, key.buf, key.len, err);
	if (!code)
		code = db_del(t, DB_LABELS, key.buf, key.len, err);
	if (!code)
		code = db_del(t, DB_EXT, key.buf, key.len, err);
	if (!code)
		code = times_removed(t, ns, id, err);
	return code;
}

/* Reads happen in their own transaction; a missing container is containerd's error. */
ctrfs_code ctrfs_container_get(ctrfs_store *s, const char *ns, const char *id, unsigned load,
			       ctrfs_container *out, ctrfs_error *err)
{
	struct db_txn t;
	memset(out, 0, sizeof(*out));
	ctrfs_code code = ns_required(ns, err);
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
	ctrfs_code code = ns_required(ns, err);
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
			code = damaged(err, ns, l.ids[i], "core");
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

/* ---- writes ---- */

struct create_arg {
	const char *ns;
	const ctrfs_container *in;
	ctrfs_container *created;
};

static ctrfs_code create_txn(struct db_txn *t, void *p, ctrfs_error *err)
{
	struct create_arg *a = p;
	ctrfs_container c = *a->in; /* shallow: only timestamps change */
	MDB_val v;
	struct db_key key;
	db_key_container(&key, a->ns, c.id);
	ctrfs_code code = db_get(t, DB_CTR, key.buf, key.len, &v, err);
	if (code == CTRFS_OK)
		return ctrfs_fail(err, CTRFS_ALREADY_EXISTS, "container %s: already exists",
				  GOQ(c.id));
	if (code != CTRFS_NOT_FOUND)
		return code;
	c.created_at = c.updated_at = ctrfs_time_now();
	code = ns_touch(t, a->ns, c.created_at, err);
	if (!code)
		code = ctr_store(t, a->ns, &c, PART_CORE | CTRFS_LOAD_ALL, err);
	if (!code)
		code = times_created(t, a->ns, c.id, c.created_at, err);
	if (!code)
		code =
		    events_append(t, a->ns, "/containers/create", event_container_create(&c), err);
	if (!code && a->created) {
		ctrfs_container_clear(a->created);
		if (ctrfs_container_copy(a->created, &c))
			return ctrfs_fail_oom(err);
		for (size_t i = a->created->labels.count; i-- > 0;)
			if (!a->created->labels.items[i].value[0])
				ctrfs_labels_remove(&a->created->labels,
						    a->created->labels.items[i].key);
	}
	return code;
}

ctrfs_code ctrfs_container_create(ctrfs_store *s, const char *ns, const ctrfs_container *c,
				  ctrfs_container *created, ctrfs_error *err)
{
	if (created)
		memset(created, 0, sizeof(*created));
	ctrfs_code code = ns_required(ns, err);
	if (code)
		return code;
	code = ctrfs_container_validate(c, err);
	if (code)
		return ctrfs_error_prefix(err, code, "create container failed validation: ");
	code = writable(c, err);
	if (code)
		return code;
	if (binding_on(s))
		return binding_container_create(s, ns, c, created, err);
	struct create_arg a = {ns, c, created};
	return db_write(s, create_txn, &a, err);
}

struct update_arg {
	const char *ns;
	const ctrfs_container *in;
	const char *const *paths;
	size_t npaths;
	const ctrfs_update_options *opts;
	ctrfs_container *updated;
};

bool ctr_str_eq(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static ctrfs_code replace_str(char **dst, const char *src, ctrfs_error *err)
{
	char *d = strdup(src ? src : "");
	if (!d)
		return ctrfs_fail_oom(err);
	free(*dst);
	*dst = d;
	return CTRFS_OK;
}

/* Applies one field path of containerd's Update to `cur`, noting the parts it dirties. */
static ctrfs_code apply_path(ctrfs_container *cur, const ctrfs_container *in, const char *path,
			     unsigned *dirty, ctrfs_error *err)
{
	bool oom = false;
	if (strncmp(path, "labels.", 7) == 0) {
		/* as containerd: the key takes the new value, "" included, and is validated
		 * so; only the write drops an empty value (so removing a label whose key is
		 * over the size limit is refused) */
		const char *key = path + 7, *v = ctrfs_labels_get(&in->labels, key);
		oom = ctrfs_labels_set(&cur->labels, key, v ? v : "") != CTRFS_OK;
		*dirty |= CTRFS_LOAD_LABELS;
	} else if (strncmp(path, "extensions.", 11) == 0) {
		/* as containerd: a named extension absent from the new container is stored
		 * as an empty Any; an update never deletes one (see
		 * ctrfs_container_remove_extension). "extensions." names "": refused by
		 * validation as containerd refuses it. */
		static const ctrfs_any empty_any = {0};
		const char *name = path + 11;
		const ctrfs_any *any = ctrfs_extensions_get(&in->extensions, name);
		oom = ctrfs_extensions_set(&cur->extensions, name, any ? any : &empty_any) !=
		      CTRFS_OK;
		*dirty |= CTRFS_LOAD_EXTENSIONS;
	} else if (strcmp(path, "labels") == 0) {
		ctrfs_labels copy;
		oom = ctrfs_labels_copy(&copy, &in->labels) != CTRFS_OK;
		if (!oom) {
			ctrfs_labels_clear(&cur->labels);
			cur->labels = copy;
		}
		*dirty |= CTRFS_LOAD_LABELS;
	} else if (strcmp(path, "extensions") == 0) {
		/* containerd writes the new extensions over the stored ones: a merge */
		for (size_t i = 0; !oom && i < in->extensions.count; i++)
			oom = ctrfs_extensions_set(&cur->extensions, in->extensions.items[i].name,
						   &in->extensions.items[i].any) != CTRFS_OK;
		*dirty |= CTRFS_LOAD_EXTENSIONS;
	} else if (strcmp(path, "spec") == 0) {
		ctrfs_any_clear(&cur->spec);
		cur->has_spec = in->has_spec;
		if (in->has_spec)
			oom = ctrfs_any_set(&cur->spec, in->spec.type_url, in->spec.value,
					    in->spec.value_len) != CTRFS_OK;
		*dirty |= CTRFS_LOAD_SPEC;
	} else if (strcmp(path, "image") == 0) {
		return replace_str(&cur->image, in->image, err);
	} else if (strcmp(path, "snapshotkey") == 0) {
		return replace_str(&cur->snapshot_key, in->snapshot_key, err);
	} else {
		return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
				  "cannot update %s field on %s: invalid argument", GOQ(path),
				  GOQ(in->id));
	}
	return oom ? ctrfs_fail_oom(err) : CTRFS_OK;
}

bool ctr_any_eq(bool has_a, const ctrfs_any *a, bool has_b, const ctrfs_any *b)
{
	if (!has_a || !has_b)
		return has_a == has_b;
	return ctr_str_eq(a->type_url, b->type_url) && a->value_len == b->value_len &&
	       (!a->value_len || memcmp(a->value, b->value, a->value_len) == 0);
}

bool ctr_labels_eq(const ctrfs_labels *a, const ctrfs_labels *b)
{
	if (a->count != b->count)
		return false;
	for (size_t i = 0; i < a->count; i++)
		if (strcmp(a->items[i].key, b->items[i].key) ||
		    strcmp(a->items[i].value, b->items[i].value))
			return false;
	return true;
}

static bool extensions_eq(const ctrfs_extensions *a, const ctrfs_extensions *b)
{
	if (a->count != b->count)
		return false;
	for (size_t i = 0; i < a->count; i++)
		if (strcmp(a->items[i].name, b->items[i].name) ||
		    !ctr_any_eq(true, &a->items[i].any, true, &b->items[i].any))
			return false;
	return true;
}

/* Does the field `path` hold the same value in a and b? (An empty label is no label.) */
static bool path_eq(const ctrfs_container *a, const ctrfs_container *b, const char *path)
{
	if (strncmp(path, "labels.", 7) == 0)
		return ctr_str_eq(ctrfs_labels_get(&a->labels, path + 7),
				  ctrfs_labels_get(&b->labels, path + 7));
	if (strncmp(path, "extensions.", 11) == 0) {
		const ctrfs_any *x = ctrfs_extensions_get(&a->extensions, path + 11);
		const ctrfs_any *y = ctrfs_extensions_get(&b->extensions, path + 11);
		return ctr_any_eq(x != NULL, x, y != NULL, y);
	}
	if (strcmp(path, "labels") == 0)
		return ctr_labels_eq(&a->labels, &b->labels);
	if (strcmp(path, "extensions") == 0)
		return extensions_eq(&a->extensions, &b->extensions);
	if (strcmp(path, "spec") == 0)
		return ctr_any_eq(a->has_spec, &a->spec, b->has_spec, &b->spec);
	if (strcmp(path, "image") == 0)
		return ctr_str_eq(a->image, b->image);
	if (strcmp(path, "snapshotkey") == 0)
		return ctr_str_eq(a->snapshot_key, b->snapshot_key);
	return true; /* refused by apply_path */
}

static ctrfs_code add_path(char ***paths, size_t *n, const char *prefix, const char *name,
			   ctrfs_error *err)
{
	char **v = realloc(*paths, (*n + 1) * sizeof(**paths));
	if (!v)
		return ctrfs_fail_oom(err);
	*paths = v;
	if (asprintf(&v[*n], "%s%s", prefix, name ? name : "") < 0)
		return ctrfs_fail_oom(err);
	(*n)++;
	return CTRFS_OK;
}

ctrfs_code ctrfs_container_changed_paths(const ctrfs_container *from, const ctrfs_container *to,
					 char ***paths, size_t *count, ctrfs_error *err)
{
	ctrfs_code code = CTRFS_OK;
	*paths = NULL;
	*count = 0;
	if (!ctr_str_eq(from->snapshotter, to->snapshotter))
		return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
				  "container.Snapshotter field is immutable: invalid argument");
	if (!ctr_str_eq(from->runtime_name, to->runtime_name))
		return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
				  "container.Runtime.Name field is immutable: invalid argument");
	/* both maps are sorted: one merge walk finds every key added, changed or gone */
	for (size_t i = 0, j = 0; !code && (i < from->labels.count || j < to->labels.count);) {
		const ctrfs_label *a = i < from->labels.count ? &from->labels.items[i] : NULL;
		const ctrfs_label *b = j < to->labels.count ? &to->labels.items[j] : NULL;
		int cmp = !a ? 1 : !b ? -1 : strcmp(a->key, b->key);
		if (cmp || strcmp(a->value, b->value))
			code = add_path(paths, count, "labels.", cmp <= 0 ? a->key : b->key, err);
		i += cmp <= 0;
		j += cmp >= 0;
	}
	const ctrfs_extensions *fe = &from->extensions, *te = &to->extensions;
	for (size_t i = 0, j = 0; !code && (i < fe->count || j < te->count);) {
		const ctrfs_extension *a = i < fe->count ? &fe->items[i] : NULL;
		const ctrfs_extension *b = j < te->count ? &te->items[j] : NULL;
		int cmp = !a ? 1 : !b ? -1 : strcmp(a->name, b->name);
		if (cmp || !ctr_any_eq(true, &a->any, true, &b->any))
			code = add_path(paths, count, "extensions.", cmp <= 0 ? a->name : b->name,
					err);
		i += cmp <= 0;
		j += cmp >= 0;
	}
	if (!code && !ctr_str_eq(from->image, to->image))
		code = add_path(paths, count, "image", NULL, err);
	if (!code && !ctr_str_eq(from->snapshot_key, to->snapshot_key))
		code = add_path(paths, count, "snapshotkey", NULL, err);
	if (!code && !ctr_any_eq(from->has_spec, &from->spec, to->has_spec, &to->spec))
		code = add_path(paths, count, "spec", NULL, err);
	if (code) {
		ctrfs_strv_free(*paths, *count);
		*paths = NULL;
		*count = 0;
	}
	return code;
}

/* The end of every update: validate the merged container as containerd does, stamp
 * UpdatedAt, write the `dirty` parts, mark the namespace changed, log the event. */
static ctrfs_code write_update(struct db_txn *t, const char *ns, ctrfs_container *cur,
			       unsigned dirty, ctrfs_error *err)
{
	ctrfs_code code = ctrfs_container_validate(cur, err);
	if (code)
		return ctrfs_error_prefix(err, code, "update failed validation: ");
	code = writable(cur, err);
	if (code)
		return code;
	cur->updated_at = ctrfs_time_now();
	code = ctr_store(t, ns, cur, dirty, err);
	if (!code)
		code = ns_touch(t, ns, cur->updated_at, err);
	if (!code)
		code = events_append(t, ns, "/containers/update", event_container_update(cur), err);
	return code;
}

static const char *const full_update_paths[] = {"labels", "spec", "extensions", "image",
						"snapshotkey"};

static ctrfs_code update_txn(struct db_txn *t, void *p, ctrfs_error *err)
{
	struct update_arg *a = p;
	const char *const *paths = a->paths;
	size_t npaths = a->npaths;
	ctrfs_container cur;
	unsigned dirty = PART_CORE;
	bool spec_needed = a->updated != NULL;
	for (size_t i = 0; i < npaths; i++)
		spec_needed |= strcmp(paths[i], "spec") == 0;
	/* no paths is a full update, unless extensions are only being removed */
	size_t nremove = a->opts ? a->opts->nremove_extensions : 0;
	bool full = !npaths && !nremove;
	if (full)
		spec_needed = true;
	ctrfs_code code = ctr_load(t, a->ns, a->in->id,
				   CTRFS_LOAD_LABELS | CTRFS_LOAD_EXTENSIONS |
				       (spec_needed ? CTRFS_LOAD_SPEC : 0),
				   &cur, err);
	if (code == CTRFS_NOT_FOUND)
		return ctrfs_fail(err, code, "container %s: not found", GOQ(a->in->id));
	if (code)
		return code;
	if (full) {
		paths = full_update_paths;
		npaths = sizeof(full_update_paths) / sizeof(*full_update_paths);
		if (!ctr_str_eq(cur.snapshotter, a->in->snapshotter))
			code = ctrfs_fail(
			    err, CTRFS_INVALID_ARGUMENT,
			    "container.Snapshotter field is immutable: invalid argument");
		else if (!ctr_str_eq(cur.runtime_name, a->in->runtime_name))
			code = ctrfs_fail(
			    err, CTRFS_INVALID_ARGUMENT,
			    "container.Runtime.Name field is immutable: invalid argument");
	}
	/* what it was, to record when each changed part changed (times.c) */
	ctrfs_container before = {0};
	if (!code && !(a->opts && a->opts->check_only) && ctrfs_container_copy(&before, &cur))
		code = ctrfs_fail_oom(err);
	const ctrfs_container *was = a->opts ? a->opts->unless_changed : NULL;
	for (size_t i = 0; !code && was && i < npaths; i++)
		if (!path_eq(&cur, was, paths[i]))
			code =
			    ctrfs_fail(err, CTRFS_FAILED_PRECONDITION,
				       "container %s: %s changed since it was read", GOQ(a->in->id),
				       strcmp(paths[i], "snapshotkey") ? paths[i] : "snapshot key");
	for (size_t i = 0; !code && i < npaths; i++)
		code = apply_path(&cur, a->in, paths[i], &dirty, err);
	/* ctrfs's own removal, after the paths (see ctrfs_update_options) */
	for (size_t i = 0; !code && i < nremove; i++) {
		const char *name = a->opts->remove_extensions[i];
		if (!ctrfs_extensions_remove(&cur.extensions, name))
			code = ctrfs_fail(err, CTRFS_NOT_FOUND,
					  "container %s: extension %s: not found", GOQ(a->in->id),
					  GOQ(name));
		dirty |= CTRFS_LOAD_EXTENSIONS;
	}
	if (!code && a->opts && a->opts->check_only) {
		code = ctrfs_container_validate(&cur, err);
		if (code)
			code = ctrfs_error_prefix(err, code, "update failed validation: ");
		else
			code = writable(&cur, err);
	} else if (!code) {
		code = write_update(t, a->ns, &cur, dirty, err);
		if (!code)
			code = times_container_changed(t, a->ns, &before, &cur, err);
	}
	ctrfs_container_clear(&before);
	if (!code && a->updated) {
		for (size_t i = cur.labels.count; i-- > 0;)
			if (!cur.labels.items[i].value[0])
				ctrfs_labels_remove(&cur.labels, cur.labels.items[i].key);
		ctrfs_container_clear(a->updated);
		*a->updated = cur;
		return CTRFS_OK;
	}
	ctrfs_container_clear(&cur);
	return code;
}

ctrfs_code ctrfs_container_update(ctrfs_store *s, const char *ns, const ctrfs_container *c,
				  const char *const *paths, size_t npaths, ctrfs_container *updated,
				  ctrfs_error *err)
{
	return ctrfs_container_update_ex(s, ns, c, paths, npaths, NULL, updated, err);
}

ctrfs_code ctrfs_container_update_ex(ctrfs_store *s, const char *ns, const ctrfs_container *c,
				     const char *const *paths, size_t npaths,
				     const ctrfs_update_options *opts, ctrfs_container *updated,
				     ctrfs_error *err)
{
	if (updated)
		memset(updated, 0, sizeof(*updated));
	ctrfs_code code = ns_required(ns, err);
	if (code)
		return code;
	if (!c->id || !*c->id)
		return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
				  "must specify a container id: invalid argument");
	if (strlen(c->id) > CTRFS_IDENTIFIER_MAX)
		return ctrfs_fail(err, CTRFS_NOT_FOUND, "container %s: not found", GOQ(c->id));
	struct update_arg a = {ns, c, paths, npaths, opts, updated};
	if ((!opts || !opts->check_only) && binding_on(s)) {
		/* containerd keeps every extension it was given: no update removes one */
		if (opts && opts->nremove_extensions)
			return ctrfs_fail(err, CTRFS_FAILED_PRECONDITION,
					  "extension %s: removing an extension is ctrfs's own; "
					  "containerd (this store is bound to it) keeps every one",
					  GOQ(opts->remove_extensions[0]));
		return binding_container_update(s, ns, c, paths, npaths, opts, updated, err);
	}
	if (!opts || !opts->check_only)
		return db_write(s, update_txn, &a, err);
	/* a check reads: it never waits for writers, nor they for it */
	struct db_txn t;
	code = db_read_begin(s, &t, err);
	if (!code)
		code = update_txn(&t, &a, err);
	db_read_end(&t);
	return code;
}

struct recreate_arg {
	const char *ns;
	const ctrfs_container *in;
};

static ctrfs_code recreate_txn(struct db_txn *t, void *p, ctrfs_error *err)
{
	struct recreate_arg *a = p;
	ctrfs_container cur;
	ctrfs_code code = ctr_load(t, a->ns, a->in->id, 0, &cur, err);
	if (code == CTRFS_NOT_FOUND)
		return ctrfs_fail(err, code, "container %s: not found", GOQ(a->in->id));
	if (code)
		return code;
	ctrfs_container c = *a->in; /* shallow: only timestamps change */
	c.created_at = cur.created_at;
	c.updated_at = ctrfs_time_now();
	ctrfs_container_clear(&cur);
	code = ctr_remove(t, a->ns, c.id, err);
	if (!code)
		code = ctr_store(t, a->ns, &c, PART_CORE | CTRFS_LOAD_ALL, err);
	if (!code)
		code = ns_touch(t, a->ns, c.updated_at, err);
	if (!code)
		code =
		    events_append(t, a->ns, "/containers/update", event_container_update(&c), err);
	return code;
}

ctrfs_code ctrfs_container_recreate(ctrfs_store *s, const char *ns, const ctrfs_container *c,
				    ctrfs_error *err)
{
	ctrfs_code code = ns_required(ns, err);
	if (code)
		return code;
	if (!c->id || strlen(c->id) > CTRFS_IDENTIFIER_MAX)
		return ctrfs_fail(err, CTRFS_NOT_FOUND, "container %s: not found", GOQ(c->id));
	code = ctrfs_container_validate(c, err);
	if (code)
		return ctrfs_error_prefix(err, code, "update failed validation: ");
	if (binding_on(s))
		return binding_container_recreate(s, ns, c, err);
	struct recreate_arg a = {ns, c};
	return db_write(s, recreate_txn, &a, err);
}

struct rename_arg {
	const char *ns, *id, *from, *to;
	bool extension;
};

static ctrfs_code rename_txn(struct db_txn *t, void *p, ctrfs_error *err)
{
	struct rename_arg *a = p;
	ctrfs_container cur;
	ctrfs_code code =
	    ctr_load(t, a->ns, a->id, CTRFS_LOAD_LABELS | CTRFS_LOAD_EXTENSIONS, &cur, err);
	if (code == CTRFS_NOT_FOUND)
		return ctrfs_fail(err, code, "container %s: not found", GOQ(a->id));
	if (code)
		return code;
	ctrfs_container before = {0};
	bool oom = ctrfs_container_copy(&before, &cur) != CTRFS_OK;
	if (a->extension) {
		const ctrfs_any *any = ctrfs_extensions_get(&cur.extensions, a->from);
		if (!any)
			code = ctrfs_fail(err, CTRFS_NOT_FOUND, "extension %s: not found",
					  GOQ(a->from));
		else if (strcmp(a->from, a->to) != 0) {
			ctrfs_any copy = {0};
			oom = ctrfs_any_set(&copy, any->type_url, any->value, any->value_len) ||
			      ctrfs_extensions_set(&cur.extensions, a->to, &copy);
			ctrfs_any_clear(&copy);
			ctrfs_extensions_remove(&cur.extensions, a->from);
		}
	} else {
		const char *v = ctrfs_labels_get(&cur.labels, a->from);
		char *value = v ? strdup(v) : NULL;
		if (!v)
			code =
			    ctrfs_fail(err, CTRFS_NOT_FOUND, "label %s: not found", GOQ(a->from));
		else if (!value)
			oom = true;
		else if (strcmp(a->from, a->to) != 0) {
			oom = ctrfs_labels_set(&cur.labels, a->to, value) != CTRFS_OK;
			ctrfs_labels_remove(&cur.labels, a->from);
		}
		free(value);
	}
	if (oom)
		code = ctrfs_fail_oom(err);
	if (!code)
		code = write_update(
		    t, a->ns, &cur,
		    PART_CORE | (a->extension ? CTRFS_LOAD_EXTENSIONS : CTRFS_LOAD_LABELS), err);
	if (!code)
		code = times_container_changed(t, a->ns, &before, &cur, err);
	ctrfs_container_clear(&before);
	ctrfs_container_clear(&cur);
	return code;
}

ctrfs_code ctrfs_container_rename_key(ctrfs_store *s, const char *ns, const char *id,
				      bool extension, const char *from, const char *to,
				      ctrfs_error *err)
{
	ctrfs_code code = ns_required(ns, err);
	if (code)
		return code;
	if (strlen(id) > CTRFS_IDENTIFIER_MAX)
		return ctrfs_fail(err, CTRFS_NOT_FOUND, "container %s: not found", GOQ(id));
	if (binding_on(s))
		return binding_container_rename_key(s, ns, id, extension, from, to, err);
	struct rename_arg a = {ns, id, from, to, extension};
	return db_write(s, rename_txn, &a, err);
}

ctrfs_code ctrfs_container_remove_extension(ctrfs_store *s, const char *ns, const char *id,
					    const char *name, ctrfs_error *err)
{
	ctrfs_container c = {.id = (char *)id};
	ctrfs_update_options opts = {.remove_extensions = &name, .nremove_extensions = 1};
	return ctrfs_container_update_ex(s, ns, &c, NULL, 0, &opts, NULL, err);
}

struct delete_arg {
	const char *ns, *id;
};

static ctrfs_code delete_txn(struct db_txn *t, void *p, ctrfs_error *err)
{
	struct delete_arg *a = p;
	struct db_key key;
	MDB_val v;
	db_key_container(&key, a->ns, a->id);
	ctrfs_code code = db_get(t, DB_CTR, key.buf, key.len, &v, err);
	if (code == CTRFS_NOT_FOUND)
		return ctrfs_fail(err, code, "container %s: not found", GOQ(a->id));
	if (!code)
		code = ctr_remove(t, a->ns, a->id, err);
	if (!code) /* a store once bound may hold its task */
		code = tasks_drop(t, a->ns, a->id, NULL, err);
	if (!code)
		code = ns_touch(t, a->ns, ctrfs_time_now(), err);
	if (!code)
		code = events_append(t, a->ns, "/containers/delete",
				     json_pack("{s:s}", "id", a->id), err);
	return code;
}

ctrfs_code ctrfs_container_delete(ctrfs_store *s, const char *ns, const char *id, ctrfs_error *err)
{
	ctrfs_code code = ns_required(ns, err);
	if (code)
		return code;
	if (strlen(id) > CTRFS_IDENTIFIER_MAX)
		return ctrfs_fail(err, CTRFS_NOT_FOUND, "container %s: not found", GOQ(id));
	if (binding_on(s))
		return binding_container_delete(s, ns, id, err);
	struct delete_arg a = {ns, id};
	return db_write(s, delete_txn, &a, err);
}

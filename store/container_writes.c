/* Containers written: create, update by field paths (containerd's Update), recreate,
 * rename a label or extension key, delete; each one write transaction, or the write
 * seam when the store is bound. */
#include "containers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "write_seam.h"
#include "error.h"
#include "events.h"
#include "goquote.h"
#include "namespaces.h"
#include "tasks.h"
#include "times.h"
#include "validate.h"

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
	ctrfs_code code = ctr_ns_required(ns, err);
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
		if (!ctr_path_eq(&cur, was, paths[i]))
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
		if (!code && a->opts && a->opts->stored_at)
			*a->opts->stored_at = cur.updated_at;
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
	ctrfs_code code = ctr_ns_required(ns, err);
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
		/* containerd's answer holds the time the change was stored with */
		ctrfs_container mine = {0};
		ctrfs_container *out = updated || !opts || !opts->stored_at ? updated : &mine;
		code = binding_container_update(s, ns, c, paths, npaths, opts, out, err);
		if (!code && out && opts && opts->stored_at)
			*opts->stored_at = out->updated_at;
		ctrfs_container_clear(&mine);
		return code;
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

/* containerd's first checks of a write to container ID: the namespace, then an ID too
 * long to exist (or none) is not found. */
static ctrfs_code named(const char *ns, const char *id, ctrfs_error *err)
{
	ctrfs_code code = ctr_ns_required(ns, err);
	if (!code && (!id || strlen(id) > CTRFS_IDENTIFIER_MAX))
		code = ctrfs_fail(err, CTRFS_NOT_FOUND, "container %s: not found", GOQ(id));
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
	ctrfs_code code = named(ns, c->id, err);
	if (code)
		return code;
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
	ctrfs_code code = named(ns, id, err);
	if (code)
		return code;
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
	ctrfs_code code = named(ns, id, err);
	if (code)
		return code;
	if (binding_on(s))
		return binding_container_delete(s, ns, id, err);
	struct delete_arg a = {ns, id};
	return db_write(s, delete_txn, &a, err);
}

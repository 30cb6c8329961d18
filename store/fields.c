/* One field of a container: the typed, field-scoped calls (ctrfs_container_set_label,
 * _set_image, ...), each one ctrfs_container_update_ex of that field's path, and the
 * field paths themselves, spelled here once. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrfs_store.h"
#include "error.h"

char *ctrfs_field_path_label(const char *key)
{
	char *p;
	return asprintf(&p, "labels.%s", key) < 0 ? NULL : p;
}

char *ctrfs_field_path_extension(const char *name)
{
	char *p;
	return asprintf(&p, "extensions.%s", name) < 0 ? NULL : p;
}

/* The update of `paths` with the values in c (its id borrowed for the call), guarded by
 * `guard` (may be NULL) when the options ask for compare-and-set; not run when `code`
 * (the caller's preparation) already failed. Clears c and guard either way. */
static ctrfs_code update(ctrfs_code code, ctrfs_store *s, const char *ns, const char *id,
			 ctrfs_container *c, const char *const *paths, size_t npaths,
			 ctrfs_container *guard, const ctrfs_field_options *opts,
			 ctrfs_container *updated, ctrfs_error *err)
{
	ctrfs_update_options uo = {
	    .check_only = opts && opts->check_only,
	    .unless_changed = opts && opts->unless_changed ? guard : NULL,
	    .stored_at = opts ? opts->stored_at : NULL,
	};
	if (!code) {
		c->id = (char *)id;
		code = ctrfs_container_update_ex(s, ns, c, paths, npaths, &uo, updated, err);
		c->id = NULL;
	}
	ctrfs_container_clear(c);
	if (guard)
		ctrfs_container_clear(guard);
	return code;
}

ctrfs_code ctrfs_container_set_label(ctrfs_store *s, const char *ns, const char *id,
				     const char *key, const char *value,
				     const ctrfs_field_options *opts, ctrfs_container *updated,
				     ctrfs_error *err)
{
	ctrfs_container c = {0}, guard = {0};
	char *path = ctrfs_field_path_label(key);
	ctrfs_code code = CTRFS_OK;
	/* containerd validates the label as given, an empty value included */
	if (!path || (value && ctrfs_labels_set(&c.labels, key, value)) ||
	    (opts && opts->unless_changed && opts->expect &&
	     ctrfs_labels_set(&guard.labels, key, opts->expect)))
		code = ctrfs_fail_oom(err);
	code =
	    update(code, s, ns, id, &c, (const char *const *)&path, 1, &guard, opts, updated, err);
	free(path);
	return code;
}

ctrfs_code ctrfs_container_remove_label(ctrfs_store *s, const char *ns, const char *id,
					const char *key, const ctrfs_field_options *opts,
					ctrfs_container *updated, ctrfs_error *err)
{
	return ctrfs_container_set_label(s, ns, id, key, NULL, opts, updated, err);
}

ctrfs_code ctrfs_container_set_labels(ctrfs_store *s, const char *ns, const char *id,
				      const ctrfs_labels *labels, const ctrfs_field_options *opts,
				      ctrfs_container *updated, ctrfs_error *err)
{
	ctrfs_container c = {0};
	char **paths = calloc(labels->count + 1, sizeof(char *));
	size_t n = 0;
	ctrfs_code code = CTRFS_OK;
	if (opts && opts->unless_changed)
		code = ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
				  "compare-and-set takes one label: invalid argument");
	else if (!paths || ctrfs_labels_copy(&c.labels, labels))
		code = ctrfs_fail_oom(err);
	for (; !code && n < labels->count; n++)
		if (!(paths[n] = ctrfs_field_path_label(labels->items[n].key)))
			code = ctrfs_fail_oom(err);
	code = update(code, s, ns, id, &c, (const char *const *)paths, n, NULL, opts, updated, err);
	if (paths)
		ctrfs_strv_free(paths, n);
	return code;
}

/* image or snapshotkey: `field` picks the member of the container. */
static ctrfs_code set_text_field(ctrfs_store *s, const char *ns, const char *id, const char *path,
				 size_t field, const char *value, const ctrfs_field_options *opts,
				 ctrfs_container *updated, ctrfs_error *err)
{
	ctrfs_container c = {0}, guard = {0};
	char **f = (char **)((char *)&c + field), **g = (char **)((char *)&guard + field);
	const char *expect = opts && opts->unless_changed ? opts->expect : NULL;
	ctrfs_code code = CTRFS_OK;
	if ((value && !(*f = strdup(value))) || (expect && !(*g = strdup(expect))))
		code = ctrfs_fail_oom(err);
	return update(code, s, ns, id, &c, &path, 1, &guard, opts, updated, err);
}

ctrfs_code ctrfs_container_set_image(ctrfs_store *s, const char *ns, const char *id,
				     const char *image, const ctrfs_field_options *opts,
				     ctrfs_container *updated, ctrfs_error *err)
{
	return set_text_field(s, ns, id, "image", offsetof(ctrfs_container, image), image, opts,
			      updated, err);
}

ctrfs_code ctrfs_container_set_snapshot_key(ctrfs_store *s, const char *ns, const char *id,
					    const char *key, const ctrfs_field_options *opts,
					    ctrfs_container *updated, ctrfs_error *err)
{
	return set_text_field(s, ns, id, "snapshotkey", offsetof(ctrfs_container, snapshot_key),
			      key, opts, updated, err);
}

/* Compare-and-set compares text: the spec and extensions have none to give. */
static ctrfs_code no_guard(const ctrfs_field_options *opts, const char *what, ctrfs_error *err)
{
	if (opts && opts->unless_changed)
		return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
				  "compare-and-set of %s is not supported: invalid argument", what);
	return CTRFS_OK;
}

ctrfs_code ctrfs_container_set_spec(ctrfs_store *s, const char *ns, const char *id,
				    const ctrfs_any *spec, const ctrfs_field_options *opts,
				    ctrfs_container *updated, ctrfs_error *err)
{
	ctrfs_container c = {.has_spec = true};
	const char *path = "spec";
	ctrfs_code code = no_guard(opts, "a spec", err);
	if (!code && ctrfs_any_set(&c.spec, spec->type_url, spec->value, spec->value_len))
		code = ctrfs_fail_oom(err);
	return update(code, s, ns, id, &c, &path, 1, NULL, opts, updated, err);
}

ctrfs_code ctrfs_container_set_extension(ctrfs_store *s, const char *ns, const char *id,
					 const char *name, const ctrfs_any *any,
					 const ctrfs_field_options *opts, ctrfs_container *updated,
					 ctrfs_error *err)
{
	ctrfs_container c = {0};
	char *path = NULL;
	ctrfs_code code = no_guard(opts, "an extension", err);
	if (!code && (ctrfs_extensions_set(&c.extensions, name, any) ||
		      !(path = ctrfs_field_path_extension(name))))
		code = ctrfs_fail_oom(err);
	code = update(code, s, ns, id, &c, (const char *const *)&path, 1, NULL, opts, updated, err);
	free(path);
	return code;
}

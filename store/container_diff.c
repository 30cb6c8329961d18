/* Containers compared: equality of values as stored, and the field paths in which two
 * containers differ (ctrfs_container_changed_paths). */
#include "containers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

bool ctr_str_eq(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
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
bool ctr_path_eq(const ctrfs_container *a, const ctrfs_container *b, const char *path)
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

/* The model's values: Any, label and extension maps, containers; construction and release. */
#include "ctrfs_store.h"

#include <stdlib.h>
#include <string.h>

static char *dup_or_null(const char *s, bool *oom)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		*oom = true;
	return d;
}

void ctrfs_any_clear(ctrfs_any *a)
{
	free(a->type_url);
	free(a->value);
	memset(a, 0, sizeof(*a));
}

ctrfs_code ctrfs_any_set(ctrfs_any *a, const char *type_url, const void *value, size_t len)
{
	char *t = strdup(type_url ? type_url : "");
	unsigned char *v = malloc(len ? len : 1);
	if (!t || !v) {
		free(t);
		free(v);
		return CTRFS_INTERNAL;
	}
	if (len)
		memcpy(v, value, len);
	ctrfs_any_clear(a);
	a->type_url = t;
	a->value = v;
	a->value_len = len;
	return CTRFS_OK;
}

/* Binary search over a sorted array of records whose first member is a char * key. */
static size_t map_find(const void *items, size_t count, size_t size, const char *key, bool *found)
{
	size_t lo = 0, hi = count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *k = *(char *const *)((const char *)items + mid * size);
		int c = strcmp(k, key);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

/* Opens a slot at `at` in a sorted array, growing it; returns false on ENOMEM. */
static bool map_insert_slot(void **items, size_t *count, size_t size, size_t at)
{
	char *p = realloc(*items, (*count + 1) * size);
	if (!p)
		return false;
	memmove(p + (at + 1) * size, p + at * size, (*count - at) * size);
	memset(p + at * size, 0, size);
	*items = p;
	(*count)++;
	return true;
}

static void map_remove_slot(void *items, size_t *count, size_t size, size_t at)
{
	char *p = items;
	memmove(p + at * size, p + (at + 1) * size, (*count - at - 1) * size);
	(*count)--;
}

const char *ctrfs_labels_get(const ctrfs_labels *l, const char *key)
{
	bool found;
	size_t i = map_find(l->items, l->count, sizeof(ctrfs_label), key, &found);
	return found ? l->items[i].value : NULL;
}

ctrfs_code ctrfs_labels_set(ctrfs_labels *l, const char *key, const char *value)
{
	bool found;
	char *v = strdup(value ? value : "");
	if (!v)
		return CTRFS_INTERNAL;
	size_t i = map_find(l->items, l->count, sizeof(ctrfs_label), key, &found);
	if (found) {
		free(l->items[i].value);
		l->items[i].value = v;
		return CTRFS_OK;
	}
	char *k = strdup(key);
	if (!k || !map_insert_slot((void **)&l->items, &l->count, sizeof(ctrfs_label), i)) {
		free(k);
		free(v);
		return CTRFS_INTERNAL;
	}
	l->items[i].key = k;
	l->items[i].value = v;
	return CTRFS_OK;
}

bool ctrfs_labels_remove(ctrfs_labels *l, const char *key)
{
	bool found;
	size_t i = map_find(l->items, l->count, sizeof(ctrfs_label), key, &found);
	if (!found)
		return false;
	free(l->items[i].key);
	free(l->items[i].value);
	map_remove_slot(l->items, &l->count, sizeof(ctrfs_label), i);
	return true;
}

void ctrfs_labels_clear(ctrfs_labels *l)
{
	for (size_t i = 0; i < l->count; i++) {
		free(l->items[i].key);
		free(l->items[i].value);
	}
	free(l->items);
	l->items = NULL;
	l->count = 0;
}

ctrfs_code ctrfs_labels_copy(ctrfs_labels *dst, const ctrfs_labels *src)
{
	memset(dst, 0, sizeof(*dst));
	if (!src->count)
		return CTRFS_OK;
	dst->items = calloc(src->count, sizeof(ctrfs_label));
	if (!dst->items)
		return CTRFS_INTERNAL;
	for (size_t i = 0; i < src->count; i++) {
		dst->items[i].key = strdup(src->items[i].key);
		dst->items[i].value = strdup(src->items[i].value);
		dst->count++;
		if (!dst->items[i].key || !dst->items[i].value) {
			ctrfs_labels_clear(dst);
			return CTRFS_INTERNAL;
		}
	}
	return CTRFS_OK;
}

const ctrfs_any *ctrfs_extensions_get(const ctrfs_extensions *e, const char *name)
{
	bool found;
	size_t i = map_find(e->items, e->count, sizeof(ctrfs_extension), name, &found);
	return found ? &e->items[i].any : NULL;
}

ctrfs_code ctrfs_extensions_set(ctrfs_extensions *e, const char *name, const ctrfs_any *any)
{
	bool found;
	ctrfs_any copy = {0};
	if (ctrfs_any_set(&copy, any->type_url, any->value, any->value_len))
		return CTRFS_INTERNAL;
	size_t i = map_find(e->items, e->count, sizeof(ctrfs_extension), name, &found);
	if (found) {
		ctrfs_any_clear(&e->items[i].any);
		e->items[i].any = copy;
		return CTRFS_OK;
	}
	char *n = strdup(name);
	if (!n || !map_insert_slot((void **)&e->items, &e->count, sizeof(ctrfs_extension), i)) {
		free(n);
		ctrfs_any_clear(&copy);
		return CTRFS_INTERNAL;
	}
	e->items[i].name = n;
	e->items[i].any = copy;
	return CTRFS_OK;
}

bool ctrfs_extensions_remove(ctrfs_extensions *e, const char *name)
{
	bool found;
	size_t i = map_find(e->items, e->count, sizeof(ctrfs_extension), name, &found);
	if (!found)
		return false;
	free(e->items[i].name);
	ctrfs_any_clear(&e->items[i].any);
	map_remove_slot(e->items, &e->count, sizeof(ctrfs_extension), i);
	return true;
}

void ctrfs_extensions_clear(ctrfs_extensions *e)
{
	for (size_t i = 0; i < e->count; i++) {
		free(e->items[i].name);
		ctrfs_any_clear(&e->items[i].any);
	}
	free(e->items);
	e->items = NULL;
	e->count = 0;
}

static ctrfs_code extensions_copy(ctrfs_extensions *dst, const ctrfs_extensions *src)
{
	memset(dst, 0, sizeof(*dst));
	for (size_t i = 0; i < src->count; i++)
		if (ctrfs_extensions_set(dst, src->items[i].name, &src->items[i].any)) {
			ctrfs_extensions_clear(dst);
			return CTRFS_INTERNAL;
		}
	return CTRFS_OK;
}

void ctrfs_container_clear(ctrfs_container *c)
{
	free(c->id);
	ctrfs_labels_clear(&c->labels);
	free(c->image);
	free(c->runtime_name);
	ctrfs_any_clear(&c->runtime_options);
	ctrfs_any_clear(&c->spec);
	free(c->snapshot_key);
	free(c->snapshotter);
	free(c->sandbox_id);
	ctrfs_extensions_clear(&c->extensions);
	memset(c, 0, sizeof(*c));
}

static ctrfs_code any_copy(ctrfs_any *dst, const ctrfs_any *src)
{
	memset(dst, 0, sizeof(*dst));
	return ctrfs_any_set(dst, src->type_url, src->value, src->value_len);
}

ctrfs_code ctrfs_container_copy(ctrfs_container *dst, const ctrfs_container *src)
{
	bool oom = false;
	memset(dst, 0, sizeof(*dst));
	dst->id = dup_or_null(src->id, &oom);
	dst->image = dup_or_null(src->image, &oom);
	dst->runtime_name = dup_or_null(src->runtime_name, &oom);
	dst->snapshot_key = dup_or_null(src->snapshot_key, &oom);
	dst->snapshotter = dup_or_null(src->snapshotter, &oom);
	dst->sandbox_id = dup_or_null(src->sandbox_id, &oom);
	dst->created_at = src->created_at;
	dst->updated_at = src->updated_at;
	dst->has_runtime_options = src->has_runtime_options;
	if (src->has_runtime_options && any_copy(&dst->runtime_options, &src->runtime_options))
		oom = true;
	dst->has_spec = src->has_spec;
	if (src->has_spec && any_copy(&dst->spec, &src->spec))
		oom = true;
	if (ctrfs_labels_copy(&dst->labels, &src->labels))
		oom = true;
	if (extensions_copy(&dst->extensions, &src->extensions))
		oom = true;
	if (oom) {
		ctrfs_container_clear(dst);
		return CTRFS_INTERNAL;
	}
	return CTRFS_OK;
}

void ctrfs_container_list_free(ctrfs_container *list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		ctrfs_container_clear(&list[i]);
	free(list);
}

void ctrfs_namespace_clear(ctrfs_namespace *ns)
{
	free(ns->name);
	ctrfs_labels_clear(&ns->labels);
	memset(ns, 0, sizeof(*ns));
}

void ctrfs_namespace_list_free(ctrfs_namespace *list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		ctrfs_namespace_clear(&list[i]);
	free(list);
}

void ctrfs_strv_free(char **v, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(v[i]);
	free(v);
}

void ctrfs_import_namespaces_free(ctrfs_import_namespace *nss, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		ctrfs_namespace_clear(&nss[i].ns);
		ctrfs_container_list_free(nss[i].containers, nss[i].count);
		ctrfs_image_list_free(nss[i].images, nss[i].nimages);
	}
	free(nss);
}

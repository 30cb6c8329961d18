/* protobuf-c structs to and from client.h's plain structs. */
#include "convert.h"

#include <stdlib.h>
#include <string.h>

void *arena_alloc(struct pb_arena *a, size_t size)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		void **p = realloc(a->ptrs, cap * sizeof(*p));
		if (!p) {
			a->oom = true;
			return NULL;
		}
		a->ptrs = p;
		a->cap = cap;
	}
	void *m = calloc(1, size ? size : 1);
	if (!m) {
		a->oom = true;
		return NULL;
	}
	a->ptrs[a->n++] = m;
	return m;
}

void arena_free(struct pb_arena *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->ptrs[i]);
	free(a->ptrs);
	memset(a, 0, sizeof(*a));
}

char *pb_str(const char *s)
{
	/* protobuf-c's "" default for proto3 strings is protobuf_c_empty_string */
	return s ? (char *)s : (char *)protobuf_c_empty_string;
}

Google__Protobuf__Any *pb_any(struct pb_arena *a, const struct ctrd_any *any)
{
	if (!any->present)
		return NULL;
	Google__Protobuf__Any *m = arena_alloc(a, sizeof(*m));
	if (!m)
		return NULL;
	google__protobuf__any__init(m);
	m->type_url = pb_str(any->type_url);
	m->value.data = any->value;
	m->value.len = any->value_len;
	return m;
}

Google__Protobuf__Timestamp *pb_time(struct pb_arena *a, const struct ctrd_time *t)
{
	if (!t->present)
		return NULL;
	Google__Protobuf__Timestamp *m = arena_alloc(a, sizeof(*m));
	if (!m)
		return NULL;
	google__protobuf__timestamp__init(m);
	m->seconds = t->seconds;
	m->nanos = t->nanos;
	return m;
}

struct pb_string_entry **pb_labels(struct pb_arena *a, const ProtobufCMessageDescriptor *entry_type,
				   const struct ctrd_label *labels, size_t n)
{
	struct pb_string_entry **v = arena_alloc(a, n * sizeof(*v));
	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		v[i] = arena_alloc(a, entry_type->sizeof_message);
		if (!v[i])
			return NULL;
		protobuf_c_message_init(entry_type, v[i]);
		v[i]->key = pb_str(labels[i].key);
		v[i]->value = pb_str(labels[i].value);
	}
	return v;
}

Google__Protobuf__FieldMask *pb_mask(struct pb_arena *a, const char *const *paths, size_t n)
{
	if (n == 0)
		return NULL;
	Google__Protobuf__FieldMask *m = arena_alloc(a, sizeof(*m));
	char **v = arena_alloc(a, n * sizeof(*v));
	if (!m || !v)
		return NULL;
	google__protobuf__field_mask__init(m);
	for (size_t i = 0; i < n; i++)
		v[i] = pb_str(paths[i]);
	m->n_paths = n;
	m->paths = v;
	return m;
}

int copy_str(char **out, const char *s)
{
	*out = strdup(s ? s : "");
	return *out ? 0 : -1;
}

int copy_any(struct ctrd_any *out, const Google__Protobuf__Any *any)
{
	memset(out, 0, sizeof(*out));
	if (!any)
		return 0;
	out->present = true;
	out->value = malloc(any->value.len + 1);
	if (!out->value || copy_str(&out->type_url, any->type_url) < 0)
		return -1;
	if (any->value.len)
		memcpy(out->value, any->value.data, any->value.len);
	out->value_len = any->value.len;
	return 0;
}

void copy_time(struct ctrd_time *out, const Google__Protobuf__Timestamp *t)
{
	memset(out, 0, sizeof(*out));
	if (!t)
		return;
	out->present = true;
	out->seconds = t->seconds;
	out->nanos = t->nanos;
}

int copy_labels(struct ctrd_label **out, size_t *n_out, struct pb_string_entry *const *entries,
		size_t n)
{
	*out = calloc(n ? n : 1, sizeof(**out));
	*n_out = 0;
	if (!*out)
		return -1;
	for (size_t i = 0; i < n; i++) {
		*n_out = i + 1;
		if (copy_str(&(*out)[i].key, entries[i]->key) < 0 ||
		    copy_str(&(*out)[i].value, entries[i]->value) < 0)
			return -1;
	}
	return 0;
}

void free_labels(struct ctrd_label *labels, size_t n)
{
	for (size_t i = 0; labels && i < n; i++) {
		free(labels[i].key);
		free(labels[i].value);
	}
	free(labels);
}

/* Records converted between the store's form and the containerd client's (see
 * binding_client.h): what the binding's writes send and what they, and the sync, take
 * back. */
#include "binding_client.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "mirror.h"

struct ctrd_label *labels_out(const ctrfs_labels *l, size_t *n)
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
bool container_out(const ctrfs_container *c, struct ctrd_container *o)
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

void borrowed_clear(struct ctrd_container *o)
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
ctrfs_code container_in(const struct ctrd_container *c, ctrfs_container *o, ctrfs_error *err)
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
ctrfs_code mirror_container_answer(ctrfs_store *s, const char *ns, const struct ctrd_container *got,
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

/* NAME: the one written (containerd's Update answers with labels only) */
ctrfs_code mirror_namespace_answer(ctrfs_store *s, const char *name,
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

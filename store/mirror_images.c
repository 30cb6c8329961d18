/* The mirror's images: containerd's image records written into the store as they are
 * (see mirror.h), with the change log's /images/ events so that mounts invalidate. */
#include <stdlib.h>
#include <string.h>

#include "containers.h"
#include "db.h"
#include "error.h"
#include "images_txn.h"
#include "mirror.h"
#include "namespaces.h"

/* Is the stored image `a` exactly `b`, target and both times included? */
static bool image_same(const ctrfs_image *a, const ctrfs_image *b)
{
	return ctr_str_eq(a->name, b->name) && ctr_labels_eq(&a->labels, &b->labels) &&
	       ctr_str_eq(a->target.media_type, b->target.media_type) &&
	       ctr_str_eq(a->target.digest, b->target.digest) && a->target.size == b->target.size &&
	       ctr_labels_eq(&a->target.annotations, &b->target.annotations) &&
	       a->created_at.sec == b->created_at.sec && a->created_at.nsec == b->created_at.nsec &&
	       a->updated_at.sec == b->updated_at.sec && a->updated_at.nsec == b->updated_at.nsec;
}

static ctrfs_code put_image(struct db_txn *t, const char *ns, const ctrfs_image *im,
			    size_t *changed, ctrfs_error *err)
{
	ctrfs_image cur;
	ctrfs_code code = img_load(t, ns, im->name, &cur, err);
	if (code && code != CTRFS_NOT_FOUND)
		return code;
	bool same = !code && image_same(&cur, im);
	if (!code)
		ctrfs_image_clear(&cur);
	if (same)
		return CTRFS_OK;
	code = img_put(t, ns, im, err);
	if (!code)
		code = ns_touch(t, ns, ctrfs_time_now(), err);
	if (!code && changed)
		(*changed)++;
	return code;
}

static ctrfs_code drop_image(struct db_txn *t, const char *ns, const char *name, size_t *removed,
			     ctrfs_error *err)
{
	ctrfs_code code = img_del(t, ns, name, err);
	if (code == CTRFS_NOT_FOUND)
		return CTRFS_OK;
	if (!code)
		code = ns_touch(t, ns, ctrfs_time_now(), err);
	if (!code && removed)
		(*removed)++;
	return code;
}

static bool listed(const ctrfs_image *images, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(images[i].name, name) == 0)
			return true;
	return false;
}

ctrfs_code mirror_images_replace(struct db_txn *t, const char *ns, const ctrfs_image *images,
				 size_t n, ctrfs_sync_result *res, ctrfs_error *err)
{
	ctrfs_code code = CTRFS_OK;
	for (size_t i = 0; !code && i < n; i++) {
		res->images++;
		code = put_image(t, ns, &images[i], &res->changed, err);
	}
	ctrfs_image *stored = NULL;
	size_t count = 0;
	if (!code)
		code = img_list(t, ns, NULL, &stored, &count, err);
	for (size_t i = 0; !code && i < count; i++)
		if (!listed(images, n, stored[i].name))
			code = drop_image(t, ns, stored[i].name, &res->removed, err);
	ctrfs_image_list_free(stored, count);
	return code;
}

/* ---- one change each ---- */

struct one_arg {
	const char *ns, *name;
	const ctrfs_image *im;
};

static ctrfs_code image_put_txn(struct db_txn *t, void *p, ctrfs_error *err)
{
	struct one_arg *a = p;
	return put_image(t, a->ns, a->im, NULL, err);
}

ctrfs_code mirror_image_put(ctrfs_store *s, const char *ns, const ctrfs_image *im, ctrfs_error *err)
{
	struct one_arg a = {.ns = ns, .im = im};
	return db_write(s, image_put_txn, &a, err);
}

static ctrfs_code image_drop_txn(struct db_txn *t, void *p, ctrfs_error *err)
{
	struct one_arg *a = p;
	return drop_image(t, a->ns, a->name, NULL, err);
}

ctrfs_code mirror_image_drop(ctrfs_store *s, const char *ns, const char *name, ctrfs_error *err)
{
	struct one_arg a = {.ns = ns, .name = name};
	return db_write(s, image_drop_txn, &a, err);
}

/* Images of a store bound to containerd: read from its Images service into the mirror
 * (the full sync, the follower's refresh), label writes as Images.Update, and ctr's SIZE
 * and PLATFORMS from its content store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binding_client.h"
#include "error.h"
#include "goquote.h"
#include "mirror.h"

/* The store's form of containerd's image (a deep copy). */
static ctrfs_code image_in(const struct ctrd_image *im, ctrfs_image *o, ctrfs_error *err)
{
	memset(o, 0, sizeof(*o));
	bool ok =
	    str_in(&o->name, im->name) && labels_in(im->labels, im->n_labels, &o->labels) &&
	    str_in(&o->target.media_type, im->target.media_type) &&
	    str_in(&o->target.digest, im->target.digest) &&
	    labels_in(im->target.annotations, im->target.n_annotations, &o->target.annotations);
	o->target.size = im->target.size;
	o->created_at = time_in(im->created_at);
	o->updated_at = time_in(im->updated_at);
	if (!ok) {
		ctrfs_image_clear(o);
		return ctrfs_fail_oom(err);
	}
	return CTRFS_OK;
}

/* Can the store key it? (a name longer than CTRFS_IMAGE_NAME_MAX cannot be mirrored;
 * no registry serves one) */
static bool storable(const struct ctrd_image *im)
{
	return im->name && *im->name && strlen(im->name) <= CTRFS_IMAGE_NAME_MAX;
}

int binding_images_read(ctrd_client *cl, const char *ns, ctrfs_image **out, size_t *n,
			struct ctrd_status *st, ctrfs_error *err, ctrfs_code *local)
{
	struct ctrd_image_list l = {0};
	*out = NULL;
	*n = 0;
	int rc = ctrd_images_list(cl, ns, NULL, 0, &l, st);
	if (!rc && !(*out = calloc(l.n + 1, sizeof(**out))))
		*local = ctrfs_fail_oom(err);
	for (size_t i = 0; !rc && !*local && i < l.n; i++)
		if (storable(&l.items[i]) && !(*local = image_in(&l.items[i], &(*out)[*n], err)))
			(*n)++;
	ctrd_image_list_clear(&l);
	return rc;
}

static ctrfs_code mirror_answer(ctrfs_store *s, const char *ns, const struct ctrd_image *got,
				ctrfs_error *err)
{
	ctrfs_image im;
	ctrfs_code code = image_in(got, &im, err);
	if (!code)
		code = mirror_image_put(s, ns, &im, err);
	ctrfs_image_clear(&im);
	return code;
}

ctrfs_code binding_image_label(ctrfs_store *s, const char *ns, const char *name, const char *key,
			       const char *value, bool guard, const char *expect, ctrfs_error *err)
{
	/* the image as mirrored: a missing one and a guard are the store's refusals */
	ctrfs_image cur;
	ctrfs_code code = ctrfs_image_get(s, ns, name, &cur, err);
	if (code)
		return code;
	const char *was = ctrfs_labels_get(&cur.labels, key);
	if (guard && !(was == expect || (was && expect && strcmp(was, expect) == 0)))
		code =
		    ctrfs_fail(err, CTRFS_FAILED_PRECONDITION,
			       "image %s: label %s changed since it was read", GOQ(name), GOQ(key));
	ctrfs_image_clear(&cur);
	if (code)
		return code;
	/* labels.KEY with no such label in the request removes it */
	struct ctrd_label label = {(char *)key, (char *)value};
	struct ctrd_image in = {.name = (char *)name,
				.labels = &label,
				.n_labels = value && *value ? 1 : 0},
			  got = {0};
	char *path = NULL;
	if (asprintf(&path, "labels.%s", key) < 0)
		return ctrfs_fail_oom(err);
	ctrd_client *cl;
	struct ctrd_status st = {0};
	code = client_get(s, &cl, err);
	if (!code)
		code = client_put(
		    s, ctrd_image_update(cl, ns, &in, (const char *const *)&path, 1, &got, &st),
		    &st, err);
	free(path);
	if (!code)
		code = mirror_answer(s, ns, &got, err);
	ctrd_image_clear(&got);
	return code;
}

ctrfs_code ctrfs_store_refresh_image(ctrfs_store *s, const char *ns, const char *name,
				     ctrfs_error *err)
{
	ctrd_client *cl;
	ctrfs_code code = bound_client(s, &cl, err);
	if (code)
		return code;
	struct ctrd_image got = {0};
	struct ctrd_status st = {0};
	int rc = ctrd_image_get(cl, ns, name, &got, &st);
	bool gone = rc == CTRD_NOT_FOUND || (!rc && !storable(&got));
	code = client_put(s, rc == CTRD_NOT_FOUND ? CTRD_OK : rc, &st, err);
	if (!code)
		code = gone ? mirror_image_drop(s, ns, name, err) : mirror_answer(s, ns, &got, err);
	ctrd_image_clear(&got);
	return code;
}

/* "a,b,c" of ctr's PLATFORMS column; NULL when none (ctr's "-") or out of memory. */
static char *platforms_column(const struct ctrd_image_usage *u)
{
	size_t len = 1;
	for (size_t i = 0; i < u->n_platforms; i++)
		len += strlen(u->platforms[i]) + 1;
	char *out = u->n_platforms ? malloc(len) : NULL;
	if (!out)
		return NULL;
	*out = '\0';
	for (size_t i = 0; i < u->n_platforms; i++) {
		if (i)
			strcat(out, ",");
		strcat(out, u->platforms[i]);
	}
	return out;
}

ctrfs_code ctrfs_image_usage(ctrfs_store *s, const char *ns, const char *name, int64_t *size,
			     char **platforms, ctrfs_error *err)
{
	*size = -1;
	*platforms = NULL;
	ctrfs_code code = require_bound(s, err);
	ctrfs_image im;
	if (code || (code = ctrfs_image_get(s, ns, name, &im, err)))
		return code;
	struct ctrd_descriptor target = {
	    .media_type = im.target.media_type, .digest = im.target.digest, .size = im.target.size};
	struct ctrd_image_usage u = {0};
	struct ctrd_status st = {0};
	ctrd_client *cl;
	code = client_get(s, &cl, err);
	int rc = code ? CTRD_OK : ctrd_image_usage(cl, ns, &target, &u, &st);
	/* a content store error still leaves what ctr prints; a call that failed, nothing */
	bool answered =
	    !code && rc != CTRD_UNAVAILABLE && rc != CTRD_DEADLINE_EXCEEDED && rc != CTRD_CANCELLED;
	if (!code)
		code = client_put(s, rc, &st, err);
	if (answered) {
		*size = u.size;
		*platforms = platforms_column(&u);
	}
	ctrd_image_usage_clear(&u);
	ctrfs_image_clear(&im);
	return code;
}

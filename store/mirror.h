/* The mirror: writing what containerd holds into the store, as it holds it (its
 * timestamps, Any bytes exact), as ordinary store changes (change log events, so that
 * mounts invalidate). Nothing here asks containerd or applies containerd's rules: the
 * records come from containerd and are stored as they are. */
#ifndef CTRFS_MIRROR_H
#define CTRFS_MIRROR_H

#include "ctrfs_store.h"

/* Stores the container wholly as given (created_at and updated_at kept); a container
 * that is already stored exactly so is left alone (no event). */
ctrfs_code mirror_container_put(ctrfs_store *s, const char *ns, const ctrfs_container *c,
				ctrfs_error *err);
/* Removes the container if it is stored. */
ctrfs_code mirror_container_drop(ctrfs_store *s, const char *ns, const char *id, ctrfs_error *err);
/* Stores the namespace with exactly these labels (created when missing). */
ctrfs_code mirror_namespace_put(ctrfs_store *s, const char *name, const ctrfs_labels *labels,
				ctrfs_error *err);
/* Removes the namespace and anything still stored in it. */
ctrfs_code mirror_namespace_drop(ctrfs_store *s, const char *name, ctrfs_error *err);

/* Stores the image wholly as given (times kept); one stored exactly so is left alone
 * (mirror_images.c). */
ctrfs_code mirror_image_put(ctrfs_store *s, const char *ns, const ctrfs_image *im,
			    ctrfs_error *err);
/* Removes the image if it is stored. */
ctrfs_code mirror_image_drop(ctrfs_store *s, const char *ns, const char *name, ctrfs_error *err);

/* A whole picture of containerd: its namespaces, each with its containers, tasks and
 * images. */
struct mirror_namespace {
	ctrfs_namespace ns;
	ctrfs_container *containers;
	size_t count;
	ctrfs_task *tasks;
	size_t ntasks;
	ctrfs_image *images;
	size_t nimages;
};

struct db_txn;
/* In the transaction: makes namespace NS hold exactly IMAGES (none: removes them all),
 * counting into res->changed and res->removed (mirror_images.c). */
ctrfs_code mirror_images_replace(struct db_txn *t, const char *ns, const ctrfs_image *images,
				 size_t n, ctrfs_sync_result *res, ctrfs_error *err);
/* Makes the store hold exactly `all` in one transaction: puts what differs, removes
 * what is not in it (tasks too: see tasks.h). Counts in *res (may be NULL). */
ctrfs_code mirror_replace_all(ctrfs_store *s, const struct mirror_namespace *all, size_t n,
			      ctrfs_sync_result *res, ctrfs_error *err);

#endif

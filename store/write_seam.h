/* The write seam (issue 12): where every container, namespace and image write of the store
 * passes once its own checks pass. Implemented by binding.c (binding_images.c for an
 * image's label), or binding_none.c when built without the containerd client; a leaf,
 * so that the writers (container_writes.c, namespaces.c, images.c) do not depend on the
 * binding's own needs (the mirror, the client).
 *
 * A store bound to a running containerd (issue 13): every container and namespace write
 * goes to containerd first, and containerd's answer is what the store (its mirror)
 * keeps. The binding is the address recorded in the meta table under "containerd", so
 * every process that opens the store writes through containerd alike: each public
 * write, once its own checks pass, calls binding_on() and, when true, hands the write to
 * the matching binding_* function instead of its own transaction. */
#ifndef CTRFS_WRITE_SEAM_H
#define CTRFS_WRITE_SEAM_H

#include "ctrfs_store.h"

/* Is the store bound? (a read of the meta table; false for a store that cannot say) */
bool binding_on(ctrfs_store *s);
/* Releases the store's containerd connection (ctrfs_store_close). */
void binding_free(ctrfs_store *s);

ctrfs_code binding_container_create(ctrfs_store *s, const char *ns, const ctrfs_container *c,
				    ctrfs_container *created, ctrfs_error *err);
ctrfs_code binding_container_update(ctrfs_store *s, const char *ns, const ctrfs_container *c,
				    const char *const *paths, size_t npaths,
				    const ctrfs_update_options *opts, ctrfs_container *updated,
				    ctrfs_error *err);
ctrfs_code binding_container_recreate(ctrfs_store *s, const char *ns, const ctrfs_container *c,
				      ctrfs_error *err);
ctrfs_code binding_container_rename_key(ctrfs_store *s, const char *ns, const char *id,
					bool extension, const char *from, const char *to,
					ctrfs_error *err);
ctrfs_code binding_container_delete(ctrfs_store *s, const char *ns, const char *id,
				    ctrfs_error *err);
ctrfs_code binding_namespace_create(ctrfs_store *s, const char *name, const ctrfs_labels *labels,
				    ctrfs_error *err);
/* value NULL removes; guard: only while the label holds `expect` (NULL: absent);
 * to != NULL: renames `key` to `to` (value unused) */
ctrfs_code binding_namespace_label(ctrfs_store *s, const char *name, const char *key,
				   const char *value, const char *to, bool guard,
				   const char *expect, ctrfs_error *err);
ctrfs_code binding_namespace_delete(ctrfs_store *s, const char *name, ctrfs_error *err);
/* An image's label (binding_images.c): containerd's Images.Update with "labels.KEY";
 * value NULL or "" removes; guard as for namespaces. */
ctrfs_code binding_image_label(ctrfs_store *s, const char *ns, const char *name, const char *key,
			       const char *value, bool guard, const char *expect, ctrfs_error *err);

#endif

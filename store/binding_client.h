/* What binding.c, binding_records.c, binding_writes.c, binding_sync.c and
 * binding_images.c share: the store's containerd client, and the conversions of records
 * between containerd's form and the store's. Store-internal. */
#ifndef CTRFS_BINDING_CLIENT_H
#define CTRFS_BINDING_CLIENT_H

#include "write_seam.h"
#include "ctrd_client.h"

/* Takes the store's client (connecting when needed); release with client_put. */
ctrfs_code client_get(ctrfs_store *s, ctrd_client **out, ctrfs_error *err);
/* Ends a call: maps a failure of RC/ST into err, lets the next caller in. */
ctrfs_code client_put(ctrfs_store *s, int rc, struct ctrd_status *st, ctrfs_error *err);
ctrfs_code require_bound(ctrfs_store *s, ctrfs_error *err);
/* Both: the client of a store that must be bound (a refresh from containerd). */
ctrfs_code bound_client(ctrfs_store *s, ctrd_client **out, ctrfs_error *err);
/* Records between the store's form and the client's (binding_records.c). */
bool labels_in(const struct ctrd_label *v, size_t n, ctrfs_labels *l);
/* malloc'd, borrowing L's strings; NULL when out of memory */
struct ctrd_label *labels_out(const ctrfs_labels *l, size_t *n);
/* The client's form of C, borrowing C's strings; free with borrowed_clear. */
bool container_out(const ctrfs_container *c, struct ctrd_container *o);
void borrowed_clear(struct ctrd_container *o);
/* The store's form of containerd's container (a deep copy). */
ctrfs_code container_in(const struct ctrd_container *c, ctrfs_container *o, ctrfs_error *err);
/* containerd's answer mirrored: a container (`out`, may be NULL, receives it as the
 * store returns its own: labels with empty values are none), a namespace's labels. */
ctrfs_code mirror_container_answer(ctrfs_store *s, const char *ns, const struct ctrd_container *got,
				   ctrfs_container *out, ctrfs_error *err);
ctrfs_code mirror_namespace_answer(ctrfs_store *s, const char *name,
				   const struct ctrd_namespace *got, ctrfs_error *err);
bool str_in(char **dst, const char *src);
ctrfs_time time_in(struct ctrd_time t);
/* Containerd's images of NS, in the store's form (binding_images.c), for read_all:
 * RC is containerd's, *local a local failure (in err). */
int binding_images_read(ctrd_client *cl, const char *ns, ctrfs_image **out, size_t *n,
			struct ctrd_status *st, ctrfs_error *err, ctrfs_code *local);

#endif

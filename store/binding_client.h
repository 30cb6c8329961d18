/* What binding.c shares with binding_images.c: the store's containerd client and the
 * conversions of containerd's records into the store's. Store-internal. */
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
bool labels_in(const struct ctrd_label *v, size_t n, ctrfs_labels *l);
bool str_in(char **dst, const char *src);
ctrfs_time time_in(struct ctrd_time t);
/* Containerd's images of NS, in the store's form (binding_images.c), for read_all:
 * RC is containerd's, *local a local failure (in err). */
int binding_images_read(ctrd_client *cl, const char *ns, ctrfs_image **out, size_t *n,
			struct ctrd_status *st, ctrfs_error *err, ctrfs_code *local);

#endif

/* When each part of a container, and each label of a namespace, last changed (the
 * "times" table; see times.c). */
#ifndef CTRFS_TIMES_H
#define CTRFS_TIMES_H

#include "db.h"

/* A container made now: its parts all date from `created`. */
ctrfs_code times_created(struct db_txn *t, const char *ns, const char *id, ctrfs_time created,
			 ctrfs_error *err);
/* A container updated from `before` to `after` (after->updated_at stamped): the parts
 * that differ get that time; labels and extensions gone lose theirs. */
ctrfs_code times_container_changed(struct db_txn *t, const char *ns, const ctrfs_container *before,
				   const ctrfs_container *after, ctrfs_error *err);
/* A namespace's labels changed from `before` (of a namespace last changed at
 * `before_updated`; NULL labels: just made) to `after`, at `now`. */
ctrfs_code times_ns_labels_changed(struct db_txn *t, const char *ns, const ctrfs_labels *before,
				   ctrfs_time before_updated, const ctrfs_labels *after,
				   ctrfs_time now, ctrfs_error *err);
/* The container or namespace (id NULL) is gone: so are its times. */
ctrfs_code times_removed(struct db_txn *t, const char *ns, const char *id, ctrfs_error *err);

/* When part `path` of container c last changed (see ctrfs_container_part_time). */
ctrfs_code times_container_part(struct db_txn *t, const char *ns, const ctrfs_container *c,
				const char *path, ctrfs_time *out, ctrfs_error *err);
/* When label `key` of namespace n last changed (see ctrfs_namespace_label_time). */
ctrfs_code times_ns_label(struct db_txn *t, const ctrfs_namespace *n, const char *key,
			  ctrfs_time *out, ctrfs_error *err);

#endif

/* Namespace records, shared by the container operations (which touch them). */
#ifndef CTRFS_NAMESPACES_H
#define CTRFS_NAMESPACES_H

#include "db.h"

/* Reads a namespace record; NOT_FOUND without a message when missing. */
ctrfs_code ns_load(struct db_txn *t, const char *name, ctrfs_namespace *out, ctrfs_error *err);
ctrfs_code ns_store(struct db_txn *t, const ctrfs_namespace *ns, ctrfs_error *err);
/* Marks a change in the namespace (its updated_at), creating it when missing. */
ctrfs_code ns_touch(struct db_txn *t, const char *name, ctrfs_time now, ctrfs_error *err);

#endif

/* Container records in LMDB: loading and storing the parts of one container (containers.c),
 * and what the public calls on containers share (container_reads.c, container_writes.c,
 * container_diff.c). */
#ifndef CTRFS_CONTAINERS_H
#define CTRFS_CONTAINERS_H

#include "db.h"

enum {
	PART_CORE = 1 << 3, /* with CTRFS_LOAD_LABELS / EXTENSIONS / SPEC */
};

/* Loads a container; NOT_FOUND without a message when it does not exist. */
ctrfs_code ctr_load(struct db_txn *t, const char *ns, const char *id, unsigned load,
		    ctrfs_container *out, ctrfs_error *err);
/* Writes the given parts (PART_CORE | CTRFS_LOAD_*) of c. Labels with empty values are
 * not stored (containerd drops them). */
ctrfs_code ctr_store(struct db_txn *t, const char *ns, const ctrfs_container *c, unsigned parts,
		     ctrfs_error *err);
/* The IDs of ns's containers in t, sorted (ids NULL: only counted). */
ctrfs_code ctr_ids(struct db_txn *t, const char *ns, char ***ids, size_t *count, ctrfs_error *err);
ctrfs_code ctr_remove(struct db_txn *t, const char *ns, const char *id, ctrfs_error *err);

/* containerd's namespaces.NamespaceRequired: every container operation checks it first. */
ctrfs_code ctr_ns_required(const char *ns, ctrfs_error *err);
/* A record of container ID that does not decode: `part` names it. */
ctrfs_code ctr_damaged(ctrfs_error *err, const char *ns, const char *id, const char *part);

/* Equality of values as stored (NULL and "" are one string; Any bytes exact):
 * container_diff.c. ctr_path_eq: of the part named by an update's field path. */
bool ctr_str_eq(const char *a, const char *b);
bool ctr_any_eq(bool has_a, const ctrfs_any *a, bool has_b, const ctrfs_any *b);
bool ctr_labels_eq(const ctrfs_labels *a, const ctrfs_labels *b);
bool ctr_path_eq(const ctrfs_container *a, const ctrfs_container *b, const char *path);

#endif

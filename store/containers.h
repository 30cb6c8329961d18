/* Container records in LMDB: loading and storing the parts of one container. */
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

/* Equality of values as stored (NULL and "" are one string; Any bytes exact). */
bool ctr_str_eq(const char *a, const char *b);
bool ctr_any_eq(bool has_a, const ctrfs_any *a, bool has_b, const ctrfs_any *b);
bool ctr_labels_eq(const ctrfs_labels *a, const ctrfs_labels *b);

#endif

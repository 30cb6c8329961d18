/* The store's own rule checks beyond the public ctrfs_*_validate (ctrfs_store.h). */
#ifndef CTRFS_VALIDATE_H
#define CTRFS_VALIDATE_H

#include "ctrfs_store.h"

/* What containerd refuses when it writes labels, after validation: bolt takes no empty
 * key, so a label "" with a value fails ("failed to set label \"\"=\"v\": key required");
 * with an empty value it is dropped before the write, so it passes. */
ctrfs_code label_keys_validate(const ctrfs_labels *l, ctrfs_error *err);
/* The same for one label. */
ctrfs_code label_key_validate(const char *key, const char *value, ctrfs_error *err);

#endif

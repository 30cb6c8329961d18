/* Image records inside a transaction, shared by images.c and the batch import. */
#ifndef CTRFS_IMAGES_TXN_H
#define CTRFS_IMAGES_TXN_H

#include "db.h"
#include "filter.h"

/* Reads image `name` of `ns` into *out: NOT_FOUND (no message) when missing. */
ctrfs_code img_load(struct db_txn *t, const char *ns, const char *name, ctrfs_image *out,
		    ctrfs_error *err);
/* Appends the images of `ns` matching `f` (NULL: all) to *out, sorted by name. */
ctrfs_code img_list(struct db_txn *t, const char *ns, const ctrfs_filter *f, ctrfs_image **out,
		    size_t *count, ctrfs_error *err);
/* Does `ns` hold image `name`? (false in a store without the images table) */
bool img_exists(struct db_txn *t, const char *ns, const char *name);
/* Writes `im` as given (times included) and logs "/images/create" or "/images/update". */
ctrfs_code img_put(struct db_txn *t, const char *ns, const ctrfs_image *im, ctrfs_error *err);
/* Removes image `name` of `ns` and logs "/images/delete": NOT_FOUND (no message) when
 * missing. */
ctrfs_code img_del(struct db_txn *t, const char *ns, const char *name, ctrfs_error *err);

/* ctrfs_store_check's part: every image record decodes and passes validation under a
 * key "<ns>\0<name>" of an existing namespace; each problem is passed to `problem`. */
ctrfs_code img_check(struct db_txn *t, void (*problem)(void *arg, const char *text), void *arg,
		     ctrfs_error *err);

#endif

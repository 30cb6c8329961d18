/* Image records inside a transaction, shared by images.c and the batch import. */
#ifndef CTRFS_IMAGES_H
#define CTRFS_IMAGES_H

#include "db.h"

/* Does `ns` hold image `name`? (false in a store without the images table) */
bool img_exists(struct db_txn *t, const char *ns, const char *name);
/* Writes `im` as given (times included) and logs "/images/create" or "/images/update". */
ctrfs_code img_put(struct db_txn *t, const char *ns, const ctrfs_image *im, ctrfs_error *err);

#endif

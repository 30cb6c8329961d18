/* An image as a JSON object of the export document (export.c, import_doc.c). */
#ifndef CTRFS_IMAGE_JSON_H
#define CTRFS_IMAGE_JSON_H

#include <jansson.h>

#include "ctrfs_store.h"

/* {"Name", "Labels", "Target": {"mediaType", "digest", "size", "annotations"},
 * "CreatedAt", "UpdatedAt"}: Go's JSON names of containerd's images.Image. When a string
 * is not UTF-8, the object also holds "base64": the same object with every string (keys
 * and values) base64 of its exact bytes, which import reads instead. NULL when out of
 * memory. */
json_t *image_json_export(const ctrfs_image *im);
/* Reads that form into *out (zeroed first); INVALID_ARGUMENT naming the member. */
ctrfs_code image_json_parse(json_t *obj, ctrfs_image *out, ctrfs_error *err);

#endif

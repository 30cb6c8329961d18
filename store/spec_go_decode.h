/* Go's json.Unmarshal of an OCI spec into specs.Spec (spec_go_decode.c): the decoded
 * value tree that spec_go.c marshals back. Store-internal. */
#ifndef CTRFS_SPEC_GO_DECODE_H
#define CTRFS_SPEC_GO_DECODE_H

#include "ctrfs_store.h"

/* A decoded Go value. NULL is the zero value: nil for pointers, slices, maps and
 * interfaces, "", 0, false or a zero struct otherwise. */
enum { J_STR, J_NUM, J_BOOL, J_OBJ, J_ARR };
struct gv {
	unsigned char jk;
	bool b;
	char *s; /* J_STR bytes (may hold NUL), J_NUM canonical text */
	size_t len;
	size_t n; /* J_OBJ: fields of a struct (by index) or map entries; J_ARR: items */
	struct gv **kids;
	char **keys; /* maps only */
	size_t *klens;
};

/* Decodes spec (JSON, any UTF-8 validity) as Go would into specs.Spec (spec_types[0]):
 * *root, free with gv_free (NULL: the zero value). INVALID_ARGUMENT with Go's message
 * when Go's Unmarshal fails. */
ctrfs_code spec_go_decode(const void *spec, size_t len, struct gv **root, ctrfs_error *err);
void gv_free(struct gv *v);

#endif

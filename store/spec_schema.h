/* The OCI runtime spec as Go's structs see it (the shape `ctr containers info --spec`
 * prints): the struct table generated from specs-go/config.go (spec_schema.c), which
 * spec_go_decode.c decodes and spec_go.c encodes by. */
#ifndef CTRFS_SPEC_SCHEMA_H
#define CTRFS_SPEC_SCHEMA_H

#include <stdbool.h>

enum spec_kind {
	SK_STRING,
	SK_BOOL,
	SK_INT,
	SK_UINT,
	SK_STRUCT,
	SK_PTR,
	SK_SLICE,
	SK_MAP,
	SK_IFACE
};

struct spec_field {
	const char *name; /* the JSON key */
	bool omitempty;
	unsigned short type; /* index in spec_types */
};

struct spec_type {
	unsigned char kind;  /* enum spec_kind */
	unsigned char bits;  /* SK_INT, SK_UINT: 8..64 */
	unsigned short elem; /* SK_PTR, SK_SLICE, SK_MAP: the element type */
	const char *name;    /* Go's reflect name: "specs.Process", "[]string", "fs.FileMode" */
	unsigned short first, nfields; /* SK_STRUCT: its fields in spec_fields, in order */
};

/* spec_types[0] is specs.Spec (spec_schema.c, made by gen_spec_schema.py). */
extern const struct spec_field spec_fields[];
extern const struct spec_type spec_types[];

#endif

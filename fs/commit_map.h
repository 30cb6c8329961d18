/* What a file's text stands for in the store: which typed store call, with which value.
 * Pure (no store, no log), so that the mapping is tested without a mount. */
#ifndef CTRFS_FS_COMMIT_MAP_H
#define CTRFS_FS_COMMIT_MAP_H

#include "node.h"

enum write_kind {
	WRITE_NONE,	    /* not a file of the store, or not writable */
	WRITE_NS_LABEL,	    /* ctrfs_namespace_set_label(key, value) */
	WRITE_IMAGE_LABEL,  /* ctrfs_image_set_label(name, key, value) (images.c) */
	WRITE_LABEL,	    /* ctrfs_container_set_label(key, value) */
	WRITE_IMAGE,	    /* ctrfs_container_set_image(value) */
	WRITE_SNAPSHOT_KEY, /* ctrfs_container_set_snapshot_key(value) */
	WRITE_SPEC,	    /* ctrfs_container_set_spec(any) */
	WRITE_EXTENSION,    /* ctrfs_container_set_extension(key, any) */
	WRITE_INFO,	    /* container.json: ctrfs_container_update_ex of what changed */
};

/* The write a file of this kind stands for; fixed fields that are not writable (and
 * the views) are WRITE_NONE. */
enum write_kind write_kind_of(const struct fspath *fp);

/* A value file's value: its text (NULL: none) less one trailing "\n", malloc'd into
 * *value (NULL for no text). 0, -EINVAL for a NUL byte (a C string cannot hold one),
 * -ENOMEM. */
int write_value(const char *text, size_t len, char **value);

/* The Any that the text of a spec.json (WRITE_SPEC) or of an extension (WRITE_EXTENSION)
 * stands for, beside the one stored (may be NULL): *incomplete and the refusals as
 * ctrfs_spec_from_text / ctrfs_any_from_text say. */
ctrfs_code write_any(enum write_kind kind, const char *text, size_t len, const ctrfs_any *stored,
		     ctrfs_any *out, bool *incomplete, ctrfs_error *err);

#endif

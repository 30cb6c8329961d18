/* What a file's text stands for in the store: which typed store call, with which value.
 * The text forms themselves (JSON, Any) are the store's; this file only picks them. */
#include "commit_map.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum write_kind write_kind_of(const struct fspath *fp)
{
	switch (fp->kind) {
	case NODE_NS_LABEL:
		return WRITE_NS_LABEL;
	case NODE_IMAGE_LABEL:
		return WRITE_IMAGE_LABEL;
	case NODE_LABEL:
		return WRITE_LABEL;
	case NODE_EXTENSION:
		return WRITE_EXTENSION;
	case NODE_FIELD:
		switch (fp->field) {
		case FIELD_IMAGE:
			return WRITE_IMAGE;
		case FIELD_SNAPSHOT_KEY:
			return WRITE_SNAPSHOT_KEY;
		case FIELD_SPEC_JSON:
			return WRITE_SPEC;
		case FIELD_CONTAINER_JSON:
			return WRITE_INFO;
		default:
			return WRITE_NONE;
		}
	default:
		return WRITE_NONE;
	}
}

int write_value(const char *text, size_t len, char **value)
{
	*value = NULL;
	if (!text)
		return 0;
	size_t vlen = len && text[len - 1] == '\n' ? len - 1 : len;
	if (memchr(text, '\0', vlen))
		return -EINVAL;
	return (*value = strndup(text, vlen)) ? 0 : -ENOMEM;
}

ctrfs_code write_any(enum write_kind kind, const char *text, size_t len, const ctrfs_any *stored,
		     ctrfs_any *out, bool *incomplete, ctrfs_error *err)
{
	if (kind == WRITE_SPEC)
		return ctrfs_spec_from_text(text, len, stored, out, incomplete, err);
	return ctrfs_any_from_text(text, len, stored, out, incomplete, err);
}

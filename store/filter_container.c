/* The fields of a container that filters see, as containerd's adaptContainer. */
#include "filter.h"

#include <stdlib.h>
#include <string.h>

/* containerd reports these fields present only when they are not empty. */
static bool nonempty(const char *s, const char **value)
{
	if (!s || !*s)
		return false;
	*value = s;
	return true;
}

/* containerd's checkMap: the key is the rest of the path joined with ".", so
 * labels.a.b and labels."a.b" name the same label; an empty map has no keys,
 * and a label with an empty value is present. */
bool filter_map_field(const ctrfs_labels *labels, const char *const *path, size_t npath,
		      const char **value)
{
	if (labels->count == 0)
		return false;
	if (npath == 1 || npath == 0) {
		const char *v = ctrfs_labels_get(labels, npath ? path[0] : "");
		return v ? (*value = v, true) : false;
	}

	size_t len = 0;
	for (size_t i = 0; i < npath; i++)
		len += strlen(path[i]) + 1;
	char small[256];
	char *key = len <= sizeof(small) ? small : malloc(len);
	if (!key)
		return false; /* out of memory: nothing to report through, so not present */
	char *p = key;
	for (size_t i = 0; i < npath; i++) {
		size_t n = strlen(path[i]);
		if (i > 0)
			*p++ = '.';
		memcpy(p, path[i], n);
		p += n;
	}
	*p = '\0';
	const char *v = ctrfs_labels_get(labels, key);
	if (key != small)
		free(key);
	return v ? (*value = v, true) : false;
}

/* Further path elements after id, image and runtime.name are ignored, as in
 * containerd: "id.x" is the id. */
bool filter_container_field(const void *container, const char *const *path, size_t npath,
			    const char **value)
{
	const ctrfs_container *c = container;

	if (npath == 0)
		return false;
	if (strcmp(path[0], "id") == 0)
		return nonempty(c->id, value);
	if (strcmp(path[0], "image") == 0)
		return nonempty(c->image, value);
	if (strcmp(path[0], "runtime") == 0)
		return npath > 1 && strcmp(path[1], "name") == 0 &&
		       nonempty(c->runtime_name, value);
	if (strcmp(path[0], "labels") == 0)
		return filter_map_field(&c->labels, path + 1, npath - 1, value);
	return false;
}

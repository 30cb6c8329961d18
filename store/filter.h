/* containerd's filter syntax: parse and match. */
#ifndef CTRFS_FILTER_H
#define CTRFS_FILTER_H

#include "ctrfs_store.h"

typedef struct ctrfs_filter ctrfs_filter;

/* The adaptor: looks up a field path on an object. Returns true and sets *value when present. */
typedef bool (*filter_field_fn)(const void *obj, const char *const *path, size_t npath,
				const char **value);

/* Parses n filter strings (OR-ed). n == 0 gives a filter that matches everything. On failure
 * returns CTRFS_INVALID_ARGUMENT and fills err->text with the parse error message. */
ctrfs_code filter_parse(const char *const *exprs, size_t n, ctrfs_filter **out, ctrfs_error *err);
bool filter_match(const ctrfs_filter *f, filter_field_fn field, const void *obj);
void filter_free(ctrfs_filter *f);

/* containerd's adaptContainer: id, image, runtime.name, labels.<key...>;
 * `container` is a const ctrfs_container *. */
bool filter_container_field(const void *container, const char *const *path, size_t npath,
			    const char **value);

/* containerd's checkMap over a string map (labels, annotations): the key is the rest of
 * the path joined with ".". */
bool filter_map_field(const ctrfs_labels *labels, const char *const *path, size_t npath,
		      const char **value);
/* containerd's adaptImage: name, target.digest, target.mediatype, labels.<key...>,
 * annotations.<key...>; `image` is a const ctrfs_image *. */
bool filter_image_field(const void *image, const char *const *path, size_t npath,
			const char **value);

#endif

/* Importing containerd's own metadata (meta.db, a bbolt file) into the ctrfs model. */
#ifndef CTRFS_CONTAINERD_DB_H
#define CTRFS_CONTAINERD_DB_H

#include "bbolt.h"
#include "ctrfs_store.h"

/*
 * Reads every namespace (or only `only_ns` when not NULL) of a containerd meta.db, with
 * namespace labels and all containers, as containerd's own reader (core/metadata) sees
 * them: values byte for byte, Any values unchanged, missing timestamps as Go's zero time.
 * Namespaces come sorted by name, containers by ID; free with
 * ctrfs_import_namespaces_free(). A namespace or container the store would refuse fails
 * the whole read, with its path in the file ("v1/<ns>/containers/<id>: ...").
 * NOT_FOUND when the file, or `only_ns` in it, does not exist.
 */
ctrfs_code containerd_db_read(const char *path, const char *only_ns, ctrfs_import_namespace **out,
			      size_t *count, ctrfs_error *err);

/* The same from an open database (bbolt_open_memory for tests and fuzzing). */
ctrfs_code containerd_db_read_bbolt(bbolt_db *db, const char *only_ns, ctrfs_import_namespace **out,
				    size_t *count, ctrfs_error *err);

/* Decodes a serialized google.protobuf.Any as proto.Unmarshal does: the last type_url
 * (field 1) and value (field 2) win, unknown fields are skipped by the wire rules,
 * malformed input is INVALID_ARGUMENT. `out` is overwritten. */
ctrfs_code containerd_any_decode(const void *data, size_t len, ctrfs_any *out, ctrfs_error *err);
/* A base-128 varint of at most 64 bits (protobuf's, Go's binary.Uvarint) at *p, before
 * end: *p moves past it; false when it is cut short or too long (containerd_any.c). */
bool containerd_varint(const unsigned char **p, const unsigned char *end, uint64_t *v);

#endif

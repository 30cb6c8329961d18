/* Between protobuf-c's generated structs and client.h's plain ones: Any, Timestamp,
 * labels. Requests are built in an arena (borrowing the caller's strings); answers
 * are deep-copied so that the caller never holds protobuf-c memory. */
#ifndef CTRFS_CONTAINERD_CONVERT_H
#define CTRFS_CONTAINERD_CONVERT_H

#include <protobuf-c/protobuf-c.h>

#include "ctrd_client.h"
#include "google_protobuf_any.pb-c.h"
#include "google_protobuf_field_mask.pb-c.h"
#include "google_protobuf_timestamp.pb-c.h"

/* Every map<string,string> entry protoc-c generates has this layout. */
struct pb_string_entry {
	ProtobufCMessage base;
	char *key;
	char *value;
};

/* Allocations of one request, freed together. */
struct pb_arena {
	void **ptrs;
	size_t n, cap;
	bool oom;
};

void *arena_alloc(struct pb_arena *a, size_t size);
void arena_free(struct pb_arena *a);

/* NULL for an absent Any. */
Google__Protobuf__Any *pb_any(struct pb_arena *a, const struct ctrd_any *any);
Google__Protobuf__Timestamp *pb_time(struct pb_arena *a, const struct ctrd_time *t);
/* Entries of ENTRY_TYPE for a map<string,string> field. */
struct pb_string_entry **pb_labels(struct pb_arena *a, const ProtobufCMessageDescriptor *entry_type,
				   const struct ctrd_label *labels, size_t n);
Google__Protobuf__FieldMask *pb_mask(struct pb_arena *a, const char *const *paths, size_t n);
/* The request's strings are borrowed: protobuf-c only reads them. */
char *pb_str(const char *s);

/* Deep copies out of an unpacked message; 0, or -1 when out of memory. */
int copy_str(char **out, const char *s);
int copy_any(struct ctrd_any *out, const Google__Protobuf__Any *any);
void copy_time(struct ctrd_time *out, const Google__Protobuf__Timestamp *t);
int copy_labels(struct ctrd_label **out, size_t *n_out, struct pb_string_entry *const *entries,
		size_t n);
void free_labels(struct ctrd_label *labels, size_t n);

#endif

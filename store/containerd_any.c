/* A serialized google.protobuf.Any, as containerd stores extensions and runtime options in
 * meta.db, decoded as proto.Unmarshal does (see containerd_db.h). */
#include "containerd_db.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

/* Deeper groups than this are not data anyone wrote; Go stops at a similar depth. */
#define PB_MAX_GROUP_DEPTH 64

bool containerd_varint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	uint64_t x = 0;
	for (int i = 0; i < 10; i++) {
		if (*p >= end)
			return false;
		unsigned char b = *(*p)++;
		if (i == 9 && b > 1)
			return false; /* more than 64 bits */
		x |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			*v = x;
			return true;
		}
	}
	return false;
}

/* Reads a tag; NULL on success, else what is wrong. */
static const char *pb_tag(const unsigned char **p, const unsigned char *end, uint64_t *field,
			  unsigned *wire)
{
	uint64_t tag;
	if (!containerd_varint(p, end, &tag))
		return "truncated or overlong tag";
	*field = tag >> 3;
	*wire = tag & 7;
	if (*field == 0 || *field > 0x1FFFFFFF)
		return "invalid field number";
	return NULL;
}

static const char *pb_skip(const unsigned char **p, const unsigned char *end, uint64_t field,
			   unsigned wire, int depth)
{
	uint64_t n;
	switch (wire) {
	case 0:
		return containerd_varint(p, end, &n) ? NULL : "truncated or overlong varint";
	case 1:
	case 5:
		n = wire == 1 ? 8 : 4;
		break;
	case 2:
		if (!containerd_varint(p, end, &n))
			return "truncated or overlong length";
		break;
	case 3:
		if (depth >= PB_MAX_GROUP_DEPTH)
			return "groups nested too deeply";
		for (;;) {
			uint64_t f;
			unsigned w;
			const char *why = pb_tag(p, end, &f, &w);
			if (why)
				return *p >= end ? "unterminated group" : why;
			if (w == 4)
				return f == field ? NULL : "mismatched end of group";
			why = pb_skip(p, end, f, w, depth + 1);
			if (why)
				return why;
		}
	case 4:
		return "end of group without a start";
	default:
		return "invalid wire type";
	}
	if (n > (uint64_t)(end - *p))
		return "field runs past the end";
	*p += n;
	return NULL;
}

ctrfs_code containerd_any_decode(const void *data, size_t len, ctrfs_any *out, ctrfs_error *err)
{
	const unsigned char *p = data, *end = len ? p + len : p;
	const unsigned char *url = NULL, *value = NULL;
	size_t url_len = 0, value_len = 0;

	while (p < end) {
		uint64_t field, n;
		unsigned wire;
		const char *why = pb_tag(&p, end, &field, &wire);
		/* Fields 1 and 2 with another wire type are unknown fields to protobuf-go
		 * (containerd 2.x); gogo (1.6) refused them. Skipping keeps the container. */
		if (!why && (field == 1 || field == 2) && wire == 2) {
			if (!containerd_varint(&p, end, &n))
				why = "truncated or overlong length";
			else if (n > (uint64_t)(end - p))
				why = "field runs past the end";
			if (!why && field == 1) {
				url = p;
				url_len = (size_t)n;
			} else if (!why) {
				value = p;
				value_len = (size_t)n;
			}
			if (!why)
				p += n;
		} else if (!why) {
			why = pb_skip(&p, end, field, wire, 0);
		}
		if (why)
			return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
					  "invalid protobuf Any: %s at byte %zu", why,
					  (size_t)(p - (const unsigned char *)data));
	}
	if (url_len && memchr(url, 0, url_len))
		return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
				  "invalid protobuf Any: type_url contains a NUL byte");
	char *u = malloc(url_len + 1);
	if (!u)
		return ctrfs_fail_oom(err);
	if (url_len)
		memcpy(u, url, url_len);
	u[url_len] = '\0';
	ctrfs_code code = ctrfs_any_set(out, u, value, value_len);
	free(u);
	return code ? ctrfs_fail_oom(err) : CTRFS_OK;
}

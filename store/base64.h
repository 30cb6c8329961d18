/* Base64 as Go's base64.StdEncoding: how []byte travels in encoding/json. */
#ifndef CTRFS_BASE64_H
#define CTRFS_BASE64_H

#include <stdbool.h>
#include <stddef.h>

/* Standard alphabet, '=' padding. malloc'd, NUL-terminated ("" for no data), *outlen
 * (may be NULL) set; NULL only when memory runs out. */
char *base64_encode(const void *data, size_t len, size_t *outlen);

/*
 * Decodes as Go's StdEncoding.DecodeString (and so encoding/json for []byte) does:
 * padding required, nothing after it, no character outside the alphabet; but, as Go,
 * '\r' and '\n' are skipped wherever they appear, and non-zero bits left over in the
 * last character are accepted ("QR==" is "A", like "QQ=="; Go's Strict() mode would
 * refuse it). Returns false on bad input (or no memory); *out is malloc'd (non-NULL
 * even for no data) and must be freed.
 */
bool base64_decode(const char *s, size_t len, unsigned char **out, size_t *outlen);

#endif

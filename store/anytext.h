/* The text forms of values as ctrfs's files show them: JSON-valued bytes, protobuf Any
 * values, the spec. The public calls (ctrfs_any_text, ctrfs_spec_from_text...) are
 * built on these. */
#ifndef CTRFS_ANYTEXT_H
#define CTRFS_ANYTEXT_H

#include "ctrfs_store.h"
#include "json_text.h"
#include "strbuf.h"

/*
 * An Any reads as a JSON object: its "type_url" and, when the bytes are JSON, those
 * bytes as "json" (pretty-printed), else as "value" in base64, as `ctr` prints them
 * (omitted for no bytes). A write may give either form.
 */
void anytext_render(struct strbuf *sb, const ctrfs_any *a);

/*
 * Parses the form above into *out (cleared first). INCOMPLETE for a valid prefix,
 * INVALID with a message, OK. JSON bytes are stored compact, except that bytes equal
 * to `stored` (may be NULL) once compacted keep their stored spelling exactly.
 */
json_text_status anytext_parse(const char *text, size_t len, const ctrfs_any *stored,
			       ctrfs_any *out, char *msg, size_t msgsize);

/*
 * JSON text as bytes to store: its compact form, or `stored` itself when that
 * compacts to the same (so that unchanged content keeps its stored bytes). malloc'd
 * (NUL-terminated) or NULL when the text is not valid JSON or memory ran out.
 */
char *json_bytes(const char *text, size_t len, const void *stored, size_t stored_len,
		 size_t *out_len);

#endif

/* Raw JSON text (RFC 8259) handled token by token, byte-exact with Go's encoding/json. */
#ifndef CTRFS_JSON_TEXT_H
#define CTRFS_JSON_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "ctrfs_store.h"
#include "strbuf.h"

/* Deeper nesting is refused, as Go's scanner does (its maxNestingDepth). */
#define JSON_TEXT_MAX_DEPTH 10000

typedef enum { JSON_TEXT_OK = 0, JSON_TEXT_INCOMPLETE, JSON_TEXT_INVALID } json_text_status;

/*
 * Checks that [s, s+len) is exactly one JSON value with optional surrounding whitespace.
 * Valid means Go's grammar plus strict UTF-8 inside strings (Go's scanner lets invalid
 * UTF-8 through; json.Marshal never produces it).
 *
 * INCOMPLETE: a valid prefix that more bytes could complete ("tru", "{", "\"ab", "-",
 * "1.", "", "  "); *offset = len, msg "unexpected end of JSON input". "12" is OK.
 * INVALID: can never become valid; *offset = index of the first bad byte, msg in Go's
 * words ("invalid character 'x' looking for beginning of value").
 * OK: *offset = len, msg "". offset and msg may be NULL.
 */
json_text_status json_text_check(const char *s, size_t len, size_t *offset, char *msg,
				 size_t msgsize);

/* Go's json.Compact: insignificant whitespace dropped, tokens verbatim. NULL when the
 * input is not valid (as json_text_check) or memory runs out; else malloc'd,
 * NUL-terminated, *outlen (may be NULL) set. */
char *json_text_compact(const char *s, size_t len, size_t *outlen);

/*
 * Go's json.Indent(dst, src, prefix, indent), appending to sb. As Go: the prefix follows
 * each newline but does not start the output, empty objects/arrays stay "{}"/"[]",
 * leading whitespace is dropped and trailing whitespace is kept. Returns false, leaving
 * sb as it was, when the input is not valid; false also when sb ran out of memory.
 * Unlike Go, values nested deeper than CTRFS_JSON_NESTING_MAX levels are written
 * compact: indentation costs up to depth * len(indent) bytes per token, so that
 * hostile depth would otherwise make the output grow with the square of the input
 * (20 KB nested 9999 deep: 400 MB); capped, each token costs at most
 * 1 + len(prefix) + CTRFS_JSON_NESTING_MAX * len(indent) more. Text the store accepts
 * nests no deeper, and prints exactly as Go does.
 */
bool json_text_indent(struct strbuf *sb, const char *s, size_t len, const char *prefix,
		      const char *indent);

/* How deeply the objects and arrays of valid JSON text nest: "1" 0, "[]" 1, "[{}]" 2.
 * One cheap pass counting brackets outside strings: exact for valid JSON, an estimate
 * for other text. */
size_t json_text_depth(const char *s, size_t len);

/* Is [s, s+len) valid UTF-8 (no surrogates, no overlong forms)? */
bool json_text_is_utf8(const char *s, size_t len);

/* Is the whole buffer one valid JSON value (strict UTF-8 inside strings)? */
bool json_text_is_json(const void *s, size_t len);

/*
 * Appends [s, s+len) as a JSON string literal escaped as Go's encoding/json does with
 * HTML escaping (json.Marshal's default): \" \\ \n \r \t; other bytes < 0x20 as \u00xx
 * (Go 1.19, which containerd 1.6's ctr uses; Go >= 1.22 writes \b and \f instead);
 * < > & as \u003c \u003e \u0026; U+2028/U+2029 as \u2028/\u2029; each byte that is not
 * part of valid UTF-8 as \ufffd. DEL and valid non-ASCII are kept as they are.
 */
void json_text_quote_go(struct strbuf *sb, const char *s, size_t len);

/*
 * The byte span of the value of member `key` of the top-level object of valid JSON
 * text (e.g. the raw bytes of "Spec" in a document). Keys are compared after decoding
 * their escapes ("\u0053pec" is "Spec"), exactly (Go's Unmarshal would also fold case).
 * With duplicate keys the last wins, as with Go's Unmarshal. false if the text is not
 * valid, not an object, or has no such key. start and vlen may be NULL.
 */
bool json_text_member(const char *s, size_t len, const char *key, size_t *start, size_t *vlen);

/* Calls fn with the byte span of each element of the array [s, s+len), which must be
 * valid JSON (json_text_check). false if it is not an array or fn returned false. */
bool json_text_array_items(const char *s, size_t len,
			   bool (*fn)(const char *item, size_t ilen, void *arg), void *arg);

#endif

/* The scanner of containerd's filter language (pkg/filters), and Go's unquoting of a
 * quoted token: what filter.c's parser reads a filter string with. Store-internal. */
#ifndef CTRFS_FILTER_SCAN_H
#define CTRFS_FILTER_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

/*
 * The scanner and parser follow containerd's token by token, down to its
 * quirks, because the error text (which marks a byte offset) and what is
 * accepted must be the same:
 *  - whitespace is skipped before a token, but the parser looks at the raw
 *    next rune after a selector, so "a==b ,c" and a trailing blank are errors;
 *  - a field is [A-Za-z0-9_]+ (containerd 1.6: no "-"); after an operator, any run of graphic runes
 *    other than ',' and white space is a value (it may hold '.', '=', '"');
 *  - "..." quotes a field or value; /.../ and |...| quote only a ~= value;
 *  - the first scanner error is kept and reported for every later illegal
 *    token of the same string.
 */

enum {
	TOK_EOF = -1,
	TOK_QUOTED = -2,
	TOK_VALUE = -3,
	TOK_FIELD = -4,
	TOK_SEPARATOR = -5,
	TOK_OPERATOR = -6,
	TOK_ILLEGAL = -7,
};

struct scanner {
	const char *in;
	size_t len;
	size_t pos;	 /* start of the current rune */
	size_t ppos;	 /* end of the current rune */
	bool value;	 /* an operator was seen: the next bare word is a value */
	const char *err; /* first error met, kept as containerd keeps it */
};

struct token {
	int tok;
	size_t pos;
	size_t start, end; /* the token's text, in[start:end] */
};

/* The next token (the scanner's first error, if any, is kept in s->err). */
struct token filter_scan(struct scanner *s);
/* The next rune, not consumed (-1 at the end). */
int32_t filter_peek(struct scanner *s);
/* Go's strconv.Unquote of a quoted token ("...", and /.../ or |...| as containerd extends
 * it) into out; false when it does not unquote (see filter_scan.c). */
bool filter_unquote(const char *s, size_t n, struct strbuf *out);

#endif

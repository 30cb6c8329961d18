/* Go's %q (strconv.Quote), the one way the store quotes an identifier, key or value in
 * a message, so that messages read as containerd's. */
#ifndef CTRFS_GOQUOTE_H
#define CTRFS_GOQUOTE_H

#include <stddef.h>

#include "strbuf.h"

/* Appends s[0:n] quoted: printable runes as they are, \a \b \f \n \r \t \v, \xNN for a
 * control byte or a byte that is not valid UTF-8, \uNNNN (\UNNNNNNNN) for any other
 * rune that is not printable. */
void go_quote_add(struct strbuf *sb, const char *s, size_t n);

/* For message arguments: GOQ(s) is the quoted C string s (NULL: ""), valid until the
 * end of the full expression; quoted text longer than the buffer is cut at a rune,
 * ending in `..."`. */
#define GO_QUOTED_MAX 520
struct go_quoted {
	char text[GO_QUOTED_MAX];
};
struct go_quoted go_quote(const char *s);
#define GOQ(s) (go_quote(s).text)

#endif

/* Go's %q (see goquote.h). */
#include "goquote.h"
#include "ctrfs_store.h"

#include <stdio.h>
#include <string.h>

#include "runes.h"

static const char hex[] = "0123456789abcdef";

static void add_hex(struct strbuf *sb, const char *prefix, uint32_t v, int digits)
{
	strbuf_adds(sb, prefix);
	for (int i = digits - 1; i >= 0; i--)
		strbuf_addc(sb, hex[(v >> (4 * i)) & 0xF]);
}

/* strconv's appendEscapedRune for a double-quoted string. */
static void add_rune(struct strbuf *sb, int32_t r, const char *raw, size_t w)
{
	if (r == '"' || r == '\\') {
		strbuf_addc(sb, '\\');
		strbuf_addc(sb, (char)r);
		return;
	}
	if (runes_is_print(r)) {
		strbuf_add(sb, raw, w);
		return;
	}
	switch (r) {
	case '\a':
		strbuf_adds(sb, "\\a");
		return;
	case '\b':
		strbuf_adds(sb, "\\b");
		return;
	case '\f':
		strbuf_adds(sb, "\\f");
		return;
	case '\n':
		strbuf_adds(sb, "\\n");
		return;
	case '\r':
		strbuf_adds(sb, "\\r");
		return;
	case '\t':
		strbuf_adds(sb, "\\t");
		return;
	case '\v':
		strbuf_adds(sb, "\\v");
		return;
	}
	if (r < ' ' || r == 0x7F)
		add_hex(sb, "\\x", (uint32_t)r, 2);
	else if (r < 0x10000)
		add_hex(sb, "\\u", (uint32_t)r, 4);
	else
		add_hex(sb, "\\U", (uint32_t)r, 8);
}

void go_quote_add(struct strbuf *sb, const char *s, size_t n)
{
	strbuf_addc(sb, '"');
	while (n > 0) {
		size_t w;
		int32_t r = runes_decode((const unsigned char *)s, n, &w);
		if (r == RUNE_ERROR && w == 1)
			add_hex(sb, "\\x", (unsigned char)s[0], 2);
		else
			add_rune(sb, r, s, w);
		s += w;
		n -= w;
	}
	strbuf_addc(sb, '"');
}

struct go_quoted go_quote(const char *s)
{
	struct go_quoted q;
	struct strbuf sb = STRBUF_INIT;
	if (!s)
		s = "";
	go_quote_add(&sb, s, strlen(s));
	if (sb.oom || !sb.buf) {
		strcpy(q.text, "\"?\"");
	} else if (sb.len < sizeof(q.text)) {
		memcpy(q.text, sb.buf, sb.len + 1);
	} else {
		/* cut before a UTF-8 continuation byte's lead, keeping room for `..."` */
		size_t cut = sizeof(q.text) - 5;
		while (cut > 1 && ((unsigned char)sb.buf[cut] & 0xC0) == 0x80)
			cut--;
		memcpy(q.text, sb.buf, cut);
		strcpy(q.text + cut, "...\"");
	}
	strbuf_release(&sb);
	return q;
}

void ctrfs_quote(char *buf, size_t size, const char *s)
{
	if (!size)
		return;
	struct go_quoted q = go_quote(s);
	size_t n = strlen(q.text);
	if (n < size) {
		memcpy(buf, q.text, n + 1);
		return;
	}
	/* cut before a UTF-8 continuation byte's lead, keeping room for `..."` */
	size_t cut = size > 5 ? size - 5 : 0;
	while (cut > 1 && ((unsigned char)q.text[cut] & 0xC0) == 0x80)
		cut--;
	memcpy(buf, q.text, cut);
	snprintf(buf + cut, size - cut, "...\"");
}

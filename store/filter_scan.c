/* containerd's filter language: the scanner (tokens, as containerd's scanner.go reads
 * them) and Go's unquoting of a quoted token (see filter_scan.h). */
#include "filter_scan.h"

#include <string.h>

#include "runes.h"

/* ---- runes ---- */

static bool field_rune(int32_t r)
{
	return r == '_' || (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z') ||
	       (r >= '0' && r <= '9');
}

static bool operator_rune(int32_t r)
{
	return r == '=' || r == '!' || r == '~';
}

static bool quote_rune(int32_t r)
{
	return r == '/' || r == '|' || r == '"';
}

static bool separator_rune(int32_t r)
{
	return r == ',' || r == '.';
}

/* ---- scanner ---- */

static void scan_error(struct scanner *s, const char *msg)
{
	if (!s->err)
		s->err = msg;
}

/* The next rune, TOK_EOF or TOK_ILLEGAL. pos/ppos bound the rune read. */
static int32_t next(struct scanner *s)
{
	if (s->pos >= s->len)
		return TOK_EOF;
	s->pos = s->ppos;
	size_t w;
	int32_t r = runes_decode((const unsigned char *)s->in + s->ppos, s->len - s->ppos, &w);
	s->ppos += w;
	if (r == RUNE_ERROR) {
		/* Go cannot tell an encoded U+FFFD from a bad byte here: both are errors. */
		if (w > 0) {
			scan_error(s, "rune error");
			return TOK_ILLEGAL;
		}
		return TOK_EOF;
	}
	/* containerd also rejects NUL ("unexpected null"); a C string cannot hold one. */
	return r;
}

int32_t filter_peek(struct scanner *s)
{
	size_t pos = s->pos, ppos = s->ppos;
	int32_t r = next(s);
	s->pos = pos;
	s->ppos = ppos;
	return r;
}

static bool value_rune(struct scanner *s)
{
	size_t pos = s->pos, ppos = s->ppos;
	int32_t r = next(s);
	s->pos = pos;
	s->ppos = ppos;
	if (r < 0 || r == ',' || runes_is_space(r))
		return false;
	return runes_is_graphic(r);
}

static int32_t scan_digits(struct scanner *s, int32_t ch, int base, int n, bool *legal)
{
	for (;;) {
		int d = 16;
		if (ch >= '0' && ch <= '9')
			d = ch - '0';
		else if (ch >= 'a' && ch <= 'f')
			d = ch - 'a' + 10;
		else if (ch >= 'A' && ch <= 'F')
			d = ch - 'A' + 10;
		if (n == 0 || d >= base)
			break;
		ch = next(s);
		n--;
	}
	*legal = n == 0;
	if (n > 0)
		scan_error(s, "illegal numeric escape sequence");
	return ch;
}

/* After a backslash: returns the rune following the escape. */
static int32_t scan_escape(struct scanner *s, int32_t quote, bool *legal)
{
	int32_t ch = next(s);
	switch (ch) {
	case 'a':
	case 'b':
	case 'f':
	case 'n':
	case 'r':
	case 't':
	case 'v':
	case '\\':
		*legal = true;
		return next(s);
	case '0':
	case '1':
	case '2':
	case '3':
	case '4':
	case '5':
	case '6':
	case '7':
		return scan_digits(s, ch, 8, 3, legal);
	case 'x':
		return scan_digits(s, next(s), 16, 2, legal);
	case 'u':
		return scan_digits(s, next(s), 16, 4, legal);
	case 'U':
		return scan_digits(s, next(s), 16, 8, legal);
	}
	if (ch == quote) {
		*legal = true;
		return next(s);
	}
	*legal = false;
	scan_error(s, "illegal escape sequence");
	return ch;
}

/* Reads up to the closing quote; false when the literal is illegal or unterminated. */
static bool scan_quoted(struct scanner *s, int32_t quote)
{
	bool illegal = false;
	int32_t ch = next(s);
	while (ch != quote) {
		if (ch == '\n' || ch < 0) {
			scan_error(s, "quoted literal not terminated");
			return false;
		}
		if (ch == '\\') {
			bool legal;
			ch = scan_escape(s, quote, &legal);
			if (!legal)
				illegal = true;
		} else {
			ch = next(s);
		}
	}
	return !illegal;
}

struct token filter_scan(struct scanner *s)
{
	int32_t ch = next(s);
	size_t pos = s->pos;

	while (ch >= 0 && runes_is_space(ch)) {
		ch = next(s);
		pos = s->pos;
	}
	if (ch < 0) /* EOF or illegal: positioned where the scanner stands */
		return (struct token){ch, s->pos, 0, 0};
	if (quote_rune(ch)) {
		bool ok = scan_quoted(s, ch);
		return (struct token){ok ? TOK_QUOTED : TOK_ILLEGAL, pos, pos, s->ppos};
	}
	if (separator_rune(ch)) {
		s->value = false;
		return (struct token){TOK_SEPARATOR, pos, pos, s->ppos};
	}
	if (operator_rune(ch)) {
		while (operator_rune(filter_peek(s)))
			next(s);
		s->value = true;
		return (struct token){TOK_OPERATOR, pos, pos, s->ppos};
	}
	if (s->value) {
		/* the first rune is taken whatever it is, only the rest must be graphic */
		while (value_rune(s))
			next(s);
		s->value = false;
		return (struct token){TOK_VALUE, pos, pos, s->ppos};
	}
	if (field_rune(ch)) {
		while (field_rune(filter_peek(s)))
			next(s);
		return (struct token){TOK_FIELD, pos, pos, s->ppos};
	}
	return (struct token){ch, s->pos, 0, 0};
}

/* ---- unquoting ---- */

static int hex_digit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Go's strconv.Unquote for "..." as containerd extends it: /.../ and |...|
 * unquote the same way, with \/ and \| escaping their own delimiter. The
 * scanner has already checked most of this; what is left to fail here is an
 * octal escape above \377 or a \U escape above U+10FFFF. Single quotes and
 * backquotes never reach this (the scanner does not treat them as quotes).
 */
bool filter_unquote(const char *s, size_t n, struct strbuf *out)
{
	if (n < 2 || s[0] != s[n - 1])
		return false;
	char quote = s[0];
	if (quote != '"' && quote != '/' && quote != '|')
		return false;
	s++;
	n -= 2;
	if (memchr(s, '\n', n))
		return false;
	while (n > 0) {
		unsigned char c = (unsigned char)s[0];
		char enc[4];
		if (c == (unsigned char)quote)
			return false;
		if (c >= 0x80) {
			size_t w;
			int32_t r = runes_decode((const unsigned char *)s, n, &w);
			strbuf_add(out, enc, runes_encode(r, enc));
			s += w;
			n -= w;
			continue;
		}
		if (c != '\\') {
			strbuf_addc(out, (char)c);
			s++;
			n--;
			continue;
		}
		if (n < 2)
			return false;
		c = (unsigned char)s[1];
		s += 2;
		n -= 2;
		switch (c) {
		case 'a':
			strbuf_addc(out, '\a');
			break;
		case 'b':
			strbuf_addc(out, '\b');
			break;
		case 'f':
			strbuf_addc(out, '\f');
			break;
		case 'n':
			strbuf_addc(out, '\n');
			break;
		case 'r':
			strbuf_addc(out, '\r');
			break;
		case 't':
			strbuf_addc(out, '\t');
			break;
		case 'v':
			strbuf_addc(out, '\v');
			break;
		case 'x':
		case 'u':
		case 'U': {
			size_t digits = c == 'x' ? 2 : c == 'u' ? 4 : 8;
			uint32_t v = 0;
			if (n < digits)
				return false;
			for (size_t j = 0; j < digits; j++) {
				int d = hex_digit((unsigned char)s[j]);
				if (d < 0)
					return false;
				v = v << 4 | (uint32_t)d;
			}
			s += digits;
			n -= digits;
			if (c == 'x') {
				/* a byte, not a rune: "\xff" is one byte, not UTF-8 */
				strbuf_addc(out, (char)v);
				break;
			}
			if (v > 0x10FFFF)
				return false;
			/* Go lets surrogates through here; encoding turns them into U+FFFD */
			strbuf_add(out, enc, runes_encode((int32_t)v, enc));
			break;
		}
		case '0':
		case '1':
		case '2':
		case '3':
		case '4':
		case '5':
		case '6':
		case '7': {
			uint32_t v = c - '0';
			if (n < 2)
				return false;
			for (size_t j = 0; j < 2; j++) {
				unsigned char d = (unsigned char)s[j];
				if (d < '0' || d > '7')
					return false;
				v = v << 3 | (uint32_t)(d - '0');
			}
			s += 2;
			n -= 2;
			if (v > 255)
				return false;
			strbuf_addc(out, (char)v);
			break;
		}
		case '\\':
			strbuf_addc(out, '\\');
			break;
		case '\'':
		case '"':
		case '|':
		case '/':
			if (c != (unsigned char)quote)
				return false;
			strbuf_addc(out, (char)c);
			break;
		default:
			return false;
		}
	}
	return true;
}

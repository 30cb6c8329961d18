/* Raw JSON text handled token by token: checking, compacting, indenting (Go's
 * encoding/json scanner, below), quoting as Go does. Walking text already checked is
 * json_walk.c. Kept whole at ~700 lines: one state machine and the Go algorithms that
 * step through it (compact, indent, depth, quote share its UTF-8 rules) read best
 * together. */
#include "json_text.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * A byte-at-a-time state machine modelled on Go's encoding/json scanner, so that
 * compact and indent can follow Go's algorithms step for step and come out byte-equal.
 * It is iterative: nesting lives in a bit stack, so hostile input cannot overflow the
 * C stack.
 */

enum scan_op {
	OP_CONTINUE,	  /* uninteresting byte (inside a token) */
	OP_BEGIN_LITERAL, /* first byte of a string, number or literal */
	OP_BEGIN_OBJECT,
	OP_OBJECT_KEY,	 /* the ':' */
	OP_OBJECT_VALUE, /* the ',' in an object */
	OP_END_OBJECT,
	OP_BEGIN_ARRAY,
	OP_ARRAY_VALUE, /* the ',' in an array */
	OP_END_ARRAY,
	OP_SKIP_SPACE, /* insignificant whitespace */
	OP_END,	       /* whitespace after the top-level value */
	OP_ERROR,
};

enum scan_state {
	ST_BEGIN_VALUE,
	ST_BEGIN_VALUE_OR_EMPTY, /* after '[' */
	ST_BEGIN_KEY_OR_EMPTY,	 /* after '{' */
	ST_BEGIN_KEY,		 /* after ',' in an object */
	ST_END_VALUE,
	ST_END_TOP,
	ST_STRING,
	ST_STRING_ESC,
	ST_STRING_HEX,	/* hex_left digits of \uXXXX to go */
	ST_STRING_UTF8, /* utf8_left continuation bytes to go */
	ST_NEG,
	ST_ZERO,
	ST_INT,
	ST_DOT,
	ST_FRAC,
	ST_EXP,
	ST_EXP_SIGN,
	ST_EXP_DIGITS,
	ST_LITERAL,
	ST_ERROR,
};

struct scanner {
	enum scan_state state;
	/* The string being read, or just read, is an object key. One flag is enough: only
	 * the innermost object can be between a key and its value, since a container is
	 * always a value. */
	bool key;
	uint8_t hex_left;
	uint8_t utf8_left;
	uint8_t utf8_lo, utf8_hi; /* range allowed for the next continuation byte */
	const char *lit;	  /* the literal being read: "true", "false" or "null" */
	uint8_t lit_pos;
	size_t depth;
	/* why it failed, for the message */
	const char *why;
	unsigned char bad;
	bool bad_utf8;
	char lit_why[40];
	uint8_t objects[(JSON_TEXT_MAX_DEPTH + 7) / 8]; /* bit set: level is an object */
};

static void scan_init(struct scanner *s)
{
	s->state = ST_BEGIN_VALUE;
	s->key = false;
	s->depth = 0;
	s->why = NULL;
	s->bad_utf8 = false;
}

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int fail(struct scanner *s, unsigned char c, const char *why)
{
	s->state = ST_ERROR;
	s->bad = c;
	s->why = why;
	return OP_ERROR;
}

static int fail_utf8(struct scanner *s, unsigned char c)
{
	s->bad_utf8 = true;
	return fail(s, c, "in string literal");
}

/*
 * For a UTF-8 lead byte: how many continuation bytes follow and the range the first of
 * them must lie in (which excludes overlong forms, surrogates and > U+10FFFF).
 * Returns false for bytes that can never start a character.
 */
static bool utf8_lead(unsigned char c, uint8_t *n, uint8_t *lo, uint8_t *hi)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf) {
		*n = 1;
	} else if (c >= 0xe0 && c <= 0xef) {
		*n = 2;
		if (c == 0xe0)
			*lo = 0xa0;
		else if (c == 0xed)
			*hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		*n = 3;
		if (c == 0xf0)
			*lo = 0x90;
		else if (c == 0xf4)
			*hi = 0x8f;
	} else {
		return false;
	}
	return true;
}

/* Length of the valid UTF-8 sequence at p, or 0 if the bytes there are not one. */
static size_t utf8_valid_len(const unsigned char *p, size_t n)
{
	uint8_t need, lo, hi;
	if (p[0] < 0x80)
		return 1;
	if (!utf8_lead(p[0], &need, &lo, &hi) || n < (size_t)need + 1)
		return 0;
	for (size_t i = 1; i <= need; i++) {
		if (p[i] < lo || p[i] > hi)
			return 0;
		lo = 0x80;
		hi = 0xbf;
	}
	return (size_t)need + 1;
}

bool json_text_is_utf8(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0, n; i < len; i += n)
		if (!(n = utf8_valid_len(p + i, len - i)))
			return false;
	return true;
}

static bool top_is_object(const struct scanner *s)
{
	size_t i = s->depth - 1;
	return s->objects[i / 8] & (1u << (i % 8));
}

static int push(struct scanner *s, unsigned char c, bool object)
{
	if (s->depth == JSON_TEXT_MAX_DEPTH)
		return fail(s, c, "exceeded max depth");
	size_t i = s->depth++;
	if (object)
		s->objects[i / 8] |= (uint8_t)(1u << (i % 8));
	else
		s->objects[i / 8] &= (uint8_t) ~(1u << (i % 8));
	if (object) {
		s->state = ST_BEGIN_KEY_OR_EMPTY;
		return OP_BEGIN_OBJECT;
	}
	s->state = ST_BEGIN_VALUE_OR_EMPTY;
	return OP_BEGIN_ARRAY;
}

static void pop(struct scanner *s)
{
	s->depth--;
	s->state = s->depth ? ST_END_VALUE : ST_END_TOP;
}

/* A value has just been completed; c is the byte after it. */
static int end_value(struct scanner *s, unsigned char c)
{
	if (s->depth == 0) {
		s->state = ST_END_TOP;
		if (is_space(c))
			return OP_END;
		return fail(s, c, "after top-level value");
	}
	if (is_space(c)) {
		s->state = ST_END_VALUE;
		return OP_SKIP_SPACE;
	}
	if (top_is_object(s)) {
		if (s->key) {
			if (c == ':') {
				s->key = false;
				s->state = ST_BEGIN_VALUE;
				return OP_OBJECT_KEY;
			}
			return fail(s, c, "after object key");
		}
		if (c == ',') {
			s->state = ST_BEGIN_KEY;
			return OP_OBJECT_VALUE;
		}
		if (c == '}') {
			pop(s);
			return OP_END_OBJECT;
		}
		return fail(s, c, "after object key:value pair");
	}
	if (c == ',') {
		s->state = ST_BEGIN_VALUE;
		return OP_ARRAY_VALUE;
	}
	if (c == ']') {
		pop(s);
		return OP_END_ARRAY;
	}
	return fail(s, c, "after array element");
}

static int begin_literal(struct scanner *s, const char *lit)
{
	s->state = ST_LITERAL;
	s->lit = lit;
	s->lit_pos = 1;
	return OP_BEGIN_LITERAL;
}

static int begin_value(struct scanner *s, unsigned char c)
{
	if (is_space(c))
		return OP_SKIP_SPACE;
	switch (c) {
	case '{':
		return push(s, c, true);
	case '[':
		return push(s, c, false);
	case '"':
		s->state = ST_STRING;
		return OP_BEGIN_LITERAL;
	case '-':
		s->state = ST_NEG;
		return OP_BEGIN_LITERAL;
	case '0':
		s->state = ST_ZERO;
		return OP_BEGIN_LITERAL;
	case 't':
		return begin_literal(s, "true");
	case 'f':
		return begin_literal(s, "false");
	case 'n':
		return begin_literal(s, "null");
	}
	if (c >= '1' && c <= '9') {
		s->state = ST_INT;
		return OP_BEGIN_LITERAL;
	}
	return fail(s, c, "looking for beginning of value");
}

static int scan_string(struct scanner *s, unsigned char c)
{
	if (c == '"') {
		s->state = ST_END_VALUE;
		return OP_CONTINUE;
	}
	if (c == '\\') {
		s->state = ST_STRING_ESC;
		return OP_CONTINUE;
	}
	if (c < 0x20)
		return fail(s, c, "in string literal");
	if (c >= 0x80) {
		if (!utf8_lead(c, &s->utf8_left, &s->utf8_lo, &s->utf8_hi))
			return fail_utf8(s, c);
		s->state = ST_STRING_UTF8;
	}
	return OP_CONTINUE;
}

static int scan_step(struct scanner *s, unsigned char c)
{
	switch (s->state) {
	case ST_BEGIN_VALUE:
		return begin_value(s, c);
	case ST_BEGIN_VALUE_OR_EMPTY:
		if (c == ']')
			return end_value(s, c);
		return begin_value(s, c);
	case ST_BEGIN_KEY_OR_EMPTY:
		if (c == '}')
			return end_value(s, c);
		/* fall through */
	case ST_BEGIN_KEY:
		if (is_space(c))
			return OP_SKIP_SPACE;
		if (c == '"') {
			s->key = true;
			s->state = ST_STRING;
			return OP_BEGIN_LITERAL;
		}
		return fail(s, c, "looking for beginning of object key string");
	case ST_END_VALUE:
	case ST_END_TOP:
		return end_value(s, c);
	case ST_STRING:
		return scan_string(s, c);
	case ST_STRING_ESC:
		if (c == 'u') {
			s->state = ST_STRING_HEX;
			s->hex_left = 4;
			return OP_CONTINUE;
		}
		if (strchr("bfnrt\\/\"", c) && c) {
			s->state = ST_STRING;
			return OP_CONTINUE;
		}
		return fail(s, c, "in string escape code");
	case ST_STRING_HEX:
		if (!is_hex(c))
			return fail(s, c, "in \\u hexadecimal character escape");
		if (--s->hex_left == 0)
			s->state = ST_STRING;
		return OP_CONTINUE;
	case ST_STRING_UTF8:
		if (c < s->utf8_lo || c > s->utf8_hi)
			return fail_utf8(s, c);
		s->utf8_lo = 0x80;
		s->utf8_hi = 0xbf;
		if (--s->utf8_left == 0)
			s->state = ST_STRING;
		return OP_CONTINUE;
	case ST_NEG:
		if (c == '0') {
			s->state = ST_ZERO;
			return OP_CONTINUE;
		}
		if (c >= '1' && c <= '9') {
			s->state = ST_INT;
			return OP_CONTINUE;
		}
		return fail(s, c, "in numeric literal");
	case ST_INT:
		if (is_digit(c))
			return OP_CONTINUE;
		/* fall through */
	case ST_ZERO:
		if (c == '.') {
			s->state = ST_DOT;
			return OP_CONTINUE;
		}
		if (c == 'e' || c == 'E') {
			s->state = ST_EXP;
			return OP_CONTINUE;
		}
		return end_value(s, c);
	case ST_DOT:
		if (is_digit(c)) {
			s->state = ST_FRAC;
			return OP_CONTINUE;
		}
		return fail(s, c, "after decimal point in numeric literal");
	case ST_FRAC:
		if (is_digit(c))
			return OP_CONTINUE;
		if (c == 'e' || c == 'E') {
			s->state = ST_EXP;
			return OP_CONTINUE;
		}
		return end_value(s, c);
	case ST_EXP:
		if (c == '+' || c == '-') {
			s->state = ST_EXP_SIGN;
			return OP_CONTINUE;
		}
		/* fall through */
	case ST_EXP_SIGN:
		if (is_digit(c)) {
			s->state = ST_EXP_DIGITS;
			return OP_CONTINUE;
		}
		return fail(s, c, "in exponent of numeric literal");
	case ST_EXP_DIGITS:
		if (is_digit(c))
			return OP_CONTINUE;
		return end_value(s, c);
	case ST_LITERAL:
		if ((unsigned char)s->lit[s->lit_pos] != c) {
			snprintf(s->lit_why, sizeof(s->lit_why), "in literal %s (expecting '%c')",
				 s->lit, s->lit[s->lit_pos]);
			return fail(s, c, s->lit_why);
		}
		if (s->lit[++s->lit_pos] == '\0')
			s->state = ST_END_VALUE;
		return OP_CONTINUE;
	case ST_ERROR:
		break;
	}
	return OP_ERROR;
}

/* At end of input: has one whole value been read? (Numbers end only here.) */
static bool scan_complete(const struct scanner *s)
{
	if (s->state == ST_END_TOP)
		return true;
	if (s->depth)
		return false;
	switch (s->state) {
	case ST_END_VALUE:
	case ST_ZERO:
	case ST_INT:
	case ST_FRAC:
	case ST_EXP_DIGITS:
		return true;
	default:
		return false;
	}
}

/* Go's quoteChar: the byte as strconv.Quote shows string(rune(c)), in single quotes. */
static void quote_char(unsigned char c, char *buf, size_t size)
{
	static const char esc[] = "\a\b\f\n\r\t\v";
	static const char letter[] = "abfnrtv";
	const char *e;

	if (c == '\'') {
		snprintf(buf, size, "'\\''");
	} else if (c == '\\') {
		snprintf(buf, size, "'\\\\'");
	} else if (c && (e = strchr(esc, c))) {
		snprintf(buf, size, "'\\%c'", letter[e - esc]);
	} else if (c < 0x20 || c == 0x7f) {
		snprintf(buf, size, "'\\x%02x'", c);
	} else if (c < 0x80) {
		snprintf(buf, size, "'%c'", c);
	} else if (c < 0xa1 || c == 0xad) {
		/* C1 controls, NBSP and soft hyphen are not printable for Go */
		snprintf(buf, size, "'\\u%04x'", c);
	} else {
		snprintf(buf, size, "'%c%c'", 0xc0 | (c >> 6), 0x80 | (c & 0x3f));
	}
}

json_text_status json_text_check(const char *s, size_t len, size_t *offset, char *msg,
				 size_t msgsize)
{
	struct scanner sc;
	scan_init(&sc);
	for (size_t i = 0; i < len; i++) {
		if (scan_step(&sc, (unsigned char)s[i]) != OP_ERROR)
			continue;
		if (offset)
			*offset = i;
		if (msg && msgsize) {
			if (sc.bad_utf8) {
				snprintf(msg, msgsize,
					 "invalid UTF-8 byte 0x%02x in string literal", sc.bad);
			} else {
				char q[16];
				quote_char(sc.bad, q, sizeof(q));
				snprintf(msg, msgsize, "invalid character %s %s", q, sc.why);
			}
		}
		return JSON_TEXT_INVALID;
	}
	if (offset)
		*offset = len;
	if (scan_complete(&sc)) {
		if (msg && msgsize)
			msg[0] = '\0';
		return JSON_TEXT_OK;
	}
	if (msg && msgsize)
		snprintf(msg, msgsize, "unexpected end of JSON input");
	return JSON_TEXT_INCOMPLETE;
}

bool json_text_is_json(const void *s, size_t len)
{
	return json_text_check(s, len, NULL, NULL, 0) == JSON_TEXT_OK;
}

char *json_text_compact(const char *s, size_t len, size_t *outlen)
{
	struct strbuf sb = STRBUF_INIT;
	struct scanner sc;
	size_t start = 0;

	scan_init(&sc);
	for (size_t i = 0; i < len; i++) {
		int op = scan_step(&sc, (unsigned char)s[i]);
		if (op == OP_ERROR) {
			strbuf_release(&sb);
			return NULL;
		}
		if (op >= OP_SKIP_SPACE) {
			strbuf_add(&sb, s + start, i - start);
			start = i + 1;
		}
	}
	if (!scan_complete(&sc)) {
		strbuf_release(&sb);
		return NULL;
	}
	strbuf_add(&sb, s + start, len - start);
	return strbuf_detach(&sb, outlen);
}

/* A newline and the indentation of `level`, unless that level is beyond the cap (see
 * json_text.h): then nothing, and the value there is written compact. */
static void add_newline(struct strbuf *sb, const char *prefix, const char *indent, size_t level)
{
	if (level > CTRFS_JSON_NESTING_MAX)
		return;
	strbuf_addc(sb, '\n');
	strbuf_adds(sb, prefix);
	for (size_t i = 0; i < level; i++)
		strbuf_adds(sb, indent);
}

bool json_text_indent(struct strbuf *sb, const char *s, size_t len, const char *prefix,
		      const char *indent)
{
	struct scanner sc;
	size_t orig = sb->len;
	bool need_indent = false;
	size_t depth = 0;
	bool ok = true;

	if (!prefix)
		prefix = "";
	if (!indent)
		indent = "";
	scan_init(&sc);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		int op = scan_step(&sc, c);
		if (op == OP_SKIP_SPACE)
			continue;
		if (op == OP_ERROR) {
			ok = false;
			break;
		}
		if (need_indent && op != OP_END_OBJECT && op != OP_END_ARRAY) {
			need_indent = false;
			add_newline(sb, prefix, indent, ++depth);
		}
		if (op == OP_CONTINUE) {
			strbuf_addc(sb, (char)c);
			continue;
		}
		switch (c) {
		case '{':
		case '[':
			/* the newline waits, so that empty containers print as {} and [] */
			need_indent = true;
			strbuf_addc(sb, (char)c);
			break;
		case ',':
			strbuf_addc(sb, (char)c);
			add_newline(sb, prefix, indent, depth);
			break;
		case ':':
			if (depth <= CTRFS_JSON_NESTING_MAX)
				strbuf_add(sb, ": ", 2);
			else
				strbuf_addc(sb, ':');
			break;
		case '}':
		case ']':
			if (need_indent) {
				need_indent = false;
			} else {
				/* the closing bracket goes on a line of its own when its members
				 * did (the member level is depth, before it drops) */
				if (depth <= CTRFS_JSON_NESTING_MAX)
					add_newline(sb, prefix, indent, depth - 1);
				depth--;
			}
			strbuf_addc(sb, (char)c);
			break;
		default:
			strbuf_addc(sb, (char)c);
		}
	}
	if (ok)
		ok = scan_complete(&sc);
	if (sb->oom)
		return false;
	if (!ok && sb->buf) {
		sb->len = orig;
		sb->buf[orig] = '\0';
	}
	return ok;
}

size_t json_text_depth(const char *s, size_t len)
{
	size_t depth = 0, max = 0;
	bool in_string = false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
		} else if (c == '{' || c == '[') {
			if (++depth > max)
				max = depth;
		} else if ((c == '}' || c == ']') && depth) {
			depth--;
		}
	}
	return max;
}

void json_text_quote_go(struct strbuf *sb, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t start = 0, i = 0;

	strbuf_addc(sb, '"');
	while (i < len) {
		unsigned char b = p[i];
		char esc[8];
		size_t n;

		if (b < 0x80) {
			if (b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' &&
			    b != '&') {
				i++;
				continue;
			}
			strbuf_add(sb, s + start, i - start);
			switch (b) {
			case '"':
			case '\\':
				esc[0] = '\\';
				esc[1] = (char)b;
				strbuf_add(sb, esc, 2);
				break;
			case '\n':
				strbuf_add(sb, "\\n", 2);
				break;
			case '\r':
				strbuf_add(sb, "\\r", 2);
				break;
			case '\t':
				strbuf_add(sb, "\\t", 2);
				break;
			default:
				memcpy(esc, "\\u00", 4);
				esc[4] = hex[b >> 4];
				esc[5] = hex[b & 0xf];
				strbuf_add(sb, esc, 6);
			}
			start = ++i;
			continue;
		}
		n = utf8_valid_len(p + i, len - i);
		if (n == 0) {
			/* as Go: each byte that does not start a valid sequence */
			strbuf_add(sb, s + start, i - start);
			strbuf_add(sb, "\\ufffd", 6);
			start = ++i;
			continue;
		}
		if (n == 3 && b == 0xe2 && p[i + 1] == 0x80 && (p[i + 2] & ~1u) == 0xa8) {
			/* U+2028, U+2029: line breaks to JavaScript */
			strbuf_add(sb, s + start, i - start);
			strbuf_add(sb, p[i + 2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
			start = i + 3;
		}
		i += n;
	}
	strbuf_add(sb, s + start, len - start);
	strbuf_addc(sb, '"');
}

/* containerd's filter language (pkg/filters): scanner, parser and matcher. */
#include "filter.h"
#include "error.h"
#include "regex.h"
#include "runes.h"
#include "strbuf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

enum op {
	OP_PRESENT,
	OP_EQUAL,
	OP_NOT_EQUAL,
	OP_MATCHES,
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

struct selector {
	char **path;
	size_t npath;
	bool path_nul; /* an element holds a NUL byte, so no C string field can be it */
	enum op op;
	char *value;
	size_t vlen;
	ctrfs_regex *re;
};

/* One filter string: its selectors are AND-ed; none (the empty string) matches all. */
struct conj {
	struct selector *sel;
	size_t n;
};

struct ctrfs_filter {
	struct conj *any;
	size_t n;
};

struct parser {
	struct scanner s;
	ctrfs_error *err;
	ctrfs_code code;
};

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

static int32_t peek(struct scanner *s)
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

static struct token scan(struct scanner *s)
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
		while (operator_rune(peek(s)))
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
		while (field_rune(peek(s)))
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
static bool unquote(const char *s, size_t n, struct strbuf *out)
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

/* ---- parser ---- */

#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

/* containerd's parseError, wrapped as ParseAll wraps it:
 * "filters: parse error: [before >|x|< after]: msg: invalid argument", where x
 * is the single byte at pos; "[input]" alone when pos is at the end. */
static int mkerr(struct parser *p, size_t pos, const char *fmt, ...) PRINTF_LIKE(3, 4);

static int mkerr(struct parser *p, size_t pos, const char *fmt, ...)
{
	const struct scanner *s = &p->s;
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	char msg[sizeof(p->err->text)];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	strbuf_adds(&sb, "filters: parse error: [");
	if (pos < s->len) {
		strbuf_add(&sb, s->in, pos);
		strbuf_adds(&sb, " >|");
		strbuf_add(&sb, s->in + pos, 1);
		strbuf_adds(&sb, "|< ");
		strbuf_add(&sb, s->in + pos + 1, s->len - pos - 1);
	} else {
		strbuf_add(&sb, s->in, s->len);
	}
	strbuf_addf(&sb, "]: %s: %s", msg, ctrfs_code_name(CTRFS_INVALID_ARGUMENT));
	if (sb.oom)
		p->code = ctrfs_fail_oom(p->err);
	else
		p->code = ctrfs_fail(p->err, CTRFS_INVALID_ARGUMENT, "%s", sb.buf);
	strbuf_release(&sb);
	return -1;
}

static int oom(struct parser *p)
{
	p->code = ctrfs_fail_oom(p->err);
	return -1;
}

static const char *scan_err(const struct parser *p)
{
	return p->s.err ? p->s.err : "";
}

/* Unquotes the token into a fresh string (*len excludes the terminating NUL). */
static int unquote_token(struct parser *p, const struct token *t, bool alt_quotes, char **out,
			 size_t *len)
{
	const char *text = p->s.in + t->start;
	struct strbuf sb = STRBUF_INIT;

	if (!alt_quotes && text[0] != '"')
		return mkerr(p, t->pos, "invalid quote encountered");
	if (!unquote(text, t->end - t->start, &sb)) {
		strbuf_release(&sb);
		return mkerr(p, t->pos, "unquoting failed: quote syntax error");
	}
	*out = strbuf_detach(&sb, len);
	return *out ? 0 : oom(p);
}

static int copy_token(struct parser *p, const struct token *t, char **out, size_t *len)
{
	*len = t->end - t->start;
	*out = strndup(p->s.in + t->start, *len);
	return *out ? 0 : oom(p);
}

static int field(struct parser *p, char **out, size_t *len)
{
	struct token t = scan(&p->s);
	switch (t.tok) {
	case TOK_FIELD:
		return copy_token(p, &t, out, len);
	case TOK_QUOTED:
		return unquote_token(p, &t, false, out, len);
	case TOK_ILLEGAL:
		return mkerr(p, t.pos, "%s", scan_err(p));
	}
	return mkerr(p, t.pos, "expected field or quoted");
}

static int add_path(struct parser *p, struct selector *sel)
{
	char *f;
	size_t len;
	if (field(p, &f, &len) < 0)
		return -1;
	char **path = realloc(sel->path, (sel->npath + 1) * sizeof(*path));
	if (!path) {
		free(f);
		return oom(p);
	}
	sel->path = path;
	sel->path[sel->npath++] = f;
	if (strlen(f) != len)
		sel->path_nul = true;
	return 0;
}

static int fieldpath(struct parser *p, struct selector *sel)
{
	if (add_path(p, sel) < 0)
		return -1;
	while (peek(&p->s) == '.') {
		scan(&p->s);
		if (add_path(p, sel) < 0)
			return -1;
	}
	return 0;
}

static int operator(struct parser *p, enum op *op)
{
	struct token t = scan(&p->s);
	if (t.tok == TOK_OPERATOR) {
		const char *o = p->s.in + t.start;
		size_t n = t.end - t.start;
		if (n == 2 && o[1] == '=' && (o[0] == '=' || o[0] == '!' || o[0] == '~')) {
			*op = o[0] == '=' ? OP_EQUAL : o[0] == '!' ? OP_NOT_EQUAL : OP_MATCHES;
			return 0;
		}
		/* Go's %q: the operator runes need no escaping */
		return mkerr(p, t.pos, "unsupported operator \"%.*s\"", (int)n, o);
	}
	if (t.tok == TOK_ILLEGAL)
		return mkerr(p, t.pos, "%s", scan_err(p));
	return mkerr(p, t.pos, "expected an operator (\"==\"|\"!=\"|\"~=\")");
}

/*
 * ~= values are Go regular expressions (regex.h: RE2 with Go's differences
 * corrected). containerd compiles the pattern only when matching and treats
 * one that does not compile as matching nothing, silently; here it is a parse
 * error with Go's own words (regexp.Compile's error), so the mistake is seen.
 */
static int compile_regexp(struct parser *p, struct selector *sel, size_t pos)
{
	char why[sizeof(p->err->text)];
	switch (regex_compile(sel->value, sel->vlen, &sel->re, why, sizeof(why))) {
	case REGEX_OK:
		return 0;
	case REGEX_NOMEM:
		return oom(p);
	case REGEX_SYNTAX:
		break;
	}
	return mkerr(p, pos, "error parsing regexp: %s", why);
}

static int value(struct parser *p, struct selector *sel)
{
	struct token t = scan(&p->s);
	int rc;
	switch (t.tok) {
	case TOK_VALUE:
	case TOK_FIELD:
		rc = copy_token(p, &t, &sel->value, &sel->vlen);
		break;
	case TOK_QUOTED:
		rc = unquote_token(p, &t, sel->op == OP_MATCHES, &sel->value, &sel->vlen);
		break;
	case TOK_ILLEGAL:
		return mkerr(p, t.pos, "%s", scan_err(p));
	default:
		return mkerr(p, t.pos, "expected value or quoted");
	}
	if (rc < 0)
		return -1;
	return sel->op == OP_MATCHES ? compile_regexp(p, sel, t.pos) : 0;
}

static void selector_clear(struct selector *sel)
{
	for (size_t i = 0; i < sel->npath; i++)
		free(sel->path[i]);
	free(sel->path);
	free(sel->value);
	regex_free(sel->re);
}

static int selector(struct parser *p, struct selector *sel)
{
	if (fieldpath(p, sel) < 0)
		return -1;
	int32_t next_rune = peek(&p->s);
	if (next_rune == ',' || next_rune == TOK_EOF) {
		sel->op = OP_PRESENT;
		return 0;
	}
	if (operator(p, &sel->op) < 0)
		return -1;
	return value(p, sel);
}

static int add_selector(struct parser *p, struct conj *c)
{
	struct selector *sel = realloc(c->sel, (c->n + 1) * sizeof(*sel));
	if (!sel)
		return oom(p);
	c->sel = sel;
	memset(&sel[c->n], 0, sizeof(*sel));
	/* counted at once so that a half-built selector is freed with the rest */
	return selector(p, &c->sel[c->n++]);
}

static int selectors(struct parser *p, struct conj *c)
{
	if (add_selector(p, c) < 0)
		return -1;
	for (;;) {
		int32_t r = peek(&p->s);
		if (r == TOK_EOF)
			return 0;
		if (r != ',') {
			char enc[4];
			size_t n = runes_encode(r, enc); /* Go's string(rune): U+FFFD if illegal */
			return mkerr(p, p->s.ppos, "unexpected input: %.*s", (int)n, enc);
		}
		scan(&p->s);
		if (add_selector(p, c) < 0)
			return -1;
	}
}

static void conj_clear(struct conj *c)
{
	for (size_t i = 0; i < c->n; i++)
		selector_clear(&c->sel[i]);
	free(c->sel);
}

static int parse_one(struct parser *p, const char *expr, struct conj *c)
{
	/* as containerd's Parse: the empty string matches everything */
	if (!expr || !*expr)
		return 0;
	memset(&p->s, 0, sizeof(p->s));
	p->s.in = expr;
	p->s.len = strlen(expr);
	return selectors(p, c);
}

void filter_free(ctrfs_filter *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++)
		conj_clear(&f->any[i]);
	free(f->any);
	free(f);
}

ctrfs_code filter_parse(const char *const *exprs, size_t n, ctrfs_filter **out, ctrfs_error *err)
{
	struct parser p = {.err = err, .code = CTRFS_OK};
	ctrfs_filter *f = calloc(1, sizeof(*f));

	*out = NULL;
	if (!f)
		return ctrfs_fail_oom(err);
	if (n > 0) {
		f->any = calloc(n, sizeof(*f->any));
		if (!f->any) {
			free(f);
			return ctrfs_fail_oom(err);
		}
	}
	for (size_t i = 0; i < n; i++) {
		/* counted first so that a failed parse frees what it built */
		f->n++;
		if (parse_one(&p, exprs[i], &f->any[i]) < 0)
			goto fail;
	}
	*out = f;
	return CTRFS_OK;
fail:
	filter_free(f);
	return p.code;
}

/* ---- matching ---- */

static bool selector_match(const struct selector *sel, filter_field_fn field_fn, const void *obj)
{
	const char *v = NULL;
	bool present = false;

	if (!sel->path_nul)
		present = field_fn(obj, (const char *const *)sel->path, sel->npath, &v);
	if (!present || !v)
		v = ""; /* containerd compares the adaptor's "" for an absent field */
	bool equal =
	    strlen(v) == sel->vlen && memcmp(v, sel->value ? sel->value : "", sel->vlen) == 0;

	switch (sel->op) {
	case OP_PRESENT:
		return present;
	case OP_EQUAL:
		return present && equal;
	case OP_NOT_EQUAL:
		return !equal;
	case OP_MATCHES:
		return regex_match(sel->re, v, strlen(v));
	}
	return false;
}

bool filter_match(const ctrfs_filter *f, filter_field_fn field_fn, const void *obj)
{
	if (!f || f->n == 0)
		return true;
	for (size_t i = 0; i < f->n; i++) {
		const struct conj *c = &f->any[i];
		size_t j;
		for (j = 0; j < c->n; j++)
			if (!selector_match(&c->sel[j], field_fn, obj))
				break;
		if (j == c->n)
			return true;
	}
	return false;
}

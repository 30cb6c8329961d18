/* containerd's filter language (pkg/filters): the parser (over filter_scan.c's tokens),
 * and the matcher of a parsed filter. */
#include "filter.h"
#include "filter_scan.h"
#include "strbuf.h"
#include "error.h"
#include "regex.h"
#include "runes.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum op {
	OP_PRESENT,
	OP_EQUAL,
	OP_NOT_EQUAL,
	OP_MATCHES,
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
	if (!filter_unquote(text, t->end - t->start, &sb)) {
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
	struct token t = filter_scan(&p->s);
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
	while (filter_peek(&p->s) == '.') {
		filter_scan(&p->s);
		if (add_path(p, sel) < 0)
			return -1;
	}
	return 0;
}

static int operator(struct parser *p, enum op *op)
{
	struct token t = filter_scan(&p->s);
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
	struct token t = filter_scan(&p->s);
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
	int32_t next_rune = filter_peek(&p->s);
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
		int32_t r = filter_peek(&p->s);
		if (r == TOK_EOF)
			return 0;
		if (r != ',') {
			char enc[4];
			size_t n = runes_encode(r, enc); /* Go's string(rune): U+FFFD if illegal */
			return mkerr(p, p->s.ppos, "unexpected input: %.*s", (int)n, enc);
		}
		filter_scan(&p->s);
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

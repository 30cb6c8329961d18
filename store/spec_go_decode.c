/* Go's json.Unmarshal of an OCI spec into specs.Spec, step for step: keys Go does not
 * know are dropped, keys are matched case-insensitively, numbers are checked against
 * their Go type, invalid UTF-8 in strings becomes U+FFFD, and a failure reads as Go's
 * error. Kept whole at ~650 lines: one recursive decoder over the schema, whose parts
 * (strings, numbers, structs, lists, interfaces) call each other. */
#include "spec_go_decode.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "json_text.h"
#include "strbuf.h"
#include "spec_schema.h"

#define INDENT "    "

void gv_free(struct gv *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		gv_free(v->kids[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->kids);
	free(v->keys);
	free(v->klens);
	free(v->s);
	free(v);
}

struct dec {
	const char *s;
	size_t len, pos;
	bool oom;
	bool failed; /* Go's first saved error is in err */
	ctrfs_error *err;
	struct strbuf path;    /* Go's errorContext.FieldStack, joined with "." */
	const char *in_struct; /* errorContext.Struct: its Name() */
};

static void ws(struct dec *d)
{
	while (d->pos < d->len && strchr(" \t\r\n", d->s[d->pos]) && d->s[d->pos])
		d->pos++;
}

static char peek(struct dec *d)
{
	ws(d);
	return d->pos < d->len ? d->s[d->pos] : '\0';
}

/* Length of the valid UTF-8 sequence at p (as Go's utf8.DecodeRune), 0 if invalid. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	if (p[0] < 0x80)
		return 1;
	size_t len = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 ? 2 : 0;
	if (!len || p[0] > 0xf4 || len > n)
		return 0;
	unsigned char lo = 0x80, hi = 0xbf;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f; /* no surrogates */
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

static void add_rune(struct strbuf *sb, unsigned r)
{
	char b[4];
	size_t n;
	if (r < 0x80) {
		b[0] = (char)r;
		n = 1;
	} else if (r < 0x800) {
		b[0] = (char)(0xc0 | r >> 6);
		b[1] = (char)(0x80 | (r & 0x3f));
		n = 2;
	} else if (r < 0x10000) {
		b[0] = (char)(0xe0 | r >> 12);
		b[1] = (char)(0x80 | ((r >> 6) & 0x3f));
		b[2] = (char)(0x80 | (r & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | r >> 18);
		b[1] = (char)(0x80 | ((r >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((r >> 6) & 0x3f));
		b[3] = (char)(0x80 | (r & 0x3f));
		n = 4;
	}
	strbuf_add(sb, b, n);
}

static int hex4(const char *p)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v = v * 16 + (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	return v;
}

/* A string token (syntax already checked), unquoted as Go's unquote does. */
static void string_token(struct dec *d, struct strbuf *out)
{
	const unsigned char *s = (const unsigned char *)d->s;
	size_t i = d->pos + 1;
	while (s[i] != '"') {
		if (s[i] == '\\') {
			char c = (char)s[i + 1];
			const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
			if (c != 'u') {
				strbuf_addc(out, to[strchr(from, c) - from]);
				i += 2;
				continue;
			}
			int r = hex4(d->s + i + 2);
			i += 6;
			if (r >= 0xd800 && r < 0xdc00 && s[i] == '\\' && s[i + 1] == 'u') {
				int r2 = hex4(d->s + i + 2);
				if (r2 >= 0xdc00 && r2 < 0xe000) {
					add_rune(out, 0x10000 + (((unsigned)r - 0xd800) << 10) +
							  ((unsigned)r2 - 0xdc00));
					i += 6;
					continue;
				}
			}
			add_rune(out, r >= 0xd800 && r < 0xe000 ? 0xfffd : (unsigned)r);
			continue;
		}
		size_t n = utf8_seq(s + i, d->len - i);
		if (n)
			strbuf_add(out, s + i, n);
		else
			add_rune(out, 0xfffd); /* each invalid byte, as Go */
		i += n ? n : 1;
	}
	d->pos = i + 1;
}

/* Skips one value (syntax already checked). */
static void skip(struct dec *d)
{
	char c = peek(d);
	if (c == '"') {
		size_t i = d->pos + 1;
		while (d->s[i] != '"')
			i += d->s[i] == '\\' ? 2 : 1;
		d->pos = i + 1;
	} else if (c == '{' || c == '[') {
		char close = c == '{' ? '}' : ']';
		d->pos++;
		if (peek(d) == close) {
			d->pos++;
			return;
		}
		for (;;) {
			if (c == '{') {
				skip(d); /* the key */
				peek(d);
				d->pos++; /* ':' */
			}
			skip(d);
			bool more = peek(d) == ',';
			d->pos++; /* ',' or the closing bracket */
			if (!more)
				return;
		}
	} else {
		while (d->pos < d->len && !strchr(",:]} \t\r\n", d->s[d->pos]))
			d->pos++;
	}
}

/* The kind of literal at the cursor, in Go's words for UnmarshalTypeError. */
static const char *literal_kind(struct dec *d)
{
	switch (peek(d)) {
	case '"':
		return "string";
	case '{':
		return "object";
	case '[':
		return "array";
	case 't':
	case 'f':
		return "bool";
	default:
		return "number";
	}
}

/* Go saves the first type error and goes on decoding; so do we (the rest is skipped). */
static void type_error(struct dec *d, const char *value, const struct spec_type *t)
{
	if (d->failed)
		return;
	d->failed = true;
	if (d->in_struct)
		ctrfs_fail(d->err, CTRFS_INVALID_ARGUMENT,
			   "json: cannot unmarshal %s into Go struct field %s.%s of type %s", value,
			   d->in_struct, d->path.buf ? d->path.buf : "", t->name);
	else
		ctrfs_fail(d->err, CTRFS_INVALID_ARGUMENT,
			   "json: cannot unmarshal %s into Go value of type %s", value, t->name);
}

static struct gv *gv_new(struct dec *d, unsigned char jk)
{
	struct gv *v = calloc(1, sizeof(*v));
	if (!v)
		d->oom = true;
	else
		v->jk = jk;
	return v;
}

static bool grow(struct dec *d, struct gv *v, size_t n, bool keyed)
{
	struct gv **k = realloc(v->kids, n * sizeof(*k));
	if (k)
		v->kids = k;
	if (k && keyed) {
		char **keys = realloc(v->keys, n * sizeof(*keys));
		if (keys)
			v->keys = keys;
		size_t *kl = keys ? realloc(v->klens, n * sizeof(*kl)) : NULL;
		if (kl)
			v->klens = kl;
		k = kl ? k : NULL;
	}
	if (!k)
		d->oom = true;
	return k != NULL;
}

/* A number token checked against a Go integer type, as strconv.ParseInt/ParseUint
 * and reflect's OverflowInt/OverflowUint. */
static void number_int(struct dec *d, const struct spec_type *t, struct gv **slot)
{
	size_t start = d->pos;
	skip(d);
	char text[64];
	size_t n = d->pos - start;
	bool ok = n < sizeof(text);
	if (ok) {
		memcpy(text, d->s + start, n);
		text[n] = '\0';
	}
	char *end = NULL;
	errno = 0;
	if (ok && t->kind == SK_INT) {
		long long v = strtoll(text, &end, 10);
		long long max = t->bits == 64 ? INT64_MAX : (1LL << (t->bits - 1)) - 1;
		ok = !errno && !*end && v <= max && v >= -max - 1;
		if (ok)
			snprintf(text, sizeof(text), "%lld", v);
	} else if (ok) {
		unsigned long long v = strtoull(text, &end, 10);
		unsigned long long max = t->bits == 64 ? UINT64_MAX : (1ULL << t->bits) - 1;
		ok = text[0] != '-' && !errno && !*end && v <= max;
		if (ok)
			snprintf(text, sizeof(text), "%llu", v);
	}
	if (!ok) {
		char what[96];
		snprintf(what, sizeof(what), "number %.*s", (int)(n < 80 ? n : 80), d->s + start);
		type_error(d, what, t);
		return;
	}
	if (!*slot && !(*slot = gv_new(d, J_NUM)))
		return;
	free((*slot)->s);
	(*slot)->s = strdup(text);
	(*slot)->len = strlen(text);
	if (!(*slot)->s)
		d->oom = true;
}

/* Go's encoding of a float64 (encoding/json floatEncoder): the shortest text that reads
 * back as the same number, 'e' form below 1e-6 and from 1e21 on. */
static void format_float(double f, char *out, size_t size)
{
	double a = fabs(f);
	if (a == 0) {
		snprintf(out, size, "%s", signbit(f) ? "-0" : "0");
		return;
	}
	char e[40];
	for (int p = 0; p < 17; p++) {
		snprintf(e, sizeof(e), "%.*e", p, f);
		if (strtod(e, NULL) == f)
			break;
	}
	/* e is [-]D[.DDD]e±XX: take its digits and decimal exponent */
	char digits[24];
	size_t nd = 0;
	const char *q = e + (e[0] == '-');
	for (; *q != 'e'; q++)
		if (*q != '.')
			digits[nd++] = *q;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = '\0';
	int x = atoi(q + 1);
	struct strbuf sb = STRBUF_INIT;
	if (f < 0)
		strbuf_addc(&sb, '-');
	if (a < 1e-6 || a >= 1e21) {
		strbuf_addc(&sb, digits[0]);
		if (nd > 1)
			strbuf_addf(&sb, ".%s", digits + 1);
		strbuf_addf(&sb, "e%c%s%d", x < 0 ? '-' : '+',
			    (x > -10 && x < 10 && x >= 0) ? "0" : "", abs(x));
	} else if (x >= 0) {
		for (int i = 0; i <= x || i < (int)nd; i++) {
			if (i == x + 1)
				strbuf_addc(&sb, '.');
			strbuf_addc(&sb, i < (int)nd ? digits[i] : '0');
		}
	} else {
		strbuf_adds(&sb, "0.");
		for (int i = 0; i < -x - 1; i++)
			strbuf_addc(&sb, '0');
		strbuf_adds(&sb, digits);
	}
	snprintf(out, size, "%s", sb.buf ? sb.buf : "0");
	strbuf_release(&sb);
}

static void decode(struct dec *d, unsigned short ti, struct gv **slot);

/* interface{}: any JSON, as Go's valueInterface (objects as maps, numbers as float64). */
static void decode_any(struct dec *d, struct gv **slot)
{
	static const struct spec_type f64 = {SK_UINT, 0, 0, "float64", 0, 0};
	char c = peek(d);
	gv_free(*slot);
	*slot = NULL;
	if (c == 'n') {
		skip(d);
		return;
	}
	if (c == 't' || c == 'f') {
		if ((*slot = gv_new(d, J_BOOL)))
			(*slot)->b = c == 't';
		skip(d);
		return;
	}
	if (c == '"') {
		struct strbuf sb = STRBUF_INIT;
		string_token(d, &sb);
		if ((*slot = gv_new(d, J_STR))) {
			(*slot)->len = sb.len;
			(*slot)->s = strbuf_detach(&sb, NULL);
		}
		strbuf_release(&sb);
		return;
	}
	if (c != '{' && c != '[') {
		size_t start = d->pos;
		skip(d);
		char num[64], what[200];
		char *text = strndup(d->s + start, d->pos - start); /* any length, as Go */
		if (!text) {
			d->oom = true;
			return;
		}
		double v = strtod(text, NULL);
		snprintf(what, sizeof(what), "number %s", text);
		free(text);
		if (isinf(v)) {
			type_error(d, what, &f64);
			return;
		}
		format_float(v, num, sizeof(num));
		if ((*slot = gv_new(d, J_NUM)) && !((*slot)->s = strdup(num)))
			d->oom = true;
		return;
	}
	struct gv *v = *slot = gv_new(d, c == '{' ? J_OBJ : J_ARR);
	d->pos++;
	for (bool first = true; v && !d->oom; first = false) {
		char e = peek(d);
		if (e == '}' || e == ']') {
			d->pos++;
			return;
		}
		if (!first) {
			d->pos++;
			peek(d);
		}
		if (!grow(d, v, v->n + 1, c == '{'))
			return;
		v->kids[v->n] = NULL;
		if (c == '[') {
			decode_any(d, &v->kids[v->n++]);
			continue;
		}
		struct strbuf key = STRBUF_INIT;
		string_token(d, &key);
		peek(d);
		d->pos++; /* ':' */
		/* a repeated key: the last value wins */
		size_t i = 0;
		while (i < v->n &&
		       !(v->klens[i] == key.len && !memcmp(v->keys[i], key.buf, key.len)))
			i++;
		if (i < v->n) {
			strbuf_release(&key);
			decode_any(d, &v->kids[i]);
			continue;
		}
		v->klens[i] = key.len;
		v->keys[i] = strbuf_detach(&key, NULL);
		if (!v->keys[i])
			d->oom = true;
		v->n++;
		decode_any(d, &v->kids[i]);
	}
}

/* Go's field-name match after the exact one fails (equalFoldRight): ASCII letters
 * without case, and U+017F (long s) and U+212A (Kelvin) as s and k. */
static bool fold_equal(const char *name, const char *key, size_t klen)
{
	size_t i = 0;
	for (const char *p = name; *p; p++) {
		char lower = (char)(*p | 0x20);
		bool letter = lower >= 'a' && lower <= 'z';
		if (i >= klen)
			return false;
		unsigned char k = (unsigned char)key[i];
		if (k < 0x80) {
			if (letter ? (char)(k | 0x20) != lower : (char)k != *p)
				return false;
			i++;
		} else if (lower == 's' && letter && klen - i >= 2 &&
			   !memcmp(key + i, "\xc5\xbf", 2)) {
			i += 2;
		} else if (lower == 'k' && letter && klen - i >= 3 &&
			   !memcmp(key + i, "\xe2\x84\xaa", 3)) {
			i += 3;
		} else {
			return false;
		}
	}
	return i == klen;
}

static void decode_struct(struct dec *d, const struct spec_type *t, struct gv **slot)
{
	if (!*slot) {
		if (!(*slot = gv_new(d, J_OBJ)) ||
		    !((*slot)->kids = calloc(t->nfields + 1, sizeof(struct gv *)))) {
			d->oom = true;
			return;
		}
		(*slot)->n = t->nfields;
	}
	struct gv *v = *slot;
	d->pos++;
	for (bool first = true; !d->oom; first = false) {
		char e = peek(d);
		if (e == '}') {
			d->pos++;
			return;
		}
		if (!first) {
			d->pos++;
			peek(d);
		}
		struct strbuf key = STRBUF_INIT;
		string_token(d, &key);
		peek(d);
		d->pos++; /* ':' */
		const struct spec_field *f = spec_fields + t->first;
		size_t i = 0;
		while (i < t->nfields && !(strlen(f[i].name) == key.len && key.buf &&
					   !memcmp(f[i].name, key.buf, key.len)))
			i++;
		for (size_t j = 0; i == t->nfields && j < t->nfields; j++)
			if (fold_equal(f[j].name, key.buf ? key.buf : "", key.len))
				i = j;
		strbuf_release(&key);
		if (i == t->nfields) {
			skip(d); /* Go drops what its struct has no field for */
			continue;
		}
		size_t mark = d->path.len;
		const char *outer = d->in_struct;
		if (mark)
			strbuf_addc(&d->path, '.');
		strbuf_adds(&d->path, f[i].name);
		d->in_struct = t->name + 6; /* Name() has no "specs." */
		decode(d, f[i].type, &v->kids[i]);
		d->in_struct = outer;
		d->path.len = mark;
		if (d->path.buf)
			d->path.buf[mark] = '\0';
	}
}

static void decode_list(struct dec *d, const struct spec_type *t, struct gv **slot)
{
	bool map = t->kind == SK_MAP;
	if (!*slot && !(*slot = gv_new(d, map ? J_OBJ : J_ARR)))
		return;
	struct gv *v = *slot;
	size_t i = 0;
	d->pos++;
	for (bool first = true; !d->oom; first = false) {
		char e = peek(d);
		if (e == '}' || e == ']') {
			d->pos++;
			break;
		}
		if (!first) {
			d->pos++;
			peek(d);
		}
		if (!map) {
			/* Go decodes into the element already there (a repeated key merges) */
			if (i >= v->n) {
				if (!grow(d, v, i + 1, false))
					return;
				v->kids[v->n++] = NULL;
			}
			decode(d, t->elem, &v->kids[i++]);
			continue;
		}
		struct strbuf key = STRBUF_INIT;
		string_token(d, &key);
		peek(d);
		d->pos++; /* ':' */
		size_t k = 0;
		while (k < v->n &&
		       !(v->klens[k] == key.len && !memcmp(v->keys[k], key.buf, key.len)))
			k++;
		struct gv *item = NULL; /* a map element starts from zero each time */
		decode(d, t->elem, &item);
		if (k < v->n) {
			gv_free(v->kids[k]);
			v->kids[k] = item;
			strbuf_release(&key);
			continue;
		}
		if (!grow(d, v, v->n + 1, true)) {
			gv_free(item);
			strbuf_release(&key);
			return;
		}
		v->klens[k] = key.len;
		v->keys[k] = strbuf_detach(&key, NULL);
		v->kids[k] = item;
		v->n++;
		if (!v->keys[k])
			d->oom = true;
	}
	for (size_t j = i; !map && j < v->n; j++)
		gv_free(v->kids[j]);
	if (!map)
		v->n = i;
}

static void decode(struct dec *d, unsigned short ti, struct gv **slot)
{
	const struct spec_type *t = &spec_types[ti];
	char c = peek(d);
	if (d->oom)
		return;
	if (c == 'n') { /* null: nil for what can be nil, nothing for the rest */
		skip(d);
		if (t->kind == SK_PTR || t->kind == SK_SLICE || t->kind == SK_MAP ||
		    t->kind == SK_IFACE) {
			gv_free(*slot);
			*slot = NULL;
		}
		return;
	}
	switch (t->kind) {
	case SK_PTR:
		/* the scalar decoders give a node to what they set: a non-nil pointer */
		decode(d, t->elem, slot);
		return;
	case SK_STRING:
		if (c != '"')
			break;
		{
			struct strbuf sb = STRBUF_INIT;
			string_token(d, &sb);
			if (!*slot && !(*slot = gv_new(d, J_STR))) {
				strbuf_release(&sb);
				return;
			}
			free((*slot)->s);
			(*slot)->len = sb.len;
			(*slot)->s = strbuf_detach(&sb, NULL);
			if (!(*slot)->s)
				d->oom = true;
		}
		return;
	case SK_BOOL:
		if (c != 't' && c != 'f')
			break;
		skip(d);
		if (*slot || (*slot = gv_new(d, J_BOOL)))
			(*slot)->b = c == 't';
		return;
	case SK_INT:
	case SK_UINT:
		if (c != '-' && (c < '0' || c > '9'))
			break;
		number_int(d, t, slot);
		return;
	case SK_STRUCT:
		if (c != '{')
			break;
		decode_struct(d, t, slot);
		return;
	case SK_SLICE:
		if (c != '[')
			break;
		decode_list(d, t, slot);
		return;
	case SK_MAP:
		if (c != '{')
			break;
		decode_list(d, t, slot);
		return;
	case SK_IFACE:
		decode_any(d, slot);
		return;
	}
	type_error(d, literal_kind(d), t);
	skip(d);
}

ctrfs_code spec_go_decode(const void *spec, size_t len, struct gv **root, ctrfs_error *err)
{
	*root = NULL;
	/* Go's scanner lets invalid UTF-8 through in strings (it becomes U+FFFD), ours does
	 * not: check the syntax of a copy with each invalid byte as DEL, which is allowed
	 * in strings and refused elsewhere, as such a byte is */
	unsigned char *probe = malloc(len + 1);
	if (!probe)
		return ctrfs_fail_oom(err);
	memcpy(probe, spec, len);
	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq(probe + i, len - i);
		if (!n)
			probe[i] = 0x7f;
		i += n ? n : 1;
	}
	char msg[160];
	json_text_status st = json_text_check((const char *)probe, len, NULL, msg, sizeof(msg));
	free(probe);
	if (st != JSON_TEXT_OK)
		return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT, "%s", msg);
	struct dec d = {spec, len, 0, false, false, err, STRBUF_INIT, NULL};
	decode(&d, 0, root);
	strbuf_release(&d.path);
	return d.oom ? ctrfs_fail_oom(err) : d.failed ? CTRFS_INVALID_ARGUMENT : CTRFS_OK;
}

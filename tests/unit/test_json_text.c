/* Unit tests of json_text: Go's scanner verdicts, Compact/Indent bytes, quoting, members,
 * array elements. */
#include "json_text.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define S(lit) lit, sizeof(lit) - 1

struct check_case {
	const char *in;
	size_t len;
	json_text_status want;
	size_t offset;	 /* for INVALID */
	const char *msg; /* NULL: not checked */
};

/* Messages are Go's SyntaxError texts for the same input. */
static const struct check_case check_cases[] = {
    {S(""), JSON_TEXT_INCOMPLETE, 0, "unexpected end of JSON input"},
    {S(" \t\r\n"), JSON_TEXT_INCOMPLETE, 4, NULL},
    {S("12"), JSON_TEXT_OK, 0, NULL},
    {S(" 12 \n"), JSON_TEXT_OK, 0, NULL},
    {S("0"), JSON_TEXT_OK, 0, NULL},
    {S("-0"), JSON_TEXT_OK, 0, NULL},
    {S("1e5"), JSON_TEXT_OK, 0, NULL},
    {S("1E+5"), JSON_TEXT_OK, 0, NULL},
    {S("-0.5e-3"), JSON_TEXT_OK, 0, NULL},
    {S("18446744073709551615"), JSON_TEXT_OK, 0, NULL},
    {S("-"), JSON_TEXT_INCOMPLETE, 1, NULL},
    {S("1."), JSON_TEXT_INCOMPLETE, 2, NULL},
    {S("1e"), JSON_TEXT_INCOMPLETE, 2, NULL},
    {S("1e+"), JSON_TEXT_INCOMPLETE, 3, NULL},
    {S("1. "), JSON_TEXT_INVALID, 2,
     "invalid character ' ' after decimal point in numeric literal"},
    {S("1.e5"), JSON_TEXT_INVALID, 2,
     "invalid character 'e' after decimal point in numeric literal"},
    {S("[1.]"), JSON_TEXT_INVALID, 3,
     "invalid character ']' after decimal point in numeric literal"},
    {S("01"), JSON_TEXT_INVALID, 1, "invalid character '1' after top-level value"},
    {S("-01"), JSON_TEXT_INVALID, 2, "invalid character '1' after top-level value"},
    {S("+1"), JSON_TEXT_INVALID, 0, "invalid character '+' looking for beginning of value"},
    {S(".5"), JSON_TEXT_INVALID, 0, "invalid character '.' looking for beginning of value"},
    {S("-x"), JSON_TEXT_INVALID, 1, "invalid character 'x' in numeric literal"},
    {S("1ex"), JSON_TEXT_INVALID, 2, "invalid character 'x' in exponent of numeric literal"},
    {S("1e+x"), JSON_TEXT_INVALID, 3, "invalid character 'x' in exponent of numeric literal"},
    {S("true"), JSON_TEXT_OK, 0, NULL},
    {S("false"), JSON_TEXT_OK, 0, NULL},
    {S("null "), JSON_TEXT_OK, 0, NULL},
    {S("tru"), JSON_TEXT_INCOMPLETE, 3, NULL},
    {S("fals"), JSON_TEXT_INCOMPLETE, 4, NULL},
    {S("nul"), JSON_TEXT_INCOMPLETE, 3, NULL},
    {S("trux"), JSON_TEXT_INVALID, 3, "invalid character 'x' in literal true (expecting 'e')"},
    {S("fx"), JSON_TEXT_INVALID, 1, "invalid character 'x' in literal false (expecting 'a')"},
    {S("nulL"), JSON_TEXT_INVALID, 3, "invalid character 'L' in literal null (expecting 'l')"},
    {S("True"), JSON_TEXT_INVALID, 0, "invalid character 'T' looking for beginning of value"},
    {S("truee"), JSON_TEXT_INVALID, 4, "invalid character 'e' after top-level value"},
    {S("{"), JSON_TEXT_INCOMPLETE, 1, NULL},
    {S("["), JSON_TEXT_INCOMPLETE, 1, NULL},
    {S("{\"a\""), JSON_TEXT_INCOMPLETE, 4, NULL},
    {S("{\"a\":"), JSON_TEXT_INCOMPLETE, 5, NULL},
    {S("{\"a\":1"), JSON_TEXT_INCOMPLETE, 6, NULL},
    {S("{\"a\":1,"), JSON_TEXT_INCOMPLETE, 7, NULL},
    {S("[1,"), JSON_TEXT_INCOMPLETE, 3, NULL},
    {S("{}"), JSON_TEXT_OK, 0, NULL},
    {S("[]"), JSON_TEXT_OK, 0, NULL},
    {S("\t[\r\n]\n"), JSON_TEXT_OK, 0, NULL},
    {S("{\"a\":[1,{\"b\":null}],\"c\":\"d\"}"), JSON_TEXT_OK, 0, NULL},
    {S("{\"a\" 1}"), JSON_TEXT_INVALID, 5, "invalid character '1' after object key"},
    {S("{\"a\":1 \"b\":2}"), JSON_TEXT_INVALID, 7,
     "invalid character '\"' after object key:value pair"},
    {S("{1:2}"), JSON_TEXT_INVALID, 1,
     "invalid character '1' looking for beginning of object key string"},
    {S("{,}"), JSON_TEXT_INVALID, 1,
     "invalid character ',' looking for beginning of object key string"},
    {S("{\"a\":1,}"), JSON_TEXT_INVALID, 7,
     "invalid character '}' looking for beginning of object key string"},
    {S("[1 2]"), JSON_TEXT_INVALID, 3, "invalid character '2' after array element"},
    {S("[,]"), JSON_TEXT_INVALID, 1, "invalid character ',' looking for beginning of value"},
    {S("[1,]"), JSON_TEXT_INVALID, 3, "invalid character ']' looking for beginning of value"},
    {S("[}"), JSON_TEXT_INVALID, 1, "invalid character '}' looking for beginning of value"},
    {S("{]"), JSON_TEXT_INVALID, 1,
     "invalid character ']' looking for beginning of object key string"},
    {S("[1}"), JSON_TEXT_INVALID, 2, "invalid character '}' after array element"},
    {S("{} x"), JSON_TEXT_INVALID, 3, "invalid character 'x' after top-level value"},
    {S("{}}"), JSON_TEXT_INVALID, 2, "invalid character '}' after top-level value"},
    {S("1 2"), JSON_TEXT_INVALID, 2, "invalid character '2' after top-level value"},
    {S("\"a\"\"b\""), JSON_TEXT_INVALID, 3, "invalid character '\"' after top-level value"},
    {S("\"ab"), JSON_TEXT_INCOMPLETE, 3, NULL},
    {S("\"\\"), JSON_TEXT_INCOMPLETE, 2, NULL},
    {S("\"\\u12"), JSON_TEXT_INCOMPLETE, 5, NULL},
    {S("\"a\nb\""), JSON_TEXT_INVALID, 2, "invalid character '\\n' in string literal"},
    {S("\"\x01\""), JSON_TEXT_INVALID, 1, "invalid character '\\x01' in string literal"},
    {S("\"\\x\""), JSON_TEXT_INVALID, 2, "invalid character 'x' in string escape code"},
    {S("\"\\'\""), JSON_TEXT_INVALID, 2, "invalid character '\\'' in string escape code"},
    {S("\"\\u12g4\""), JSON_TEXT_INVALID, 5,
     "invalid character 'g' in \\u hexadecimal character escape"},
    {S("\"\\b\\f\\n\\r\\t\\/\\\\\\\"\\u00aF\""), JSON_TEXT_OK, 0, NULL},
    {S("\"\\ud800\""), JSON_TEXT_OK, 0, NULL}, /* lone surrogate escapes are grammatical */
    {S("\"\x7f\""), JSON_TEXT_OK, 0, NULL},
    {S("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbd\""), JSON_TEXT_OK, 0, NULL},
    {S("\"\xff\""), JSON_TEXT_INVALID, 1, "invalid UTF-8 byte 0xff in string literal"},
    {S("\"\x80\""), JSON_TEXT_INVALID, 1, NULL},
    {S("\"\xc0\xaf\""), JSON_TEXT_INVALID, 1, NULL},	     /* overlong, C0 never valid */
    {S("\"\xc3\""), JSON_TEXT_INVALID, 2, NULL},	     /* cut short by the quote */
    {S("\"\xc3"), JSON_TEXT_INCOMPLETE, 2, NULL},	     /* the next byte may finish it */
    {S("\"\xe0\x80\x80\""), JSON_TEXT_INVALID, 2, NULL},     /* overlong */
    {S("\"\xed\xa0\x80\""), JSON_TEXT_INVALID, 2, NULL},     /* UTF-16 surrogate */
    {S("\"\xf4\x90\x80\x80\""), JSON_TEXT_INVALID, 2, NULL}, /* > U+10FFFF */
    {S("\"\xf5\x80\x80\x80\""), JSON_TEXT_INVALID, 1, NULL},
    {S("\0"), JSON_TEXT_INVALID, 0, "invalid character '\\x00' looking for beginning of value"},
    {S("\xff"), JSON_TEXT_INVALID, 0,
     "invalid character '\xc3\xbf' looking for beginning of value"},
    {S("'a'"), JSON_TEXT_INVALID, 0, "invalid character '\\'' looking for beginning of value"},
};

static void test_check(void)
{
	for (size_t i = 0; i < sizeof(check_cases) / sizeof(check_cases[0]); i++) {
		const struct check_case *c = &check_cases[i];
		size_t off = 12345;
		char msg[128];
		json_text_status st = json_text_check(c->in, c->len, &off, msg, sizeof(msg));
		CHECK(st == c->want, "case %zu %.*s: status %d, want %d (%s)", i, (int)c->len,
		      c->in, st, c->want, msg);
		if (c->want != JSON_TEXT_OK)
			CHECK(off == c->offset, "case %zu %.*s: offset %zu, want %zu", i,
			      (int)c->len, c->in, off, c->offset);
		if (c->msg)
			CHECK(strcmp(msg, c->msg) == 0, "case %zu: msg \"%s\", want \"%s\"", i, msg,
			      c->msg);
		if (c->want == JSON_TEXT_INCOMPLETE)
			CHECK(strcmp(msg, "unexpected end of JSON input") == 0, "case %zu: %s", i,
			      msg);
		CHECK(json_text_is_json(c->in, c->len) == (c->want == JSON_TEXT_OK), "case %zu", i);
		/* NULL out-parameters are allowed */
		CHECK(json_text_check(c->in, c->len, NULL, NULL, 0) == st, "case %zu", i);
		/* a prefix of an incomplete input is never invalid */
		if (c->want == JSON_TEXT_INCOMPLETE)
			for (size_t n = 0; n < c->len; n++)
				CHECK(json_text_check(c->in, n, NULL, NULL, 0) != JSON_TEXT_INVALID,
				      "case %zu prefix %zu", i, n);
	}
	/* truncated messages stay NUL-terminated */
	char small[8];
	json_text_check(S("{} x"), NULL, small, sizeof(small));
	CHECK(strcmp(small, "invalid") == 0, "%s", small);
}

static void test_depth(void)
{
	size_t n = JSON_TEXT_MAX_DEPTH;
	char *buf = malloc(2 * n + 3);
	size_t off;
	char msg[128];

	memset(buf, '[', n + 1);
	CHECK(json_text_check(buf, n, &off, msg, sizeof(msg)) == JSON_TEXT_INCOMPLETE, "%s", msg);
	CHECK(json_text_check(buf, n + 1, &off, msg, sizeof(msg)) == JSON_TEXT_INVALID, "deep");
	CHECK(off == n, "offset %zu", off);
	CHECK(strcmp(msg, "invalid character '[' exceeded max depth") == 0, "%s", msg);

	/* exactly the maximum, innermost holding a value: fine everywhere */
	buf[n] = '1';
	memset(buf + n + 1, ']', n);
	CHECK(json_text_check(buf, 2 * n + 1, &off, msg, sizeof(msg)) == JSON_TEXT_OK, "%s", msg);
	size_t clen;
	char *c = json_text_compact(buf, 2 * n + 1, &clen);
	CHECK(c && clen == 2 * n + 1 && memcmp(c, buf, clen) == 0, "compact deep");
	struct strbuf sb = STRBUF_INIT;
	CHECK(json_text_indent(&sb, buf, 2 * n + 1, "", ""), "indent deep");
	char *c2 = json_text_compact(sb.buf, sb.len, &clen);
	CHECK(c2 && clen == 2 * n + 1 && memcmp(c2, buf, clen) == 0, "compact(indent(deep))");
	free(c);
	free(c2);
	strbuf_release(&sb);

	/* the same depth of objects */
	struct strbuf o = STRBUF_INIT;
	for (size_t i = 0; i < n; i++)
		strbuf_adds(&o, "{\"k\":");
	strbuf_adds(&o, "0");
	for (size_t i = 0; i < n; i++)
		strbuf_addc(&o, '}');
	CHECK(json_text_is_json(o.buf, o.len), "deep objects");
	size_t vs, vl;
	CHECK(json_text_member(o.buf, o.len, "k", &vs, &vl) && vs == 5 && vl == o.len - 6,
	      "member of deep");
	strbuf_release(&o);
	free(buf);
}

static void expect_compact(const char *in, const char *want)
{
	size_t len = 99;
	char *out = json_text_compact(in, strlen(in), &len);
	CHECK(out && strcmp(out, want) == 0 && len == strlen(want), "compact(%s) = %s, want %s", in,
	      out ? out : "NULL", want);
	free(out);
}

static void expect_indent(const char *in, const char *prefix, const char *indent, const char *want)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_adds(&sb, "<<");
	bool ok = json_text_indent(&sb, in, strlen(in), prefix, indent);
	CHECK(ok && strncmp(sb.buf, "<<", 2) == 0 && strcmp(sb.buf + 2, want) == 0,
	      "indent(%s) = [%s], want [%s]", in, sb.buf + 2, want);
	strbuf_release(&sb);
}

static void test_compact_indent(void)
{
	expect_compact(" { \"a\" : [ 1 , true , { } , [ ] ] , \"b c\" : \"x y\" } \n",
		       "{\"a\":[1,true,{},[]],\"b c\":\"x y\"}");
	expect_compact("12", "12");
	expect_compact(" 12 ", "12");
	expect_compact("\"\\u0020 \\\" \"", "\"\\u0020 \\\" \"");
	expect_compact("1.5E-07", "1.5E-07"); /* numbers verbatim, not re-formatted */
	expect_compact("18446744073709551616", "18446744073709551616");

	const char *bad[] = {"", " ", "{", "[1,]", "1 2", "\"\xff\"", "tru", "01"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(json_text_compact(bad[i], strlen(bad[i]), NULL) == NULL, "compact(%s)",
		      bad[i]);
		struct strbuf sb = STRBUF_INIT;
		strbuf_adds(&sb, "keep");
		CHECK(!json_text_indent(&sb, bad[i], strlen(bad[i]), "", "  "), "indent(%s)",
		      bad[i]);
		CHECK(sb.len == 4 && strcmp(sb.buf, "keep") == 0, "sb restored: %s", sb.buf);
		strbuf_release(&sb);
	}

	expect_indent("{\"a\":[1,2,{}],\"b\":{\"c\":[]}}", ">", "  ",
		      "{\n>  \"a\": [\n>    1,\n>    2,\n>    {}\n>  ],\n>  \"b\": {\n>    \"c\": "
		      "[]\n>  }\n>}");
	expect_indent("[]", "", "\t", "[]");
	expect_indent("{}", "P", "\t", "{}");
	/* Go drops leading whitespace, keeps trailing, and ignores inner */
	expect_indent(" \n [ ] \n", "", "  ", "[] \n");
	expect_indent("\t12 ", "", "  ", "12 ");
	expect_indent("[ 1 ,\n\t2 ]", "", "  ", "[\n  1,\n  2\n]");
	expect_indent("\"a:b,{c}[d]\"", "", "  ", "\"a:b,{c}[d]\"");
	expect_indent("{\"k\":{\"x\":[[]]}}", "", "", "{\n\"k\": {\n\"x\": [\n[]\n]\n}\n}");
	expect_indent("[1]", "", "    ", "[\n    1\n]");
}

static void expect_quote(const char *in, size_t len, const char *want)
{
	struct strbuf sb = STRBUF_INIT;
	json_text_quote_go(&sb, in, len);
	CHECK(sb.buf && strcmp(sb.buf, want) == 0 && sb.len == strlen(want),
	      "quote(%.*s) = %s, want %s", (int)len, in, sb.buf, want);
	CHECK(json_text_is_json(sb.buf, sb.len), "quote output is JSON: %s", sb.buf);
	strbuf_release(&sb);
}

static void test_quote(void)
{
	expect_quote(S(""), "\"\"");
	expect_quote(S("plain text / é ☃ 😀"), "\"plain text / é ☃ 😀\"");
	expect_quote(S("a\"b\\c"), "\"a\\\"b\\\\c\"");
	expect_quote(S("\n\r\t\b\f\x01\x1f"), "\"\\n\\r\\t\\u0008\\u000c\\u0001\\u001f\"");
	expect_quote(S("a\0b"), "\"a\\u0000b\"");
	expect_quote(S("<a href=\"x\">&amp;</a>"),
		     "\"\\u003ca href=\\\"x\\\"\\u003e\\u0026amp;\\u003c/a\\u003e\"");
	expect_quote(S("\xe2\x80\xa8|\xe2\x80\xa9|\xe2\x80\xaa"),
		     "\"\\u2028|\\u2029|\xe2\x80\xaa\"");
	expect_quote(S("\x7f"), "\"\x7f\"");
	expect_quote(S("\xef\xbf\xbd"), "\"\xef\xbf\xbd\"");
	expect_quote(S("\xff"), "\"\\ufffd\"");
	expect_quote(S("x\xe2\x80"
		       "A"),
		     "\"x\\ufffd\\ufffdA\"");
	expect_quote(S("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");
	expect_quote(S("\xc0\xaf"), "\"\\ufffd\\ufffd\"");
	expect_quote(S("\xf4\x90\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	expect_quote(S("\xf0\x9f\x98"), "\"\\ufffd\\ufffd\\ufffd\"");
	expect_quote(S("end\xe2"), "\"end\\ufffd\"");
}

static void expect_member(const char *doc, const char *key, const char *want)
{
	size_t start = 0, len = 0;
	bool ok = json_text_member(doc, strlen(doc), key, &start, &len);
	if (!want) {
		CHECK(!ok, "member(%s, %s) found [%.*s]", doc, key, (int)len, doc + start);
		return;
	}
	CHECK(ok && len == strlen(want) && memcmp(doc + start, want, len) == 0,
	      "member(%s, %s) = %d [%.*s], want [%s]", doc, key, ok, (int)len, doc + start, want);
}

static void test_member(void)
{
	const char *doc = "{\"ID\":\"x\",\"Spec\":{\"a\":[1,{\"b\":\"}\"}]},\"z\":-1.5e3}";
	expect_member(doc, "Spec", "{\"a\":[1,{\"b\":\"}\"}]}");
	expect_member(doc, "ID", "\"x\"");
	expect_member(doc, "z", "-1.5e3");
	expect_member(doc, "a", NULL); /* nested, not top-level */
	expect_member(doc, "spec", NULL);
	expect_member(" { \"a\" : 12 , \"b\" : \"x\\\"y\" , \"c\" : [ ] } ", "a", "12");
	expect_member(" { \"a\" : 12 , \"b\" : \"x\\\"y\" , \"c\" : [ ] } ", "b", "\"x\\\"y\"");
	expect_member(" { \"a\" : 12 , \"b\" : \"x\\\"y\" , \"c\" : [ ] } ", "c", "[ ]");
	expect_member("{\"\\u0053pec\":true}", "Spec", "true");
	expect_member("{\"a\":1,\"a\":2}", "a", "2");
	expect_member("{\"\":5}", "", "5");
	expect_member("{\"a\\u0000\":1}", "a", NULL);
	expect_member("{\"\\ud83d\\ude00\":1}", "\xf0\x9f\x98\x80", "1");
	expect_member("{\"\\ud800\":1}", "\xef\xbf\xbd", "1");
	expect_member("{\"\\ud800x\":1}", "\xef\xbf\xbdx", "1");
	expect_member("{\"\\n\\t\\/\":null}", "\n\t/", "null");
	expect_member("{\"ab\":1}", "a", NULL);
	expect_member("{\"a\":1}", "ab", NULL);
	expect_member("{}", "a", NULL);
	expect_member("[{\"a\":1}]", "a", NULL);
	expect_member("\"a\"", "a", NULL);
	expect_member("{\"a\":1", "a", NULL);
	expect_member("{\"a\":1} x", "a", NULL);
	CHECK(json_text_member(S("{\"a\":1}"), "a", NULL, NULL), "NULL outputs");
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct strbuf sb = STRBUF_INIT;
	char buf[65536];
	size_t n;
	if (!f)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, n);
	fclose(f);
	return strbuf_detach(&sb, len);
}

/* The Spec value of every `ctr containers info` fixture is Go's Indent of its compact
 * form: what the store keeps and how it prints it. The whole document likewise. */
static int test_fixture(const char *path)
{
	size_t len, start, vlen, clen;
	char *doc = read_file(path, &len);
	char *c;
	struct strbuf sb = STRBUF_INIT;

	CHECK(doc != NULL, "read %s", path);
	if (!doc)
		return 0;
	CHECK(json_text_is_json(doc, len), "%s is JSON", path);
	CHECK(json_text_member(doc, len, "Spec", &start, &vlen), "%s has Spec", path);
	c = json_text_compact(doc + start, vlen, &clen);
	CHECK(c != NULL, "%s: compact Spec", path);
	CHECK(json_text_indent(&sb, c, clen, "    ", "    "), "%s: indent Spec", path);
	CHECK(sb.len == vlen && memcmp(sb.buf, doc + start, vlen) == 0,
	      "%s: indent(compact(Spec)) differs from the fixture", path);
	free(c);
	strbuf_release(&sb);

	c = json_text_compact(doc, len, &clen);
	CHECK(c != NULL, "%s: compact", path);
	CHECK(json_text_indent(&sb, c, clen, "", "    "), "%s: indent", path);
	strbuf_addc(&sb, '\n');
	CHECK(sb.len == len && memcmp(sb.buf, doc, len) == 0,
	      "%s: indent(compact(doc)) differs from the fixture", path);
	free(c);
	strbuf_release(&sb);
	free(doc);
	return 1;
}

static void test_fixtures(const char *dir)
{
	static const char *const namespaces[] = {"default", "k8s.io", "team-b"};
	int n = 0;

	for (size_t i = 0; i < 3; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, namespaces[i]);
		DIR *d = opendir(path);
		CHECK(d != NULL, "open %s", path);
		if (!d)
			continue;
		struct dirent *e;
		while ((e = readdir(d))) {
			size_t l = strlen(e->d_name);
			if (l < 10 || strcmp(e->d_name + l - 10, ".info.json") != 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s/%s", dir, namespaces[i], e->d_name);
			n += test_fixture(path);
		}
		closedir(d);
	}
	CHECK(n == 14, "%d fixtures checked, want 14", n);
}

/* Beyond CTRFS_JSON_NESTING_MAX levels, indent writes compact: output bounded by
 * len + tokens * (1 + len(prefix) + MAX * len(indent)), not by depth squared. */
static void test_indent_depth_cap(void)
{
	const size_t max = CTRFS_JSON_NESTING_MAX, deep = 5000;
	struct strbuf in = STRBUF_INIT, want = STRBUF_INIT, out = STRBUF_INIT;

	/* at the cap: exactly Go's output, every level on its own lines */
	for (size_t i = 0; i < max; i++)
		strbuf_addc(&in, '[');
	strbuf_addc(&in, '1');
	for (size_t i = 0; i < max; i++)
		strbuf_addc(&in, ']');
	for (size_t i = 0; i < max; i++) {
		strbuf_addc(&want, '[');
		strbuf_addc(&want, '\n');
		for (size_t j = 0; j <= i; j++)
			strbuf_addc(&want, ' ');
	}
	strbuf_addc(&want, '1');
	for (size_t i = max; i-- > 0;) {
		strbuf_addc(&want, '\n');
		for (size_t j = 0; j < i; j++)
			strbuf_addc(&want, ' ');
		strbuf_addc(&want, ']');
	}
	CHECK(json_text_indent(&out, in.buf, in.len, "", " "), "indent at the cap");
	CHECK(out.len == want.len && memcmp(out.buf, want.buf, want.len) == 0, "%s", out.buf);
	CHECK(json_text_depth(in.buf, in.len) == max, "depth %zu", json_text_depth(in.buf, in.len));

	/* one level more: the innermost array is written compact, on its parent's line */
	strbuf_release(&in);
	strbuf_release(&out);
	strbuf_adds(&in, "[");
	for (size_t i = 0; i < max; i++)
		strbuf_adds(&in, "{\"k\":");
	strbuf_adds(&in, "[1,2]");
	for (size_t i = 0; i < max; i++)
		strbuf_addc(&in, '}');
	strbuf_adds(&in, "]");
	CHECK(json_text_depth(in.buf, in.len) == max + 2, "depth");
	CHECK(json_text_indent(&out, in.buf, in.len, "", " "), "indent past the cap");
	CHECK(strstr(out.buf, "\"k\":[1,2]") && !strstr(out.buf, "\"k\": [1,2]"),
	      "the deepest object's member is compact: %s", out.buf + out.len - 200);
	CHECK(strstr(out.buf, "\"k\": {\"k\":[1,2]}") != NULL, "the cap level: %s",
	      out.buf + out.len - 200);
	size_t clen;
	char *c = json_text_compact(out.buf, out.len, &clen);
	CHECK(c && clen == in.len && memcmp(c, in.buf, clen) == 0, "same JSON");
	free(c);

	/* hostile depth: output grows linearly, not quadratically */
	strbuf_release(&in);
	strbuf_release(&out);
	for (size_t i = 0; i < deep; i++)
		strbuf_addc(&in, '[');
	for (size_t i = 0; i < deep; i++)
		strbuf_addc(&in, ']');
	CHECK(json_text_indent(&out, in.buf, in.len, "    ", "    "), "indent deep");
	CHECK(out.len < in.len + 2 * max * (1 + 4 + 4 * max), "%zu bytes for %zu", out.len, in.len);

	/* depth counts brackets outside strings only */
	CHECK(json_text_depth(S("\"[[[\"")) == 0, "in a string");
	CHECK(json_text_depth(S("[\"\\\"[\",{}]")) == 2, "escaped quote");
	CHECK(json_text_depth(S("1")) == 0, "scalar");
	strbuf_release(&in);
	strbuf_release(&want);
	strbuf_release(&out);
}

struct items {
	char got[8][32];
	size_t n;
};

static bool add_item(const char *item, size_t len, void *arg)
{
	struct items *it = arg;
	if (it->n == 8 || len >= sizeof(it->got[0]))
		return false;
	memcpy(it->got[it->n], item, len);
	it->got[it->n++][len] = 0;
	return true;
}

/* Each element's exact span: strings holding the delimiters, nesting, scalars closed by
 * the array's bracket, blanks around. */
static void test_array_items(void)
{
	const char doc[] = " [ \"a],\\\"{\" , {\"k\":[1,{}]},-1.5e3\n,true,[ ],null] ";
	static const char *const want[] = {
	    "\"a],\\\"{\"", "{\"k\":[1,{}]}", "-1.5e3", "true", "[ ]", "null"};
	struct items it = {0};
	CHECK(json_text_array_items(doc, strlen(doc), add_item, &it), "array walked");
	CHECK(it.n == 6, "%zu elements", it.n);
	for (size_t i = 0; i < it.n && i < 6; i++)
		CHECK_STR(it.got[i], want[i]);
	it.n = 0;
	CHECK(json_text_array_items(S(" [ ] "), add_item, &it) && it.n == 0, "empty array");
	CHECK(!json_text_array_items(S("{}"), add_item, &it), "an object is not an array");
}

int main(int argc, char **argv)
{
	const char *fixtures = argc > 1 ? argv[1] : getenv("CTRFS_FIXTURES");

	test_check();
	test_depth();
	test_indent_depth_cap();
	test_compact_indent();
	test_quote();
	test_member();
	test_array_items();
	if (fixtures)
		test_fixtures(fixtures);
	else
		fprintf(stderr, "no fixtures directory given: fixture checks skipped\n");
	if (check_report())
		return 1;
	return fixtures ? 0 : 77;
}

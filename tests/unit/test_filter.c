/* Unit test of the filter parser and matcher against containerd's behaviour. */
#include "filter.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* The corpus of containerd's pkg/filters TestFilters, with its adaptor. */
struct entry {
	const char *name;
	const char *other;
	const char *labels[4][2];
};

static const struct entry corpus[] = {
    {"foo", NULL, {{"foo", "true"}}},
    {"bar", NULL, {{NULL, NULL}}},
    {"foo", NULL, {{"foo", "present"}, {"more complex label", "present"}}},
    {"bar", NULL, {{"bar", "true"}}},
    {"fooer", NULL, {{"more complex label with \\ and \"", "present"}}},
    {"fooer", NULL, {{"more complex label with \\ and \".post", "present"}}},
    {"baz", "too complex, yo", {{NULL, NULL}}},
    {"bazo", "abc", {{NULL, NULL}}},
    {"compound", NULL, {{"foo", "omg_asdf.asdf-qwer"}}},
};
#define NCORPUS (sizeof(corpus) / sizeof(corpus[0]))
#define ALL ((1u << NCORPUS) - 1)

static bool entry_field(const void *obj, const char *const *path, size_t npath, const char **value)
{
	const struct entry *e = obj;
	if (npath == 0)
		return false;
	if (strcmp(path[0], "name") == 0) {
		*value = e->name;
		return e->name && *e->name;
	}
	if (strcmp(path[0], "other") == 0) {
		*value = e->other;
		return e->other && *e->other;
	}
	if (strcmp(path[0], "labels") == 0) {
		char key[256] = "";
		for (size_t i = 1; i < npath; i++) {
			if (i > 1)
				strcat(key, ".");
			strcat(key, path[i]);
		}
		for (size_t i = 0; i < 4 && e->labels[i][0]; i++) {
			if (strcmp(e->labels[i][0], key) == 0) {
				*value = e->labels[i][1];
				return true;
			}
		}
	}
	return false;
}

/* Which corpus entries the filter strings select, as a bit set; ~0u on a parse error. */
static unsigned select_n(const char *const *exprs, size_t n, ctrfs_error *err)
{
	ctrfs_filter *f;
	if (filter_parse(exprs, n, &f, err) != CTRFS_OK)
		return ~0u;
	unsigned got = 0;
	for (size_t i = 0; i < NCORPUS; i++)
		if (filter_match(f, entry_field, &corpus[i]))
			got |= 1u << i;
	filter_free(f);
	return got;
}

/* B(0, 2, 8): the set of those corpus entries */
#define B(...) bits(__VA_ARGS__, -1)

static unsigned bits(int first, ...)
{
	unsigned b = 0;
	va_list ap;
	va_start(ap, first);
	for (int i = first; i >= 0; i = va_arg(ap, int))
		b |= 1u << i;
	va_end(ap);
	return b;
}

static void expect(const char *expr, unsigned want)
{
	ctrfs_error err = {0};
	unsigned got = select_n(&expr, 1, &err);
	CHECK(got == want, "filter %s: got %#x, want %#x (%s)", expr, got, want,
	      got == ~0u ? err.text : "");
}

static void expect_err(const char *expr, const char *where_why)
{
	ctrfs_error err = {0};
	ctrfs_filter *f = NULL;
	char want[2048];
	snprintf(want, sizeof(want), "filters: parse error: %s: invalid argument", where_why);
	ctrfs_code code = filter_parse(&expr, 1, &f, &err);
	CHECK(code == CTRFS_INVALID_ARGUMENT, "filter %s: code %d", expr, code);
	CHECK(f == NULL, "filter %s: a filter despite the error", expr);
	CHECK(err.code == CTRFS_INVALID_ARGUMENT, "filter %s: err.code %d", expr, err.code);
	CHECK(strcmp(err.text, want) == 0, "filter %s:\n  got  %s\n  want %s", expr, err.text,
	      want);
	filter_free(f);
}

static void test_containerd_cases(void)
{
	expect("", ALL);
	expect("name", ALL);
	expect("labels.foo", B(0, 2, 8));
	expect("labels.foo,name", B(0, 2, 8));
	expect("labels.foo==true", B(0));
	expect("labels.foo==omg_asdf.asdf-qwer", B(8));
	expect("name==bar", B(1, 3));
	expect("name!=bar", B(0, 2, 4, 5, 6, 7, 8));
	expect("name==bar,labels.bar", B(3));
	expect("other==\"too complex, yo\"", B(6));
	expect("other~=[abc]+,name!=foo", B(6, 7));
	expect("other~=/[abc]+/,name!=foo", B(6, 7));
	expect("other~=/[abc]{1,2}/,name!=foo", B(6, 7));
	expect("other~=/[abc]{0,1}\"\\//,name!=foo", 0);
	expect("name==bar,labels.bar==true", B(3));
	expect("name==bar,labels.bar==wrong", 0);
	expect("name==foo,labels.\"more complex label\"", B(2));
	expect("labels.\"more complex label with \\\\ and \\\"\"==present", B(4));
	expect("labels.\"more complex label with \\\\ and \\\"\".post==present", B(5));

	expect_err("labels.|foo|==omg_asdf.asdf-qwer",
		   "[labels. >|||< foo|==omg_asdf.asdf-qwer]: invalid quote encountered");
	expect_err("labels.?\"more complex label with \\\\ and \\\"\".post==present",
		   "[labels. >|?|< \"more complex label with \\\\ and \\\"\".post==present]: "
		   "expected field or quoted");
	expect_err("name==foo,", "[name==foo,]: expected field or quoted");
	expect_err("labels.", "[labels.]: expected field or quoted");
	expect_err("image~=,id?=?fbaq", "[image~= >|,|< id?=?fbaq]: expected value or quoted");
	expect_err("labels.ns/key==value",
		   "[labels.ns >|/|< key==value]: quoted literal not terminated");
	expect_err("labels.key==/value",
		   "[labels.key== >|/|< value]: quoted literal not terminated");
}

static void test_operators_and_absence(void)
{
	/* present: only non-empty fields are present in this adaptor */
	expect("other", B(6, 7));
	/* ==: the field must be present, so "" never equals an absent field */
	expect("other==abc", B(7));
	expect("other==\"\"", 0);
	/* !=: compares "" for an absent field */
	expect("other!=abc", ALL & ~B(7));
	expect("other!=\"\"", B(6, 7));
	expect("labels.foo!=true", ALL & ~B(0));
	expect("nosuchfield!=x", ALL);
	expect("nosuchfield==\"\"", 0);
	/* ~=: runs on "" for an absent field */
	expect("other~=^$", ALL & ~B(6, 7));
	expect("other~=\"\"", ALL);
	expect("nosuchfield~=/./", 0);
	/* a value cannot start with a separator: "." needs quoting */
	expect_err("nosuchfield~=.", "[nosuchfield~= >|.|< ]: expected value or quoted");
	/* unanchored */
	expect("name~=oo", B(0, 2, 4, 5));
	expect("name~=^foo$", B(0, 2));
	expect("name~=o$", B(0, 2, 7));
	expect("name~=\"fo+\"", B(0, 2, 4, 5));
	expect("name~=/^ba/", B(1, 3, 6, 7));
	expect("name~=|^ba|", B(1, 3, 6, 7));
	/* \| escapes the delimiter: the pattern is "^z|^c" */
	expect("name~=|^z\\|^c|", B(8));
	expect("name~=/o\\/x/", 0);
	expect("name~=(?i)^FOO", B(0, 2, 4, 5));
}

static void test_and_or(void)
{
	ctrfs_error err;
	const char *or2[] = {"name==bar", "name==baz"};
	CHECK(select_n(or2, 2, &err) == B(1, 3, 6), "OR of two filters");
	const char *or_empty[] = {"name==nothing", ""};
	CHECK(select_n(or_empty, 2, &err) == ALL, "an empty filter string matches all");
	const char *or_null[] = {"name==nothing", NULL};
	CHECK(select_n(or_null, 2, &err) == ALL, "a NULL filter string is the empty one");
	CHECK(select_n(NULL, 0, &err) == ALL, "no filters match all");
	const char *or_bad[] = {"name==foo", "name=bar"};
	CHECK(select_n(or_bad, 2, &err) == ~0u &&
		  strcmp(err.text, "filters: parse error: [name >|=|< bar]: unsupported "
				   "operator \"=\": invalid argument") == 0,
	      "an error in any filter string fails: %s", err.text);
	expect("name==foo,labels.foo==present", B(2));
	expect("name~=o,name~=e", B(4, 5));
	expect("name,other,labels.foo", 0);
}

static void test_whitespace(void)
{
	expect("  name  ==  foo,  labels.  foo==true", B(0));
	expect(" name", ALL);
	expect("name\t!=\tbar", B(0, 2, 4, 5, 6, 7, 8));
	/* whitespace before ',' or at the end is not skipped */
	expect_err("name==foo ", "[name==foo >| |< ]: unexpected input:  ");
	expect_err("name==foo ,other", "[name==foo >| |< ,other]: unexpected input:  ");
	expect_err("name ", "[name ]: expected an operator (\"==\"|\"!=\"|\"~=\")");
	expect_err(" ", "[ ]: expected field or quoted");
	expect_err("labels .foo",
		   "[labels  >|.|< foo]: expected an operator (\"==\"|\"!=\"|\"~=\")");
	/* U+00A0 is white space to Go; the marker holds one byte, as containerd's */
	expect_err("name==foo\xc2\xa0", "[name==foo >|\xc2|< \xa0]: unexpected input: \xc2\xa0");
}

static void test_parse_errors(void)
{
	expect_err("id==", "[id==]: expected value or quoted");
	expect_err("==foo", "[ >|=|< =foo]: expected field or quoted");
	expect_err("id=foo", "[id >|=|< foo]: unsupported operator \"=\"");
	expect_err("id===foo", "[id >|=|< ==foo]: unsupported operator \"===\"");
	expect_err("id!", "[id >|!|< ]: unsupported operator \"!\"");
	expect_err("labels.\"unterminated",
		   "[labels. >|\"|< unterminated]: quoted literal not terminated");
	/* Go's regexp.Compile errors, word for word */
	expect_err("id~=(", "[id~= >|(|< ]: error parsing regexp: missing closing ): `(`");
	expect_err("id~=/a(/", "[id~= >|/|< a(/]: error parsing regexp: missing closing ): `a(`");
	expect_err("id~=/(?=a)/",
		   "[id~= >|/|< (?=a)/]: error parsing regexp: invalid or unsupported Perl "
		   "syntax: `(?=`");
	expect_err("id~=a{1001}", "[id~= >|a|< {1001}]: error parsing regexp: invalid repeat "
				  "count: `{1001}`");
	expect_err("id~=a\\C", "[id~= >|a|< \\C]: error parsing regexp: invalid escape "
			       "sequence: `\\C`");
	expect_err("id==a,", "[id==a,]: expected field or quoted");
	expect_err("id==a,,b", "[id==a, >|,|< b]: expected field or quoted");
	expect_err("\"id\"x", "[\"id\" >|x|< ]: expected an operator (\"==\"|\"!=\"|\"~=\")");
	expect_err("id==/x/", "[id== >|/|< x/]: invalid quote encountered");
	expect_err("id==\"a\\q\"", "[id== >|\"|< a\\q\"]: illegal escape sequence");
	expect_err("id==\"\\x4\"", "[id== >|\"|< \\x4\"]: illegal numeric escape sequence");
	expect_err("id==\"\\400\"", "[id== >|\"|< \\400\"]: unquoting failed: quote syntax error");
	expect_err("id==\"\\U00110000\"",
		   "[id== >|\"|< \\U00110000\"]: unquoting failed: quote syntax error");
	expect_err("id~=/a\\\"/", "[id~= >|/|< a\\\"/]: illegal escape sequence");
	expect_err("id==\"a\nb\"", "[id== >|\"|< a\nb\"]: quoted literal not terminated");
	/* the first scanner error sticks: the bad byte is met before the end */
	expect_err("id==\"a\xff", "[id== >|\"|< a\xff]: rune error");
	expect_err("\xffid", "[ >|\xff|< id]: rune error");
	expect_err("id==a\xff", "[id==a >|\xff|< ]: unexpected input: \xef\xbf\xbd");
	/* an encoded U+FFFD is as illegal to Go's scanner as a bad byte */
	expect_err("id==\xef\xbf\xbd", "[id== >|\xef|< \xbf\xbd]: rune error");
	/* U+200B is a format character, not graphic: it ends a value */
	expect_err("id==a\xe2\x80\x8b",
		   "[id==a >|\xe2|< \x80\x8b]: unexpected input: \xe2\x80\x8b");
	/* containerd 1.6's fields have no '-': the parser wants an operator there */
	expect_err("labels.a-b/c==y",
		   "[labels.a >|-|< b/c==y]: expected an operator (\"==\"|\"!=\"|\"~=\")");
	expect_err("labels.a-b/c",
		   "[labels.a >|-|< b/c]: expected an operator (\"==\"|\"!=\"|\"~=\")");
	expect_err("labels.1-x==y",
		   "[labels.1 >|-|< x==y]: expected an operator (\"==\"|\"!=\"|\"~=\")");

	/* a pattern that is not UTF-8 is refused as Go refuses it */
	ctrfs_error err = {0};
	ctrfs_filter *f;
	const char *bad = "id~=\"\\xff\"";
	CHECK(filter_parse(&bad, 1, &f, &err) == CTRFS_INVALID_ARGUMENT &&
		  strcmp(err.text,
			 "filters: parse error: [id~= >|\"|< \\xff\"]: error parsing regexp: "
			 "invalid UTF-8: `\xff`: invalid argument") == 0,
	      "%s", err.text);
	/* err may be NULL */
	CHECK(filter_parse(&bad, 1, &f, NULL) == CTRFS_INVALID_ARGUMENT, "no err");
}

static void test_values(void)
{
	/* unquoted values run to ',' or white space and may hold what fields may not */
	expect("labels.foo==omg_asdf.asdf-qwer,name==compound", B(8));
	expect("name==foo=", 0);
	expect("name==f\"oo", 0);
	/* the first rune after the operator is taken whatever it is */
	expect("name==\x01", 0);
	expect("name==caf\xc3\xa9", 0);
	expect("name==\xe6\x97\xa5\xe2\x82\xac", 0);
	/* a NUL from an escape never equals a C string */
	expect("name==\"foo\\x00\"", 0);
	expect("name!=\"foo\\000\"", ALL);
	expect("labels.\"foo\\x00\"", 0);
	expect("labels.\"foo\\x00\"!=true", ALL);
	expect("name==\"\\x66\\157\\u006f\"", B(0, 2));
	expect("name==\"\\U00000066oo\"", B(0, 2));
}

/* An object with one field, `v`, and labels given as key/value pairs. */
struct one {
	const char *v;
	const char *const *labels;
};

static bool one_field(const void *obj, const char *const *path, size_t npath, const char **value)
{
	const struct one *o = obj;
	if (npath == 1 && strcmp(path[0], "v") == 0) {
		*value = o->v;
		return true;
	}
	if (npath >= 1 && strcmp(path[0], "labels") == 0 && o->labels) {
		char key[256] = "";
		for (size_t i = 1; i < npath; i++) {
			if (i > 1)
				strcat(key, ".");
			strcat(key, path[i]);
		}
		for (size_t i = 0; o->labels[i]; i += 2) {
			if (strcmp(o->labels[i], key) == 0) {
				*value = o->labels[i + 1];
				return true;
			}
		}
	}
	return false;
}

static bool one_match(const char *expr, const char *v, const char *const *labels)
{
	ctrfs_error err = {0};
	ctrfs_filter *f;
	struct one o = {v, labels};
	bool parsed = filter_parse(&expr, 1, &f, &err) == CTRFS_OK;
	CHECK(parsed, "unexpected parse error: %s", err.text);
	if (!parsed)
		return false;
	bool m = filter_match(f, one_field, &o);
	filter_free(f);
	return m;
}

static void test_escapes_and_paths(void)
{
	static const char *const labels[] = {
	    "a.b",
	    "x",
	    "a-b/c",
	    "y",
	    "esc",
	    "\a\b\f\n\r\t\v\\\"|/",
	    "uni",
	    "\xc3\xa9\xf0\x9f\x98\x80\x01"
	    "A",
	    "bin",
	    "\xff",
	    "sur",
	    "\xef\xbf\xbd",
	    "",
	    "emptykey",
	    "1-x",
	    "digits",
	    NULL,
	};
	CHECK(one_match("labels.a.b==x", NULL, labels), "labels.a.b");
	CHECK(one_match("labels.\"a.b\"==x", NULL, labels), "labels.\"a.b\"");
	CHECK(one_match("labels.\"a\".\"b\"==x", NULL, labels), "labels.\"a\".\"b\"");
	CHECK(one_match("labels.\"a-b/c\"==y", NULL, labels), "labels.\"a-b/c\"");
	CHECK(one_match("labels.\"1-x\"==digits", NULL, labels), "a quoted field holds '-'");
	CHECK(one_match("labels==emptykey", NULL, labels), "labels alone is the key \"\"");
	CHECK(one_match("labels.esc==\"\\a\\b\\f\\n\\r\\t\\v\\\\\\\"|/\"", NULL, labels),
	      "simple escapes");
	CHECK(one_match("labels.uni==\"\\u00e9\\U0001F600\\x01\\101\"", NULL, labels),
	      "\\u \\U \\x and octal escapes");
	CHECK(one_match("labels.uni==\"\xc3\xa9\xf0\x9f\x98\x80\\001A\"", NULL, labels),
	      "raw UTF-8 in quotes");
	CHECK(one_match("labels.bin==\"\\xff\"", NULL, labels), "\\xff is one byte");
	CHECK(one_match("labels.sur==\"\\ud800\"", NULL, labels), "a surrogate becomes U+FFFD");
	CHECK(one_match("labels.esc~=\"\\n\\r\"", NULL, labels), "escapes in a regexp string");
	CHECK(one_match("labels.esc~=/[|]\\//", NULL, labels), "\\/ in /.../");

	/* Go's $ is the end of the text, not before a final newline */
	CHECK(!one_match("v~=a$", "a\n", NULL), "$ before a final newline");
	CHECK(one_match("v~=(?m)a$", "a\n", NULL), "(?m)$");
	CHECK(!one_match("v~=a.b", "a\nb", NULL), ". does not match newline");
	CHECK(one_match("v~=a.b",
			"a\xc3\xa9"
			"b",
			NULL),
	      ". matches one rune");
	CHECK(one_match("v~=^\\p{Greek}+$", "\xce\xb1\xce\xb2", NULL), "Unicode classes");
	CHECK(one_match("v~=b",
			"\xff"
			"b",
			NULL),
	      "a subject with invalid UTF-8");
	CHECK(one_match("v==\"\"", "", NULL), "present and empty equals \"\"");
	CHECK(one_match("v", "", NULL), "present and empty is present");
	/* linear time: a pattern that makes backtracking engines explode is just no match */
	CHECK(!one_match("v~=^(a|aa)*(a|aa)*(a|aa)*(a|aa)*(a|aa)*(a|aa)*(a|aa)*b",
			 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL),
	      "catastrophic pattern");
}

static void test_container(void)
{
	ctrfs_label items[] = {
	    {"a-b/c", "y"},
	    {"a.b", "x"},
	    {"empty", ""},
	};
	ctrfs_container c = {0};
	c.id = "redis";
	c.image = "docker.io/library/redis:7";
	c.runtime_name = "io.containerd.runc.v2";
	c.labels.items = items;
	c.labels.count = 3;
	ctrfs_container bare = {0};
	bare.id = "bare";
	bare.image = "";

	static const struct {
		const char *expr;
		bool c, bare;
	} cases[] = {
	    {"id==redis", true, false},
	    {"id", true, true},
	    {"id.anything==redis", true, false},
	    {"image", true, false},
	    {"image~=redis", true, false},
	    {"image!=\"\"", true, false},
	    {"image==\"\"", false, false},
	    {"runtime.name==io.containerd.runc.v2", true, false},
	    {"runtime.name", true, false},
	    {"runtime", false, false},
	    {"runtime.options", false, false},
	    {"runtime.name.x~=runc", true, false},
	    {"labels.a.b==x", true, false},
	    {"labels.\"a.b\"==x", true, false},
	    {"labels.\"a-b/c\"==y", true, false},
	    {"labels.empty", true, false},
	    {"labels.empty==\"\"", true, false},
	    {"labels.missing", false, false},
	    {"labels.missing!=x", true, true},
	    {"labels", false, false},
	    {"snapshotter", false, false},
	    {"id==redis,labels.a.b==x", true, false},
	    {"id~=^(redis|bare)$", true, true},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ctrfs_error err = {0};
		ctrfs_filter *f;
		if (filter_parse(&cases[i].expr, 1, &f, &err) != CTRFS_OK) {
			CHECK(false, "%s: %s", cases[i].expr, err.text);
			continue;
		}
		CHECK(filter_match(f, filter_container_field, &c) == cases[i].c, "%s on redis",
		      cases[i].expr);
		CHECK(filter_match(f, filter_container_field, &bare) == cases[i].bare, "%s on bare",
		      cases[i].expr);
		filter_free(f);
	}
}

int main(void)
{
	test_containerd_cases();
	test_operators_and_absence();
	test_and_or();
	test_whitespace();
	test_parse_errors();
	test_values();
	test_escapes_and_paths();
	test_container();
	return check_report();
}

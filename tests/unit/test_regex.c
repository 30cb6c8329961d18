/* Unit test of store/regex: Go's regexp.Compile syntax (what it accepts, what it refuses
 * and in which words) and Go's matching, incl. invalid UTF-8 in the subject. The
 * expectations are Go 1.19's (containerd 1.6.20 is built with it): every case was run
 * through Go 1.19.8's regexp.Compile and MatchString, which agree with this table. */
#include "regex.h"

#include <stdio.h>
#include <string.h>

#include "check.h"

struct syntax_case {
	const char *pattern;
	const char *error; /* NULL: accepted; else Go's error (without "error parsing regexp: ") */
};

static const struct syntax_case syntax_cases[] = {
    /* accepted: RE2 syntax as Go documents it */
    {"", NULL},
    {"a", NULL},
    {"abc|def", NULL},
    {"a|", NULL},
    {"()", NULL},
    {"(|a)", NULL},
    {".", NULL},
    {"^a$", NULL},
    {"a*", NULL},
    {"a+", NULL},
    {"a?", NULL},
    {"a*?", NULL},
    {"a+?", NULL},
    {"a??", NULL},
    {"a{2}", NULL},
    {"a{2,}", NULL},
    {"a{2,5}", NULL},
    {"a{2,5}?", NULL},
    {"a{1000}", NULL},
    {"a{2,1000}", NULL},
    {"a{,5}", NULL}, /* not a repeat: literal text */
    {"a{", NULL},
    {"(a)", NULL},
    {"(?:a)", NULL},
    {"(?P<name>x)", NULL},
    {"(?P<n1>a)(?P<n2>b)", NULL},
    {"(?i)a", NULL},
    {"(?s).", NULL},
    {"(?m)^a$", NULL},
    {"(?U)a+", NULL},
    {"(?i:a)b", NULL},
    {"(?i-s)a.", NULL},
    {"(?-i)a", NULL},
    {"(?ims)a", NULL},
    {"[a-z]", NULL},
    {"[^a]", NULL},
    {"[]a]", NULL},
    {"[a-]", NULL},
    {"[-a]", NULL},
    {"[[:alpha:]]", NULL},
    {"[[:^alpha:]]", NULL},
    {"[[:word:]]", NULL},
    {"[\\d\\s]", NULL},
    {"\\pL", NULL},
    {"\\PL", NULL},
    {"\\p{L}", NULL},
    {"\\p{^L}", NULL},
    {"\\p{Greek}", NULL},
    {"\\pN\\pP", NULL},
    {"\\d\\D\\s\\S\\w\\W", NULL},
    {"\\b\\B", NULL},
    {"\\A\\z", NULL},
    {"\\Q.*+?\\E", NULL},
    {"\\Q\\C\\E", NULL}, /* \C quoted is two literal characters */
    {"\\x41", NULL},
    {"\\x{263a}", NULL},
    {"\\x{10FFFF}", NULL},
    {"\\123", NULL},
    {"\\0", NULL},
    {"\\a\\f\\t\\n\\r\\v", NULL},
    {"\\.\\-\\_\\*\\\\", NULL},
    {"é+", NULL},
    {"[é-ü]", NULL},
    {"(a{2}){3}", NULL},
    {"x*y*z*", NULL},
    {"\\\\C", NULL}, /* an escaped backslash, then C */
    /* refused: what Go does not have */
    {"(?=a)", "invalid or unsupported Perl syntax: `(?=`"},
    {"(?!a)", "invalid or unsupported Perl syntax: `(?!`"},
    {"(?<=a)b", "invalid or unsupported Perl syntax: `(?<`"},
    {"(?<!a)b", "invalid or unsupported Perl syntax: `(?<`"},
    {"(?>a)", "invalid or unsupported Perl syntax: `(?>`"},
    {"(?#comment)", "invalid or unsupported Perl syntax: `(?#`"},
    {"(?z)a", "invalid or unsupported Perl syntax: `(?z`"},
    {"(?<n>x)", "invalid or unsupported Perl syntax: `(?<`"},
    {"(?P=n)", "invalid or unsupported Perl syntax: `(?P`"},
    {"(?P<>a)", "invalid named capture: `(?P<>`"},
    {"(?P<a-b>x)", "invalid named capture: `(?P<a-b>`"},
    {"(a)\\1", "invalid escape sequence: `\\1`"},
    {"\\8", "invalid escape sequence: `\\8`"},
    {"a++", "invalid nested repetition operator: `++`"},
    {"a*+", "invalid nested repetition operator: `*+`"},
    {"a?+", "invalid nested repetition operator: `?+`"},
    {"a**", "invalid nested repetition operator: `**`"},
    {"a{2}{3}", "invalid nested repetition operator: `{2}{3}`"},
    {"a{1001}", "invalid repeat count: `{1001}`"},
    {"a{2,1001}", "invalid repeat count: `{2,1001}`"},
    {"a{1001,}", "invalid repeat count: `{1001,}`"},
    {"a{5,2}", "invalid repeat count: `{5,2}`"},
    {"\\Z", "invalid escape sequence: `\\Z`"},
    {"a\\C", "invalid escape sequence: `\\C`"},
    {"[\\C]", "invalid escape sequence: `\\C`"},
    {"\\R", "invalid escape sequence: `\\R`"},
    {"\\X", "invalid escape sequence: `\\X`"},
    {"\\h", "invalid escape sequence: `\\h`"},
    {"\\K", "invalid escape sequence: `\\K`"},
    {"\\G", "invalid escape sequence: `\\G`"},
    {"\\e", "invalid escape sequence: `\\e`"},
    {"\\cA", "invalid escape sequence: `\\c`"},
    {"\\o{12}", "invalid escape sequence: `\\o`"},
    {"\\N{DIGIT ONE}", "invalid escape sequence: `\\N`"},
    {"\\ca", "invalid escape sequence: `\\c`"},
    {"(", "missing closing ): `(`"},
    {"((", "missing closing ): `((`"},
    {"(a", "missing closing ): `(a`"},
    {")", "unexpected ): `)`"},
    {"a)", "unexpected ): `a)`"},
    {"[a", "missing closing ]: `[a`"},
    {"[", "missing closing ]: `[`"},
    {"*", "missing argument to repetition operator: `*`"},
    {"+a", "missing argument to repetition operator: `+`"},
    {"?", "missing argument to repetition operator: `?`"},
    {"(*)", "missing argument to repetition operator: `*`"},
    {"a|*", "missing argument to repetition operator: `*`"},
    {"\\", "trailing backslash at end of expression: ``"},
    {"a\\", "trailing backslash at end of expression: ``"},
    {"[z-a]", "invalid character class range: `z-a`"},
    {"\\p{Foo}", "invalid character class range: `\\p{Foo}`"},
    {"[[:foo:]]", "invalid character class range: `[:foo:]`"},
    {"\\x{110000}", "invalid escape sequence: `\\x{110000`"},
    {"\\xZ", "invalid escape sequence: `\\xZ`"},
    {"a\xff", "invalid UTF-8: `\xff`"},
};

struct match_case {
	const char *pattern;
	const char *subject;
	size_t len; /* 0: strlen(subject) */
	bool match;
};

static const struct match_case match_cases[] = {
    {"", "", 0, true},
    {"", "abc", 0, true},
    {"b", "abc", 0, true}, /* unanchored */
    {"^b", "abc", 0, false},
    /* \s is [\t\n\f\r ]: no vertical tab (PCRE2's takes it); [[:space:]] does */
    {"\\s", "\v", 0, false},
    {"\\s", "\f", 0, true},
    {"\\s", "\t", 0, true},
    {"\\s", "\xc2\xa0", 0, false}, /* no U+00A0 either */
    {"[[:space:]]", "\v", 0, true},
    {"\\v", "\v", 0, true},
    /* each invalid UTF-8 byte is one character, U+FFFD */
    {"^.$", "\xff", 0, true},
    {"^.$", "\xff\xfe", 0, false},
    {"^..$", "\xff\xfe", 0, true},
    {"^\\x{FFFD}$", "\xff", 0, true},
    {"^\\x{FFFD}$", "\xef\xbf\xbd", 0, true},
    {"^[^a]$", "\x80", 0, true},
    {"^..$", "\xe2\x82", 0, true}, /* a cut 3-byte sequence is two bad bytes */
    {"^.$", "\xe2\x82\xac", 0, true},
    {"^a.b$",
     "a\xc0\xaf"
     "b",
     0, false}, /* overlong: two characters */
    {"^a..b$",
     "a\xc0\xaf"
     "b",
     0, true},
    {"^.$", "\xed\xa0\x80", 0, false}, /* a surrogate: three bad bytes */
    {"^...$", "\xed\xa0\x80", 0, true},
    {"\\xff", "\xff", 0, false}, /* \xff is U+00FF, not the byte */
    {"\\xff", "\xc3\xbf", 0, true},
    /* flags */
    {"(?i)abc", "xABCx", 0, true},
    {"abc", "ABC", 0, false},
    {"(?i)k", "\xe2\x84\xaa", 0, true}, /* Kelvin sign folds to k */
    {"(?i)stra\xc3\x9f"
     "e",
     "STRASSE", 0, false},
    {"(?s)a.b", "a\nb", 0, true},
    {"a.b", "a\nb", 0, false},
    {"a$", "a\n", 0, false}, /* $ is the end of the text */
    {"(?m)a$", "a\nb", 0, true},
    {"(?m)^b", "a\nb", 0, true},
    {"(?U)a+$", "aaa", 0, true},
    /* classes */
    {"^\\pL$", "\xc3\xa9", 0, true},
    {"^\\pL$", "1", 0, false},
    {"^\\p{Greek}+$", "\xce\xb1\xce\xb2", 0, true},
    {"[[:alpha:]]", "\xc3\xa9", 0, false}, /* ASCII only */
    {"\\w", "\xc3\xa9", 0, false},
    {"\\d", "\xd9\xa3", 0, false}, /* ARABIC-INDIC DIGIT THREE */
    {"^\\pN$", "\xd9\xa3", 0, true},
    {"\\bfoo\\b", "a foo b", 0, true},
    {"\\bfoo\\b", "foobar", 0, false},
    {"\\b", "\xc3\xa9", 0, false},
    {"\\Q.*\\E", "a.*b", 0, true},
    {"\\Q.*\\E", "ab", 0, false},
    {"(?P<n>x)", "x", 0, true},
    {"^a{2,1000}$", "aa", 0, true},
    {"^a{2,1000}$", "a", 0, false},
    {"^\\\\C$", "\\C", 0, true},
    {"^\\Q\\C\\E$", "\\C", 0, true},
    /* a subject longer than any backtracking engine would survive for this pattern */
    {"(a*)*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0,
     false},
};

int main(void)
{
	size_t refused = 0;
	for (size_t i = 0; i < sizeof(syntax_cases) / sizeof(*syntax_cases); i++) {
		const struct syntax_case *c = &syntax_cases[i];
		ctrfs_regex *re = NULL;
		char why[512] = "";
		enum regex_status st =
		    regex_compile(c->pattern, strlen(c->pattern), &re, why, sizeof(why));
		if (!c->error) {
			CHECK(st == REGEX_OK && re, "`%s` should compile: %s", c->pattern, why);
		} else {
			refused++;
			CHECK(st == REGEX_SYNTAX && !re, "`%s` should be refused", c->pattern);
			CHECK(st != REGEX_SYNTAX || strcmp(why, c->error) == 0,
			      "`%s`: got \"%s\", want \"%s\"", c->pattern, why, c->error);
		}
		regex_free(re);
	}
	for (size_t i = 0; i < sizeof(match_cases) / sizeof(*match_cases); i++) {
		const struct match_case *c = &match_cases[i];
		ctrfs_regex *re = NULL;
		char why[512] = "";
		if (regex_compile(c->pattern, strlen(c->pattern), &re, why, sizeof(why)) !=
		    REGEX_OK) {
			CHECK(false, "`%s` does not compile: %s", c->pattern, why);
			continue;
		}
		size_t len = c->len ? c->len : strlen(c->subject);
		CHECK(regex_match(re, c->subject, len) == c->match, "`%s` on case %zu: want %s",
		      c->pattern, i, c->match ? "a match" : "no match");
		regex_free(re);
	}
	/* a NUL byte inside the subject is a character like any other */
	ctrfs_regex *re = NULL;
	char why[64];
	CHECK(regex_compile("^a\\x00b$", 8, &re, why, sizeof(why)) == REGEX_OK, "%s", why);
	CHECK(re && regex_match(re, "a\0b", 3), "NUL in the subject");
	regex_free(re);
	printf("%zu syntax cases (%zu refused), %zu match cases\n",
	       sizeof(syntax_cases) / sizeof(*syntax_cases), refused,
	       sizeof(match_cases) / sizeof(*match_cases));
	return check_report();
}

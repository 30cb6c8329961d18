/* Unit test of store/goquote: Go's %q (strconv.Quote), byte for byte. */
#include "goquote.h"

#include <stdio.h>
#include <string.h>

#include "check.h"

static const struct {
	const char *in;
	const char *want;
} cases[] = {
    {"", "\"\""},
    {"abc", "\"abc\""},
    {"a b", "\"a b\""},
    {"\"q\"\\", "\"\\\"q\\\"\\\\\""},
    {"\a\b\f\n\r\t\v", "\"\\a\\b\\f\\n\\r\\t\\v\""},
    {"\x01\x1f\x7f", "\"\\x01\\x1f\\x7f\""},
    {"\xff", "\"\\xff\""},		     /* a byte that is not UTF-8 */
    {"a\xe2\x82", "\"a\\xe2\\x82\""},	     /* a cut sequence: each byte */
    {"\xc2\xa0", "\"\\u00a0\""},	     /* NO-BREAK SPACE: not printable */
    {"\xe2\x80\x8b", "\"\\u200b\""},	     /* ZERO WIDTH SPACE */
    {"\xef\xbb\xbf", "\"\\ufeff\""},	     /* BYTE ORDER MARK */
    {"\xc2\x85", "\"\\u0085\""},	     /* a C1 control */
    {"\xc2\xad", "\"\\u00ad\""},	     /* SOFT HYPHEN */
    {"\xe2\x80\xa8", "\"\\u2028\""},	     /* LINE SEPARATOR */
    {"\xe3\x80\x80", "\"\\u3000\""},	     /* IDEOGRAPHIC SPACE */
    {"\xf3\xa0\x80\x81", "\"\\U000e0001\""}, /* LANGUAGE TAG */
    {"\xef\xbf\xbd", "\"\xef\xbf\xbd\""},    /* U+FFFD itself is printable */
    {"h\xc3\xa9llo \xe2\x9c\x93", "\"h\xc3\xa9llo \xe2\x9c\x93\""},
    {"\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\""}, /* an emoji */
    {"\xce\xb1\xce\xb2", "\"\xce\xb1\xce\xb2\""},
};

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		CHECK(strcmp(GOQ(cases[i].in), cases[i].want) == 0, "case %zu: got %s want %s", i,
		      GOQ(cases[i].in), cases[i].want);
	CHECK(strcmp(GOQ(NULL), "\"\"") == 0, "NULL");
	/* a long value is cut at a rune boundary and still ends in a quote */
	char big[2000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	const char *q = GOQ(big);
	size_t n = strlen(q);
	CHECK(n < GO_QUOTED_MAX && n > 400 && strcmp(q + n - 4, "...\"") == 0, "cut: %zu", n);
	return check_report();
}

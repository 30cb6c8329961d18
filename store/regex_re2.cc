/* regex.h through RE2, which is what Go's regexp follows: same syntax, linear-time
 * matching. What RE2 does differently from Go is corrected here, each case named. */
#include "regex.h"

#include <cstdio>
#include <new>
#include <string>

#include <re2/re2.h>

#include "runes.h"

struct ctrfs_regex {
	re2::RE2 *re;
};

/* Go's regexp/syntax ErrorCode texts, for RE2's codes (the two share their origin). */
static const char *go_reason(re2::RE2::ErrorCode code)
{
	switch (code) {
	case re2::RE2::ErrorBadEscape:
		return "invalid escape sequence";
	case re2::RE2::ErrorBadCharClass:
		return "invalid character class";
	case re2::RE2::ErrorBadCharRange:
		return "invalid character class range";
	case re2::RE2::ErrorMissingBracket:
		return "missing closing ]";
	case re2::RE2::ErrorMissingParen:
		return "missing closing )";
	case re2::RE2::ErrorUnexpectedParen:
		return "unexpected )";
	case re2::RE2::ErrorTrailingBackslash:
		return "trailing backslash at end of expression";
	case re2::RE2::ErrorRepeatArgument:
		return "missing argument to repetition operator";
	case re2::RE2::ErrorRepeatSize:
		return "invalid repeat count";
	case re2::RE2::ErrorRepeatOp:
		return "invalid nested repetition operator";
	case re2::RE2::ErrorBadPerlOp:
		return "invalid or unsupported Perl syntax";
	case re2::RE2::ErrorBadUTF8:
		return "invalid UTF-8";
	case re2::RE2::ErrorBadNamedCapture:
		return "invalid named capture";
	case re2::RE2::ErrorPatternTooLarge:
		return "expression too large";
	default:
		return "regexp/syntax: internal error";
	}
}

static void set_why(char *why, size_t size, const char *reason, const std::string &expr)
{
	if (size)
		snprintf(why, size, "%s: `%s`", reason, expr.c_str());
}

/* RE2 takes \C (any byte) where Go refuses it: find one outside \Q...\E. Go reads
 * left to right too, so an error before the \C in the pattern is reported here as
 * the \C (the pattern is refused either way). */
static bool has_backslash_c(const char *p, size_t n)
{
	bool quoted = false;
	for (size_t i = 0; i + 1 < n; i++) {
		if (p[i] != '\\')
			continue;
		char c = p[++i];
		if (quoted)
			quoted = c != 'E';
		else if (c == 'Q')
			quoted = true;
		else if (c == 'C')
			return true;
	}
	return false;
}

static size_t first_invalid_byte(const char *p, size_t n)
{
	size_t i = 0, w;
	while (i < n &&
	       !(runes_decode((const unsigned char *)p + i, n - i, &w) == RUNE_ERROR && w == 1))
		i += w;
	return i;
}

extern "C" enum regex_status regex_compile(const char *pattern, size_t len, ctrfs_regex **out,
					   char *why, size_t why_size)
{
	*out = nullptr;
	/* Go checks the encoding before anything else and names the rest of the pattern
	 * from the bad byte (RE2 names nothing) */
	size_t bad = first_invalid_byte(pattern, len);
	if (bad < len) {
		set_why(why, why_size, "invalid UTF-8", std::string(pattern + bad, len - bad));
		return REGEX_SYNTAX;
	}
	if (has_backslash_c(pattern, len)) {
		set_why(why, why_size, "invalid escape sequence", "\\C");
		return REGEX_SYNTAX;
	}
	/* RE2's defaults are Go's regexp.Compile (syntax.Perl): UTF-8, Perl classes and
	 * \b, leftmost-first, '.' not matching "\n", '$' only at the end of the text */
	re2::RE2::Options opts;
	opts.set_log_errors(false);
	opts.set_never_capture(true); /* only whether it matches is asked */
	re2::RE2 *re;
	try {
		re = new re2::RE2(re2::StringPiece(pattern, len), opts);
	} catch (const std::bad_alloc &) {
		return REGEX_NOMEM;
	}
	if (!re->ok()) {
		set_why(why, why_size, go_reason(re->error_code()), re->error_arg());
		delete re;
		return REGEX_SYNTAX;
	}
	ctrfs_regex *r = new (std::nothrow) ctrfs_regex;
	if (!r) {
		delete re;
		return REGEX_NOMEM;
	}
	r->re = re;
	*out = r;
	return REGEX_OK;
}

/* RE2 sees an invalid byte as matching nothing but itself (no '.', no [^a]); Go sees
 * U+FFFD. Writing U+FFFD for each such byte makes RE2 see what Go sees. */
static bool sanitize(const char *s, size_t n, std::string &out)
{
	size_t i = 0, w;
	while (i < n && runes_decode((const unsigned char *)s + i, n - i, &w) != RUNE_ERROR)
		i += w;
	if (i == n)
		return false;
	out.assign(s, i);
	while (i < n) {
		int32_t r = runes_decode((const unsigned char *)s + i, n - i, &w);
		if (r == RUNE_ERROR && w == 1)
			out.append("\xEF\xBF\xBD");
		else
			out.append(s + i, w);
		i += w;
	}
	return true;
}

extern "C" bool regex_match(const ctrfs_regex *r, const char *subject, size_t len)
{
	try {
		std::string fixed;
		if (sanitize(subject, len, fixed))
			return re2::RE2::PartialMatch(fixed, *r->re);
		return re2::RE2::PartialMatch(re2::StringPiece(subject, len), *r->re);
	} catch (const std::bad_alloc &) {
		return false; /* out of memory: counted as no match, as nothing can report it */
	}
}

extern "C" void regex_free(ctrfs_regex *r)
{
	if (!r)
		return;
	delete r->re;
	delete r;
}

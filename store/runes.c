/* Runes as Go sees them (see runes.h). */
#include "runes.h"

#include <pthread.h>

#include "regex.h"

int32_t runes_decode(const unsigned char *s, size_t n, size_t *width)
{
	if (n == 0) {
		*width = 0;
		return RUNE_ERROR;
	}
	unsigned char c = s[0];
	if (c < 0x80) {
		*width = 1;
		return c;
	}
	size_t need;
	unsigned char lo = 0x80, hi = 0xBF;
	int32_t r;
	if (c >= 0xC2 && c <= 0xDF) {
		need = 2;
		r = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 3;
		r = c & 0x0F;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F; /* no surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 4;
		r = c & 0x07;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else {
		*width = 1;
		return RUNE_ERROR;
	}
	if (n < need || s[1] < lo || s[1] > hi) {
		*width = 1;
		return RUNE_ERROR;
	}
	r = (r << 6) | (s[1] & 0x3F);
	for (size_t i = 2; i < need; i++) {
		if (s[i] < 0x80 || s[i] > 0xBF) {
			*width = 1;
			return RUNE_ERROR;
		}
		r = (r << 6) | (s[i] & 0x3F);
	}
	*width = need;
	return r;
}

size_t runes_encode(int32_t r, char *buf)
{
	uint32_t u = (uint32_t)r;
	if (r < 0 || u > 0x10FFFF || (u >= 0xD800 && u <= 0xDFFF))
		u = RUNE_ERROR;
	if (u < 0x80) {
		buf[0] = (char)u;
		return 1;
	}
	if (u < 0x800) {
		buf[0] = (char)(0xC0 | (u >> 6));
		buf[1] = (char)(0x80 | (u & 0x3F));
		return 2;
	}
	if (u < 0x10000) {
		buf[0] = (char)(0xE0 | (u >> 12));
		buf[1] = (char)(0x80 | ((u >> 6) & 0x3F));
		buf[2] = (char)(0x80 | (u & 0x3F));
		return 3;
	}
	buf[0] = (char)(0xF0 | (u >> 18));
	buf[1] = (char)(0x80 | ((u >> 12) & 0x3F));
	buf[2] = (char)(0x80 | ((u >> 6) & 0x3F));
	buf[3] = (char)(0x80 | (u & 0x3F));
	return 4;
}

bool runes_is_space(int32_t r)
{
	switch (r) {
	case '\t':
	case '\n':
	case '\v':
	case '\f':
	case '\r':
	case ' ':
	case 0x85:
	case 0xA0:
	case 0x1680:
	case 0x2028:
	case 0x2029:
	case 0x202F:
	case 0x205F:
	case 0x3000:
		return true;
	}
	return r >= 0x2000 && r <= 0x200A;
}

/* Unicode category Zs, a short fixed list. */
static bool space_separator(int32_t r)
{
	return r == ' ' || r == 0xA0 || r == 0x1680 || (r >= 0x2000 && r <= 0x200A) ||
	       r == 0x202F || r == 0x205F || r == 0x3000;
}

/* The categories beyond Latin-1 come from RE2's tables, through one pattern made once. */
static pthread_once_t graphic_once = PTHREAD_ONCE_INIT;
static ctrfs_regex *graphic_re;

static void graphic_init(void)
{
	static const char pat[] = "\\A[\\pL\\pM\\pN\\pP\\pS\\p{Zs}]\\z";
	char why[128];
	if (regex_compile(pat, sizeof(pat) - 1, &graphic_re, why, sizeof(why)) != REGEX_OK)
		graphic_re = NULL;
}

/* Freed at exit so that leak checkers see a clean process. */
__attribute__((destructor)) static void graphic_fini(void)
{
	regex_free(graphic_re);
	graphic_re = NULL;
}

bool runes_is_graphic(int32_t r)
{
	if (r < 0x80)
		return r >= 0x20 && r < 0x7F;
	if (r <= 0xFF)
		return r >= 0xA0 && r != 0xAD; /* C1 controls and the soft hyphen are not */
	if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF))
		return false;
	pthread_once(&graphic_once, graphic_init);
	if (!graphic_re)
		return true; /* no memory for the tables: take the rune, as most are graphic */
	char buf[4];
	size_t n = runes_encode(r, buf);
	return regex_match(graphic_re, buf, n);
}

bool runes_is_print(int32_t r)
{
	return r == ' ' || (!space_separator(r) && runes_is_graphic(r));
}

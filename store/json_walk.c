/* JSON text already known to be valid, walked without parsing it: an object's member
 * (json_text_member) and an array's elements (json_text_array_items), found by their
 * ends only. */
#include "json_text.h"

#include <string.h>

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static size_t skip_space(const char *s, size_t len, size_t i)
{
	while (i < len && is_space((unsigned char)s[i]))
		i++;
	return i;
}

/* i is at an opening quote; returns the index after the closing one. */
static size_t string_end(const char *s, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return len;
}

/* i is at the first byte of a value; returns the index after its last byte. */
static size_t value_end(const char *s, size_t len, size_t i)
{
	size_t depth = 0;

	if (i >= len)
		return len;
	if (s[i] == '"')
		return string_end(s, len, i);
	if (s[i] != '{' && s[i] != '[') {
		while (i < len && !is_space((unsigned char)s[i]) && s[i] != ',' && s[i] != '}' &&
		       s[i] != ']')
			i++;
		return i;
	}
	while (i < len) {
		char c = s[i];
		if (c == '"') {
			i = string_end(s, len, i);
			continue;
		}
		if (c == '{' || c == '[')
			depth++;
		else if ((c == '}' || c == ']') && --depth == 0)
			return i + 1;
		i++;
	}
	return len;
}

static unsigned hex4(const char *p)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		unsigned char c = (unsigned char)p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else
			v |= c - 'A' + 10;
	}
	return v;
}

static size_t utf8_encode(unsigned cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Does the body of a valid string literal, [p, p+n), decode to key[0..klen)? Escapes
 * decode as Go's unquote does: a \u surrogate that does not pair becomes U+FFFD. */
static bool key_equals(const char *p, size_t n, const char *key, size_t klen)
{
	size_t k = 0;

	for (size_t i = 0; i < n;) {
		char buf[4];
		size_t m;

		if (p[i] != '\\') {
			if (k == klen || p[i] != key[k])
				return false;
			i++;
			k++;
			continue;
		}
		if (i + 1 >= n)
			return false;
		if (p[i + 1] != 'u') {
			const char *from = "bfnrt", *to = "\b\f\n\r\t";
			const char *e = strchr(from, p[i + 1]);
			buf[0] = e ? to[e - from] : p[i + 1];
			m = 1;
			i += 2;
		} else {
			unsigned cp;
			if (i + 6 > n)
				return false;
			cp = hex4(p + i + 2);
			i += 6;
			if (cp >= 0xd800 && cp < 0xe000) {
				unsigned lo = 0;
				if (cp < 0xdc00 && i + 6 <= n && p[i] == '\\' && p[i + 1] == 'u')
					lo = hex4(p + i + 2);
				if (lo >= 0xdc00 && lo < 0xe000) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					i += 6;
				} else {
					cp = 0xfffd;
				}
			}
			m = utf8_encode(cp, buf);
		}
		if (klen - k < m || memcmp(buf, key + k, m) != 0)
			return false;
		k += m;
	}
	return k == klen;
}

bool json_text_member(const char *s, size_t len, const char *key, size_t *start, size_t *vlen)
{
	size_t klen = strlen(key);
	bool found = false;
	size_t i;

	if (!json_text_is_json(s, len))
		return false;
	i = skip_space(s, len, 0);
	if (i >= len || s[i] != '{')
		return false;
	i = skip_space(s, len, i + 1);
	while (i < len && s[i] == '"') {
		size_t kstart = i, kend = string_end(s, len, i), vstart, vend;

		i = skip_space(s, len, kend);
		i = skip_space(s, len, i + 1); /* the ':' */
		vstart = i;
		vend = value_end(s, len, vstart);
		if (key_equals(s + kstart + 1, kend - kstart - 2, key, klen)) {
			found = true;
			if (start)
				*start = vstart;
			if (vlen)
				*vlen = vend - vstart;
		}
		i = skip_space(s, len, vend);
		if (i < len && s[i] == ',')
			i = skip_space(s, len, i + 1);
	}
	return found;
}

bool json_text_array_items(const char *s, size_t len,
			   bool (*fn)(const char *item, size_t ilen, void *arg), void *arg)
{
	size_t i = skip_space(s, len, 0);
	if (i >= len || s[i] != '[')
		return false;
	i = skip_space(s, len, i + 1);
	if (i < len && s[i] == ']')
		return true;
	while (i < len) {
		size_t end = value_end(s, len, i);
		if (!fn(s + i, end - i, arg))
			return false;
		i = skip_space(s, len, end);
		if (i >= len || s[i] != ',')
			break;
		i = skip_space(s, len, i + 1);
	}
	return i < len && s[i] == ']';
}

/* Base64 as Go's base64.StdEncoding. */
#include "base64.h"

#include <stdint.h>
#include <stdlib.h>

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *base64_encode(const void *data, size_t len, size_t *outlen)
{
	const unsigned char *p = data;
	size_t n = (len + 2) / 3 * 4, o = 0;
	char *out;

	if (len > (SIZE_MAX - 1) / 4 * 3)
		return NULL;
	out = malloc(n + 1);
	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		size_t rest = len - i;
		uint32_t v = (uint32_t)p[i] << 16;
		if (rest > 1)
			v |= (uint32_t)p[i + 1] << 8;
		if (rest > 2)
			v |= p[i + 2];
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = rest > 1 ? alphabet[(v >> 6) & 63] : '=';
		out[o++] = rest > 2 ? alphabet[v & 63] : '=';
	}
	out[o] = '\0';
	if (outlen)
		*outlen = o;
	return out;
}

static int digit(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Go skips newlines anywhere, so the rules below apply to the input with them taken
 * out: whole quanta of four, the last of which may end in "==" or "=", nothing after.
 */
bool base64_decode(const char *s, size_t len, unsigned char **out, size_t *outlen)
{
	size_t chars = 0, pad = 0, o = 0, q = 0;
	uint32_t acc = 0;
	unsigned char *buf;

	*out = NULL;
	*outlen = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n' || c == '\r')
			continue;
		if (c == '=') {
			pad++;
		} else if (pad || digit(c) < 0) {
			return false;
		}
		chars++;
	}
	if (chars % 4 != 0 || pad > 2)
		return false;
	buf = malloc(chars / 4 * 3 + 1);
	if (!buf)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n' || c == '\r' || c == '=')
			continue;
		acc = acc << 6 | (uint32_t)digit(c);
		if (++q == 4) {
			buf[o++] = (unsigned char)(acc >> 16);
			buf[o++] = (unsigned char)(acc >> 8);
			buf[o++] = (unsigned char)acc;
			acc = 0;
			q = 0;
		}
	}
	/* the last quantum: "xx==" gives one byte, "xxx=" two */
	if (q == 2) {
		buf[o++] = (unsigned char)(acc >> 4);
	} else if (q == 3) {
		buf[o++] = (unsigned char)(acc >> 10);
		buf[o++] = (unsigned char)(acc >> 2);
	}
	*out = buf;
	*outlen = o;
	return true;
}

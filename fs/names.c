/* File names for label keys and extension names: a reversible percent-escaping. */
#include "names.h"

#include <stdlib.h>
#include <string.h>

static const char hex[] = "0123456789ABCDEF";

static bool must_escape(const char *key, size_t i, size_t len)
{
	char c = key[i];
	/* a leading '.' and a trailing '~' are what swap and backup files look like */
	return c == '%' || c == '/' || (i == 0 && c == '.') || (i == len - 1 && c == '~');
}

char *names_encode(const char *key)
{
	size_t len = strlen(key), n = 0;
	if (!len)
		return strdup("%");
	char *out = malloc(3 * len + 1);
	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)key[i];
		if (must_escape(key, i, len)) {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		} else {
			out[n++] = (char)c;
		}
	}
	out[n] = '\0';
	return out;
}

static int hexval(char c)
{
	const char *p = c ? strchr(hex, c) : NULL;
	return p ? (int)(p - hex) : -1; /* lowercase is not canonical */
}

bool names_decode(const char *name, char **key)
{
	size_t len = strlen(name), n = 0;
	*key = NULL;
	if (!len)
		return false;
	char *out = malloc(len + 1);
	if (!out)
		return false;
	if (strcmp(name, "%") != 0) {
		for (size_t i = 0; i < len; i++) {
			if (name[i] != '%') {
				out[n++] = name[i];
				continue;
			}
			/* hexval('\0') < 0, so neither read goes past the end */
			int hi = hexval(name[i + 1]);
			int lo = hi >= 0 ? hexval(name[i + 2]) : -1;
			if (lo < 0 || (hi == 0 && lo == 0)) {
				free(out);
				return false;
			}
			out[n++] = (char)(hi << 4 | lo);
			i += 2;
		}
	}
	out[n] = '\0';
	/* one name per key: anything but the canonical spelling is some other file */
	char *canon = names_encode(out);
	bool ok = canon && strcmp(canon, name) == 0;
	free(canon);
	if (!ok) {
		free(out);
		return false;
	}
	*key = out;
	return true;
}

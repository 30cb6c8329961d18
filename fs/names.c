/* File names for label keys and extension names: a reversible percent-escaping. */
#include "names.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char hex[] = "0123456789ABCDEF";

/* "%%" and 16 hex digits end a shortened name. */
#define LONG_TAIL 18

/* The long keys shown so far, in a ring: the oldest goes first. Bounded, as a
 * hostile store may hold any number of them (at most NAMES_LONG_KEPT x 4 KiB). */
static pthread_mutex_t long_lock = PTHREAD_MUTEX_INITIALIZER;
static struct long_key {
	uint64_t hash;
	char *key;
} long_keys[NAMES_LONG_KEPT];
static size_t long_next;

/* FNV-1a: not a defence against a store built to collide (whoever writes the store
 * can change any key anyway), only a short unique-looking tail. */
static uint64_t key_hash(const char *key)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 0x100000001b3ull;
	return h;
}

static void remember_long(const char *key, uint64_t hash)
{
	pthread_mutex_lock(&long_lock);
	for (size_t i = 0; i < NAMES_LONG_KEPT && long_keys[i].key; i++) {
		if (long_keys[i].hash == hash && strcmp(long_keys[i].key, key) == 0) {
			pthread_mutex_unlock(&long_lock);
			return;
		}
	}
	char *copy = strdup(key);
	if (copy) {
		struct long_key *k = &long_keys[long_next];
		free(k->key);
		k->key = copy;
		k->hash = hash;
		long_next = (long_next + 1) % NAMES_LONG_KEPT;
	}
	pthread_mutex_unlock(&long_lock);
}

static char *encode(const char *key, bool remember);

/* The remembered key whose shortened name is `name`, malloc'd; NULL when none. */
static char *recall_long(const char *name, size_t len)
{
	uint64_t hash = 0;
	if (len <= LONG_TAIL || len > NAMES_MAX || name[len - LONG_TAIL] != '%' ||
	    name[len - LONG_TAIL + 1] != '%')
		return NULL;
	for (const char *p = name + len - 16; *p; p++) {
		const char *d = strchr(hex, *p);
		if (!d)
			return NULL;
		hash = hash << 4 | (uint64_t)(d - hex);
	}
	char *key = NULL;
	pthread_mutex_lock(&long_lock);
	for (size_t i = 0; i < NAMES_LONG_KEPT && long_keys[i].key && !key; i++)
		if (long_keys[i].hash == hash)
			key = strdup(long_keys[i].key);
	pthread_mutex_unlock(&long_lock);
	/* the prefix must be the key's too */
	char *canon = key ? encode(key, false) : NULL;
	if (!canon || strcmp(canon, name) != 0) {
		free(key);
		key = NULL;
	}
	free(canon);
	return key;
}

/* Shortens a name longer than NAMES_MAX (see names.h) in place; `out` has room. */
static void shorten(char *out, const char *key, bool remember)
{
	size_t n = NAMES_MAX - LONG_TAIL;
	/* not inside a %XX */
	if (out[n - 1] == '%')
		n -= 1;
	else if (out[n - 2] == '%')
		n -= 2;
	uint64_t hash = key_hash(key);
	snprintf(out + n, LONG_TAIL + 1, "%%%%%016llX", (unsigned long long)hash);
	if (remember)
		remember_long(key, hash);
}

static bool must_escape(const char *key, size_t i, size_t len)
{
	char c = key[i];
	/* a leading '.' and a trailing '~' are what swap and backup files look like */
	return c == '%' || c == '/' || (i == 0 && c == '.') || (i == len - 1 && c == '~');
}

/* The name of a key; `remember` a shortened one (a name shown, not one checked). */
static char *encode(const char *key, bool remember)
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
	if (n > NAMES_MAX)
		shorten(out, key, remember);
	return out;
}

char *names_encode(const char *key)
{
	return encode(key, true);
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
	if ((*key = recall_long(name, len)))
		return true;
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
	char *canon = encode(out, false);
	bool ok = canon && strcmp(canon, name) == 0;
	free(canon);
	if (!ok) {
		free(out);
		return false;
	}
	*key = out;
	return true;
}

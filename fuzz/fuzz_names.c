/* libFuzzer target: the file-name escaping of keys round-trips and names one key once. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"

/* Not assert(): the invariants must hold in every build, NDEBUG or not. */
#define REQUIRE(cond)                                                                              \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

/* Any key: its name is a valid file name, not a dot or backup name, and decodes back. */
static void check_key(const char *key)
{
	char *name = names_encode(key), *back;
	REQUIRE(name);
	size_t len = strlen(name);
	REQUIRE(len > 0 && !strchr(name, '/'));
	REQUIRE(name[0] != '.' && name[len - 1] != '~');
	REQUIRE(strcmp(name, ".") != 0 && strcmp(name, "..") != 0);
	REQUIRE(names_decode(name, &back));
	REQUIRE(strcmp(back, key) == 0);
	free(back);
	free(name);
}

/* Any name: if it stands for a key, it is that key's one name. */
static void check_name(const char *name)
{
	char *key;
	if (!names_decode(name, &key)) {
		REQUIRE(key == NULL);
		return;
	}
	char *again = names_encode(key);
	REQUIRE(again && strcmp(again, name) == 0);
	free(again);
	free(key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0'; /* keys and names end at the first NUL, as in C */
	check_key(s);
	if (!strchr(s, '/') && *s)
		check_name(s);
	free(s);
	return 0;
}

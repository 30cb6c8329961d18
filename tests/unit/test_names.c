/* fs/names.c: the file names of label keys and extension names (percent-escaping). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "names.h"

/* encode gives `name`, and `name` decodes back to the key */
static void expect_name(const char *key, const char *name)
{
	char *got = names_encode(key), *back = NULL;
	CHECK(got && strcmp(got, name) == 0, "encode(%s) = %s, want %s", key, got, name);
	CHECK(names_decode(name, &back) && back && strcmp(back, key) == 0,
	      "decode(%s) = %s, want %s", name, back, key);
	free(got);
	free(back);
}

/* `name` is the name of no key */
static void expect_not_a_key(const char *name)
{
	char *key = (char *)"unset";
	CHECK(!names_decode(name, &key) && key == NULL, "decode(%s) = %s, want none", name, key);
	free(key);
}

static void test_examples(void)
{
	expect_name("", "%");
	expect_name(".", "%2E");
	expect_name("..", "%2E.");
	expect_name("a/b", "a%2Fb");
	expect_name("x~", "x%7E");
	expect_name("100%", "100%25");
	expect_name("a.b~c", "a.b~c");
	expect_name("io.kubernetes.pod/name", "io.kubernetes.pod%2Fname");
}

/* Every byte alone, first, inside and last in a key: the unsafe ones escaped where they
 * are unsafe, each key back from its name. */
static void test_every_byte(void)
{
	static const char hex[] = "0123456789ABCDEF";
	for (int b = 1; b < 256; b++) {
		char esc[4] = {'%', hex[b >> 4], hex[b & 15], 0}, raw[2] = {(char)b, 0};
		bool always = b == '%' || b == '/';
		char key[8], want[16];
		/* alone: first and last at once */
		snprintf(key, sizeof(key), "%s", raw);
		expect_name(key, always || b == '.' || b == '~' ? esc : raw);
		snprintf(key, sizeof(key), "%sa", raw);
		snprintf(want, sizeof(want), "%sa", always || b == '.' ? esc : raw);
		expect_name(key, want);
		snprintf(key, sizeof(key), "a%sa", raw);
		snprintf(want, sizeof(want), "a%sa", always ? esc : raw);
		expect_name(key, want);
		snprintf(key, sizeof(key), "a%s", raw);
		snprintf(want, sizeof(want), "a%s", always || b == '~' ? esc : raw);
		expect_name(key, want);
	}
}

/* One name per key: other spellings are scratch files, never keys. */
static void test_only_canonical_names(void)
{
	expect_not_a_key("");
	expect_not_a_key("%41");  /* "A" needs no escape */
	expect_not_a_key("%2e");  /* lowercase hex */
	expect_not_a_key(".swp"); /* a leading '.' must be escaped */
	expect_not_a_key("image~");
	expect_not_a_key("%00"); /* no NUL in a key */
	expect_not_a_key("%%");
	expect_not_a_key("a%4");
	expect_not_a_key("a%");
	expect_not_a_key("a%G0");
}

/* A key whose name would pass NAMES_MAX gets a shortened name that names it once
 * shown; a shortened name never shown names nothing. */
static void test_long_keys(void)
{
	size_t n = NAMES_MAX + 100;
	char *key = malloc(n + 1), *other = malloc(n + 1), *back = NULL;
	memset(key, 'k', n);
	key[n] = 0;
	/* a '/' where the cut falls: never cut inside a %XX */
	key[NAMES_MAX - 19] = '/';
	memcpy(other, key, n + 1);
	other[n - 1] = 'z';
	char *name = names_encode(key);
	CHECK(name && strlen(name) <= NAMES_MAX, "long name %zu bytes", name ? strlen(name) : 0);
	CHECK(name && strstr(name, "%%") && !strstr(name, "%2F%%"), "shortened: %.40s...",
	      name ? name + NAMES_MAX - 40 : "");
	CHECK(names_decode(name, &back) && back && strcmp(back, key) == 0, "long key back");
	free(back);
	back = NULL;
	/* the same prefix, another key: another name */
	char *name2 = names_encode(other);
	CHECK(name2 && strcmp(name, name2) != 0, "two long keys, one name");
	CHECK(names_decode(name2, &back) && back && strcmp(back, other) == 0, "second long key");
	free(back);
	back = NULL;
	/* a tail no key was shown with */
	name2[strlen(name2) - 1] = name2[strlen(name2) - 1] == '0' ? '1' : '0';
	expect_not_a_key(name2);
	free(name);
	free(name2);
	free(key);
	free(other);
}

int main(void)
{
	test_examples();
	test_every_byte();
	test_only_canonical_names();
	test_long_keys();
	return check_report();
}

/* fs/commit_map.c: which store call a file's text stands for, and with which value. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "commit_map.h"

static struct fspath fpath(enum node_kind kind, enum field field)
{
	struct fspath fp = {.kind = kind, .field = field, .ns = "default", .id = "c1"};
	fp.key = (char *)"app";
	return fp;
}

static void test_kinds(void)
{
	static const struct {
		enum node_kind kind;
		enum field field;
		enum write_kind want;
	} cases[] = {
	    {NODE_LABEL, 0, WRITE_LABEL},
	    {NODE_NS_LABEL, 0, WRITE_NS_LABEL},
	    {NODE_EXTENSION, 0, WRITE_EXTENSION},
	    {NODE_FIELD, FIELD_IMAGE, WRITE_IMAGE},
	    {NODE_FIELD, FIELD_SNAPSHOT_KEY, WRITE_SNAPSHOT_KEY},
	    {NODE_FIELD, FIELD_SPEC_JSON, WRITE_SPEC},
	    {NODE_FIELD, FIELD_CONTAINER_JSON, WRITE_INFO},
	    /* immutable: no update stands for them */
	    {NODE_FIELD, FIELD_SNAPSHOTTER, WRITE_NONE},
	    {NODE_FIELD, FIELD_CREATED_AT, WRITE_NONE},
	    {NODE_FIELD, FIELD_RUNTIME_NAME, WRITE_NONE},
	    {NODE_FIELD, FIELD_RUNTIME_OPTIONS, WRITE_NONE},
	    {NODE_CTR, 0, WRITE_NONE},
	    {NODE_CRI_FILE, 0, WRITE_NONE},
	    {NODE_EVENTS, 0, WRITE_NONE},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fspath fp = fpath(cases[i].kind, cases[i].field);
		CHECK(write_kind_of(&fp) == cases[i].want, "case %zu: kind %d, want %d", i,
		      write_kind_of(&fp), cases[i].want);
	}
}

static void expect_value(const char *text, size_t len, const char *want)
{
	char *v = (char *)"unset";
	CHECK(write_value(text, len, &v) == 0, "write_value(%.*s)", (int)len, text);
	CHECK_STR(v, want);
	free(v);
}

/* A value file's value: the text less one trailing "\n" (as echo writes it). */
static void test_values(void)
{
	expect_value("web\n", 4, "web");
	expect_value("web", 3, "web");
	expect_value("a\n\n", 3, "a\n");
	expect_value("\n", 1, "");
	expect_value("", 0, "");
	expect_value(" x \r\n", 5, " x \r");
	char *v = (char *)"unset";
	CHECK(write_value("a\0b\n", 4, &v) == -EINVAL && !v, "a NUL byte is no value");
	CHECK(write_value("a\n\0", 3, &v) == -EINVAL, "a NUL byte after the newline");
	CHECK(write_value(NULL, 0, &v) == 0 && !v, "no text, no value");
}

/* spec.json and extensions: the store's text forms, picked by the kind. */
static void test_any_values(void)
{
	ctrfs_any out = {0};
	ctrfs_error err;
	bool incomplete = true;
	const char ext[] =
	    "{\n    \"type_url\": \"example.com/x\",\n    \"json\": {\"a\": [1, 2]}\n}\n";
	CHECK(write_any(WRITE_EXTENSION, ext, sizeof(ext) - 1, NULL, &out, &incomplete, &err) == 0,
	      "extension text: %s", err.text);
	CHECK(!incomplete, "complete text said incomplete");
	CHECK_STR(out.type_url, "example.com/x");
	CHECK(out.value_len == 11 && memcmp(out.value, "{\"a\":[1,2]}", 11) == 0,
	      "extension bytes compact: %.*s", (int)out.value_len, (char *)out.value);
	/* the same text as a spec: an object, so a spec (JSON bytes, the spec's type) */
	CHECK(write_any(WRITE_SPEC, ext, sizeof(ext) - 1, NULL, &out, &incomplete, &err) == 0,
	      "spec text: %s", err.text);
	CHECK_STR(out.type_url, CTRFS_SPEC_TYPE_URL);
	CHECK(out.value_len > 11 && memcmp(out.value, "{\"type_url\":", 12) == 0,
	      "spec bytes: %.*s", (int)out.value_len, (char *)out.value);
	/* an Any's members only */
	CHECK(write_any(WRITE_EXTENSION, "{\"typeurl\":\"x\"}", 15, NULL, &out, &incomplete,
			&err) == CTRFS_INVALID_ARGUMENT &&
		  !incomplete,
	      "unknown member accepted");
	CHECK_STR(err.text, "unknown field \"typeurl\"");
	CHECK(write_any(WRITE_SPEC, "{\"a\": [", 7, NULL, &out, &incomplete, &err) ==
		      CTRFS_INVALID_ARGUMENT &&
		  incomplete,
	      "a JSON prefix is incomplete");
	CHECK(write_any(WRITE_SPEC, "\"s\"", 3, NULL, &out, &incomplete, &err) ==
		  CTRFS_INVALID_ARGUMENT,
	      "a string spec accepted");
	CHECK_STR(err.text, "the OCI runtime spec must be a JSON object");
	ctrfs_any_clear(&out);
}

int main(void)
{
	test_kinds();
	test_values();
	test_any_values();
	return check_report();
}

/* The store's typed, field-scoped calls (ctrfs_container_set_label, _set_image, ...):
 * what each stores, the one event it logs, and what each refuses, writing nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrfs_store.h"

#include "check.h"
#include "scratch_store.h"

static ctrfs_store *s;

static uint64_t last_seq(void)
{
	uint64_t seq = 0;
	ctrfs_error err;
	CHECK(ctrfs_events_last_seq(s, &seq, &err) == CTRFS_OK, "last seq: %s", err.text);
	return seq;
}

static ctrfs_container get(const char *id)
{
	ctrfs_container c = {0};
	ctrfs_error err;
	CHECK(ctrfs_container_get(s, "default", id, CTRFS_LOAD_ALL, &c, &err) == CTRFS_OK,
	      "get %s: %s", id, err.text);
	return c;
}

static void make(const char *id, const char *snapshotter)
{
	ctrfs_container c = {.id = (char *)id,
			     .runtime_name = (char *)"io.containerd.runc.v2",
			     .snapshotter = (char *)snapshotter};
	ctrfs_error err;
	CHECK(ctrfs_spec_default("default", id, &c.spec, &err) == CTRFS_OK, "spec: %s", err.text);
	c.has_spec = true;
	CHECK(ctrfs_labels_set(&c.labels, "keep", "me") == CTRFS_OK, "label");
	CHECK(ctrfs_container_create(s, "default", &c, NULL, &err) == CTRFS_OK, "create %s: %s", id,
	      err.text);
	ctrfs_any_clear(&c.spec);
	ctrfs_labels_clear(&c.labels);
}

/* A refusal: `code`, a message naming `needle`, nothing written (no event). */
static void expect_refused(ctrfs_code got, const ctrfs_error *err, uint64_t seq_before,
			   ctrfs_code code, const char *needle)
{
	CHECK(got == code, "code %s, want %s (%s)", ctrfs_code_name(got), ctrfs_code_name(code),
	      err->text);
	CHECK(strstr(err->text, needle), "message \"%s\" lacks \"%s\"", err->text, needle);
	CHECK(last_seq() == seq_before, "a refusal logged an event");
}

static void test_field_paths(void)
{
	char *l = ctrfs_field_path_label("io.k8s/name"), *e = ctrfs_field_path_extension("x.y");
	CHECK_STR(l, "labels.io.k8s/name");
	CHECK_STR(e, "extensions.x.y");
	free(l);
	free(e);
}

static void test_set_and_remove_label(void)
{
	ctrfs_container up = {0}, c;
	ctrfs_error err;
	uint64_t seq = last_seq();
	CHECK(ctrfs_container_set_label(s, "default", "c1", "app", "web", NULL, &up, &err) == 0,
	      "set label: %s", err.text);
	CHECK_STR(ctrfs_labels_get(&up.labels, "app"), "web");
	CHECK_STR(ctrfs_labels_get(&up.labels, "keep"), "me"); /* the other labels stay */
	CHECK(last_seq() == seq + 1, "one event per call");
	ctrfs_container_clear(&up);
	CHECK(ctrfs_container_remove_label(s, "default", "c1", "app", NULL, NULL, &err) == 0,
	      "remove label: %s", err.text);
	c = get("c1");
	CHECK(!ctrfs_labels_get(&c.labels, "app") && ctrfs_labels_get(&c.labels, "keep"),
	      "removed only app");
	ctrfs_container_clear(&c);
	/* an empty value removes too (containerd: no empty label is kept) */
	ctrfs_container_set_label(s, "default", "c1", "tmp", "x", NULL, NULL, &err);
	CHECK(ctrfs_container_set_label(s, "default", "c1", "tmp", "", NULL, NULL, &err) == 0,
	      "empty value: %s", err.text);
	c = get("c1");
	CHECK(!ctrfs_labels_get(&c.labels, "tmp"), "empty label kept");
	ctrfs_container_clear(&c);
}

static void test_set_labels_is_one_update(void)
{
	ctrfs_labels l = {0};
	ctrfs_error err;
	ctrfs_labels_set(&l, "a", "1");
	ctrfs_labels_set(&l, "b", "2");
	ctrfs_labels_set(&l, "keep", ""); /* removes */
	uint64_t seq = last_seq();
	ctrfs_container up = {0};
	CHECK(ctrfs_container_set_labels(s, "default", "c1", &l, NULL, &up, &err) == 0,
	      "set labels: %s", err.text);
	CHECK(last_seq() == seq + 1, "one event for all labels");
	CHECK(up.labels.count == 2 && ctrfs_labels_get(&up.labels, "a") &&
		  ctrfs_labels_get(&up.labels, "b"),
	      "labels a and b only, %zu", up.labels.count);
	ctrfs_container_clear(&up);
	ctrfs_labels_clear(&l);
	ctrfs_container_set_label(s, "default", "c1", "keep", "me", NULL, NULL, &err);
}

static void test_text_fields(void)
{
	ctrfs_container up = {0}, c;
	ctrfs_error err;
	CHECK(ctrfs_container_set_image(s, "default", "c1", "docker.io/library/nginx:1", NULL, &up,
					&err) == 0,
	      "set image: %s", err.text);
	CHECK_STR(up.image, "docker.io/library/nginx:1");
	ctrfs_container_clear(&up);
	CHECK(ctrfs_container_set_snapshot_key(s, "default", "c1", "snap-1", NULL, NULL, &err) == 0,
	      "set snapshot key: %s", err.text);
	c = get("c1");
	CHECK_STR(c.snapshot_key, "snap-1");
	CHECK_STR(c.image, "docker.io/library/nginx:1"); /* one field at a time */
	ctrfs_container_clear(&c);
	CHECK(ctrfs_container_set_image(s, "default", "c1", NULL, NULL, NULL, &err) == 0,
	      "clear image: %s", err.text);
	c = get("c1");
	CHECK(!c.image || !*c.image, "image cleared: %s", c.image);
	ctrfs_container_clear(&c);
}

static void test_spec_and_extension(void)
{
	ctrfs_any spec = {0}, ext = {0};
	ctrfs_error err;
	bool incomplete;
	CHECK(ctrfs_spec_from_text("{ \"ociVersion\": \"1.1.0\" }\n", 26, NULL, &spec, &incomplete,
				   &err) == 0,
	      "spec text: %s", err.text);
	CHECK(ctrfs_container_set_spec(s, "default", "c1", &spec, NULL, NULL, &err) == 0,
	      "set spec: %s", err.text);
	ctrfs_container c = get("c1");
	CHECK(c.spec.value_len == 22 && memcmp(c.spec.value, "{\"ociVersion\":\"1.1.0\"}", 22) == 0,
	      "spec stored compact: %.*s", (int)c.spec.value_len, (char *)c.spec.value);
	CHECK_STR(c.spec.type_url, CTRFS_SPEC_TYPE_URL);
	ctrfs_container_clear(&c);
	ctrfs_any_set(&ext, "example.com/x", "{\"n\":1}", 7);
	CHECK(ctrfs_container_set_extension(s, "default", "c1", "x", &ext, NULL, NULL, &err) == 0,
	      "set extension: %s", err.text);
	c = get("c1");
	const ctrfs_any *got = ctrfs_extensions_get(&c.extensions, "x");
	CHECK(got && got->value_len == 7 && strcmp(got->type_url, "example.com/x") == 0,
	      "extension stored");
	ctrfs_container_clear(&c);
	ctrfs_any_clear(&spec);
	ctrfs_any_clear(&ext);
}

static void test_refusals(void)
{
	ctrfs_error err;
	ctrfs_any any = {0};
	uint64_t seq = last_seq();
	ctrfs_code code =
	    ctrfs_container_set_label(s, "default", "nope", "a", "b", NULL, NULL, &err);
	expect_refused(code, &err, seq, CTRFS_NOT_FOUND, "nope");
	char key[CTRFS_LABEL_MAX + 2];
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = 0;
	code = ctrfs_container_set_label(s, "default", "c1", key, "v", NULL, NULL, &err);
	expect_refused(code, &err, seq, CTRFS_INVALID_ARGUMENT, "greater than maximum size");
	/* containerd's rules, as for any update */
	code = ctrfs_container_set_snapshot_key(s, "default", "c2", "k", NULL, NULL, &err);
	expect_refused(code, &err, seq, CTRFS_INVALID_ARGUMENT, "Snapshotter must be set");
	/* compare-and-set: the label holds "me", not "other" */
	ctrfs_field_options cas = {.unless_changed = true, .expect = "other"};
	code = ctrfs_container_set_label(s, "default", "c1", "keep", "new", &cas, NULL, &err);
	expect_refused(code, &err, seq, CTRFS_FAILED_PRECONDITION, "changed");
	cas.expect = NULL; /* absent: it is not */
	code = ctrfs_container_set_image(s, "default", "c1", "img", &cas, NULL, &err);
	CHECK(code == CTRFS_OK, "image was empty, expected empty: %s", err.text);
	seq = last_seq();
	code = ctrfs_container_set_image(s, "default", "c1", "img2", &cas, NULL, &err);
	expect_refused(code, &err, seq, CTRFS_FAILED_PRECONDITION, "changed");
	cas.expect = "me";
	code = ctrfs_container_set_label(s, "default", "c1", "keep", "you", &cas, NULL, &err);
	CHECK(code == CTRFS_OK && last_seq() == seq + 1, "compare-and-set that holds: %s",
	      err.text);
	seq = last_seq();
	code = ctrfs_container_set_spec(s, "default", "c1", &any, &cas, NULL, &err);
	expect_refused(code, &err, seq, CTRFS_INVALID_ARGUMENT, "compare-and-set");
	code = ctrfs_container_set_labels(s, "default", "c1", &(ctrfs_labels){0}, &cas, NULL, &err);
	expect_refused(code, &err, seq, CTRFS_INVALID_ARGUMENT, "compare-and-set");
	/* check_only: validated as the write would be, nothing written */
	ctrfs_field_options check = {.check_only = true};
	ctrfs_container up = {0};
	code = ctrfs_container_set_label(s, "default", "c1", "keep", "checked", &check, &up, &err);
	CHECK(code == CTRFS_OK && last_seq() == seq, "check_only wrote: %s", err.text);
	CHECK_STR(ctrfs_labels_get(&up.labels, "keep"), "checked"); /* as it would be */
	ctrfs_container_clear(&up);
	ctrfs_container c = get("c1");
	CHECK_STR(ctrfs_labels_get(&c.labels, "keep"), "you");
	ctrfs_container_clear(&c);
	code = ctrfs_container_set_label(s, "default", "c1", key, "v", &check, NULL, &err);
	expect_refused(code, &err, seq, CTRFS_INVALID_ARGUMENT, "greater than maximum size");
}

/* The spec's text form: an object only, a prefix is incomplete, a stored spelling kept. */
static void test_spec_text_form(void)
{
	ctrfs_any out = {0}, stored = {0};
	ctrfs_error err;
	bool incomplete = false;
	CHECK(ctrfs_spec_from_text("[1]", 3, NULL, &out, &incomplete, &err) ==
		      CTRFS_INVALID_ARGUMENT &&
		  !incomplete,
	      "array spec accepted");
	CHECK_STR(err.text, "the OCI runtime spec must be a JSON object");
	CHECK(ctrfs_spec_from_text("{\"a\":", 5, NULL, &out, &incomplete, &err) ==
		      CTRFS_INVALID_ARGUMENT &&
		  incomplete,
	      "prefix not incomplete");
	CHECK(ctrfs_spec_from_text("{]", 2, NULL, &out, &incomplete, &err) ==
		      CTRFS_INVALID_ARGUMENT &&
		  !incomplete && strstr(err.text, "at byte 1"),
	      "invalid JSON: %s", err.text);
	ctrfs_any_set(&stored, "t/u", "{ \"a\" : 1 }", 11);
	CHECK(ctrfs_spec_from_text("{\"a\":1}", 7, &stored, &out, NULL, &err) == 0 &&
		  out.value_len == 11 && strcmp(out.type_url, "t/u") == 0,
	      "stored spelling and type_url kept");
	ctrfs_any_clear(&out);
	/* given whole (no stored spec): read as ctr prints one, an Any when Any-shaped */
	const char any_form[] = " {\"type_url\": \"t/v\", \"value\": \"AAE=\"}";
	CHECK(ctrfs_spec_from_text(any_form, sizeof(any_form) - 1, NULL, &out, NULL, &err) == 0 &&
		  strcmp(out.type_url, "t/v") == 0 && out.value_len == 2 && out.value[1] == 1,
	      "Any-shaped spec file: %s", err.text);
	ctrfs_any_clear(&out);
	ctrfs_any_clear(&stored);
}

int main(void)
{
	char dir[] = "/tmp/ctrfs-test-fields-XXXXXX";
	s = scratch_store_make(dir);
	make("c1", "overlayfs");
	make("c2", NULL);
	test_field_paths();
	test_set_and_remove_label();
	test_set_labels_is_one_update();
	test_text_fields();
	test_spec_and_extension();
	test_refusals();
	test_spec_text_form();
	scratch_store_remove(s, dir);
	return check_report();
}

/* fs/fspath.c without a mount: what each name means in each directory (fspath_child),
 * the directory above (fspath_parent), and a meaning's path back (fspath_store_path). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fspath.h"

static struct fspath dir_of(enum node_kind kind, const char *ns, const char *id)
{
	struct fspath fp = {.kind = kind};
	snprintf(fp.ns, sizeof(fp.ns), "%s", ns);
	snprintf(fp.id, sizeof(fp.id), "%s", id);
	return fp;
}

/* The meaning of `name` in `dir`: its kind (or the error) and field, and its key. */
static void expect_child(struct fspath dir, const char *name, int want_rc, enum node_kind kind,
			 int field, const char *key)
{
	struct fspath out;
	int rc = fspath_child(&dir, name, &out);
	CHECK(rc == want_rc, "%s in kind %d: rc %d, want %d", name, dir.kind, rc, want_rc);
	if (rc == 0 && want_rc == 0) {
		CHECK(out.kind == kind, "%s in kind %d: kind %d, want %d", name, dir.kind, out.kind,
		      kind);
		if (field >= 0)
			CHECK((int)out.field == field, "%s: field %d, want %d", name, out.field,
			      field);
		if (key)
			CHECK_STR(out.key, key);
		else
			CHECK(!out.key, "%s: a key \"%s\" for a name that is none", name, out.key);
		CHECK(strcmp(out.ns, dir.ns) == 0 || dir.kind == NODE_ROOT, "%s: namespace %s lost",
		      name, dir.ns);
	}
	if (rc == 0)
		fspath_clear(&out);
}

static void test_root_and_namespace(void)
{
	struct fspath root = dir_of(NODE_ROOT, "", ""), ns = dir_of(NODE_NS, "default", "");
	expect_child(root, ".events", 0, NODE_EVENTS, -1, NULL);
	expect_child(root, ".errors", 0, NODE_ERRORS, -1, NULL);
	expect_child(root, "default", 0, NODE_NS, -1, NULL);
	expect_child(root, "no/such", -ENOENT, 0, -1, NULL);
	expect_child(root, "-leading-dash", -ENOENT, 0, -1, NULL);
	expect_child(ns, ".labels", 0, NODE_NS_LABELS, -1, NULL);
	expect_child(ns, ".pods", 0, NODE_PODS, -1, NULL);
	expect_child(ns, ".query", 0, NODE_QUERIES, -1, NULL);
	expect_child(ns, ".images", 0, NODE_IMAGES, -1, NULL);
	expect_child(ns, "web", 0, NODE_CTR, -1, NULL);
	expect_child(ns, ".hidden", -ENOENT, 0, -1, NULL);

	struct fspath out;
	CHECK(fspath_child(&root, "default", &out) == 0 && strcmp(out.ns, "default") == 0,
	      "a namespace's name kept: \"%s\"", out.ns);
	CHECK(fspath_child(&ns, "web", &out) == 0 && strcmp(out.id, "web") == 0,
	      "a container's ID kept: \"%s\"", out.id);
}

/* A container's fixed files are found in their own directory only; other names there
 * are scratch files (editors' and rsync's temporary files). */
static void test_container(void)
{
	struct fspath ctr = dir_of(NODE_CTR, "default", "web");
	struct fspath rt = dir_of(NODE_RUNTIME, "default", "web");
	expect_child(ctr, "runtime", 0, NODE_RUNTIME, -1, NULL);
	expect_child(ctr, "labels", 0, NODE_LABELS, -1, NULL);
	expect_child(ctr, "extensions", 0, NODE_EXTENSIONS, -1, NULL);
	expect_child(ctr, "cri", 0, NODE_CRI, -1, NULL);
	expect_child(ctr, ".image", 0, NODE_CTR_IMAGE, -1, NULL);
	expect_child(ctr, "task", 0, NODE_TASK, -1, NULL);
	expect_child(ctr, "spec.json", 0, NODE_FIELD, FIELD_SPEC_JSON, NULL);
	expect_child(ctr, "snapshot_key", 0, NODE_FIELD, FIELD_SNAPSHOT_KEY, NULL);
	expect_child(ctr, "name", 0, NODE_SCRATCH, -1, NULL); /* runtime/'s, not here */
	expect_child(ctr, ".spec.json.swp", 0, NODE_SCRATCH, -1, NULL);
	expect_child(rt, "name", 0, NODE_FIELD, FIELD_RUNTIME_NAME, NULL);
	expect_child(rt, "options", 0, NODE_FIELD, FIELD_RUNTIME_OPTIONS, NULL);
	expect_child(rt, "spec.json", 0, NODE_SCRATCH, -1, NULL);
	expect_child(rt, ".name.XYZ123", 0, NODE_SCRATCH, -1, NULL);

	struct fspath field = ctr;
	field.kind = NODE_FIELD;
	field.field = FIELD_IMAGE;
	expect_child(field, "x", -ENOTDIR, 0, -1, NULL);
	struct fspath task = dir_of(NODE_TASK, "default", "web");
	expect_child(task, "pid", 0, NODE_TASK_FILE, TASK_PID, NULL);
	expect_child(task, "nope", -ENOENT, 0, -1, NULL);
}

/* In a directory of keys, a name in canonical form is a key (decoded); any other is a
 * scratch file. */
static void test_keys(void)
{
	struct fspath labels = dir_of(NODE_LABELS, "default", "web");
	struct fspath ext = dir_of(NODE_EXTENSIONS, "default", "web");
	struct fspath nsl = dir_of(NODE_NS_LABELS, "default", "");
	expect_child(labels, "app", 0, NODE_LABEL, -1, "app");
	expect_child(labels, "a%2Fb", 0, NODE_LABEL, -1, "a/b");
	expect_child(labels, "%", 0, NODE_LABEL, -1, "");
	expect_child(labels, ".app.swp", 0, NODE_SCRATCH, -1, NULL);
	expect_child(labels, "%41", 0, NODE_SCRATCH, -1, NULL);
	expect_child(ext, "io.cri", 0, NODE_EXTENSION, -1, "io.cri");
	expect_child(nsl, "team", 0, NODE_NS_LABEL, -1, "team");
}

static void test_parent(void)
{
	struct fspath out, d;
	d = dir_of(NODE_NS, "default", "");
	CHECK(fspath_parent(&d, &out) == 0 && out.kind == NODE_ROOT, "a namespace's parent: %d",
	      out.kind);
	d = dir_of(NODE_CTR, "default", "web");
	CHECK(fspath_parent(&d, &out) == 0 && out.kind == NODE_NS &&
		  strcmp(out.ns, "default") == 0 && !out.id[0],
	      "a container's parent: kind %d ns %s id %s", out.kind, out.ns, out.id);
	d = dir_of(NODE_CRI_STATUS, "default", "web");
	CHECK(fspath_parent(&d, &out) == 0 && out.kind == NODE_CRI && strcmp(out.id, "web") == 0,
	      "cri/status/'s parent: kind %d", out.kind);
	d = dir_of(NODE_LABELS, "default", "web");
	CHECK(fspath_parent(&d, &out) == 0 && out.kind == NODE_CTR, "labels/'s parent: kind %d",
	      out.kind);
	d = dir_of(NODE_LABEL, "default", "web");
	CHECK(fspath_parent(&d, &out) == -ENOTDIR, "a file has no parent directory here");
}

static void expect_path(struct fspath fp, const char *want)
{
	char *p = fspath_store_path(&fp);
	CHECK_STR(p, want);
	free(p);
}

/* The way back: a meaning's path is the one fspath_child read it from. */
static void test_store_path(void)
{
	struct fspath fp = dir_of(NODE_LABEL, "default", "web");
	fp.key = "a/b";
	expect_path(fp, "default/web/labels/a%2Fb");
	fp = dir_of(NODE_FIELD, "default", "web");
	fp.field = FIELD_RUNTIME_NAME;
	expect_path(fp, "default/web/runtime/name");
	fp.field = FIELD_SPEC_JSON;
	expect_path(fp, "default/web/spec.json");
	fp = dir_of(NODE_NS_LABEL, "default", "");
	fp.key = ".x";
	expect_path(fp, "default/.labels/%2Ex");
	fp = dir_of(NODE_CRI_FILE, "k8s.io", "c1");
	fp.field = (enum field)CRI_PID;
	expect_path(fp, "k8s.io/c1/cri/status/pid");
	fp.field = (enum field)CRI_NAME;
	expect_path(fp, "k8s.io/c1/cri/name");
	fp = dir_of(NODE_TASK_FILE, "default", "web");
	fp.field = (enum field)TASK_EXIT_STATUS;
	expect_path(fp, "default/web/task/exit_status");
	fp = dir_of(NODE_SCRATCH, "default", "web");
	CHECK(fspath_store_path(&fp) == NULL, "a scratch file has no store path");
}

static void test_path_join(void)
{
	char *p = path_join("", "default");
	CHECK_STR(p, "default");
	free(p);
	p = path_join("default/web", "labels");
	CHECK_STR(p, "default/web/labels");
	free(p);
}

static void test_fields(void)
{
	CHECK_STR(field_title(FIELD_RUNTIME_OPTIONS), "runtime/options");
	CHECK_STR(field_title(FIELD_SPEC_JSON), "spec.json");
	CHECK(field_writable(FIELD_IMAGE) && !field_writable(FIELD_CREATED_AT),
	      "image writable, created_at immutable");
	CHECK(field_optional(FIELD_SNAPSHOT_KEY) && !field_optional(FIELD_SPEC_JSON),
	      "snapshot_key optional, spec.json not");
}

int main(void)
{
	test_root_and_namespace();
	test_container();
	test_keys();
	test_parent();
	test_store_path();
	test_path_join();
	test_fields();
	return check_report();
}

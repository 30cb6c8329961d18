/* Unit tests of what a long-lived library user may trust: a store removed or replaced
 * under an open handle refuses writes, a store others could write is not opened. */
#include "ctrfs_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

static char base[] = "/tmp/ctrfs-trust-XXXXXX";

static void remove_tree(const char *path)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd) != 0)
		fprintf(stderr, "%s: failed\n", cmd);
}

static ctrfs_store *open_with_c1(const char *path)
{
	ctrfs_store *s = NULL;
	ctrfs_error err;
	ctrfs_container c = {.id = "c1", .runtime_name = CTRFS_STORE_DEFAULT_RUNTIME};
	if (ctrfs_store_open(path, NULL, &s, &err) ||
	    ctrfs_spec_default("default", "c1", &c.spec, &err)) {
		fprintf(stderr, "%s: %s\n", path, err.text);
		exit(1);
	}
	c.has_spec = true;
	CHECK(ctrfs_container_create(s, "default", &c, NULL, &err) == CTRFS_OK, "%s", err.text);
	ctrfs_any_clear(&c.spec);
	return s;
}

static ctrfs_code set_label(ctrfs_store *s, ctrfs_error *err)
{
	ctrfs_container c = {.id = "c1"};
	const char *path = "labels.k";
	ctrfs_labels_set(&c.labels, "k", "v");
	ctrfs_code code = ctrfs_container_update(s, "default", &c, &path, 1, NULL, err);
	ctrfs_labels_clear(&c.labels);
	return code;
}

static void expect_stale(ctrfs_store *s, const char *path, const char *what)
{
	ctrfs_error err;
	char want[600];
	snprintf(want, sizeof(want),
		 "store %s was removed or replaced while open: reopen it (remount)", path);
	CHECK(set_label(s, &err) == CTRFS_UNAVAILABLE, "%s", what);
	CHECK(err.sys_errno == ESTALE, "%s: errno %d", what, err.sys_errno);
	CHECK(strcmp(err.text, want) == 0, "%s: %s", what, err.text);
}

static void test_removed(void)
{
	char path[300];
	ctrfs_error err;
	snprintf(path, sizeof(path), "%s/removed", base);
	ctrfs_store *s = open_with_c1(path);
	CHECK(set_label(s, &err) == CTRFS_OK, "%s", err.text);
	remove_tree(path);
	expect_stale(s, path, "removed");
	ctrfs_store_close(s);
}

static void test_replaced(void)
{
	char path[300], aside[320];
	ctrfs_error err;
	snprintf(path, sizeof(path), "%s/replaced", base);
	snprintf(aside, sizeof(aside), "%s.old", path);
	ctrfs_store *s = open_with_c1(path);
	CHECK(rename(path, aside) == 0, "rename");
	ctrfs_store *fresh = open_with_c1(path);
	expect_stale(s, path, "replaced");
	/* the new store at that path is one of its own */
	CHECK(set_label(fresh, &err) == CTRFS_OK, "%s", err.text);
	ctrfs_store_close(s);
	ctrfs_store_close(fresh);
}

static void test_others_may_write(void)
{
	char path[300];
	ctrfs_store *s;
	ctrfs_error err;
	snprintf(path, sizeof(path), "%s/shared", base);
	ctrfs_store_close(open_with_c1(path));
	CHECK(chmod(path, 0770) == 0, "chmod");
	CHECK(ctrfs_store_open(path, NULL, &s, &err) == CTRFS_FAILED_PRECONDITION, "%s", err.text);
	CHECK(err.sys_errno == EPERM, "errno %d", err.sys_errno);
	CHECK(chmod(path, 0700) == 0, "chmod");
	if (geteuid() != 0)
		return;
	CHECK(chown(path, 65534, 65534) == 0, "chown");
	CHECK(ctrfs_store_open(path, NULL, &s, &err) == CTRFS_FAILED_PRECONDITION, "%s", err.text);
	CHECK(strstr(err.text, "owned by uid 65534, not by root") != NULL, "%s", err.text);
}

int main(void)
{
	if (!mkdtemp(base)) {
		perror("mkdtemp");
		return 1;
	}
	test_removed();
	test_replaced();
	test_others_may_write();
	remove_tree(base);
	return check_report();
}

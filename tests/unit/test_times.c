/* Unit tests of the part times (store/times.c): each label and field has the time of its
 * own last change, and a store made before the times table answers UpdatedAt, opened
 * read-only (no table) or for writing (an empty table), until a write records times. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"

#include "check.h"
#include "scratch_store.h"

static bool same(ctrfs_time a, ctrfs_time b)
{
	return a.sec == b.sec && a.nsec == b.nsec;
}

static bool before(ctrfs_time a, ctrfs_time b)
{
	return a.sec < b.sec || (a.sec == b.sec && a.nsec < b.nsec);
}

static ctrfs_time part(ctrfs_store *s, const char *path)
{
	ctrfs_time t = {0, 0};
	ctrfs_error err;
	ctrfs_code code = ctrfs_container_part_time(s, "default", "web", path, &t, &err);
	CHECK(code == CTRFS_OK, "%s: %s", path, err.text);
	return t;
}

static ctrfs_time ns_label(ctrfs_store *s, const char *key)
{
	ctrfs_time t = {0, 0};
	ctrfs_error err;
	ctrfs_code code = ctrfs_namespace_label_time(s, "default", key, &t, &err);
	CHECK(code == CTRFS_OK, "%s: %s", key, err.text);
	return t;
}

static ctrfs_container get(ctrfs_store *s)
{
	ctrfs_container c;
	ctrfs_error err;
	if (ctrfs_container_get(s, "default", "web", 0, &c, &err)) {
		fprintf(stderr, "get: %s\n", err.text);
		exit(1);
	}
	return c;
}

static void set_label(ctrfs_store *s, const char *key, const char *value)
{
	ctrfs_container c = {.id = "web"};
	ctrfs_error err;
	char path[64];
	snprintf(path, sizeof(path), "labels.%s", key);
	const char *paths[] = {path};
	if (ctrfs_labels_set(&c.labels, key, value) ||
	    ctrfs_container_update(s, "default", &c, paths, 1, NULL, &err)) {
		fprintf(stderr, "update: %s\n", err.text);
		exit(1);
	}
	ctrfs_labels_clear(&c.labels);
}

int main(void)
{
	char dir[] = "/tmp/ctrfs-test-times-XXXXXX";
	ctrfs_store *s = scratch_store_make(dir);
	ctrfs_error err;
	ctrfs_container c = {.id = "web", .image = "nginx", .runtime_name = "rt"};
	ctrfs_labels_set(&c.labels, "a", "1");
	c.has_spec = !ctrfs_spec_default("default", "web", &c.spec, &err);
	if (ctrfs_container_create(s, "default", &c, NULL, &err)) {
		fprintf(stderr, "create: %s\n", err.text);
		return 1;
	}
	ctrfs_labels_clear(&c.labels);
	ctrfs_any_clear(&c.spec);
	ctrfs_container made = get(s);
	CHECK(same(part(s, "labels.a"), made.created_at), "a new label dates from the creation");
	CHECK(same(part(s, "image"), made.created_at), "so does the image");
	set_label(s, "b", "2");
	ctrfs_container now = get(s);
	CHECK(same(part(s, "labels.a"), made.created_at), "a keeps its time when b is set");
	CHECK(same(part(s, "labels.b"), now.updated_at), "b has the time of its change");
	CHECK(same(part(s, "runtime"), made.created_at), "immutable parts: CreatedAt");
	ctrfs_container_clear(&now);

	/* namespace labels: their own time, not the namespace's latest change */
	CHECK(!ctrfs_namespace_set_label(s, "default", "x", "1", &err), "%s", err.text);
	ctrfs_time x = ns_label(s, "x");
	CHECK(!ctrfs_namespace_set_label(s, "default", "y", "1", &err), "%s", err.text);
	set_label(s, "c", "3");
	CHECK(same(ns_label(s, "x"), x), "x keeps its time");
	CHECK(before(x, ns_label(s, "y")), "y is newer");

	/* a store made before the times table */
	scratch_store_drop_table(s, DB_TIMES); /* as an earlier ctrfs left it */
	s = scratch_store_reopen(s, dir, true);
	ctrfs_container old = get(s);
	CHECK(same(part(s, "labels.a"), old.updated_at), "no table: UpdatedAt");
	ctrfs_namespace n;
	CHECK(!ctrfs_namespace_get(s, "default", &n, &err), "%s", err.text);
	CHECK(same(ns_label(s, "x"), n.updated_at), "no table: the namespace's UpdatedAt");
	ctrfs_namespace_clear(&n);
	s = scratch_store_reopen(s, dir, false);
	CHECK(same(part(s, "labels.a"), old.updated_at), "an empty table: UpdatedAt");
	set_label(s, "d", "4");
	now = get(s);
	CHECK(same(part(s, "labels.a"), old.updated_at),
	      "after the first write: the others keep the time they showed");
	CHECK(same(part(s, "labels.d"), now.updated_at), "d has its own");
	ctrfs_container_clear(&now);
	ctrfs_container_clear(&old);
	ctrfs_container_clear(&made);
	scratch_store_remove(s, dir);
	return check_report();
}

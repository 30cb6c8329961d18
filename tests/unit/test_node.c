/* fs/node.c's inode table without a mount: numbers stable per path, a path's meaning
 * kept with its node, lookups counted and forgotten. */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "node.h"

static struct fspath label(const char *ns, const char *id, const char *key)
{
	struct fspath fp = {.kind = NODE_LABEL};
	snprintf(fp.ns, sizeof(fp.ns), "%s", ns);
	snprintf(fp.id, sizeof(fp.id), "%s", id);
	fp.key = (char *)key; /* borrowed: the table copies what it keeps */
	return fp;
}

static struct fspath container(const char *ns, const char *id)
{
	struct fspath fp = {.kind = NODE_CTR};
	snprintf(fp.ns, sizeof(fp.ns), "%s", ns);
	snprintf(fp.id, sizeof(fp.id), "%s", id);
	return fp;
}

/* The number readdir gives is the one a lookup then gives, and the node answers with
 * the path and meaning it was made for. */
static void test_numbers_are_stable(void)
{
	struct fspath app = label("default", "c1", "app"), ctr = container("default", "c1");
	fuse_ino_t listed = node_ino_of("default/c1/labels/app", &app);
	fuse_ino_t looked = node_remember("default/c1/labels/app", &app, NULL, false, NULL);
	CHECK(looked != 0 && looked == listed, "readdir %lu, lookup %lu", (unsigned long)listed,
	      (unsigned long)looked);
	CHECK(node_remember("default/c1/labels/app", &app, NULL, false, NULL) == looked,
	      "a second lookup, another number");
	fuse_ino_t dir = node_remember("default/c1", &ctr, NULL, false, NULL);
	CHECK(dir != 0 && dir != looked, "container %lu, label %lu", (unsigned long)dir,
	      (unsigned long)looked);
	CHECK(dir > NODE_ERRORS_INO && looked > NODE_ERRORS_INO, "a reserved number given");

	struct nodeinfo ni;
	CHECK(node_get(looked, &ni) == 0, "node_get of a remembered label");
	CHECK_STR(ni.path, "default/c1/labels/app");
	CHECK(ni.fp.kind == NODE_LABEL && strcmp(ni.fp.ns, "default") == 0 &&
		  strcmp(ni.fp.id, "c1") == 0 && ni.fp.key && strcmp(ni.fp.key, "app") == 0,
	      "meaning kept: kind %d %s/%s/%s", ni.fp.kind, ni.fp.ns, ni.fp.id,
	      ni.fp.key ? ni.fp.key : "(null)");
	CHECK(!ni.pending && !ni.scratch, "a stored label is neither pending nor scratch");
	nodeinfo_clear(&ni);

	node_forget(looked, 2);
	node_forget(dir, 1);
}

/* Keys that differ, namespaces and containers that differ: other numbers. */
static void test_distinct_paths_distinct_numbers(void)
{
	static const char *const keys[] = {"a", "b", "ab", "ba", "%", ".", "x/y", ""};
	enum { N = sizeof(keys) / sizeof(keys[0]) };
	fuse_ino_t ino[N + 2];
	for (size_t i = 0; i < N; i++) {
		struct fspath fp = label("ns", "c", keys[i]);
		char path[64];
		snprintf(path, sizeof(path), "ns/c/labels/k%zu", i);
		ino[i] = node_ino_of(path, &fp);
	}
	struct fspath other_ns = label("ns2", "c", "a"), other_ctr = label("ns", "c2", "a");
	ino[N] = node_ino_of("ns2/c/labels/a", &other_ns);
	ino[N + 1] = node_ino_of("ns/c2/labels/a", &other_ctr);
	for (size_t i = 0; i < N + 2; i++)
		for (size_t j = i + 1; j < N + 2; j++)
			CHECK(ino[i] != ino[j], "paths %zu and %zu share number %lu", i, j,
			      (unsigned long)ino[i]);
}

/* A pending key file (created through the mount, not stored) is kept at lookup count
 * 0 until it is stored or unlinked; a number nobody knows is stale. */
static void test_pending_and_forgotten(void)
{
	struct fspath fp = label("default", "c9", "new");
	fuse_ino_t ino = node_remember("default/c9/labels/new", &fp, NULL, true, NULL);
	CHECK(ino != 0, "remember a pending label");
	node_forget(ino, 1);
	struct nodeinfo ni;
	CHECK(node_get(ino, &ni) == 0 && ni.pending, "pending label kept at lookup count 0");
	nodeinfo_clear(&ni);
	CHECK(node_find("default/c9/labels/new", &fp, &ni) == 0 && ni.ino == ino,
	      "node_find of the pending label");
	nodeinfo_clear(&ni);
	node_set_stored("default/c9/labels/new", &fp);
	CHECK(node_find("default/c9/labels/new", &fp, &ni) == -ENOENT,
	      "stored, unknown to the kernel: the store alone describes it");
	CHECK(node_get(ino, &ni) == -ESTALE, "a forgotten, stored label: stale");
	CHECK(node_get((fuse_ino_t)0x7fffffffffull, &ni) == -ESTALE, "a number never given");
}

int main(void)
{
	CHECK(nodes_init() == 0, "nodes_init");
	test_numbers_are_stable();
	test_distinct_paths_distinct_numbers();
	test_pending_and_forgotten();
	nodes_destroy();
	return check_report();
}

/* fs/kcache.c and fs/node_targets.c without a mount: what the kernel was told, kept with
 * the table's records (sizes per container version, versions the kernel may hold pages
 * of, namespace counts), and what a change makes the notifier invalidate. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "intern.h"
#include "kcache.h"
#include "node.h"
#include "node_targets.h"

static struct fspath of(enum node_kind kind, const char *ns, const char *id, const char *key)
{
	struct fspath fp = {.kind = kind};
	snprintf(fp.ns, sizeof(fp.ns), "%s", ns);
	snprintf(fp.id, sizeof(fp.id), "%s", id);
	fp.key = (char *)key; /* borrowed: the table copies what it keeps */
	return fp;
}

static const ctrfs_time v1 = {.sec = 100, .nsec = 1}, v2 = {.sec = 200, .nsec = 2};

/* Sizes are kept per container version; a snapshot older than the last change records
 * none; another version starts unknown. */
static void test_sizes(void)
{
	struct node_sizes sz = {0};
	struct fspath ctr = of(NODE_CTR, "default", "s1", NULL);
	CHECK(!node_sizes_use_version("default", "s1", v1, v1, &sz),
	      "sizes of a container the table does not know");
	fuse_ino_t ino = node_remember("default/s1", &ctr, NULL, false, NULL);
	CHECK(
	    node_sizes_use_version("default", "s1", v1, v1, &sz) && sz.spec == -1 && sz.info == -1,
	    "a known container, nothing cached: %lld %lld", (long long)sz.spec, (long long)sz.info);

	uint64_t before = node_epoch();
	struct node_sizes put = {.spec = 10, .info = 20};
	node_sizes_put("default", "s1", v1, v1, before, &put);
	CHECK(node_sizes_use_version("default", "s1", v1, v1, &sz) && sz.spec == 10 &&
		  sz.info == 20,
	      "recorded: %lld %lld", (long long)sz.spec, (long long)sz.info);

	/* a change seen by the notifier drops them, and a snapshot from before it records
	 * nothing */
	struct node_targets t = {0};
	CHECK(node_ctr_changed_collect_targets("default", "s1", &t) == 0, "collect");
	node_targets_clear(&t);
	CHECK(node_epoch() > before, "a change counted: epoch %llu", (unsigned long long)before);
	CHECK(node_sizes_use_version("default", "s1", v1, v1, &sz) && sz.spec == -1,
	      "a change drops the sizes: %lld", (long long)sz.spec);
	node_sizes_put("default", "s1", v1, v1, before, &put);
	CHECK(node_sizes_use_version("default", "s1", v1, v1, &sz) && sz.spec == -1,
	      "a snapshot from before the change recorded %lld", (long long)sz.spec);
	node_sizes_put("default", "s1", v1, v1, node_epoch(), &put);
	CHECK(node_sizes_use_version("default", "s1", v1, v1, &sz) && sz.info == 20,
	      "a snapshot since: recorded %lld", (long long)sz.info);

	/* another version: unknown, and what is recorded for the old one is not kept */
	CHECK(node_sizes_use_version("default", "s1", v1, v2, &sz) && sz.info == -1,
	      "another version showed %lld", (long long)sz.info);
	node_sizes_put("default", "s1", v1, v1, node_epoch(), &put);
	CHECK(node_sizes_use_version("default", "s1", v1, v2, &sz) && sz.info == -1,
	      "the old version's sizes recorded for the new: %lld", (long long)sz.info);
	node_forget(ino, 1);
}

/* A change that keeps the times: the container's files keep no pages. */
static void test_versions(void)
{
	struct fspath a = of(NODE_CTR, "default", "kept", NULL);
	struct fspath b = of(NODE_CTR, "default", "moved", NULL);
	fuse_ino_t ia = node_remember("default/kept", &a, NULL, false, NULL);
	fuse_ino_t ib = node_remember("default/moved", &b, NULL, false, NULL);
	node_ctr_seen("default", "kept", v1, v1);
	node_ctr_seen("default", "kept", v2, v2); /* the first version seen stays */
	node_ctr_seen("default", "moved", v1, v1);
	CHECK(!node_ctr_no_keep("default", "kept"), "no change yet, pages dropped");
	CHECK(node_ctr_version_changed("default", "kept", v1, v1),
	      "a change with the times seen: not told");
	CHECK(node_ctr_no_keep("default", "kept"), "times kept, pages still kept");
	CHECK(!node_ctr_version_changed("default", "moved", v1, v2),
	      "a change with new times told as one that kept them");
	CHECK(!node_ctr_no_keep("default", "moved"), "new times, pages no longer kept");
	CHECK(node_ctr_version_changed("default", "moved", v1, v2),
	      "the version after the change not recorded");
	CHECK(!node_ctr_version_changed("default", "nobody", v1, v1), "an unknown container");
	node_forget(ia, 1);
	node_forget(ib, 1);
}

/* A namespace's count is kept until a container is created or deleted; one counted
 * across such a change is not kept. */
static void test_ns_count(void)
{
	struct fspath ns = of(NODE_NS, "counted", "", NULL);
	fuse_ino_t ino = node_remember("counted", &ns, NULL, false, NULL);
	size_t n = 0;
	CHECK(!node_ns_count_get("counted", &n), "a count never made");
	uint64_t gen = node_ns_count_gen();
	node_ns_count_put("counted", gen, 7);
	CHECK(node_ns_count_get("counted", &n) && n == 7, "count kept: %zu", n);
	node_ns_count_forget("other");
	CHECK(node_ns_count_get("counted", &n), "another namespace's change forgot it");
	node_ns_count_forget("counted");
	CHECK(!node_ns_count_get("counted", &n), "a create or delete kept the count");
	node_ns_count_put("counted", gen, 8);
	CHECK(!node_ns_count_get("counted", &n), "a count made across a change was kept");
	node_ns_count_put("counted", node_ns_count_gen(), 9);
	CHECK(node_ns_count_get("counted", &n) && n == 9, "count kept: %zu", n);
	node_ns_count_forget(NULL);
	CHECK(!node_ns_count_get("counted", &n), "a change of any namespace kept it");
	node_forget(ino, 1);
}

struct known {
	bool t1, ns_default, ctr_after_ns, saw_ns;
};

static int count_known(const char *ns, const char *id, void *arg)
{
	struct known *k = arg;
	if (id) {
		k->ctr_after_ns |= k->saw_ns;
		k->t1 |= strcmp(ns, "default") == 0 && strcmp(id, "t1") == 0;
	} else {
		k->saw_ns = true;
		k->ns_default |= strcmp(ns, "default") == 0;
	}
	return 0;
}

/* A change of a container: its directory, the fixed files the kernel looked up and its
 * keys (named, with their directory) are the notifier's targets. */
static void test_targets(void)
{
	struct fspath ns = of(NODE_NS, "default", "", NULL);
	struct fspath ctr = of(NODE_CTR, "default", "t1", NULL);
	struct fspath labels = of(NODE_LABELS, "default", "t1", NULL);
	struct fspath app = of(NODE_LABEL, "default", "t1", "a/b");
	fuse_ino_t ins = node_remember("default", &ns, NULL, false, NULL);
	fuse_ino_t ic = node_remember("default/t1", &ctr, NULL, false, NULL);
	fuse_ino_t il = node_remember("default/t1/labels", &labels, NULL, false, NULL);
	fuse_ino_t ia = node_remember("default/t1/labels/a%2Fb", &app, NULL, false, NULL);

	CHECK(!node_changed_within(&ctr, UINT64_MAX), "a change never seen");
	struct node_targets t = {0};
	CHECK(node_ctr_changed_collect_targets("default", "t1", &t) == 0, "collect");
	CHECK(node_changed_within(&ctr, UINT64_MAX), "the change not recorded");
	CHECK(t.known && t.dir_ino == ic && t.parent_ino == ins,
	      "known %d dir %lu (want %lu) parent %lu (want %lu)", t.known,
	      (unsigned long)t.dir_ino, (unsigned long)ic, (unsigned long)t.parent_ino,
	      (unsigned long)ins);
	bool saw_labels = false, saw_key = false;
	for (size_t i = 0; i < t.n; i++) {
		const struct node_target *e = &t.v[i];
		if (e->ino == il)
			saw_labels = e->parent == ic && e->kind == NODE_LABELS;
		if (e->ino == ia)
			saw_key = e->parent == il && e->kind == NODE_LABEL && e->key &&
				  strcmp(e->key, "a/b") == 0 && e->name &&
				  strcmp(e->name, "a%2Fb") == 0 && !e->pending;
	}
	CHECK(saw_labels, "labels/ not a target (or with the wrong parent)");
	CHECK(saw_key, "the label not a target (or not named, or in the wrong directory)");
	node_targets_clear(&t);

	/* a namespace's change: its directory, under the root */
	CHECK(node_ns_changed_collect_targets("default", &t) == 0 && t.known && t.dir_ino == ins &&
		  t.parent_ino == FUSE_ROOT_ID,
	      "namespace: known %d dir %lu parent %lu", t.known, (unsigned long)t.dir_ino,
	      (unsigned long)t.parent_ino);
	node_targets_clear(&t);

	/* what the table knows: t1 then its namespace, containers first */
	struct known seen = {0};
	CHECK(node_foreach_known(count_known, &seen) == 0, "node_foreach_known");
	CHECK(seen.t1 && seen.ns_default && !seen.ctr_after_ns,
	      "t1 %d, default %d, a container after a namespace %d", seen.t1, seen.ns_default,
	      seen.ctr_after_ns);
	node_forget(ia, 1);
	node_forget(il, 1);
	node_forget(ic, 1);
	node_forget(ins, 1);
}

/* One copy of each string, kept while referenced. */
static void test_intern(void)
{
	char a[] = "key", b[] = "key";
	const char *x = intern(a), *y = intern(b), *z = intern("other");
	CHECK(x && x == y && x != a, "interned copies: %p %p", (void *)x, (void *)y);
	CHECK(z && z != x, "another string, the same copy");
	unintern(x);
	CHECK(strcmp(y, "key") == 0, "freed while referenced");
	unintern(y);
	unintern(z);
}

/* What a stat shows of a record's directories and files is kept until its next change:
 * a snapshot older than that keeps nothing, nor does a record the table lacks, nor a
 * loose node's number. */
static void test_attrs(void)
{
	struct fspath ctr = of(NODE_CTR, "default", "a1", NULL);
	struct fspath lab = of(NODE_LABEL, "default", "a1", "app");
	struct node_dir_attrs a = {.updated = v1, .labels = 3, .task = true}, got;
	size_t len = 0;
	ctrfs_time t = {0, 0};
	node_dir_attrs_put("default", "a1", node_epoch(), &a);
	CHECK(!node_dir_attrs_get("default", "a1", &got), "kept for a record the table lacks");
	fuse_ino_t dir = node_remember("default/a1", &ctr, NULL, false, NULL);
	fuse_ino_t file = node_remember("default/a1/labels/app", &lab, NULL, false, NULL);
	CHECK(!node_dir_attrs_get("default", "a1", &got), "known before any was kept");
	uint64_t before = node_epoch();
	node_dir_attrs_put("default", "a1", before, &a);
	node_file_attrs_put(file, before, 4, v2);
	CHECK(node_dir_attrs_get("default", "a1", &got) && got.labels == 3 && got.task &&
		  got.updated.sec == v1.sec,
	      "the directories' attributes kept");
	CHECK(node_file_attrs_get(file, &len, &t) && len == 4 && t.sec == v2.sec &&
		  t.nsec == v2.nsec,
	      "the file's kept: %zu %lld", len, (long long)t.sec);
	CHECK(!node_file_attrs_get(dir + 1000, &len, &t), "another file of the record");
	CHECK(!node_file_attrs_get(file | (1ULL << 63), &len, &t), "a loose node's number");

	/* the notifier sees a change: dropped; a snapshot from before it keeps nothing */
	struct node_targets tg = {0};
	CHECK(node_ctr_changed_collect_targets("default", "a1", &tg) == 0, "collect");
	node_targets_clear(&tg);
	CHECK(!node_dir_attrs_get("default", "a1", &got), "directories' kept across a change");
	CHECK(!node_file_attrs_get(file, &len, &t), "file's kept across a change");
	/* but the notifier is told which file a tool looked at, to read it again */
	fuse_ino_t stale[4];
	CHECK(node_file_attrs_stale(dir, stale, 4) == 1 && stale[0] == file,
	      "the file looked at before the change is the one to read again");
	node_dir_attrs_put("default", "a1", before, &a);
	node_file_attrs_put(file, before, 4, v2);
	CHECK(!node_dir_attrs_get("default", "a1", &got) && !node_file_attrs_get(file, &len, &t),
	      "a snapshot from before the change kept its attributes");
	node_file_attrs_put(file, node_epoch(), 5, v1);
	CHECK(node_file_attrs_get(file, &len, &t) && len == 5, "a snapshot since: kept");
	CHECK(node_file_attrs_stale(dir, stale, 4) == 0, "read again, it is no more stale");
	/* a namespace's change drops its own, not its containers' */
	struct fspath nsd = of(NODE_NS, "default", "", NULL);
	fuse_ino_t ns = node_remember("default", &nsd, NULL, false, NULL);
	node_dir_attrs_put("default", NULL, node_epoch(), &a);
	CHECK(node_dir_attrs_get("default", NULL, &got), "the namespace's kept");
	CHECK(node_ns_changed_collect_targets("default", &tg) == 0, "collect");
	node_targets_clear(&tg);
	CHECK(!node_dir_attrs_get("default", NULL, &got), "the namespace's kept across its change");
	CHECK(node_file_attrs_get(file, &len, &t),
	      "a container's dropped by its namespace's change");
	node_forget(file, 1);
	node_forget(dir, 1);
	node_forget(ns, 1);
}

int main(void)
{
	CHECK(nodes_init() == 0, "nodes_init");
	test_sizes();
	test_versions();
	test_ns_count();
	test_targets();
	test_intern();
	test_attrs();
	nodes_destroy();
	return check_report();
}

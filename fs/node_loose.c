/* The node table's loose nodes: scratch files and inodes renamed away from their place
 * in the store, and the derived views' nodes; one allocation each, found by number and
 * by path. The table's lock (nodes.lock) is held by the callers. */
#include "node_table.h"

#include <errno.h>
#include <string.h>

#include "hash.h"
#include "scratch.h"

static size_t loose_ino_bucket(fuse_ino_t ino)
{
	return hash_mix(ino) & (LOOSE_BUCKETS - 1);
}

struct loose *find_loose_ino(fuse_ino_t ino)
{
	if (!nodes.loose_count)
		return NULL;
	for (struct loose *n = nodes.loose_ino[loose_ino_bucket(ino)]; n; n = n->ino_next)
		if (n->ino == ino)
			return n;
	return NULL;
}

struct loose *find_loose_path(const char *path)
{
	if (!nodes.loose_count)
		return NULL;
	for (struct loose *n = nodes.loose_path[hash_path(path) & (LOOSE_BUCKETS - 1)]; n;
	     n = n->path_next)
		if (strcmp(n->path, path) == 0)
			return n;
	return NULL;
}

void update_extra(struct loose *n)
{
	bool want = n->linked && n->scratch;
	if (want && !n->extra_prev) {
		n->extra_next = nodes.extras;
		if (nodes.extras)
			nodes.extras->extra_prev = &n->extra_next;
		nodes.extras = n;
		n->extra_prev = &nodes.extras;
	} else if (!want && n->extra_prev) {
		*n->extra_prev = n->extra_next;
		if (n->extra_next)
			n->extra_next->extra_prev = n->extra_prev;
		n->extra_next = NULL;
		n->extra_prev = NULL;
	}
}

void loose_link_path(struct loose *n)
{
	struct loose **b = &nodes.loose_path[hash_path(n->path) & (LOOSE_BUCKETS - 1)];
	n->path_next = *b;
	*b = n;
	n->linked = true;
	update_extra(n);
}

void loose_unlink_path(struct loose *n)
{
	if (!n->linked)
		return;
	for (struct loose **p = &nodes.loose_path[hash_path(n->path) & (LOOSE_BUCKETS - 1)]; *p;
	     p = &(*p)->path_next) {
		if (*p == n) {
			*p = n->path_next;
			break;
		}
	}
	n->linked = false;
	update_extra(n);
}

fuse_ino_t free_loose_ino(const char *path)
{
	fuse_ino_t ino = LOOSE_BIT | hash_path(path);
	while (find_loose_ino(ino))
		ino = LOOSE_BIT | (ino + 1);
	return ino;
}

static void loose_free(struct loose *n)
{
	scratch_put(n->scratch);
	fspath_clear(&n->fp);
	free(n->path);
	free(n);
}

void loose_maybe_free(struct loose *n)
{
	if (n->nlookup || (n->linked && (n->scratch || n->pending)))
		return;
	loose_unlink_path(n);
	for (struct loose **p = &nodes.loose_ino[loose_ino_bucket(n->ino)]; *p;
	     p = &(*p)->ino_next) {
		if (*p == n) {
			*p = n->ino_next;
			break;
		}
	}
	nodes.loose_count--;
	loose_free(n);
}

struct loose *loose_new(fuse_ino_t ino, const char *path, const struct fspath *fp)
{
	struct loose *n = calloc(1, sizeof(*n));
	if (!n || !(n->path = strdup(path)) || fspath_copy(&n->fp, fp)) {
		if (n)
			free(n->path);
		free(n);
		return NULL;
	}
	n->ino = ino;
	struct loose **b = &nodes.loose_ino[loose_ino_bucket(ino)];
	n->ino_next = *b;
	*b = n;
	nodes.loose_count++;
	loose_link_path(n);
	return n;
}

void loose_unlink(struct loose *n)
{
	loose_unlink_path(n);
	loose_maybe_free(n);
}

void looses_destroy(void)
{
	for (size_t i = 0; i < LOOSE_BUCKETS; i++) {
		for (struct loose *n = nodes.loose_ino[i], *next; n; n = next) {
			next = n->ino_next;
			loose_free(n);
		}
		nodes.loose_ino[i] = nodes.loose_path[i] = NULL;
	}
	nodes.extras = NULL;
	nodes.loose_count = 0;
}

/* What the change notifier must invalidate for a change (node_targets.h): the inodes
 * the table knows of a container or a namespace, collected under the table's lock. */
#include "node_targets.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "names.h"
#include "node_table.h"

static int target_add(struct node_targets *t, fuse_ino_t ino, fuse_ino_t parent,
		      enum node_kind kind, const char *name, const char *key, bool pending)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		struct node_target *v = realloc(t->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	struct node_target *e = &t->v[t->n];
	memset(e, 0, sizeof(*e));
	e->ino = ino;
	e->parent = parent;
	e->kind = kind;
	e->pending = pending;
	if (key && !(e->key = strdup(key)))
		return -ENOMEM;
	e->name = key ? names_encode(key) : name ? strdup(name) : NULL;
	if ((key || name) && !e->name) {
		free(e->key);
		return -ENOMEM;
	}
	t->n++;
	return 0;
}

void node_targets_clear(struct node_targets *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].name);
		free(t->v[i].key);
	}
	free(t->v);
	memset(t, 0, sizeof(*t));
}

static int rec_targets(struct rec *r, struct node_targets *t)
{
	int rc = 0;
	fuse_ino_t dir = make_ino(r->slot, SUB_DIR);
	for (uint32_t sub = 1; sub < SUB_FIXED_END && !rc; sub++) {
		if (!(r->known & (1u << sub)))
			continue;
		struct fspath fp;
		bool pending;
		if (record_fspath(r, sub, &fp, &pending) != 0)
			continue;
		fuse_ino_t parent = dir;
		const char *name = NULL;
		if (fp.kind == NODE_FIELD && field_in_runtime(fp.field))
			parent = make_ino(r->slot, SUB_RUNTIME);
		/* runtime/options is the one fixed name that can vanish (a container made
		 * anew under the same ID without options): named for its removal */
		if (fp.kind == NODE_FIELD && fp.field == FIELD_RUNTIME_OPTIONS)
			name = field_name(fp.field);
		rc = target_add(t, make_ino(r->slot, sub), parent, fp.kind, name, NULL, false);
		if (!rc)
			t->v[t->n - 1].field = fp.field;
		fspath_clear(&fp);
	}
	for (uint32_t i = 0; i < r->nkeys && !rc; i++) {
		struct keyent *k = &r->keys[i];
		uint32_t dsub = k->kind == NODE_LABEL	    ? SUB_LABELS
				: k->kind == NODE_EXTENSION ? SUB_EXTENSIONS
							    : SUB_NS_LABELS;
		rc = target_add(t, make_ino(r->slot, k->sub), make_ino(r->slot, dsub), k->kind,
				NULL, k->key, k->pending);
	}
	return rc;
}

/* Loose nodes below `dir`: renamed inodes the kernel may show there. */
static int loose_targets(const char *dir, struct node_targets *t)
{
	size_t dl = strlen(dir);
	int rc = 0;
	for (size_t i = 0; i < LOOSE_BUCKETS && !rc && nodes.loose_count; i++)
		for (struct loose *n = nodes.loose_ino[i]; n && !rc; n = n->ino_next)
			if (path_below(n->path, dir, dl))
				rc = target_add(t, n->ino, 0, NODE_SCRATCH, NULL, NULL, false);
	return rc;
}

/* The change of record r (NULL: the table has none) at path `dir`, whose directory is
 * in the one numbered parent_ino: marks it changed and collects its targets and those
 * of the loose nodes below it. Caller holds the lock. */
static int changed_collect(struct rec *r, const char *dir, fuse_ino_t parent_ino,
			   struct node_targets *t)
{
	int rc = 0;
	t->parent_ino = parent_ino;
	t->known = r && r->nlookup;
	t->dir_ino = r ? make_ino(r->slot, SUB_DIR) : 0;
	if (r) {
		rec_changed(r);
		rc = rec_targets(r, t);
	}
	if (!rc)
		rc = loose_targets(dir, t);
	return rc;
}

int node_ctr_changed_collect_targets(const char *ns, const char *id, struct node_targets *t)
{
	char dir[2 * CTRFS_IDENTIFIER_MAX + 2];
	snprintf(dir, sizeof(dir), "%s/%s", ns, id);
	pthread_mutex_lock(&nodes.lock);
	struct rec *nr = find_rec(ns, NULL);
	int rc = changed_collect(find_rec(ns, id), dir,
				 nr && nr->nlookup ? make_ino(nr->slot, SUB_DIR) : 0, t);
	pthread_mutex_unlock(&nodes.lock);
	return rc;
}

int node_ns_changed_collect_targets(const char *ns, struct node_targets *t)
{
	pthread_mutex_lock(&nodes.lock);
	int rc = changed_collect(find_rec(ns, NULL), ns, FUSE_ROOT_ID, t);
	pthread_mutex_unlock(&nodes.lock);
	return rc;
}

int node_foreach_known(int (*fn)(const char *ns, const char *id, void *arg), void *arg)
{
	struct name {
		char ns[CTRFS_IDENTIFIER_MAX + 1], id[CTRFS_IDENTIFIER_MAX + 1];
		bool is_ctr;
	} *v = NULL;
	size_t n = 0;
	pthread_mutex_lock(&nodes.lock);
	v = calloc(nodes.rec_count ? nodes.rec_count : 1, sizeof(*v));
	for (size_t i = 0; v && i < nodes.rec_buckets; i++) {
		for (struct rec *r = nodes.by_slot[i]; r; r = r->slot_next) {
			struct name *e = &v[n++];
			e->is_ctr = r->is_ctr;
			snprintf(e->ns, sizeof(e->ns), "%s", r->is_ctr ? r->ns->name : r->name);
			if (r->is_ctr)
				snprintf(e->id, sizeof(e->id), "%s", r->name);
		}
	}
	pthread_mutex_unlock(&nodes.lock);
	if (!v)
		return -ENOMEM;
	int rc = 0;
	/* containers first, then namespaces */
	for (size_t i = 0; i < n && !rc; i++)
		if (v[i].is_ctr)
			rc = fn(v[i].ns, v[i].id, arg);
	for (size_t i = 0; i < n && !rc; i++)
		if (!v[i].is_ctr)
			rc = fn(v[i].ns, NULL, arg);
	free(v);
	return rc;
}

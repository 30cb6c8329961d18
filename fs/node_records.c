/* The node table's records: one per namespace or container the kernel knows, found by
 * slot (an inode number's high bits) and by name, with their key entries (node_table.h
 * for the design). The table's lock (nodes.lock) is held by the callers (node.c,
 * node_targets.c, kcache.c). */
#include "node_table.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hash.h"
#include "intern.h"

uint64_t rec_hash(const char *ns, const char *id)
{
	uint64_t h = hash_str(HASH_SEED, ns);
	if (id) {
		h = (h ^ '/') * 0x100000001b3ULL;
		h = hash_str(h, id);
	}
	return hash_mix(h);
}

struct rec *find_slot(uint64_t slot)
{
	if (!nodes.rec_buckets)
		return NULL;
	for (struct rec *r = nodes.by_slot[hash_mix(slot) & (nodes.rec_buckets - 1)]; r;
	     r = r->slot_next)
		if (r->slot == slot)
			return r;
	return NULL;
}

struct rec *find_rec(const char *ns, const char *id)
{
	if (!nodes.rec_buckets)
		return NULL;
	uint64_t h = rec_hash(ns, id);
	for (struct rec *r = nodes.by_name[h & (nodes.rec_buckets - 1)]; r; r = r->name_next) {
		if (r->hash != h || r->is_ctr != (id != NULL))
			continue;
		if (id ? strcmp(r->name, id) == 0 && strcmp(r->ns->name, ns) == 0
		       : strcmp(r->name, ns) == 0)
			return r;
	}
	return NULL;
}

static void rec_link(struct rec *r)
{
	size_t i = hash_mix(r->slot) & (nodes.rec_buckets - 1),
	       j = r->hash & (nodes.rec_buckets - 1);
	r->slot_next = nodes.by_slot[i];
	nodes.by_slot[i] = r;
	r->name_next = nodes.by_name[j];
	nodes.by_name[j] = r;
}

int rec_grow(void)
{
	size_t old = nodes.rec_buckets;
	struct rec **os = nodes.by_slot, **on = nodes.by_name;
	size_t nb = old ? old * 2 : 1024;
	struct rec **s = calloc(nb, sizeof(*s)), **n = calloc(nb, sizeof(*n));
	if (!s || !n) {
		free(s);
		free(n);
		return -ENOMEM;
	}
	nodes.by_slot = s;
	nodes.by_name = n;
	nodes.rec_buckets = nb;
	for (size_t i = 0; i < old; i++) {
		for (struct rec *r = os[i], *next; r; r = next) {
			next = r->slot_next;
			rec_link(r);
		}
	}
	free(os);
	free(on);
	return 0;
}

uint64_t free_slot(uint64_t h)
{
	uint64_t slot = h % SLOT_MAX + 1;
	while (find_slot(slot))
		slot = slot % SLOT_MAX + 1;
	return slot;
}

static struct rec *rec_new(struct rec *ns, const char *name)
{
	if (nodes.rec_count >= nodes.rec_buckets && rec_grow())
		return NULL;
	size_t len = strlen(name);
	struct rec *r = calloc(1, sizeof(*r) + len + 1);
	if (!r)
		return NULL;
	memcpy(r->name, name, len + 1);
	r->is_ctr = ns != NULL;
	r->ns = ns;
	r->hash = ns ? rec_hash(ns->name, name) : rec_hash(name, NULL);
	r->slot = free_slot(r->hash);
	if (ns) {
		r->u.ctr.sizes.spec = r->u.ctr.sizes.info = -1;
		ns->refs++;
	}
	rec_link(r);
	nodes.rec_count++;
	return r;
}

static void rec_unlink(struct rec *r)
{
	struct rec **p;
	for (p = &nodes.by_slot[hash_mix(r->slot) & (nodes.rec_buckets - 1)]; *p != r;
	     p = &(*p)->slot_next)
		;
	*p = r->slot_next;
	for (p = &nodes.by_name[r->hash & (nodes.rec_buckets - 1)]; *p != r; p = &(*p)->name_next)
		;
	*p = r->name_next;
}

void rec_maybe_free(struct rec *r)
{
	if (!r || r->nlookup || r->nkeys || r->refs)
		return;
	struct rec *ns = r->ns;
	rec_unlink(r);
	nodes.rec_count--;
	free(r->keys);
	free(r->fattrs);
	free(r);
	if (ns) {
		ns->refs--;
		rec_maybe_free(ns);
	}
}

struct rec *rec_of(const struct fspath *fp, bool create)
{
	struct rec *ns = find_rec(fp->ns, NULL);
	if (!ns && create)
		ns = rec_new(NULL, fp->ns);
	if (!ns || ns_level(fp->kind))
		return ns;
	struct rec *c = find_rec(fp->ns, fp->id);
	if (!c && create) {
		c = rec_new(ns, fp->id);
		if (!c)
			rec_maybe_free(ns);
	}
	return c;
}

void recs_destroy(void)
{
	for (size_t i = 0; i < nodes.rec_buckets; i++) {
		for (struct rec *r = nodes.by_slot[i], *next; r; r = next) {
			next = r->slot_next;
			for (uint32_t k = 0; k < r->nkeys; k++)
				unintern(r->keys[k].key);
			free(r->keys);
			free(r->fattrs);
			free(r);
		}
	}
	free(nodes.by_slot);
	free(nodes.by_name);
	nodes.by_slot = nodes.by_name = NULL;
	nodes.rec_buckets = nodes.rec_count = nodes.key_count = 0;
}

/* ---- the nodes of a record ---- */

uint32_t fixed_sub(const struct fspath *fp)
{
	switch (fp->kind) {
	case NODE_NS_LABELS:
		return SUB_NS_LABELS;
	case NODE_FIELD:
		return SUB_FIELD0 + fp->field;
	case NODE_RUNTIME:
		return SUB_RUNTIME;
	case NODE_LABELS:
		return SUB_LABELS;
	case NODE_EXTENSIONS:
		return SUB_EXTENSIONS;
	case NODE_CRI:
		return SUB_CRI;
	case NODE_CRI_STATUS:
		return SUB_CRI_STATUS;
	case NODE_CRI_FILE:
		return SUB_CRI_FILE0 + fp->field;
	case NODE_TASK:
		return SUB_TASK;
	case NODE_TASK_FILE:
		return SUB_TASK_FILE0 + fp->field;
	default:
		return SUB_DIR;
	}
}

int record_fspath(struct rec *r, uint32_t sub, struct fspath *fp, bool *pending)
{
	memset(fp, 0, sizeof(*fp));
	*pending = false;
	struct rec *ns = r->is_ctr ? r->ns : r;
	strcpy(fp->ns, ns->name);
	if (r->is_ctr)
		strcpy(fp->id, r->name);
	if (sub >= SUB_KEY0) {
		struct keyent *k = key_by_sub(r, sub);
		if (!k)
			return -ESTALE;
		fp->kind = k->kind;
		*pending = k->pending;
		return (fp->key = strdup(k->key)) ? 0 : -ENOMEM;
	}
	if (!r->is_ctr) {
		if (sub > SUB_NS_LABELS)
			return -ESTALE;
		fp->kind = sub == SUB_DIR ? NODE_NS : NODE_NS_LABELS;
		return 0;
	}
	if (sub == SUB_DIR)
		fp->kind = NODE_CTR;
	else if (sub < SUB_RUNTIME)
		fp->kind = NODE_FIELD, fp->field = sub - SUB_FIELD0;
	else if (sub == SUB_RUNTIME)
		fp->kind = NODE_RUNTIME;
	else if (sub == SUB_LABELS)
		fp->kind = NODE_LABELS;
	else if (sub == SUB_EXTENSIONS)
		fp->kind = NODE_EXTENSIONS;
	else if (sub == SUB_CRI)
		fp->kind = NODE_CRI;
	else if (sub == SUB_CRI_STATUS)
		fp->kind = NODE_CRI_STATUS;
	else if (sub >= SUB_CRI_FILE0 && sub < SUB_CRI_END)
		fp->kind = NODE_CRI_FILE, fp->field = (enum field)(sub - SUB_CRI_FILE0);
	else if (sub == SUB_TASK)
		fp->kind = NODE_TASK;
	else if (sub >= SUB_TASK_FILE0 && sub < SUB_TASK_END)
		fp->kind = NODE_TASK_FILE, fp->field = (enum field)(sub - SUB_TASK_FILE0);
	else
		return -ESTALE;
	return 0;
}

/* ---- key entries ---- */

struct keyent *key_find(struct rec *r, enum node_kind kind, const char *key)
{
	for (uint32_t i = 0; r && i < r->nkeys; i++) {
		struct keyent *k = &r->keys[i];
		if (k->kind == kind && strcmp(k->key, key) == 0)
			return k;
	}
	return NULL;
}

struct keyent *key_by_sub(struct rec *r, uint32_t sub)
{
	for (uint32_t i = 0; i < r->nkeys; i++)
		if (r->keys[i].sub == sub)
			return &r->keys[i];
	return NULL;
}

uint32_t free_sub(struct rec *r, uint64_t slot, enum node_kind kind, const char *key)
{
	const uint32_t span = SUB_MASK + 1 - SUB_KEY0;
	uint32_t sub = SUB_KEY0 + (uint32_t)(hash_mix(hash_path(key) + (uint64_t)kind) % span);
	while ((r && key_by_sub(r, sub)) || find_loose_ino(make_ino(slot, sub)))
		sub = sub + 1 > SUB_MASK ? SUB_KEY0 : sub + 1;
	return sub;
}

struct keyent *key_add(struct rec *r, enum node_kind kind, const char *key)
{
	if (r->nkeys == r->capkeys) {
		uint32_t cap = r->capkeys ? r->capkeys * 2 : 4;
		struct keyent *k = realloc(r->keys, cap * sizeof(*k));
		if (!k)
			return NULL;
		r->keys = k;
		r->capkeys = cap;
	}
	const char *ik = intern(key);
	if (!ik)
		return NULL;
	struct keyent *k = &r->keys[r->nkeys];
	memset(k, 0, sizeof(*k));
	k->key = ik;
	k->kind = kind;
	k->sub = free_sub(r, r->slot, kind, key);
	r->nkeys++;
	nodes.key_count++;
	return k;
}

void key_remove(struct rec *r, struct keyent *k)
{
	unintern(k->key);
	*k = r->keys[--r->nkeys];
	nodes.key_count--;
	if (!r->nkeys) {
		free(r->keys);
		r->keys = NULL;
		r->capkeys = 0;
	}
}

void key_maybe_remove(struct rec *r, struct keyent *k)
{
	if (k->nlookup || k->pending)
		return;
	key_remove(r, k);
	rec_maybe_free(r);
}

void drop_pending(struct rec *r)
{
	for (uint32_t i = r->nkeys; i-- > 0;) {
		struct keyent *k = &r->keys[i];
		if (k->pending) {
			k->pending = false;
			if (!k->nlookup)
				key_remove(r, k);
		}
	}
}

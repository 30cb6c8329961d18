/* The node table (node.h): inode numbers for the paths the kernel looks up, what each
 * stands for, lookup counts, and the scratch and pending files only the table knows.
 * Records, key entries and loose nodes are in node_records.c and node_loose.c (the
 * design in node_table.h); what a change invalidates in node_targets.c; what the
 * kernel was told in kcache.c. */
#include "node.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "intern.h"
#include "names.h"
#include "node_table.h"
#include "scratch.h"

struct node_table nodes = {.lock = PTHREAD_MUTEX_INITIALIZER};

int nodes_init(void)
{
	return rec_grow();
}

void nodes_destroy(void)
{
	recs_destroy();
	looses_destroy();
	intern_destroy();
}

static int copy_loose(const struct loose *n, struct nodeinfo *out)
{
	memset(out, 0, sizeof(*out));
	out->ino = n->ino;
	out->loose = true;
	if (!(out->path = strdup(n->path)) || fspath_copy(&out->fp, &n->fp)) {
		free(out->path);
		out->path = NULL;
		return -ENOMEM;
	}
	out->scratch = scratch_get(n->scratch);
	out->pending = n->pending;
	return 0;
}

static int special_node(fuse_ino_t ino, struct nodeinfo *out)
{
	memset(out, 0, sizeof(*out));
	out->ino = ino;
	out->fp.kind = ino == FUSE_ROOT_ID	? NODE_ROOT
		       : ino == NODE_EVENTS_INO ? NODE_EVENTS
						: NODE_ERRORS;
	out->path = strdup(ino == FUSE_ROOT_ID	    ? ""
			   : ino == NODE_EVENTS_INO ? ".events"
						    : ".errors");
	return out->path ? 0 : -ENOMEM;
}

int node_get(fuse_ino_t ino, struct nodeinfo *out)
{
	if (ino == FUSE_ROOT_ID || ino == NODE_EVENTS_INO || ino == NODE_ERRORS_INO)
		return special_node(ino, out);
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&nodes.lock);
	struct loose *n = find_loose_ino(ino);
	int rc;
	if (n) {
		rc = copy_loose(n, out);
	} else {
		struct rec *r = find_slot(ino >> SUB_BITS);
		rc = r ? record_fspath(r, ino & SUB_MASK, &out->fp, &out->pending) : -ESTALE;
	}
	pthread_mutex_unlock(&nodes.lock);
	if (!rc && !n) {
		out->ino = ino;
		if (!(out->path = fspath_store_path(&out->fp)))
			rc = -ENOMEM;
	}
	if (rc)
		nodeinfo_clear(out);
	return rc;
}

int node_find(const char *path, const struct fspath *fp, struct nodeinfo *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&nodes.lock);
	struct loose *n = find_loose_path(path);
	int rc = -ENOENT;
	if (n) {
		rc = copy_loose(n, out);
	} else if (node_is_key(fp->kind)) {
		struct rec *r = rec_of(fp, false);
		struct keyent *k = key_find(r, fp->kind, fp->key);
		if (k) {
			out->ino = make_ino(r->slot, k->sub);
			out->pending = k->pending;
			rc = fspath_copy(&out->fp, fp);
			if (!rc && !(out->path = strdup(path)))
				rc = -ENOMEM;
		}
	}
	pthread_mutex_unlock(&nodes.lock);
	if (rc)
		nodeinfo_clear(out);
	return rc;
}

void nodeinfo_clear(struct nodeinfo *ni)
{
	free(ni->path);
	ni->path = NULL;
	fspath_clear(&ni->fp);
	scratch_put(ni->scratch);
	ni->scratch = NULL;
}

/* The number fp's node has or would get; caller holds the table's lock. */
static fuse_ino_t ino_of(const struct fspath *fp)
{
	struct rec *r = rec_of(fp, false);
	uint64_t slot;
	if (r) {
		slot = r->slot;
	} else {
		/* what rec_new would give it now */
		struct rec *ns = ns_level(fp->kind) ? NULL : find_rec(fp->ns, NULL);
		slot = free_slot(ns_level(fp->kind) ? rec_hash(fp->ns, NULL)
						    : rec_hash(ns ? ns->name : fp->ns, fp->id));
	}
	if (!node_is_key(fp->kind))
		return make_ino(slot, fixed_sub(fp));
	struct keyent *k = key_find(r, fp->kind, fp->key);
	return make_ino(slot, k ? k->sub : free_sub(r, slot, fp->kind, fp->key));
}

fuse_ino_t node_ino_of(const char *path, const struct fspath *fp)
{
	if (fp->kind == NODE_ROOT)
		return FUSE_ROOT_ID;
	if (fp->kind == NODE_EVENTS)
		return NODE_EVENTS_INO;
	if (fp->kind == NODE_ERRORS)
		return NODE_ERRORS_INO;
	pthread_mutex_lock(&nodes.lock);
	struct loose *n = find_loose_path(path);
	fuse_ino_t ino = n ? n->ino : node_is_loose(fp->kind) ? free_loose_ino(path) : ino_of(fp);
	pthread_mutex_unlock(&nodes.lock);
	return ino;
}

fuse_ino_t node_remember(const char *path, const struct fspath *fp, struct scratch *scratch,
			 bool pending, bool *volatile_)
{
	bool vol = false;
	fuse_ino_t ino = 0;
	if (fp->kind == NODE_ROOT || NODE_IS_OWN(fp->kind)) {
		if (volatile_)
			*volatile_ = false;
		return fp->kind == NODE_ROOT	 ? FUSE_ROOT_ID
		       : fp->kind == NODE_EVENTS ? NODE_EVENTS_INO
						 : NODE_ERRORS_INO;
	}
	pthread_mutex_lock(&nodes.lock);
	struct loose *n = find_loose_path(path);
	/* the derived views are loose too: never cached, gone once forgotten */
	if (!n && (scratch || node_is_loose(fp->kind)) &&
	    (n = loose_new(free_loose_ino(path), path, fp)))
		n->scratch = scratch ? scratch_get(scratch) : NULL;
	if (n) {
		n->nlookup++;
		n->pending |= pending && node_is_images(fp->kind);
		update_extra(n);
		ino = n->ino;
		vol = true;
	} else if (fp->kind != NODE_SCRATCH) {
		struct rec *r = rec_of(fp, true);
		if (r && node_is_key(fp->kind)) {
			struct keyent *k = key_find(r, fp->kind, fp->key);
			if (!k)
				k = key_add(r, fp->kind, fp->key);
			if (k) {
				if (k->nlookup != UINT32_MAX)
					k->nlookup++;
				k->pending |= pending;
				ino = make_ino(r->slot, k->sub);
			} else {
				rec_maybe_free(r);
			}
		} else if (r) {
			uint32_t sub = fixed_sub(fp);
			r->nlookup++;
			if (sub < SUB_FIXED_END)
				r->known |= (uint16_t)(1u << sub);
			ino = make_ino(r->slot, sub);
		}
	}
	pthread_mutex_unlock(&nodes.lock);
	if (volatile_)
		*volatile_ = vol;
	return ino;
}

void node_forget(fuse_ino_t ino, uint64_t nlookup)
{
	if (ino == FUSE_ROOT_ID || ino == NODE_EVENTS_INO || ino == NODE_ERRORS_INO)
		return;
	pthread_mutex_lock(&nodes.lock);
	struct loose *n = find_loose_ino(ino);
	if (n) {
		n->nlookup = nlookup < n->nlookup ? n->nlookup - nlookup : 0;
		loose_maybe_free(n);
	} else {
		struct rec *r = find_slot(ino >> SUB_BITS);
		uint32_t sub = ino & SUB_MASK;
		if (r && sub >= SUB_KEY0) {
			struct keyent *k = key_by_sub(r, sub);
			if (k) {
				k->nlookup =
				    nlookup < k->nlookup ? k->nlookup - (uint32_t)nlookup : 0;
				key_maybe_remove(r, k);
			}
		} else if (r) {
			r->nlookup = nlookup < r->nlookup ? r->nlookup - nlookup : 0;
			rec_maybe_free(r);
		}
	}
	pthread_mutex_unlock(&nodes.lock);
}

void node_set_pending(const char *path, const struct fspath *fp, bool pending)
{
	if (node_is_images(fp->kind)) {
		/* an image's label: a loose node, kept while pending */
		pthread_mutex_lock(&nodes.lock);
		struct loose *n = find_loose_path(path);
		if (!n && pending)
			n = loose_new(free_loose_ino(path), path, fp);
		if (n) {
			n->pending = pending;
			loose_maybe_free(n);
		}
		pthread_mutex_unlock(&nodes.lock);
		return;
	}
	if (!node_is_key(fp->kind))
		return;
	pthread_mutex_lock(&nodes.lock);
	struct rec *r = rec_of(fp, pending);
	struct keyent *k = r ? key_find(r, fp->kind, fp->key) : NULL;
	if (!k && r && pending)
		k = key_add(r, fp->kind, fp->key);
	if (k) {
		k->pending = pending;
		if (!pending)
			key_maybe_remove(r, k);
	} else if (r) {
		rec_maybe_free(r);
	}
	pthread_mutex_unlock(&nodes.lock);
}

/* Takes the key entry k of r out of the tree: while the kernel holds it, it lives on
 * as a loose node with its number. Caller holds the table's lock. */
static struct loose *key_detach(struct rec *r, struct keyent *k, const char *path,
				const struct fspath *fp)
{
	struct loose *n = NULL;
	if (k->nlookup) {
		n = loose_new(make_ino(r->slot, k->sub), path, fp);
		if (n)
			n->nlookup = k->nlookup;
	}
	k->nlookup = 0;
	k->pending = false;
	key_maybe_remove(r, k);
	return n;
}

void node_unlink(const char *path)
{
	pthread_mutex_lock(&nodes.lock);
	struct loose *n = find_loose_path(path);
	if (n)
		loose_unlink(n);
	pthread_mutex_unlock(&nodes.lock);
}

int node_move(const char *from, const struct fspath *from_fp, const char *to,
	      const struct fspath *fp, struct scratch *scratch)
{
	int rc = 0;
	pthread_mutex_lock(&nodes.lock);
	struct loose *n = find_loose_path(from), *old = find_loose_path(to);
	struct rec *fr = NULL, *tr = node_is_key(fp->kind) ? rec_of(fp, false) : NULL;
	struct keyent *fk = NULL, *tk = tr ? key_find(tr, fp->kind, fp->key) : NULL;
	if (!n && node_is_key(from_fp->kind)) {
		fr = rec_of(from_fp, false);
		fk = key_find(fr, from_fp->kind, from_fp->key);
	}
	bool same_dir = fk && fr == tr;
	/* what `to` was is unlinked, as rename(2) does; its inode lives on while held */
	if (old && old != n)
		loose_unlink(old);
	if (tk && tk != fk) {
		struct loose *gone = key_detach(tr, tk, to, fp);
		if (gone)
			loose_unlink(gone);
		if (fk) /* the entries moved in the array */
			fk = key_find(fr, from_fp->kind, from_fp->key);
	}
	if (same_dir && !scratch) {
		/* a key renamed within its directory keeps its entry and number */
		const char *ik = intern(fp->key);
		if (ik) {
			unintern(fk->key);
			fk->key = ik;
		} else {
			rc = -ENOMEM;
		}
		pthread_mutex_unlock(&nodes.lock);
		return rc;
	}
	if (fk) /* a key becoming a scratch file: its inode goes with it, loose */
		n = key_detach(fr, fk, from, from_fp);
	if (n) {
		char *p = strdup(to);
		struct fspath copy;
		if (!p || fspath_copy(&copy, fp)) {
			free(p);
			rc = -ENOMEM;
		} else {
			loose_unlink_path(n);
			free(n->path);
			fspath_clear(&n->fp);
			n->path = p;
			n->fp = copy;
			loose_link_path(n);
		}
	} else if (scratch && !(n = loose_new(free_loose_ino(to), to, fp))) {
		rc = -ENOMEM;
	}
	if (!rc && n && scratch) {
		scratch_put(n->scratch);
		n->scratch = scratch_get(scratch);
		update_extra(n);
	}
	if (n)
		loose_maybe_free(n);
	pthread_mutex_unlock(&nodes.lock);
	return rc;
}

int node_add_scratch(const char *path, const struct fspath *fp, struct scratch *s)
{
	pthread_mutex_lock(&nodes.lock);
	struct loose *old = find_loose_path(path), *n;
	if (old)
		loose_unlink(old);
	n = loose_new(free_loose_ino(path), path, fp);
	if (n) {
		n->scratch = scratch_get(s);
		update_extra(n);
	}
	pthread_mutex_unlock(&nodes.lock);
	return n ? 0 : -ENOMEM;
}

void node_unlink_below(const char *dir)
{
	size_t dl = strlen(dir);
	const char *slash = strchr(dir, '/');
	char ns[CTRFS_IDENTIFIER_MAX + 1];
	snprintf(ns, sizeof(ns), "%.*s", (int)(slash ? (size_t)(slash - dir) : dl), dir);
	pthread_mutex_lock(&nodes.lock);
	for (struct loose *n = nodes.extras, *next; n; n = next) {
		next = n->extra_next;
		if (path_below(n->path, dir, dl))
			loose_unlink(n);
	}
	for (size_t i = 0; i < nodes.rec_buckets; i++) {
		for (struct rec *r = nodes.by_slot[i], *next; r; r = next) {
			next = r->slot_next;
			struct rec *rns = r->is_ctr ? r->ns : r;
			if (!r->nkeys || strcmp(rns->name, ns) != 0)
				continue;
			if (!slash || (r->is_ctr && strcmp(r->name, slash + 1) == 0)) {
				drop_pending(r);
				rec_maybe_free(r);
			}
		}
	}
	pthread_mutex_unlock(&nodes.lock);
}

void node_foreach_extra(const char *dir_path, const struct fspath *dir,
			void (*fn)(const char *name, void *arg), void *arg)
{
	size_t dl = strlen(dir_path);
	char **names = NULL;
	size_t count = 0;
	pthread_mutex_lock(&nodes.lock);
	for (struct loose *n = nodes.extras; n; n = n->extra_next) {
		const char *name = dl ? n->path + dl + 1 : n->path;
		if ((dl == 0 || path_below(n->path, dir_path, dl)) && !strchr(name, '/'))
			fn(name, arg);
	}
	enum node_kind key_kind = dir->kind == NODE_LABELS	 ? NODE_LABEL
				  : dir->kind == NODE_EXTENSIONS ? NODE_EXTENSION
				  : dir->kind == NODE_NS_LABELS	 ? NODE_NS_LABEL
								 : NODE_ROOT;
	struct fspath kfp = *dir;
	kfp.kind = key_kind;
	struct rec *r = key_kind != NODE_ROOT ? rec_of(&kfp, false) : NULL;
	for (uint32_t i = 0; r && i < r->nkeys; i++) {
		if (r->keys[i].kind != key_kind || !r->keys[i].pending)
			continue;
		char **v = realloc(names, (count + 1) * sizeof(*v));
		if (!v)
			break;
		names = v;
		if ((names[count] = names_encode(r->keys[i].key)))
			count++;
	}
	pthread_mutex_unlock(&nodes.lock);
	/* fn may take other locks: called for the keys with the table unlocked */
	for (size_t i = 0; i < count; i++) {
		fn(names[i], arg);
		free(names[i]);
	}
	free(names);
}

void node_stats(size_t *records, size_t *keys, size_t *generic)
{
	pthread_mutex_lock(&nodes.lock);
	*records = nodes.rec_count;
	*keys = nodes.key_count;
	*generic = nodes.loose_count;
	pthread_mutex_unlock(&nodes.lock);
}

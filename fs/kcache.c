/* What the kernel was told (kcache.h), kept in the node table's records under its
 * lock: a record that goes takes its part with it. */
#include "kcache.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "node_table.h"

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int64_t tns(ctrfs_time t)
{
	return t.sec * 1000000000LL + t.nsec;
}

void rec_changed(struct rec *r)
{
	r->attrs_epoch = ++nodes.epoch;
	r->attrs_known = false;
	/* the files' attributes are not to be used, but which files a tool looked at
	 * is what the notifier refreshes (node_file_attrs_stale) */
	for (uint16_t i = 0; i < r->nfattrs; i++)
		r->fattrs[i].stale = 1;
	if (r->is_ctr) {
		r->u.ctr.sz_epoch = r->attrs_epoch;
		r->u.ctr.sizes.spec = r->u.ctr.sizes.info = -1;
	}
	r->changed_at = now_ns();
}

/* ---- directories' attributes ---- */

bool node_dir_attrs_get(const char *ns, const char *id, struct node_dir_attrs *out)
{
	pthread_mutex_lock(&nodes.lock);
	struct rec *r = find_rec(ns, id);
	bool known = r && r->attrs_known;
	if (known)
		*out = r->attrs;
	pthread_mutex_unlock(&nodes.lock);
	return known;
}

void node_dir_attrs_put(const char *ns, const char *id, uint64_t epoch,
			const struct node_dir_attrs *a)
{
	pthread_mutex_lock(&nodes.lock);
	struct rec *r = find_rec(ns, id);
	if (r && r->attrs_epoch <= epoch) {
		r->attrs = *a;
		r->attrs_known = true;
	}
	pthread_mutex_unlock(&nodes.lock);
}

bool node_changed_within(const struct fspath *fp, uint64_t ns)
{
	uint64_t now = now_ns();
	pthread_mutex_lock(&nodes.lock);
	struct rec *r = rec_of(fp, false);
	bool recent = r && r->changed_at && now - r->changed_at < ns;
	pthread_mutex_unlock(&nodes.lock);
	return recent;
}

/* A record's files whose attributes are kept: beyond, none more (a container's own
 * files and the keys a tool looks at are far fewer). */
#define FATTRS_MAX 64

static struct file_attrs *file_attrs_find(struct rec *r, uint32_t sub)
{
	for (uint16_t i = 0; r && i < r->nfattrs; i++)
		if (r->fattrs[i].sub == sub)
			return &r->fattrs[i];
	return NULL;
}

bool node_file_attrs_get(fuse_ino_t ino, size_t *len, ctrfs_time *mtime)
{
	if (ino & LOOSE_BIT)
		return false;
	pthread_mutex_lock(&nodes.lock);
	struct file_attrs *f = file_attrs_find(find_slot(ino >> SUB_BITS), ino & SUB_MASK);
	if (f && f->stale)
		f = NULL;
	if (f) {
		*len = f->len;
		mtime->sec = f->mtime / 1000000000LL;
		mtime->nsec = (int32_t)(f->mtime % 1000000000LL);
	}
	pthread_mutex_unlock(&nodes.lock);
	return f != NULL;
}

void node_file_attrs_put(fuse_ino_t ino, uint64_t epoch, size_t len, ctrfs_time mtime)
{
	if ((ino & LOOSE_BIT) || len > UINT32_MAX || mtime.sec < 0)
		return;
	pthread_mutex_lock(&nodes.lock);
	struct rec *r = find_slot(ino >> SUB_BITS);
	struct file_attrs *f =
	    r && r->attrs_epoch <= epoch ? file_attrs_find(r, ino & SUB_MASK) : NULL;
	/* full: in place of one kept before the last change */
	for (uint16_t i = 0;
	     !f && r && r->attrs_epoch <= epoch && r->nfattrs == FATTRS_MAX && i < r->nfattrs; i++)
		if (r->fattrs[i].stale)
			f = &r->fattrs[i];
	if (!f && r && r->attrs_epoch <= epoch && r->nfattrs < FATTRS_MAX) {
		if (r->nfattrs == r->capfattrs) {
			uint16_t cap = r->capfattrs ? r->capfattrs * 2 : 4;
			struct file_attrs *v = realloc(r->fattrs, cap * sizeof(*v));
			if (v) {
				r->fattrs = v;
				r->capfattrs = cap;
			}
		}
		if (r->nfattrs < r->capfattrs)
			f = &r->fattrs[r->nfattrs++];
	}
	if (f) {
		f->sub = ino & SUB_MASK;
		f->stale = 0;
		f->len = (uint32_t)len;
		f->mtime = tns(mtime);
	}
	pthread_mutex_unlock(&nodes.lock);
}

size_t node_file_attrs_stale(fuse_ino_t dir, fuse_ino_t *out, size_t max)
{
	size_t n = 0;
	if (dir & LOOSE_BIT)
		return 0;
	pthread_mutex_lock(&nodes.lock);
	struct rec *r = find_slot(dir >> SUB_BITS);
	/* the latest kept first: the file a tool is working on */
	for (uint16_t i = r ? r->nfattrs : 0; i-- > 0 && n < max;)
		if (r->fattrs[i].stale)
			out[n++] = make_ino(r->slot, r->fattrs[i].sub);
	pthread_mutex_unlock(&nodes.lock);
	return n;
}

/* ---- cached sizes ---- */

/* A counter of the table's, read under its lock. */
static uint64_t counter(const uint64_t *c)
{
	pthread_mutex_lock(&nodes.lock);
	uint64_t v = *c;
	pthread_mutex_unlock(&nodes.lock);
	return v;
}

uint64_t node_epoch(void)
{
	return counter(&nodes.epoch);
}

bool node_sizes_use_version(const char *ns, const char *id, ctrfs_time created, ctrfs_time updated,
			    struct node_sizes *out)
{
	pthread_mutex_lock(&nodes.lock);
	struct rec *r = find_rec(ns, id);
	if (r && !(r->u.ctr.sz_created == tns(created) && r->u.ctr.sz_updated == tns(updated))) {
		/* another version of the container: what was cached is not its */
		r->u.ctr.sizes.spec = r->u.ctr.sizes.info = -1;
		r->u.ctr.sz_created = tns(created);
		r->u.ctr.sz_updated = tns(updated);
	}
	if (r) {
		out->spec = r->u.ctr.sizes.spec;
		out->info = r->u.ctr.sizes.info;
	}
	pthread_mutex_unlock(&nodes.lock);
	return r != NULL;
}

void node_sizes_put(const char *ns, const char *id, ctrfs_time created, ctrfs_time updated,
		    uint64_t at, const struct node_sizes *sz)
{
	pthread_mutex_lock(&nodes.lock);
	struct rec *r = find_rec(ns, id);
	if (r && r->u.ctr.sz_epoch <= at && r->u.ctr.sz_created == tns(created) &&
	    r->u.ctr.sz_updated == tns(updated)) {
		if (sz->spec >= 0)
			r->u.ctr.sizes.spec = sz->spec;
		if (sz->info >= 0)
			r->u.ctr.sizes.info = sz->info;
	}
	pthread_mutex_unlock(&nodes.lock);
}

/* ---- versions the kernel may hold pages of ---- */

void node_ctr_seen(const char *ns, const char *id, ctrfs_time created, ctrfs_time updated)
{
	pthread_mutex_lock(&nodes.lock);
	struct rec *r = find_rec(ns, id);
	if (r && !r->ver_known) {
		r->u.ctr.ver_created = tns(created);
		r->u.ctr.ver_updated = tns(updated);
		r->ver_known = true;
	}
	pthread_mutex_unlock(&nodes.lock);
}

bool node_ctr_version_changed(const char *ns, const char *id, ctrfs_time created,
			      ctrfs_time updated)
{
	pthread_mutex_lock(&nodes.lock);
	struct rec *r = find_rec(ns, id);
	bool same = r && r->ver_known && r->u.ctr.ver_created == tns(created) &&
		    r->u.ctr.ver_updated == tns(updated);
	if (same)
		r->no_keep = true;
	if (r) {
		r->u.ctr.ver_created = tns(created);
		r->u.ctr.ver_updated = tns(updated);
		r->ver_known = true;
	}
	pthread_mutex_unlock(&nodes.lock);
	return same;
}

bool node_ctr_no_keep(const char *ns, const char *id)
{
	pthread_mutex_lock(&nodes.lock);
	struct rec *r = find_rec(ns, id);
	bool no = r && r->no_keep;
	pthread_mutex_unlock(&nodes.lock);
	return no;
}

/* ---- the number of containers of a namespace ---- */

uint64_t node_ns_count_gen(void)
{
	return counter(&nodes.count_gen);
}

bool node_ns_count_get(const char *ns, size_t *count)
{
	pthread_mutex_lock(&nodes.lock);
	struct rec *r = find_rec(ns, NULL);
	bool known = r && r->ns_count_known;
	if (known)
		*count = r->u.ns.count;
	pthread_mutex_unlock(&nodes.lock);
	return known;
}

void node_ns_count_put(const char *ns, uint64_t gen, size_t count)
{
	pthread_mutex_lock(&nodes.lock);
	struct rec *r = find_rec(ns, NULL);
	if (r && gen == nodes.count_gen) {
		r->u.ns.count = count;
		r->ns_count_known = true;
	}
	pthread_mutex_unlock(&nodes.lock);
}

void node_ns_count_forget(const char *ns)
{
	pthread_mutex_lock(&nodes.lock);
	nodes.count_gen++;
	for (size_t i = 0; i < nodes.rec_buckets; i++)
		for (struct rec *r = nodes.by_name[i]; r; r = r->name_next)
			if (!r->is_ctr && (!ns || strcmp(r->name, ns) == 0))
				r->ns_count_known = false;
	pthread_mutex_unlock(&nodes.lock);
}

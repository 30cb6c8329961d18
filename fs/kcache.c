/* What the kernel was told (kcache.h), kept in the node table's records under its
 * lock: a record that goes takes its part with it. */
#include "kcache.h"

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
	if (r->is_ctr) {
		r->u.ctr.sz_epoch = ++nodes.epoch;
		r->u.ctr.sizes.spec = r->u.ctr.sizes.info = -1;
	}
	r->changed_at = now_ns();
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

/* The derived views' shared part: their data kept per change. */
#include "views.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void data_free(struct view_cache *c, struct view_data *d)
{
	free(d->name);
	c->free(d);
}

void view_put(struct view_cache *c, struct view_data *d)
{
	if (!d)
		return;
	pthread_mutex_lock(&c->lock);
	bool last = --d->refs == 0;
	pthread_mutex_unlock(&c->lock);
	if (last)
		data_free(c, d);
}

static bool same(const struct view_data *d, const char *ns, const char *name)
{
	return strcmp(d->ns, ns) == 0 && strcmp(d->name, name) == 0;
}

int view_get(struct view_cache *c, struct source *src, const char *ns, const char *name,
	     view_build_fn build, struct view_data **out)
{
	uint64_t seq;
	int rc = source_last_seq(src, &seq);
	if (rc)
		return rc;
	pthread_mutex_lock(&c->lock);
	for (unsigned i = 0; i < VIEW_CACHED; i++) {
		struct view_data *d = c->slot[i];
		if (d && d->seq == seq && same(d, ns, name)) {
			d->refs++;
			pthread_mutex_unlock(&c->lock);
			*out = d;
			return 0;
		}
	}
	pthread_mutex_unlock(&c->lock);
	struct view_data *d;
	if ((rc = build(src, ns, name, &d)))
		return rc;
	snprintf(d->ns, sizeof(d->ns), "%s", ns);
	d->seq = seq;
	d->refs = 1;
	if (!(d->name = strdup(name))) {
		c->free(d);
		return -ENOMEM;
	}
	pthread_mutex_lock(&c->lock);
	/* one entry per (namespace, name): the newest */
	unsigned slot = c->next;
	for (unsigned i = 0; i < VIEW_CACHED; i++)
		if (c->slot[i] && same(c->slot[i], ns, name))
			slot = i;
	if (slot == c->next)
		c->next = (c->next + 1) % VIEW_CACHED;
	struct view_data *old = c->slot[slot];
	c->slot[slot] = d;
	d->refs++;
	bool last = old && --old->refs == 0;
	pthread_mutex_unlock(&c->lock);
	if (last)
		data_free(c, old);
	*out = d;
	return 0;
}

void view_cache_destroy(struct view_cache *c)
{
	for (unsigned i = 0; i < VIEW_CACHED; i++) {
		view_put(c, c->slot[i]);
		c->slot[i] = NULL;
	}
}

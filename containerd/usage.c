/* An image's SIZE and PLATFORMS as `ctr images ls` computes them: walks of its target's
 * documents in the content store, read with Content.Read (images.Image.Size with
 * platforms.Default(), images.Platforms). */
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "oci.h"
#include "status.h"

/* Index, manifest and config documents are small (registries refuse manifests over
 * 4 MiB); a larger one is not an image document worth reading. */
#define DOC_MAX (16u << 20)
/* Digests make a cycle impossible, but not a deep chain of nested indexes. */
#define DEPTH_MAX 32
#define HOST_MAX 8

struct blob {
	struct blob *next;
	char *digest;
	uint8_t *data;
	size_t len;
};

struct walk {
	ctrd_client *c;
	const char *ns;
	struct ctrd_status *st;
	struct blob *cache; /* each document is read once for both walks */
	struct oci_platform host[HOST_MAX];
	size_t n_host;
	int64_t size;
	char **platforms;
	size_t n_platforms;
};

void ctrd_image_usage_clear(struct ctrd_image_usage *u)
{
	for (size_t i = 0; u->platforms && i < u->n_platforms; i++)
		free(u->platforms[i]);
	free(u->platforms);
	memset(u, 0, sizeof(*u));
}

static int read_doc(struct walk *w, const char *digest, const uint8_t **data, size_t *len)
{
	struct blob *b;
	for (b = w->cache; b; b = b->next)
		if (strcmp(b->digest, digest) == 0)
			break;
	if (!b) {
		b = calloc(1, sizeof(*b));
		if (!b || !(b->digest = strdup(digest))) {
			free(b);
			return ctrd_status_set(w->st, CTRD_RESOURCE_EXHAUSTED, "out of memory");
		}
		int rc = ctrd_content_read(w->c, w->ns, digest, DOC_MAX, &b->data, &b->len, w->st);
		if (rc != CTRD_OK) {
			free(b->digest);
			free(b);
			return rc;
		}
		b->next = w->cache;
		w->cache = b;
	}
	*data = b->data;
	*len = b->len;
	return CTRD_OK;
}

/* images.Children: the documents a descriptor points at (read only for manifests and
 * indexes). */
static int children(struct walk *w, const char *media_type, const char *digest,
		    struct oci_desc_list *out)
{
	memset(out, 0, sizeof(*out));
	if (!oci_is_manifest(media_type) && !oci_is_index(media_type))
		return CTRD_OK;
	const uint8_t *data;
	size_t len;
	int rc = read_doc(w, digest, &data, &len);
	if (rc != CTRD_OK)
		return rc;
	char *err = NULL;
	if (oci_children(media_type, data, len, out, &err) < 0) {
		rc = ctrd_status_set(w->st, CTRD_UNKNOWN, "children: invalid desc %s: %s", digest,
				     err ? err : "out of memory");
		free(err);
	}
	return rc;
}

/* FilterPlatforms then LimitManifests(1): children for another platform go; of an
 * index's, the best for this host stays (those without a platform rank last). */
static int pick_for_host(struct walk *w, const char *media_type, struct oci_desc_list *l, size_t *n)
{
	size_t kept = 0, best = 0, best_rank = w->n_host + 1;
	for (size_t i = 0; i < l->n; i++) {
		struct oci_desc *d = &l->items[i];
		size_t rank = d->has_platform ? oci_platform_rank(&d->platform, w->host, w->n_host)
					      : w->n_host;
		if (d->has_platform && rank == w->n_host)
			continue; /* FilterPlatforms */
		if (rank < best_rank)
			best = kept, best_rank = rank; /* the first of the best: a stable sort */
		struct oci_desc tmp = l->items[kept];
		l->items[kept++] = *d;
		*d = tmp;
	}
	/* what was filtered out now sits past KEPT, still owned by L until cleared */
	*n = kept;
	if (!oci_is_index(media_type))
		return CTRD_OK;
	if (kept == 0)
		return ctrd_status_set(w->st, CTRD_NOT_FOUND,
				       "no match for platform in manifest: not found");
	struct oci_desc tmp = l->items[0];
	l->items[0] = l->items[best];
	l->items[best] = tmp;
	*n = 1;
	return CTRD_OK;
}

/* images.Image.Size: every descriptor on the host's path through the image. */
static int walk_size(struct walk *w, const char *media_type, const char *digest, int64_t size,
		     int depth)
{
	if (size < 0)
		return ctrd_status_set(w->st, CTRD_UNKNOWN, "invalid size %lld in %s (%s)",
				       (long long)size, digest, media_type);
	if (depth > DEPTH_MAX)
		return ctrd_status_set(w->st, CTRD_UNKNOWN, "%s: nested deeper than %d documents",
				       digest, DEPTH_MAX);
	w->size += size;
	struct oci_desc_list l;
	size_t n = 0;
	int rc = children(w, media_type, digest, &l);
	if (rc == CTRD_OK)
		rc = pick_for_host(w, media_type, &l, &n);
	for (size_t i = 0; rc == CTRD_OK && i < n; i++)
		rc = walk_size(w, l.items[i].media_type, l.items[i].digest, l.items[i].size,
			       depth + 1);
	oci_desc_list_clear(&l);
	return rc;
}

static int add_platform(struct walk *w, const struct oci_platform *p)
{
	char *s = oci_platform_format(p);
	char **v = s ? realloc(w->platforms, (w->n_platforms + 1) * sizeof(*v)) : NULL;
	if (!v) {
		free(s);
		return ctrd_status_set(w->st, CTRD_RESOURCE_EXHAUSTED, "out of memory");
	}
	w->platforms = v;
	for (size_t i = 0; i < w->n_platforms; i++)
		if (strcmp(v[i], s) == 0) {
			free(s);
			return CTRD_OK;
		}
	v[w->n_platforms++] = s;
	return CTRD_OK;
}

/* images.Platforms: a descriptor's own platform (its children unread), else a config's
 * os/architecture, through every child. */
static int walk_platforms(struct walk *w, const struct oci_desc *d, int depth)
{
	if (d->has_platform)
		return add_platform(w, &d->platform);
	if (depth > DEPTH_MAX)
		return ctrd_status_set(w->st, CTRD_UNKNOWN, "%s: nested deeper than %d documents",
				       d->digest, DEPTH_MAX);
	int rc = CTRD_OK;
	if (oci_is_image_config(d->media_type)) {
		const uint8_t *data;
		size_t len;
		struct oci_platform p;
		char *err = NULL;
		rc = read_doc(w, d->digest, &data, &len);
		if (rc == CTRD_OK && oci_config_platform(data, len, &p, &err) < 0) {
			rc = ctrd_status_set(w->st, CTRD_UNKNOWN, "config %s: %s", d->digest,
					     err ? err : "out of memory");
			free(err);
		} else if (rc == CTRD_OK) {
			rc = add_platform(w, &p);
			oci_platform_clear(&p);
		}
	}
	struct oci_desc_list l = {0};
	if (rc == CTRD_OK)
		rc = children(w, d->media_type, d->digest, &l);
	for (size_t i = 0; rc == CTRD_OK && i < l.n; i++)
		rc = walk_platforms(w, &l.items[i], depth + 1);
	oci_desc_list_clear(&l);
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int ctrd_image_usage(ctrd_client *c, const char *ns, const struct ctrd_descriptor *target,
		     struct ctrd_image_usage *out, struct ctrd_status *st)
{
	memset(out, 0, sizeof(*out));
	struct walk w = {.c = c, .ns = ns, .st = st};
	w.n_host = oci_host_platforms(w.host, HOST_MAX);
	const char *mt = target->media_type ? target->media_type : "";
	const char *digest = target->digest ? target->digest : "";
	int rc = walk_size(&w, mt, digest, target->size, 0);
	out->size = w.size;
	/* ctr computes PLATFORMS even when SIZE failed; a second error is not kept */
	struct ctrd_status st2 = {0};
	w.st = rc == CTRD_OK ? st : &st2;
	struct oci_desc top = {.media_type = (char *)mt, .digest = (char *)digest};
	int prc = walk_platforms(&w, &top, 0);
	ctrd_status_clear(&st2);
	if (prc == CTRD_OK) {
		qsort(w.platforms, w.n_platforms, sizeof(*w.platforms), by_name);
		out->platforms = w.platforms;
		out->n_platforms = w.n_platforms;
	} else {
		struct ctrd_image_usage drop = {.platforms = w.platforms,
						.n_platforms = w.n_platforms};
		ctrd_image_usage_clear(&drop);
	}
	while (w.cache) {
		struct blob *b = w.cache;
		w.cache = b->next;
		free(b->digest);
		free(b->data);
		free(b);
	}
	return rc != CTRD_OK ? rc : prc;
}

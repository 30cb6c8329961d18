/* A request's snapshot of the store (source.h): each object loaded at most once, all
 * from one read transaction. */
#include "source.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "errors.h"
#include "kcache.h"

void source_init(struct source *src, struct ctrfs *fs)
{
	memset(src, 0, sizeof(*src));
	src->fs = fs;
}

void source_clear(struct source *src)
{
	ctrfs_container_clear(&src->c);
	ctrfs_namespace_clear(&src->n);
	src->have_ctr = src->have_ns = false;
	ctrfs_reader_close(src->rd);
	src->rd = NULL;
}

static int begin(struct source *src)
{
	if (src->rd)
		return 0;
	/* before the snapshot: a size recorded from it must not outlive a later change */
	src->epoch = node_epoch();
	src->count_gen = node_ns_count_gen();
	if (ctrfs_reader_open(src->fs->store, &src->rd, &src->err))
		return -store_errno(&src->err, EIO);
	return 0;
}

int source_container(struct source *src, const char *ns, const char *id, unsigned mask,
		     const ctrfs_container **out)
{
	if (!src->have_ctr || strcmp(src->c.id, id) != 0 || strcmp(src->ctr_ns, ns) != 0 ||
	    (mask & ~src->mask)) {
		ctrfs_container_clear(&src->c);
		src->have_ctr = false;
		if (strcmp(src->ctr_ns, ns) != 0 || (src->c.id && strcmp(src->c.id, id) != 0))
			src->mask = 0;
		mask |= src->mask;
		int rc = begin(src);
		if (rc)
			return rc;
		if (ctrfs_reader_container_get(src->rd, ns, id, mask, &src->c, &src->err))
			return -store_errno(&src->err, EIO);
		src->have_ctr = true;
		src->mask = mask;
		snprintf(src->ctr_ns, sizeof(src->ctr_ns), "%s", ns);
	}
	*out = &src->c;
	return 0;
}

int source_namespace(struct source *src, const char *ns, const ctrfs_namespace **out)
{
	if (!src->have_ns || strcmp(src->n.name, ns) != 0) {
		ctrfs_namespace_clear(&src->n);
		src->have_ns = false;
		int rc = begin(src);
		if (rc)
			return rc;
		if (ctrfs_reader_namespace_get(src->rd, ns, &src->n, &src->err))
			return -store_errno(&src->err, EIO);
		src->have_ns = true;
	}
	*out = &src->n;
	return 0;
}

int source_image(struct source *src, const char *ns, const char *name, ctrfs_image *out)
{
	int rc = begin(src);
	if (rc)
		return rc;
	if (ctrfs_reader_image_get(src->rd, ns, name, out, &src->err))
		return -store_errno(&src->err, EIO);
	return 0;
}

int source_images(struct source *src, const char *ns, ctrfs_image **list, size_t *count)
{
	int rc = begin(src);
	*list = NULL;
	*count = 0;
	if (rc)
		return rc;
	if (ctrfs_reader_image_list(src->rd, ns, list, count, &src->err))
		return -store_errno(&src->err, EIO);
	return 0;
}

int source_task(struct source *src, const char *ns, const char *id, ctrfs_task *out)
{
	int rc = begin(src);
	if (rc)
		return rc;
	if (ctrfs_reader_task_get(src->rd, ns, id, out, &src->err))
		return -store_errno(&src->err, EIO);
	return 0;
}

int source_last_seq(struct source *src, uint64_t *seq)
{
	int rc = begin(src);
	*seq = 0;
	if (rc)
		return rc;
	return ctrfs_reader_last_seq(src->rd, seq, &src->err) ? -store_errno(&src->err, EIO) : 0;
}

ctrfs_reader *source_reader(struct source *src)
{
	return begin(src) ? NULL : src->rd;
}

int source_ids(struct source *src, const char *ns, char ***ids, size_t *count)
{
	int rc = begin(src);
	if (rc)
		return rc;
	if (ctrfs_reader_container_ids(src->rd, ns, ids, count, &src->err))
		return -store_errno(&src->err, EIO);
	return 0;
}

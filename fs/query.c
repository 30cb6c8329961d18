/* MOUNT/<ns>/.query/<filter>/: the containers of the namespace that a containerd filter
 * matches ("labels.app==web", "image~=nginx,labels.tier"), as symlinks named by their
 * IDs pointing to their directories (../../<id>). The filter is the directory's name,
 * escaped as a label key is (names.h: '/' is %2F); one listing of the store with the
 * filter (its own engine, as `ctrfsctl containers ls FILTER`) answers every name below,
 * kept per change of the store (views.h), so that a walk does not list at every step.
 *
 * Derived at every request, so never kept by the kernel: the nodes are loose (node.c),
 * their entries, attributes and listings not cached, and the next change shows at once.
 * `.query` is not listed in its namespace and lists nothing itself (filters are looked
 * up, not listed), so find and grep -r never walk a container twice. A filter that does
 * not parse is no directory (ENOENT) and its parse error is logged as a refusal, as
 * ctrfsctl prints it.
 *
 * A node's key is its path below .query: "<filter's name>" or "<filter's name>/<id>"
 * (an escaped name holds no '/'). */
#include "query.h"
#include "view_paths.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "names.h"
#include "views.h"

/* ---- paths ---- */

int query_child(const struct fspath *dir, const char *name, struct fspath *out)
{
	char *filter = NULL;
	switch (dir->kind) {
	case NODE_QUERIES:
		/* only a filter's canonical name names it, as for label keys */
		if (!names_decode(name, &filter))
			return -ENOENT;
		free(filter);
		out->kind = NODE_QUERY;
		out->key = strdup(name);
		break;
	case NODE_QUERY:
		if (!*name || strchr(name, '/'))
			return -ENOENT;
		out->kind = NODE_QUERY_LINK;
		if (asprintf(&out->key, "%s/%s", dir->key, name) < 0)
			out->key = NULL;
		break;
	default:
		return -ENOTDIR;
	}
	return out->key ? 0 : -ENOMEM;
}

int query_parent(const struct fspath *dir, struct fspath *out)
{
	memcpy(out->ns, dir->ns, sizeof(out->ns));
	switch (dir->kind) {
	case NODE_QUERIES:
		out->kind = NODE_NS;
		return 0;
	case NODE_QUERY:
		out->kind = NODE_QUERIES;
		return 0;
	default:
		return -ENOTDIR;
	}
}

/* A key split: the filter (decoded, malloc'd) and the link's ID (in key, or NULL). */
static int key_split(const struct fspath *fp, char **filter, const char **id)
{
	const char *key = fp->key ? fp->key : "";
	const char *slash = strchr(key, '/');
	char *name = strndup(key, slash ? (size_t)(slash - key) : strlen(key));
	*id = slash ? slash + 1 : NULL;
	*filter = NULL;
	if (!name)
		return -ENOMEM;
	bool ok = names_decode(name, filter);
	free(name);
	if (!ok) {
		free(*filter);
		*filter = NULL;
		return -ENOENT;
	}
	return 0;
}

/* ---- the matches of a filter ---- */

struct matches {
	struct view_data v; /* first: the cache's part; v.name is the filter */
	char **ids;	    /* sorted, as the store lists them; one allocation with the IDs */
	size_t n;
};

static void matches_free(struct view_data *d)
{
	struct matches *m = (struct matches *)d;
	free(m->ids);
	free(m);
}

static struct view_cache cache = VIEW_CACHE_INIT(matches_free);

/* One listing of the namespace with the filter: a parse error is -EINVAL with the
 * store's message in src->err. */
static int matches_build(struct source *src, const char *ns, const char *filter,
			 struct view_data **out)
{
	ctrfs_container *list;
	size_t n, size = 0;
	if (ctrfs_container_list(src->fs->store, ns, &filter, 1, 0, &list, &n, &src->err))
		return -store_errno(&src->err, EIO);
	for (size_t i = 0; i < n; i++)
		size += sizeof(char *) + strlen(list[i].id) + 1;
	struct matches *m = calloc(1, sizeof(*m));
	char **ids = malloc(size ? size : 1);
	if (!m || !ids) {
		free(m);
		free(ids);
		ctrfs_container_list_free(list, n);
		return -ENOMEM;
	}
	char *p = (char *)(ids + n);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(list[i].id) + 1;
		ids[i] = memcpy(p, list[i].id, len);
		p += len;
	}
	ctrfs_container_list_free(list, n);
	m->ids = ids;
	m->n = n;
	*out = &m->v;
	return 0;
}

static int cmp_id(const void *key, const void *elem)
{
	return strcmp(key, *(char *const *)elem);
}

static bool matched(const struct matches *m, const char *id)
{
	return m->n && bsearch(id, m->ids, m->n, sizeof(*m->ids), cmp_id);
}

/* The matches of fp's filter in its namespace as of the source's snapshot (a
 * reference); *id gets the link's ID (in fp->key) or NULL. 0, -ENOENT (no such
 * namespace), -EINVAL (a filter that does not parse, src->err says why), -errno. */
static int matches_get(struct source *src, const struct fspath *fp, struct matches **out,
		       const char **id)
{
	const ctrfs_namespace *n;
	struct view_data *d = NULL;
	char *filter;
	*out = NULL;
	int rc = source_namespace(src, fp->ns, &n);
	if (rc || (rc = key_split(fp, &filter, id)))
		return rc;
	rc = view_get(&cache, src, fp->ns, filter, matches_build, &d);
	free(filter);
	*out = (struct matches *)d;
	return rc;
}

static int link_target(const char *id, char **target)
{
	if (asprintf(target, "../../%s", id) < 0) {
		*target = NULL;
		return -ENOMEM;
	}
	return 0;
}

int query_list(struct source *src, const struct fspath *dir,
	       void (*fn)(void *arg, const char *name, enum node_kind kind, const char *key),
	       void *arg)
{
	const ctrfs_namespace *n;
	struct matches *m;
	const char *id;
	if (dir->kind == NODE_QUERIES)
		return source_namespace(src, dir->ns, &n); /* filters are looked up */
	if (dir->kind != NODE_QUERY)
		return -ENOTDIR;
	int rc = matches_get(src, dir, &m, &id);
	for (size_t i = 0; !rc && i < m->n; i++) {
		char *key;
		if (asprintf(&key, "%s/%s", dir->key, m->ids[i]) < 0) {
			rc = -ENOMEM;
			break;
		}
		fn(arg, m->ids[i], NODE_QUERY_LINK, key);
		free(key);
	}
	if (m)
		view_put(&cache, &m->v);
	return rc;
}

int query_stat(struct source *src, const char *path, const struct fspath *fp, struct stat *st)
{
	const ctrfs_namespace *n;
	struct matches *m = NULL;
	const char *id = NULL;
	int rc = fp->kind == NODE_QUERIES ? 0 : matches_get(src, fp, &m, &id);
	if (rc == -EINVAL && src->err.code == CTRFS_INVALID_ARGUMENT)
		return refuse(ENOENT, "lookup", path, "%s", src->err.text);
	if (!rc && fp->kind == NODE_QUERY_LINK && (!id || !matched(m, id)))
		rc = -ENOENT;
	if (m)
		view_put(&cache, &m->v);
	if (rc || (rc = source_namespace(src, fp->ns, &n)))
		return rc;
	/* the view changes with its namespace */
	st->st_atim = st->st_mtim = st->st_ctim =
	    (struct timespec){.tv_sec = n->updated_at.sec, .tv_nsec = n->updated_at.nsec};
	if (fp->kind == NODE_QUERY_LINK) {
		st->st_mode = S_IFLNK | 0777;
		st->st_size = (off_t)(strlen("../../") + strlen(id));
	} else {
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
	}
	return 0;
}

int query_readlink(struct source *src, const struct fspath *fp, char **target)
{
	struct matches *m;
	const char *id;
	*target = NULL;
	if (fp->kind != NODE_QUERY_LINK)
		return -EINVAL;
	int rc = matches_get(src, fp, &m, &id);
	if (!rc)
		rc = id && matched(m, id) ? link_target(id, target) : -ENOENT;
	if (m)
		view_put(&cache, &m->v);
	return rc;
}

void query_cache_destroy(void)
{
	view_cache_destroy(&cache);
}

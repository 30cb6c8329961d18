/* What each node shows: a file's content rendered from the store, and its attributes.
 * A value file reads as the value and one "\n" (as sysfs); st_size is always the length
 * of exactly what a read returns, so the content is rendered to stat a file (the JSON
 * files' lengths are then kept with the container's node, see node_sizes). */
#include "render.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "errors.h"
#include "events.h"
#include "cri.h"
#include "task.h"
#include "pods.h"
#include "images.h"
#include "query.h"
#include "pagecache.h"
#include "scratch.h"

static void value_line(struct strbuf *out, const char *v)
{
	strbuf_adds(out, v ? v : "");
	strbuf_addc(out, '\n');
}

static void time_line(struct strbuf *out, ctrfs_time t)
{
	char buf[64];
	ctrfs_time_format(t, buf, sizeof(buf));
	value_line(out, buf);
}

/* A text form of the store's (ctrfs_spec_text, ctrfs_any_text) appended to out. */
static void add_text(struct strbuf *out, char *text, size_t len)
{
	if (!text)
		out->oom = true;
	else
		strbuf_add(out, text, len);
	free(text);
}

/* spec.json: the OCI spec pretty-printed as `ctr containers info --spec` does; a spec
 * whose bytes are not JSON (no containerd client writes one) reads as an Any. */
static void spec_text(struct strbuf *out, const ctrfs_any *spec)
{
	size_t len = 0;
	char *text = ctrfs_spec_text(spec, &len);
	add_text(out, text, len);
}

static void any_text(struct strbuf *out, const ctrfs_any *a)
{
	size_t len = 0;
	char *text = ctrfs_any_text(a, &len);
	add_text(out, text, len);
}

static unsigned field_mask(const struct fspath *fp)
{
	switch (fp->kind) {
	case NODE_LABEL:
		return CTRFS_LOAD_LABELS;
	case NODE_EXTENSION:
		return CTRFS_LOAD_EXTENSIONS;
	case NODE_FIELD:
		if (fp->field == FIELD_CONTAINER_JSON)
			return CTRFS_LOAD_ALL;
		return fp->field == FIELD_SPEC_JSON ? CTRFS_LOAD_SPEC : 0;
	default:
		return 0;
	}
}

static int render_field(const ctrfs_container *c, enum field f, struct strbuf *out,
			ctrfs_error *err)
{
	char *json;
	size_t len;
	switch (f) {
	case FIELD_CONTAINER_JSON:
		if (ctrfs_container_info_json(c, &json, &len, err))
			return -store_errno(err, EIO);
		strbuf_add(out, json, len);
		free(json);
		break;
	case FIELD_IMAGE:
		value_line(out, c->image);
		break;
	case FIELD_SPEC_JSON:
		spec_text(out, &c->spec);
		break;
	case FIELD_SNAPSHOTTER:
		value_line(out, c->snapshotter);
		break;
	case FIELD_SNAPSHOT_KEY:
		value_line(out, c->snapshot_key);
		break;
	case FIELD_SANDBOX_ID:
		value_line(out, c->sandbox_id);
		break;
	case FIELD_CREATED_AT:
		time_line(out, c->created_at);
		break;
	case FIELD_UPDATED_AT:
		time_line(out, c->updated_at);
		break;
	case FIELD_RUNTIME_NAME:
		value_line(out, c->runtime_name);
		break;
	case FIELD_RUNTIME_OPTIONS:
		/* Options: null has no file, as it has no value */
		if (!c->has_runtime_options)
			return -ENOENT;
		any_text(out, &c->runtime_options);
		break;
	case FIELD_COUNT:
		return -ENOENT;
	}
	return 0;
}

/* The time of the file `fp` of container c: when what it shows last changed (times.c
 * in the store), so that a change of one label leaves every other file's time alone
 * (tar, find -newer, make). container.json and updated_at show everything: UpdatedAt. */
static int part_time(struct source *src, const struct fspath *fp, const ctrfs_container *c,
		     ctrfs_time *mtime)
{
	static const char *const field_part[FIELD_COUNT] = {
	    [FIELD_IMAGE] = "image",
	    [FIELD_SPEC_JSON] = "spec",
	    [FIELD_SNAPSHOT_KEY] = "snapshotkey",
	    [FIELD_SNAPSHOTTER] = "snapshotter",
	    [FIELD_SANDBOX_ID] = "sandbox",
	    [FIELD_CREATED_AT] = "created",
	    [FIELD_RUNTIME_NAME] = "runtime",
	    [FIELD_RUNTIME_OPTIONS] = "runtime",
	};
	__cleanup_free char *path = NULL;
	const char *part = NULL;
	if (fp->kind == NODE_LABEL || fp->kind == NODE_EXTENSION) {
		path = fp->kind == NODE_LABEL ? ctrfs_field_path_label(fp->key)
					      : ctrfs_field_path_extension(fp->key);
		if (!path)
			return -ENOMEM;
		part = path;
	} else if (fp->kind == NODE_FIELD) {
		part = field_part[fp->field];
	}
	*mtime = c->updated_at;
	if (part && ctrfs_reader_part_time(src->rd, fp->ns, c, part, mtime, &src->err))
		return -store_errno(&src->err, EIO);
	return 0;
}

int render_file(struct source *src, const struct fspath *fp, struct strbuf *out, ctrfs_time *mtime)
{
	const ctrfs_container *c;
	const ctrfs_namespace *n;
	ctrfs_time t;
	int rc;
	if (!mtime)
		mtime = &t;
	if (NODE_IS_OWN(fp->kind)) {
		*mtime = src->fs->mounted_at;
		return 0; /* read through events.c and errors.c, never rendered */
	}
	if (fp->kind == NODE_NS_LABEL) {
		if ((rc = source_namespace(src, fp->ns, &n)))
			return rc;
		const char *v = ctrfs_labels_get(&n->labels, fp->key);
		if (!v)
			return -ENOENT;
		value_line(out, v);
		if (ctrfs_reader_label_time(src->rd, n, fp->key, mtime, &src->err))
			return -store_errno(&src->err, EIO);
		return out->oom ? -ENOMEM : 0;
	}
	if (node_is_cri(fp->kind))
		return cri_render(src, fp, out, mtime);
	if (node_is_task(fp->kind))
		return task_render(src, fp, out, mtime);
	if (node_is_pods(fp->kind))
		return node_is_dir(fp->kind) ? -EISDIR : -EINVAL; /* symlinks: readlink */
	if (node_is_images(fp->kind))
		return images_render(src, fp, out, mtime);
	if ((rc = source_container(src, fp->ns, fp->id, field_mask(fp), &c)))
		return rc;
	if ((rc = part_time(src, fp, c, mtime)))
		return rc;
	if (fp->kind == NODE_LABEL) {
		const char *v = ctrfs_labels_get(&c->labels, fp->key);
		if (!v)
			return -ENOENT;
		value_line(out, v);
	} else if (fp->kind == NODE_EXTENSION) {
		const ctrfs_any *a = ctrfs_extensions_get(&c->extensions, fp->key);
		if (!a)
			return -ENOENT;
		any_text(out, a);
	} else if (fp->kind == NODE_FIELD) {
		if ((rc = render_field(c, fp->field, out, &src->err)))
			return rc;
	} else {
		return -EISDIR;
	}
	return out->oom ? -ENOMEM : 0;
}

static struct timespec ts(ctrfs_time t)
{
	return (struct timespec){.tv_sec = t.sec, .tv_nsec = t.nsec};
}

static void base_stat(struct ctrfs *fs, fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_uid = fs->uid;
	st->st_gid = fs->gid;
	st->st_nlink = 1;
	st->st_blksize = 4096;
}

static void set_times(struct stat *st, ctrfs_time t)
{
	st->st_atim = st->st_mtim = st->st_ctim = ts(t);
}

static bool file_writable(const struct fspath *fp)
{
	if (node_is_view(fp->kind))
		return false;
	return fp->kind != NODE_FIELD || field_writable(fp->field);
}

void render_file_stat(struct ctrfs *fs, fuse_ino_t ino, const struct fspath *fp, size_t len,
		      ctrfs_time mtime, struct stat *st)
{
	base_stat(fs, ino, st);
	st->st_mode = S_IFREG | (file_writable(fp) && !fs->read_only ? 0644 : 0444);
	st->st_size = (off_t)len;
	st->st_blocks = (blkcnt_t)((len + 511) / 512);
	set_times(st, mtime);
}

/* Reads what a stat of the directories of ns/id (id NULL: of namespace ns) shows from
 * the source's snapshot. */
static int load_dir_attrs(struct source *src, const char *ns, const char *id,
			  struct node_dir_attrs *a)
{
	const ctrfs_container *c;
	const ctrfs_namespace *n;
	int rc;
	memset(a, 0, sizeof(*a));
	if (!id) {
		if ((rc = source_namespace(src, ns, &n)))
			return rc;
		a->updated = n->updated_at;
		a->labels = (uint32_t)n->labels.count;
		return 0;
	}
	if ((rc = source_container(src, ns, id, CTRFS_LOAD_LABELS | CTRFS_LOAD_EXTENSIONS, &c)))
		return rc;
	int task = task_has(src, ns, id);
	if (task < 0)
		return task;
	a->updated = c->updated_at;
	a->labels = (uint32_t)c->labels.count;
	a->extensions = (uint32_t)c->extensions.count;
	a->runtime_options = c->has_runtime_options;
	a->cri = cri_has(c);
	a->task = task;
	return 0;
}

/* Those attributes as kept since the record's last change, or read and kept. */
static int dir_attrs(struct source *src, const char *ns, const char *id, struct node_dir_attrs *a)
{
	if (node_dir_attrs_get(ns, id, a))
		return 0;
	int rc = load_dir_attrs(src, ns, id, a);
	if (!rc)
		node_dir_attrs_put(ns, id, src->epoch, a);
	return rc;
}

/* Are the attributes of this file kept between changes (kcache.h)? A store file of a
 * container's or namespace's record, rendered whole for a stat: values and keys (not
 * the JSON files, whose lengths are kept apart, nor views, nor pending keys). */
static bool is_json_field(const struct fspath *fp);

static bool kept_kind(const struct fspath *fp)
{
	return fp->kind == NODE_LABEL || fp->kind == NODE_NS_LABEL || fp->kind == NODE_EXTENSION ||
	       (fp->kind == NODE_FIELD && !is_json_field(fp));
}

static bool file_attrs_kept(const struct nodeinfo *ni)
{
	return !ni->loose && !ni->pending && !ni->scratch && kept_kind(&ni->fp);
}

int render_file_attrs_refresh(struct source *src, fuse_ino_t ino, const struct fspath *fp)
{
	struct strbuf sb = STRBUF_INIT;
	ctrfs_time mtime;
	if (!kept_kind(fp))
		return 0;
	/* the epoch now: the caller's snapshot holds every change it marked (notify.c) */
	uint64_t epoch = node_epoch();
	int rc = render_file(src, fp, &sb, &mtime);
	if (!rc && !sb.oom)
		node_file_attrs_put(ino, epoch, sb.len, mtime);
	strbuf_release(&sb);
	return rc;
}

int render_dir_attrs_refresh(struct source *src, const char *ns, const char *id)
{
	struct node_dir_attrs a;
	/* the epoch now: the caller's snapshot holds every change it marked (notify.c) */
	uint64_t epoch = node_epoch();
	int rc = load_dir_attrs(src, ns, id, &a);
	if (!rc)
		node_dir_attrs_put(ns, id, epoch, &a);
	return rc;
}

static int dir_stat(struct source *src, const struct fspath *fp, struct stat *st)
{
	struct node_dir_attrs a;
	ctrfs_namespace *list;
	size_t count;
	int rc;
	st->st_mode = S_IFDIR | (src->fs->read_only ? 0555 : 0755);
	switch (fp->kind) {
	case NODE_ROOT:
		if (ctrfs_namespace_list(src->fs->store, &list, &count, &src->err))
			return -store_errno(&src->err, EIO);
		ctrfs_namespace_list_free(list, count);
		st->st_nlink = 2 + count;
		/* the kernel drops a cached listing when the size or mtime it is told
		 * changes: the number of namespaces, which a namespace's coming or going
		 * changes. The mount's time: not the latest change anywhere, which would
		 * make every change cost a lookup of the root at the next path walk. */
		st->st_size = (off_t)count;
		set_times(st, src->fs->mounted_at);
		return 0;
	case NODE_NS:
	case NODE_NS_LABELS:
		if ((rc = dir_attrs(src, fp->ns, NULL, &a)))
			return rc;
		set_times(st, a.updated);
		st->st_nlink = 2;
		/* a directory of keys has its number of keys as its size: a change of the
		 * listing always changes its mtime or size, which drops a cached listing */
		st->st_size = (off_t)a.labels;
		if (fp->kind == NODE_NS) {
			/* ".labels" and every container are subdirectories; counted once per
			 * version of the namespace (a walk over all its keys) */
			if (!node_ns_count_get(fp->ns, &count)) {
				if ((rc = source_ids(src, fp->ns, NULL, &count)))
					return rc;
				node_ns_count_put(fp->ns, src->count_gen, count);
			}
			st->st_nlink = 3 + count;
			st->st_size = (off_t)count;
		}
		return 0;
	case NODE_CRI:
	case NODE_CRI_STATUS: {
		ctrfs_time t;
		if ((rc = cri_dir_exists(src, fp, &t)))
			return rc;
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
		if (fp->kind == NODE_CRI) {
			struct fspath status = *fp;
			status.kind = NODE_CRI_STATUS;
			st->st_nlink += cri_dir_exists(src, &status, &t) == 0;
		}
		set_times(st, t);
		return 0;
	}
	case NODE_TASK: {
		ctrfs_time t;
		if ((rc = task_dir_exists(src, fp, &t)))
			return rc;
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
		st->st_size = TASK_FILE_COUNT;
		set_times(st, t);
		return 0;
	}
	default:
		if ((rc = dir_attrs(src, fp->ns, fp->id, &a)))
			return rc;
		set_times(st, a.updated);
		/* its task/: a task's coming or going changes the links and size (so that
		 * a cached listing is dropped) */
		int task = fp->kind == NODE_CTR && a.task;
		/* a container holds runtime/, labels/ and extensions/ */
		st->st_nlink = fp->kind == NODE_CTR ? 5 + a.cri + task : 2;
		if (fp->kind == NODE_LABELS)
			st->st_size = (off_t)a.labels;
		else if (fp->kind == NODE_EXTENSIONS)
			st->st_size = (off_t)a.extensions;
		else if (fp->kind == NODE_RUNTIME)
			st->st_size = 1 + a.runtime_options;
		else
			st->st_size = FIELD_COUNT - 2 + 3 + a.cri + task;
		return 0;
	}
}

void render_scratch_stat(struct ctrfs *fs, fuse_ino_t ino, struct scratch *s, struct stat *st)
{
	base_stat(fs, ino, st);
	scratch_stat(s, st);
	st->st_blocks = (st->st_size + 511) / 512;
}

static bool is_json_field(const struct fspath *fp)
{
	return fp->kind == NODE_FIELD &&
	       (fp->field == FIELD_SPEC_JSON || fp->field == FIELD_CONTAINER_JSON);
}

/* The length of spec.json or container.json, from the container's node when known:
 * rendering a 4 KB spec takes far longer than everything else stat does. */
static int json_field_len(struct source *src, const struct fspath *fp, size_t *len,
			  ctrfs_time *mtime)
{
	const ctrfs_container *c;
	struct node_sizes sz;
	int rc = source_container(src, fp->ns, fp->id, 0, &c);
	if (rc || (rc = part_time(src, fp, c, mtime)))
		return rc;
	ctrfs_time created = c->created_at, updated = c->updated_at;
	bool spec = fp->field == FIELD_SPEC_JSON;
	bool known = node_sizes_use_version(fp->ns, fp->id, created, updated, &sz);
	int64_t have = spec ? sz.spec : sz.info;
	if (known && have >= 0) {
		*len = (size_t)have;
		return 0;
	}
	struct strbuf sb = STRBUF_INIT;
	rc = render_file(src, fp, &sb, NULL);
	*len = sb.len;
	strbuf_release(&sb);
	if (!rc && known) {
		sz.spec = spec ? (int64_t)*len : -1;
		sz.info = spec ? -1 : (int64_t)*len;
		node_sizes_put(fp->ns, fp->id, created, updated, src->epoch, &sz);
	}
	return rc;
}

bool render_size_cheap(struct source *src, const struct fspath *fp)
{
	const ctrfs_container *c;
	struct node_sizes sz;
	if (!is_json_field(fp))
		return true;
	if (source_container(src, fp->ns, fp->id, 0, &c))
		return true; /* then stat fails at once */
	if (!node_sizes_use_version(fp->ns, fp->id, c->created_at, c->updated_at, &sz))
		return false;
	return (fp->field == FIELD_SPEC_JSON ? sz.spec : sz.info) >= 0;
}

int render_stat(struct source *src, const struct nodeinfo *ni, struct stat *st, bool *volatile_)
{
	bool vol = false;
	if (volatile_)
		*volatile_ = false;
	if (ni->scratch) {
		render_scratch_stat(src->fs, ni->ino, ni->scratch, st);
		if (volatile_)
			*volatile_ = true;
		return 0;
	}
	base_stat(src->fs, ni->ino, st);
	if (ni->fp.kind == NODE_EVENTS) {
		/* a stream, with a size that grows with the log (events.c); mtime is the
		 * mount's */
		uint64_t seq;
		int rc = source_last_seq(src, &seq);
		if (rc)
			return rc;
		st->st_mode = S_IFREG | 0444;
		st->st_size = (off_t)events_size(seq);
		set_times(st, src->fs->mounted_at);
		if (volatile_)
			*volatile_ = true;
		return 0;
	}
	if (ni->fp.kind == NODE_ERRORS) {
		/* what a new open reads; mtime is the mount's */
		st->st_mode = S_IFREG | 0444;
		st->st_size = (off_t)errors_size();
		set_times(st, src->fs->mounted_at);
		if (volatile_)
			*volatile_ = true;
		return 0;
	}
	if (node_is_pods(ni->fp.kind)) {
		if (volatile_)
			*volatile_ = true;
		return pods_stat(src, &ni->fp, st);
	}
	if (node_is_query(ni->fp.kind)) {
		if (volatile_)
			*volatile_ = true;
		return query_stat(src, ni->path, &ni->fp, st);
	}
	if (node_is_images(ni->fp.kind) &&
	    (node_is_dir(ni->fp.kind) || ni->fp.kind == NODE_CTR_IMAGE)) {
		if (volatile_)
			*volatile_ = true;
		return images_stat(src, &ni->fp, st);
	}
	if (node_is_dir(ni->fp.kind))
		return dir_stat(src, &ni->fp, st);
	size_t len = 0;
	ctrfs_time mtime = {0};
	int rc;
	bool keep = file_attrs_kept(ni);
	if (is_json_field(&ni->fp)) {
		rc = json_field_len(src, &ni->fp, &len, &mtime);
	} else if (keep && node_file_attrs_get(ni->ino, &len, &mtime)) {
		rc = 0;
	} else {
		struct strbuf sb = STRBUF_INIT;
		rc = render_file(src, &ni->fp, &sb, &mtime);
		len = sb.len;
		strbuf_release(&sb);
		if (!rc && keep)
			node_file_attrs_put(ni->ino, src->epoch, len, mtime);
	}
	if (rc == -ENOENT && ni->pending) {
		/* created through the mount and not written yet: an empty file */
		const ctrfs_container *c;
		const ctrfs_namespace *n;
		if (ni->fp.kind == NODE_IMAGE_LABEL)
			rc = images_label_owner(src, &ni->fp, &mtime);
		else if (ni->fp.kind == NODE_NS_LABEL)
			rc = source_namespace(src, ni->fp.ns, &n);
		else
			rc = source_container(src, ni->fp.ns, ni->fp.id, 0, &c);
		if (!rc && ni->fp.kind != NODE_IMAGE_LABEL)
			mtime = ni->fp.kind == NODE_NS_LABEL ? n->updated_at : c->updated_at;
		len = 0;
	}
	if (rc)
		return rc;
	/* the file exists; open handles sharing the page cache say what it reads */
	vol = pagecache_attrs(ni->ino, &len, &mtime);
	render_file_stat(src->fs, ni->ino, &ni->fp, len, mtime, st);
	if (volatile_)
		*volatile_ = vol;
	return 0;
}

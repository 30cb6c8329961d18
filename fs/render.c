/* What each node shows: a file's content rendered from the store, and its attributes.
 * A value file reads as the value and one "\n" (as sysfs); st_size is always the length
 * of exactly what a read returns, so the content is rendered to stat a file. */
#include "render.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "anytext.h"
#include "handle.h"
#include "json_text.h"
#include "scratch.h"

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
}

int source_container(struct source *src, const char *ns, const char *id, unsigned mask,
		     const ctrfs_container **out)
{
	if (!src->have_ctr || strcmp(src->c.id, id) != 0 || strcmp(src->ctr_ns, ns) != 0 ||
	    (mask & ~src->mask)) {
		ctrfs_container_clear(&src->c);
		src->have_ctr = false;
		mask |= src->mask;
		if (ctrfs_container_get(src->fs->store, ns, id, mask, &src->c, &src->err))
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
		if (ctrfs_namespace_get(src->fs->store, ns, &src->n, &src->err))
			return -store_errno(&src->err, EIO);
		src->have_ns = true;
	}
	*out = &src->n;
	return 0;
}

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

/* spec.json: the OCI spec pretty-printed as `ctr containers info --spec` does; a spec
 * whose bytes are not JSON (no containerd client writes one) reads as an Any. */
static void spec_text(struct strbuf *out, const ctrfs_any *spec)
{
	if (spec->value_len && json_text_is_json(spec->value, spec->value_len)) {
		if (!json_text_indent(out, (const char *)spec->value, spec->value_len, "", "    "))
			out->oom = true;
		strbuf_addc(out, '\n');
	} else {
		anytext_render(out, spec);
	}
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
		anytext_render(out, &c->runtime_options);
		break;
	case FIELD_COUNT:
		return -ENOENT;
	}
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
	if (fp->kind == NODE_NS_LABEL) {
		if ((rc = source_namespace(src, fp->ns, &n)))
			return rc;
		const char *v = ctrfs_labels_get(&n->labels, fp->key);
		if (!v)
			return -ENOENT;
		value_line(out, v);
		*mtime = n->updated_at;
		return out->oom ? -ENOMEM : 0;
	}
	if ((rc = source_container(src, fp->ns, fp->id, field_mask(fp), &c)))
		return rc;
	*mtime = c->updated_at;
	if (fp->kind == NODE_LABEL) {
		const char *v = ctrfs_labels_get(&c->labels, fp->key);
		if (!v)
			return -ENOENT;
		value_line(out, v);
	} else if (fp->kind == NODE_EXTENSION) {
		const ctrfs_any *a = ctrfs_extensions_get(&c->extensions, fp->key);
		if (!a)
			return -ENOENT;
		anytext_render(out, a);
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

static int dir_stat(struct source *src, const struct fspath *fp, struct stat *st)
{
	const ctrfs_container *c;
	const ctrfs_namespace *n;
	ctrfs_namespace *list;
	char **ids;
	size_t count;
	int rc;
	st->st_mode = S_IFDIR | (src->fs->read_only ? 0555 : 0755);
	switch (fp->kind) {
	case NODE_ROOT:
		if (ctrfs_namespace_list(src->fs->store, &list, &count, &src->err))
			return -store_errno(&src->err, EIO);
		ctrfs_time latest = src->fs->mounted_at;
		for (size_t i = 0; i < count; i++) {
			ctrfs_time t = list[i].updated_at;
			if (t.sec > latest.sec || (t.sec == latest.sec && t.nsec > latest.nsec))
				latest = t;
		}
		ctrfs_namespace_list_free(list, count);
		st->st_nlink = 2 + count;
		set_times(st, latest);
		return 0;
	case NODE_NS:
	case NODE_NS_LABELS:
		if ((rc = source_namespace(src, fp->ns, &n)))
			return rc;
		set_times(st, n->updated_at);
		st->st_nlink = 2;
		if (fp->kind == NODE_NS) {
			/* ".labels" and every container are subdirectories */
			if (ctrfs_container_ids(src->fs->store, fp->ns, &ids, &count, &src->err))
				return -store_errno(&src->err, EIO);
			ctrfs_strv_free(ids, count);
			st->st_nlink = 3 + count;
		}
		return 0;
	default:
		if ((rc = source_container(src, fp->ns, fp->id, 0, &c)))
			return rc;
		set_times(st, c->updated_at);
		/* a container holds runtime/, labels/ and extensions/ */
		st->st_nlink = fp->kind == NODE_CTR ? 5 : 2;
		return 0;
	}
}

void render_scratch_stat(struct ctrfs *fs, fuse_ino_t ino, struct scratch *s, struct stat *st)
{
	base_stat(fs, ino, st);
	scratch_stat(s, st);
	st->st_blocks = (st->st_size + 511) / 512;
}

int render_stat(struct source *src, const struct nodeinfo *ni, struct stat *st)
{
	if (ni->scratch) {
		render_scratch_stat(src->fs, ni->ino, ni->scratch, st);
		return 0;
	}
	base_stat(src->fs, ni->ino, st);
	if (node_is_dir(ni->fp.kind))
		return dir_stat(src, &ni->fp, st);
	struct strbuf sb = STRBUF_INIT;
	ctrfs_time mtime;
	int rc = render_file(src, &ni->fp, &sb, &mtime);
	if (rc == -ENOENT && ni->pending) {
		/* created through the mount and not written yet: an empty file */
		const ctrfs_container *c;
		const ctrfs_namespace *n;
		if (ni->fp.kind == NODE_NS_LABEL)
			rc = source_namespace(src, ni->fp.ns, &n);
		else
			rc = source_container(src, ni->fp.ns, ni->fp.id, 0, &c);
		if (!rc)
			mtime = ni->fp.kind == NODE_NS_LABEL ? n->updated_at : c->updated_at;
		sb.len = 0;
	}
	size_t len = sb.len;
	strbuf_release(&sb);
	if (rc)
		return rc;
	/* the file exists; open handles sharing the page cache say what it reads */
	handle_cached_attrs(ni->ino, &len, &mtime);
	render_file_stat(src->fs, ni->ino, &ni->fp, len, mtime, st);
	return 0;
}

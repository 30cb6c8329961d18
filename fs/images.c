/* MOUNT/<ns>/.images/<name>/: containerd's image records of a namespace, one directory
 * each: created_at, updated_at, target/{digest, media_type, size, annotations/<key>} and
 * labels/<key>, the labels writable with containerd's rules (the same write path as
 * container labels: handle.c, commit.c). And <ns>/<id>/.image, a symbolic link to the
 * directory of the container's image when the namespace holds that image.
 *
 * Like .pods, the view is derived at every request and never kept by the kernel: its
 * nodes are loose (node.c), their entries and attributes not cached, its directories
 * read anew (read.c), its files read past the page cache (handle.c). `.images` is not
 * listed in its namespace, nor `.image` in its container, so that find, grep -r, cp -a
 * and rsync never walk them: each is reached by its name.
 *
 * A node's key is its path below .images: the image's name escaped as label keys are
 * (names.c: every '/' becomes %2F), then "labels/<escaped key>", "target/..." or a
 * file name. */
#include "images.h"
#include "view_paths.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cri.h"
#include "names.h"

enum image_file {
	IMAGE_CREATED_AT,
	IMAGE_UPDATED_AT,
	IMAGE_DIGEST,
	IMAGE_MEDIA_TYPE,
	IMAGE_SIZE,
	IMAGE_FILE_COUNT,
};

static const struct {
	const char *name;
	bool in_target;
} files[IMAGE_FILE_COUNT] = {
    [IMAGE_CREATED_AT] = {"created_at", false},
    [IMAGE_UPDATED_AT] = {"updated_at", false},
    [IMAGE_DIGEST] = {"digest", true},
    [IMAGE_MEDIA_TYPE] = {"media_type", true},
    [IMAGE_SIZE] = {"size", true},
};

/* ---- paths ---- */

static int with_key(const struct fspath *dir, const char *name, enum node_kind kind,
		    struct fspath *out)
{
	const char *key = dir->key ? dir->key : "";
	memcpy(out->ns, dir->ns, sizeof(out->ns));
	if (asprintf(&out->key, "%s%s%s", key, *key ? "/" : "", name) < 0) {
		out->key = NULL;
		return -ENOMEM;
	}
	out->kind = kind;
	return 0;
}

/* A name that decodes (names.c) to a non-empty image name or key. */
static bool decodes(const char *name, bool empty_ok)
{
	char *v = NULL;
	bool ok = names_decode(name, &v) && (empty_ok || *v);
	free(v);
	return ok;
}

int images_child(const struct fspath *dir, const char *name, struct fspath *out)
{
	memset(out, 0, sizeof(*out));
	switch (dir->kind) {
	case NODE_IMAGES:
		return decodes(name, false) ? with_key(dir, name, NODE_IMAGE, out) : -ENOENT;
	case NODE_IMAGE:
		if (strcmp(name, "target") == 0)
			return with_key(dir, name, NODE_IMAGE_TARGET, out);
		if (strcmp(name, "labels") == 0)
			return with_key(dir, name, NODE_IMAGE_LABELS, out);
		break;
	case NODE_IMAGE_ANNOTATIONS:
		return decodes(name, true) ? with_key(dir, name, NODE_IMAGE_ANNOTATION, out)
					   : -ENOENT;
	case NODE_IMAGE_LABELS:
		return decodes(name, true) ? with_key(dir, name, NODE_IMAGE_LABEL, out) : -ENOENT;
	case NODE_IMAGE_TARGET:
		if (strcmp(name, "annotations") == 0)
			return with_key(dir, name, NODE_IMAGE_ANNOTATIONS, out);
		break;
	default:
		return -ENOTDIR;
	}
	bool target = dir->kind == NODE_IMAGE_TARGET;
	for (int f = 0; f < IMAGE_FILE_COUNT; f++)
		if (files[f].in_target == target && strcmp(name, files[f].name) == 0) {
			int rc = with_key(dir, name, NODE_IMAGE_FILE, out);
			out->field = (enum field)f;
			return rc;
		}
	return -ENOENT;
}

int images_parent(const struct fspath *dir, struct fspath *out)
{
	const char *key = dir->key ? dir->key : "";
	const char *slash = strrchr(key, '/');
	memset(out, 0, sizeof(*out));
	memcpy(out->ns, dir->ns, sizeof(out->ns));
	switch (dir->kind) {
	case NODE_IMAGES:
		out->kind = NODE_NS;
		return 0;
	case NODE_IMAGE:
		out->kind = NODE_IMAGES;
		return 0;
	case NODE_IMAGE_TARGET:
	case NODE_IMAGE_LABELS:
		out->kind = NODE_IMAGE;
		break;
	case NODE_IMAGE_ANNOTATIONS:
		out->kind = NODE_IMAGE_TARGET;
		break;
	default:
		return -ENOTDIR;
	}
	if (!(out->key = strndup(key, slash ? (size_t)(slash - key) : 0)))
		return -ENOMEM;
	return 0;
}

/* A key split: the image's name (decoded), and the key of a label or annotation file
 * (decoded; NULL for other nodes). */
struct imgkey {
	char *name, *key;
};

static void imgkey_clear(struct imgkey *k)
{
	free(k->name);
	free(k->key);
}

static int key_split(const struct fspath *fp, struct imgkey *k)
{
	const char *key = fp->key ? fp->key : "";
	const char *slash = strchr(key, '/'), *last = strrchr(key, '/');
	k->name = k->key = NULL;
	char *first = strndup(key, slash ? (size_t)(slash - key) : strlen(key));
	bool ok = first && names_decode(first, &k->name);
	free(first);
	if (ok && (fp->kind == NODE_IMAGE_LABEL || fp->kind == NODE_IMAGE_ANNOTATION))
		ok = last && names_decode(last + 1, &k->key);
	if (!ok) {
		imgkey_clear(k);
		return -ENOENT;
	}
	return 0;
}

/* The image a node belongs to, loaded; *k its split key. */
static int load(struct source *src, const struct fspath *fp, struct imgkey *k, ctrfs_image *im)
{
	memset(im, 0, sizeof(*im));
	int rc = key_split(fp, k);
	if (!rc && (rc = source_image(src, fp->ns, k->name, im)))
		imgkey_clear(k);
	return rc;
}

/* ---- reads ---- */

static int namespace_time(struct source *src, const char *ns, ctrfs_time *t)
{
	const ctrfs_namespace *n;
	int rc = source_namespace(src, ns, &n);
	if (!rc)
		*t = n->updated_at;
	return rc;
}

static void set_times(struct stat *st, ctrfs_time t)
{
	st->st_atim = st->st_mtim = st->st_ctim =
	    (struct timespec){.tv_sec = t.sec, .tv_nsec = t.nsec};
}

int images_stat(struct source *src, const struct fspath *fp, struct stat *st)
{
	ctrfs_time t;
	char *target = NULL;
	if (fp->kind == NODE_CTR_IMAGE) {
		int rc = images_readlink(src, fp, &target);
		const ctrfs_container *c;
		if (!rc && !(rc = source_container(src, fp->ns, fp->id, 0, &c))) {
			st->st_mode = S_IFLNK | 0777;
			st->st_size = (off_t)strlen(target);
			set_times(st, c->updated_at);
		}
		free(target);
		return rc;
	}
	st->st_mode = S_IFDIR | 0555;
	st->st_nlink = 2;
	if (fp->kind == NODE_IMAGES) {
		/* the view changes with its namespace */
		int rc = namespace_time(src, fp->ns, &t);
		if (!rc)
			set_times(st, t);
		return rc;
	}
	struct imgkey k;
	ctrfs_image im;
	int rc = load(src, fp, &k, &im);
	if (rc)
		return rc;
	set_times(st, im.updated_at);
	/* labels/ takes new files, unless the mount is read-only */
	if (fp->kind == NODE_IMAGE_LABELS && !src->fs->read_only)
		st->st_mode = S_IFDIR | 0755;
	if (fp->kind == NODE_IMAGE || fp->kind == NODE_IMAGE_TARGET)
		st->st_nlink = 3;
	ctrfs_image_clear(&im);
	imgkey_clear(&k);
	return 0;
}

static void value_line(struct strbuf *out, const char *v)
{
	strbuf_adds(out, v ? v : "");
	strbuf_addc(out, '\n');
}

int images_render(struct source *src, const struct fspath *fp, struct strbuf *out,
		  ctrfs_time *mtime)
{
	struct imgkey k;
	ctrfs_image im;
	char buf[64];
	if (fp->kind == NODE_CTR_IMAGE || node_is_dir(fp->kind))
		return node_is_dir(fp->kind) ? -EISDIR : -EINVAL; /* a symlink: readlink */
	int rc = load(src, fp, &k, &im);
	if (rc)
		return rc;
	*mtime = im.updated_at;
	const char *v = NULL;
	if (fp->kind == NODE_IMAGE_LABEL || fp->kind == NODE_IMAGE_ANNOTATION) {
		v = ctrfs_labels_get(
		    fp->kind == NODE_IMAGE_LABEL ? &im.labels : &im.target.annotations, k.key);
		rc = v ? 0 : -ENOENT;
	} else {
		switch ((int)fp->field) {
		case IMAGE_CREATED_AT:
		case IMAGE_UPDATED_AT:
			ctrfs_time_format((int)fp->field == IMAGE_CREATED_AT ? im.created_at
									     : im.updated_at,
					  buf, sizeof(buf));
			v = buf;
			break;
		case IMAGE_DIGEST:
			v = im.target.digest;
			break;
		case IMAGE_MEDIA_TYPE:
			v = im.target.media_type;
			break;
		case IMAGE_SIZE:
			snprintf(buf, sizeof(buf), "%" PRId64, im.target.size);
			v = buf;
			break;
		default:
			rc = -ENOENT;
		}
	}
	if (!rc)
		value_line(out, v);
	ctrfs_image_clear(&im);
	imgkey_clear(&k);
	return rc ? rc : out->oom ? -ENOMEM : 0;
}

int images_label_owner(struct source *src, const struct fspath *fp, ctrfs_time *mtime)
{
	struct imgkey k;
	ctrfs_image im;
	int rc = load(src, fp, &k, &im);
	if (rc)
		return rc;
	*mtime = im.updated_at;
	ctrfs_image_clear(&im);
	imgkey_clear(&k);
	return 0;
}

int images_readlink(struct source *src, const struct fspath *fp, char **target)
{
	const ctrfs_container *c;
	ctrfs_image im;
	*target = NULL;
	if (fp->kind != NODE_CTR_IMAGE)
		return -EINVAL;
	int rc = source_container(src, fp->ns, fp->id, 0, &c);
	if (rc)
		return rc;
	if (!c->image || !*c->image)
		return -ENOENT;
	__cleanup_free char *image = strdup(c->image);
	if (!image)
		return -ENOMEM;
	if ((rc = source_image(src, fp->ns, image, &im)))
		return rc;
	ctrfs_image_clear(&im);
	__cleanup_free char *name = names_encode(image);
	if (!name || asprintf(target, "../.images/%s", name) < 0) {
		*target = NULL;
		return -ENOMEM;
	}
	return 0;
}

static void entry(const struct fspath *dir, const char *name,
		  void (*fn)(void *, const char *, enum node_kind, int, const char *), void *arg)
{
	struct fspath fp = {0};
	if (!images_child(dir, name, &fp))
		fn(arg, name, fp.kind, (int)fp.field, fp.key);
	fspath_clear(&fp);
}

static int map_entries(const struct fspath *dir, const ctrfs_labels *l,
		       void (*fn)(void *, const char *, enum node_kind, int, const char *),
		       void *arg)
{
	for (size_t i = 0; i < l->count; i++) {
		char *name = names_encode(l->items[i].key);
		if (!name)
			return -ENOMEM;
		entry(dir, name, fn, arg);
		free(name);
	}
	return 0;
}

int images_list(struct source *src, const struct fspath *dir,
		void (*fn)(void *arg, const char *name, enum node_kind kind, int field,
			   const char *key),
		void *arg)
{
	ctrfs_image *list;
	size_t n;
	ctrfs_time t;
	int rc;
	if (dir->kind == NODE_IMAGES) {
		if ((rc = namespace_time(src, dir->ns, &t)))
			return rc;
		/* in the request's snapshot (namespace_time began it) */
		if ((rc = source_images(src, dir->ns, &list, &n))) {
			ctrfs_image_list_free(list, n);
			return rc;
		}
		for (size_t i = 0; i < n && !rc; i++) {
			char *name = names_encode(list[i].name);
			if (!name)
				rc = -ENOMEM;
			else
				entry(dir, name, fn, arg);
			free(name);
		}
		ctrfs_image_list_free(list, n);
		return rc;
	}
	struct imgkey k;
	ctrfs_image im;
	if ((rc = load(src, dir, &k, &im)))
		return rc;
	switch (dir->kind) {
	case NODE_IMAGE:
		entry(dir, "created_at", fn, arg);
		entry(dir, "updated_at", fn, arg);
		entry(dir, "target", fn, arg);
		entry(dir, "labels", fn, arg);
		break;
	case NODE_IMAGE_TARGET:
		entry(dir, "digest", fn, arg);
		entry(dir, "media_type", fn, arg);
		entry(dir, "size", fn, arg);
		entry(dir, "annotations", fn, arg);
		break;
	case NODE_IMAGE_ANNOTATIONS:
		rc = map_entries(dir, &im.target.annotations, fn, arg);
		break;
	case NODE_IMAGE_LABELS:
		rc = map_entries(dir, &im.labels, fn, arg);
		break;
	default:
		rc = -ENOTDIR;
	}
	ctrfs_image_clear(&im);
	imgkey_clear(&k);
	return rc;
}

/* ---- writes ---- */

ctrfs_code images_set_label(struct ctrfs *fs, const struct fspath *fp, const char *value,
			    enum images_label_op op, const char *expect, ctrfs_error *err)
{
	struct imgkey k;
	ctrfs_code code;
	if (fp->kind != NODE_IMAGE_LABEL || key_split(fp, &k)) {
		/* never: images_child makes no other label node */
		err->code = CTRFS_NOT_FOUND;
		snprintf(err->text, sizeof(err->text), "not an image's label");
		return CTRFS_NOT_FOUND;
	}
	switch (op) {
	case IMAGES_LABEL_CHECK:
		code = ctrfs_image_label_check(fs->store, fp->ns, k.name, k.key, value, err);
		break;
	case IMAGES_LABEL_SET_IF:
		code =
		    ctrfs_image_set_label_if(fs->store, fp->ns, k.name, k.key, value, expect, err);
		break;
	default:
		code = ctrfs_image_set_label(fs->store, fp->ns, k.name, k.key, value, err);
	}
	imgkey_clear(&k);
	return code;
}

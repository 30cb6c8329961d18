/* Mapping containerd's meta.db buckets (v1/<ns>/containers/<id>/...) to the ctrfs model;
 * the protobuf Any values in them are decoded by containerd_any.c. */
#include "containerd_db.h"
#include "error.h"
#include "goquote.h"
#include "timefmt.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Go's zero time.Time, which containerd reports when a timestamp key is missing. */
#define GO_ZERO_UNIX_SECONDS (-62135596800LL)

struct reader {
	bbolt_db *db;
	const char *only_ns;
	ctrfs_import_namespace *nss;
	size_t count, cap;
};

/* ---- paths in messages ---- */

/* A key as it appears in a message path: control bytes escaped, long keys cut. */
static void key_text(const unsigned char *k, size_t n, char *out, size_t size)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 8 < size; i++) {
		if (i == 80) {
			o += (size_t)snprintf(out + o, size - o, "...");
			break;
		}
		if (k[i] < 0x20 || k[i] == 0x7f || k[i] == '\\')
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", k[i]);
		else
			out[o++] = (char)k[i];
	}
	out[o] = '\0';
}

/* Paths in messages are cut to this; the entry stays recognizable. */
#define PATH_TEXT 1024

static void pathf(char *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void pathf(char *out, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out, PATH_TEXT, fmt, ap);
	va_end(ap);
}

/* Prefixes the message in err with "FILE: PATH: ", PATH made from fmt. */
static ctrfs_code at(struct reader *r, ctrfs_code code, ctrfs_error *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static ctrfs_code at(struct reader *r, ctrfs_code code, ctrfs_error *err, const char *fmt, ...)
{
	char path[PATH_TEXT], prefix[PATH_TEXT + 300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	snprintf(prefix, sizeof(prefix), "%.255s: %s: ", bbolt_name(r->db), path);
	return ctrfs_error_prefix(err, code, prefix);
}

static bool key_is(const bbolt_item *it, const char *name)
{
	return it->key_len == strlen(name) && !memcmp(it->key, name, it->key_len);
}

/* A C string from bytes of the file; the model's strings cannot hold NUL. */
static ctrfs_code text(const unsigned char *b, size_t n, char **out, ctrfs_error *err)
{
	if (n && memchr(b, 0, n))
		return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
				  "contains a NUL byte, which ctrfs cannot store");
	char *s = malloc(n + 1);
	if (!s)
		return ctrfs_fail_oom(err);
	if (n)
		memcpy(s, b, n);
	s[n] = '\0';
	free(*out);
	*out = s;
	return CTRFS_OK;
}

/* A value as containerd's ForEach sees it: a nested bucket reads as nil, i.e. empty. */
static void plain(const bbolt_item *it, const unsigned char **v, size_t *n)
{
	*v = it->is_bucket ? NULL : it->value;
	*n = it->is_bucket ? 0 : it->value_len;
}

/* ---- buckets ---- */

/* bbolt_bucket_get where a missing key is normal: NOT_FOUND leaves err untouched. */
static ctrfs_code lookup(struct reader *r, const bbolt_bucket *b, const char *key, bbolt_item *it,
			 ctrfs_error *err)
{
	ctrfs_error e;
	ctrfs_code code = bbolt_bucket_get(r->db, b, key, strlen(key), it, &e);
	if (code && code != CTRFS_NOT_FOUND && err)
		*err = e;
	return code;
}

/* What one key of a sub-bucket of plain values becomes: `key` as text, its value's bytes. */
typedef ctrfs_code (*entry_fn)(const char *key, const unsigned char *v, size_t n, void *dst,
			       ctrfs_error *err);

/* Every key of the sub-bucket `bucket_item` (labels/, extensions/) through put; a failure
 * names PATH/SUB/KEY. */
static ctrfs_code read_entries(struct reader *r, const bbolt_item *bucket_item, const char *path,
			       const char *sub, entry_fn put, void *dst, ctrfs_error *err)
{
	bbolt_bucket b;
	bbolt_cursor c;
	bbolt_item it;
	ctrfs_code code = bbolt_item_bucket(r->db, bucket_item, &b, err);
	if (code)
		return code;
	bbolt_cursor_init(&c, r->db, &b, err);
	while (bbolt_cursor_next(&c, &it)) {
		char *key = NULL, ktext[400];
		const unsigned char *v;
		size_t n;
		plain(&it, &v, &n);
		code = text(it.key, it.key_len, &key, err);
		if (!code)
			code = put(key, v, n, dst, err);
		free(key);
		if (code) {
			key_text(it.key, it.key_len, ktext, sizeof(ktext));
			return at(r, code, err, "%s/%s/%s", path, sub, ktext);
		}
	}
	return c.code;
}

/* labels/<key> = value, of a container, a namespace or an image (also an image's
 * target annotations, whose failures are named labels/ too). */
static ctrfs_code put_label(const char *key, const unsigned char *v, size_t n, void *labels,
			    ctrfs_error *err)
{
	char *value = NULL;
	ctrfs_code code = text(v, n, &value, err);
	if (!code && ctrfs_labels_set(labels, key, value))
		code = ctrfs_fail_oom(err);
	free(value);
	return code;
}

/* extensions/<name> = a protobuf Any */
static ctrfs_code put_extension(const char *name, const unsigned char *v, size_t n, void *exts,
				ctrfs_error *err)
{
	ctrfs_any any = {0};
	ctrfs_code code = containerd_any_decode(v, n, &any, err);
	if (!code && ctrfs_extensions_set(exts, name, &any))
		code = ctrfs_fail_oom(err);
	ctrfs_any_clear(&any);
	return code;
}

static ctrfs_code read_labels(struct reader *r, const bbolt_item *bucket_item, const char *path,
			      ctrfs_labels *labels, ctrfs_error *err)
{
	return read_entries(r, bucket_item, path, "labels", put_label, labels, err);
}

/* runtime/{name, options}, read with Get as containerd does: a nested bucket under
 * either key counts as absent. */
static ctrfs_code read_runtime(struct reader *r, const bbolt_item *bucket_item, const char *path,
			       ctrfs_container *ctr, ctrfs_error *err)
{
	bbolt_bucket b;
	bbolt_item it;
	ctrfs_code code = bbolt_item_bucket(r->db, bucket_item, &b, err);
	if (code)
		return code;
	code = lookup(r, &b, "name", &it, err);
	if (!code && !it.is_bucket &&
	    (code = text(it.value, it.value_len, &ctr->runtime_name, err)))
		return at(r, code, err, "%s/runtime/name", path);
	if (code && code != CTRFS_NOT_FOUND)
		return code;
	code = lookup(r, &b, "options", &it, err);
	if (code == CTRFS_NOT_FOUND || (!code && it.is_bucket))
		return CTRFS_OK;
	if (code)
		return code;
	code = containerd_any_decode(it.value, it.value_len, &ctr->runtime_options, err);
	if (code)
		return at(r, code, err, "%s/runtime/options", path);
	/* Present, even empty, means Options != nil (an Any with nothing set). */
	ctr->has_runtime_options = true;
	return CTRFS_OK;
}

/* createdat or updatedat (Go's time.MarshalBinary) of a record; a nested bucket under
 * either key counts as absent. */
static ctrfs_code read_time(struct reader *r, const bbolt_item *it, const char *path,
			    ctrfs_time *created, ctrfs_time *updated, ctrfs_error *err)
{
	const unsigned char *v;
	size_t n;
	plain(it, &v, &n);
	ctrfs_time *t = key_is(it, "createdat") ? created : updated;
	if (!it->is_bucket && !gotime_unmarshal_binary(v, n, t))
		return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
				  "%s: %s/%.9s: not a Go time.MarshalBinary value "
				  "(%zu bytes)",
				  bbolt_name(r->db), path, (const char *)it->key, n);
	return CTRFS_OK;
}

/* One key of a record's bucket (a container's, an image's), as containerd's readContainer
 * or readImage treats it; `rec` is the record being read. */
typedef ctrfs_code (*field_fn)(struct reader *r, const bbolt_item *it, const char *path, void *rec,
			       ctrfs_error *err);

/* The bucket of one record, named by its key: the key as *name, then each key of the
 * bucket through field. `path` (PATH_TEXT bytes) receives NS_PATH/KIND/KEY, for
 * messages. */
static ctrfs_code read_record(struct reader *r, const bbolt_item *bucket_item, const char *ns_path,
			      const char *kind, char *path, char **name, field_fn field, void *rec,
			      ctrfs_error *err)
{
	bbolt_bucket b;
	bbolt_cursor c;
	bbolt_item it;
	char ktext[400];
	key_text(bucket_item->key, bucket_item->key_len, ktext, sizeof(ktext));
	pathf(path, "%s/%s/%s", ns_path, kind, ktext);
	ctrfs_code code = text(bucket_item->key, bucket_item->key_len, name, err);
	if (code)
		return at(r, code, err, "%s", path);
	code = bbolt_item_bucket(r->db, bucket_item, &b, err);
	if (code)
		return code;
	bbolt_cursor_init(&c, r->db, &b, err);
	while (!code && bbolt_cursor_next(&c, &it))
		code = field(r, &it, path, rec, err);
	return code ? code : c.code;
}

/* One key of a container bucket: what containerd's readContainer does with it. */
static ctrfs_code container_field(struct reader *r, const bbolt_item *it, const char *path,
				  void *rec, ctrfs_error *err)
{
	ctrfs_container *ctr = rec;
	const unsigned char *v;
	size_t n;
	char **str = NULL;
	plain(it, &v, &n);
	if (key_is(it, "labels"))
		return it->is_bucket ? read_labels(r, it, path, &ctr->labels, err) : CTRFS_OK;
	if (key_is(it, "extensions"))
		return it->is_bucket ? read_entries(r, it, path, "extensions", put_extension,
						    &ctr->extensions, err)
				     : CTRFS_OK;
	if (key_is(it, "runtime"))
		return it->is_bucket ? read_runtime(r, it, path, ctr, err) : CTRFS_OK;
	if (key_is(it, "createdat") || key_is(it, "updatedat"))
		return read_time(r, it, path, &ctr->created_at, &ctr->updated_at, err);
	if (key_is(it, "spec")) {
		ctrfs_code code = containerd_any_decode(v, n, &ctr->spec, err);
		if (code)
			return at(r, code, err, "%s/spec", path);
		ctr->has_spec = true;
		return CTRFS_OK;
	}
	if (key_is(it, "image"))
		str = &ctr->image;
	else if (key_is(it, "snapshotKey"))
		str = &ctr->snapshot_key;
	else if (key_is(it, "snapshotter"))
		str = &ctr->snapshotter;
	else if (key_is(it, "sandboxid"))
		str = &ctr->sandbox_id;
	if (!str)
		return CTRFS_OK; /* keys of newer containerd versions */
	ctrfs_code code = text(v, n, str, err);
	if (code)
		return at(r, code, err, "%s/%.*s", path, (int)it->key_len, (const char *)it->key);
	return CTRFS_OK;
}

static ctrfs_code read_container(struct reader *r, const bbolt_item *bucket_item,
				 const char *ns_path, ctrfs_container *ctr, ctrfs_error *err)
{
	char path[PATH_TEXT];
	ctr->created_at = ctr->updated_at = (ctrfs_time){GO_ZERO_UNIX_SECONDS, 0};
	ctrfs_code code = read_record(r, bucket_item, ns_path, "containers", path, &ctr->id,
				      container_field, ctr, err);
	if (code)
		return code;
	/* containerd checks IDs and fields on create only; the store checks on import,
	 * and a failure there could not say which entry of the file was wrong. */
	code = ctrfs_container_validate(ctr, err);
	return code ? at(r, code, err, "%s", path) : CTRFS_OK;
}

static bool grow(void **items, size_t *cap, size_t count, size_t size)
{
	if (count < *cap)
		return true;
	size_t n = *cap ? *cap * 2 : 8;
	if (n > SIZE_MAX / size)
		return false;
	void *p = realloc(*items, n * size);
	if (!p)
		return false;
	*items = p;
	*cap = n;
	return true;
}

/* target/{digest, mediatype, size (binary.Varint)}, as readImage reads them */
static ctrfs_code read_target(struct reader *r, const bbolt_item *bucket_item, const char *path,
			      ctrfs_descriptor *d, ctrfs_error *err)
{
	bbolt_bucket b;
	bbolt_item it;
	ctrfs_code code = bbolt_item_bucket(r->db, bucket_item, &b, err);
	static const char *const keys[] = {"digest", "mediatype"};
	for (size_t i = 0; !code && i < 2; i++) {
		code = lookup(r, &b, keys[i], &it, err);
		if (code == CTRFS_NOT_FOUND || (!code && it.is_bucket)) {
			code = CTRFS_OK;
			continue;
		}
		if (!code &&
		    (code = text(it.value, it.value_len, i ? &d->media_type : &d->digest, err)))
			return at(r, code, err, "%s/target/%s", path, keys[i]);
	}
	if (code)
		return code;
	code = lookup(r, &b, "size", &it, err);
	if (!code && !it.is_bucket) {
		/* binary.Varint: zigzag */
		const unsigned char *p = it.value;
		uint64_t u;
		if (!containerd_varint(&p, p + it.value_len, &u))
			return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
					  "%s: %s/target/size: not a varint", bbolt_name(r->db),
					  path);
		d->size = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
	} else if (code && code != CTRFS_NOT_FOUND) {
		return code;
	}
	return CTRFS_OK;
}

/* One key of an image bucket: what containerd's readImage does with it. */
static ctrfs_code image_field(struct reader *r, const bbolt_item *it, const char *path, void *rec,
			      ctrfs_error *err)
{
	ctrfs_image *im = rec;
	if (!it->is_bucket && (key_is(it, "createdat") || key_is(it, "updatedat")))
		return read_time(r, it, path, &im->created_at, &im->updated_at, err);
	if (!it->is_bucket)
		return CTRFS_OK;
	if (key_is(it, "labels"))
		return read_labels(r, it, path, &im->labels, err);
	/* the target's annotations, kept beside it (readImage) */
	if (key_is(it, "annotations"))
		return read_labels(r, it, path, &im->target.annotations, err);
	if (key_is(it, "target"))
		return read_target(r, it, path, &im->target, err);
	return CTRFS_OK;
}

static ctrfs_code read_image(struct reader *r, const bbolt_item *bucket_item, const char *ns_path,
			     ctrfs_image *im, ctrfs_error *err)
{
	char path[PATH_TEXT];
	im->created_at = im->updated_at = (ctrfs_time){GO_ZERO_UNIX_SECONDS, 0};
	ctrfs_code code =
	    read_record(r, bucket_item, ns_path, "images", path, &im->name, image_field, im, err);
	if (code)
		return code;
	code = ctrfs_image_validate(im, err);
	return code ? at(r, code, err, "%s", path) : CTRFS_OK;
}

/* A namespace's bucket NAME (images, containers): *found false when it is absent or a
 * plain key (containerd has none then). */
static ctrfs_code sub_bucket(struct reader *r, const bbolt_bucket *parent, const char *name,
			     bbolt_bucket *out, bool *found, ctrfs_error *err)
{
	bbolt_item it;
	*found = false;
	ctrfs_code code = lookup(r, parent, name, &it, err);
	if (code == CTRFS_NOT_FOUND || (!code && !it.is_bucket))
		return CTRFS_OK;
	if (!code)
		code = bbolt_item_bucket(r->db, &it, out, err);
	*found = !code;
	return code;
}

static ctrfs_code read_images(struct reader *r, const bbolt_bucket *ns_bucket, const char *path,
			      ctrfs_import_namespace *ns, ctrfs_error *err)
{
	bbolt_bucket b;
	bbolt_cursor c;
	bbolt_item it;
	size_t cap = 0;
	bool found;
	ctrfs_code code = sub_bucket(r, ns_bucket, "images", &b, &found, err);
	if (code || !found)
		return code;
	bbolt_cursor_init(&c, r->db, &b, err);
	while (!code && bbolt_cursor_next(&c, &it)) {
		if (!it.is_bucket)
			continue;
		if (!grow((void **)&ns->images, &cap, ns->nimages, sizeof(*ns->images)))
			return ctrfs_fail_oom(err);
		ctrfs_image *im = &ns->images[ns->nimages++];
		memset(im, 0, sizeof(*im));
		code = read_image(r, &it, path, im, err);
	}
	return code ? code : c.code;
}

static ctrfs_code read_namespace(struct reader *r, const bbolt_item *ns_item, ctrfs_error *err)
{
	ctrfs_import_namespace *ns;
	bbolt_bucket b;
	bbolt_cursor c;
	bbolt_item it;
	char ktext[400], path[PATH_TEXT];
	size_t cap = 0;
	key_text(ns_item->key, ns_item->key_len, ktext, sizeof(ktext));
	pathf(path, "v1/%s", ktext);

	if (!grow((void **)&r->nss, &r->cap, r->count, sizeof(*r->nss)))
		return ctrfs_fail_oom(err);
	ns = &r->nss[r->count++];
	memset(ns, 0, sizeof(*ns));
	ctrfs_code code = text(ns_item->key, ns_item->key_len, &ns->ns.name, err);
	if (!code)
		code = ctrfs_identifier_validate(ns->ns.name, err);
	if (code)
		return at(r, code, err, "%s", path);
	code = bbolt_item_bucket(r->db, ns_item, &b, err);
	if (code)
		return code;
	code = lookup(r, &b, "labels", &it, err);
	if (!code && it.is_bucket)
		code = read_labels(r, &it, path, &ns->ns.labels, err);
	if (code && code != CTRFS_NOT_FOUND)
		return code;

	code = read_images(r, &b, path, ns, err);
	if (code)
		return code;
	bool found;
	code = sub_bucket(r, &b, "containers", &b, &found, err);
	if (code || !found)
		return code;
	bbolt_cursor_init(&c, r->db, &b, err);
	while (!code && bbolt_cursor_next(&c, &it)) {
		if (!it.is_bucket)
			continue; /* containerd's List skips plain keys here too */
		if (!grow((void **)&ns->containers, &cap, ns->count, sizeof(*ns->containers)))
			return ctrfs_fail_oom(err);
		ctrfs_container *ctr = &ns->containers[ns->count++];
		memset(ctr, 0, sizeof(*ctr));
		code = read_container(r, &it, path, ctr, err);
		if (!code && (ctr->updated_at.sec > ns->ns.updated_at.sec ||
			      (ctr->updated_at.sec == ns->ns.updated_at.sec &&
			       ctr->updated_at.nsec > ns->ns.updated_at.nsec)))
			ns->ns.updated_at = ctr->updated_at;
	}
	return code ? code : c.code;
}

static void reader_reset(struct reader *r)
{
	ctrfs_import_namespaces_free(r->nss, r->count);
	r->nss = NULL;
	r->count = r->cap = 0;
}

/*
 * v1 is containerd's schema ("v1/version" counts compatible additions: 3 in 1.6, 4 in
 * 2.x, which moved sandboxes under v1/<ns>/sandboxes). Containers kept their layout
 * throughout, so the version is not consulted.
 */
static ctrfs_code read_view(bbolt_db *db, const bbolt_bucket *root, void *arg, ctrfs_error *err)
{
	struct reader *r = arg;
	bbolt_bucket v1;
	bbolt_cursor c;
	bbolt_item it;
	reader_reset(r); /* a retried view starts again */
	ctrfs_code code = bbolt_bucket_open(db, root, "v1", &v1, err);
	if (code == CTRFS_NOT_FOUND)
		return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
				  "%s: not a containerd metadata database (no v1 bucket)",
				  bbolt_name(db));
	if (code)
		return code;
	if (r->only_ns) {
		code = lookup(r, &v1, r->only_ns, &it, err);
		if (code == CTRFS_NOT_FOUND || (!code && !it.is_bucket))
			return ctrfs_fail(err, CTRFS_NOT_FOUND, "%s: namespace %s: not found",
					  bbolt_name(db), GOQ(r->only_ns));
		return code ? code : read_namespace(r, &it, err);
	}
	bbolt_cursor_init(&c, db, &v1, err);
	while (!code && bbolt_cursor_next(&c, &it))
		if (it.is_bucket)
			code = read_namespace(r, &it, err);
	return code ? code : c.code;
}

ctrfs_code containerd_db_read_bbolt(bbolt_db *db, const char *only_ns, ctrfs_import_namespace **out,
				    size_t *count, ctrfs_error *err)
{
	struct reader r = {.db = db, .only_ns = only_ns};
	ctrfs_code code = bbolt_view(db, read_view, &r, err);
	if (code) {
		reader_reset(&r);
		return code;
	}
	*out = r.nss;
	*count = r.count;
	return CTRFS_OK;
}

ctrfs_code containerd_db_read(const char *path, const char *only_ns, ctrfs_import_namespace **out,
			      size_t *count, ctrfs_error *err)
{
	bbolt_db *db;
	ctrfs_code code = bbolt_open(path, &db, err);
	if (code)
		return code;
	code = containerd_db_read_bbolt(db, only_ns, out, count, err);
	bbolt_close(db);
	return code;
}

ctrfs_code ctrfs_containerd_db_read(const char *path, const char *only_ns,
				    ctrfs_import_namespace **out, size_t *count, ctrfs_error *err)
{
	return containerd_db_read(path, only_ns, out, count, err);
}

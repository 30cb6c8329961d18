/* Images: containerd's image records per namespace, their validation, labels and events.
 *
 * Record (DB_IMAGES, key "<ns>\0<name>"; integers little-endian as in record.h):
 *   u8 version=1, created (i64, i32), updated (i64, i32), media type, digest,
 *   size (u32 low, u32 high), label map, annotation map
 * An image is small (a descriptor and a few labels): one record, rewritten whole. */
#include "images_txn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "write_seam.h"
#include "error.h"
#include "events.h"
#include "filter.h"
#include "goquote.h"
#include "namespaces.h"
#include "record.h"
#include "validate.h"

struct img_key {
	char buf[CTRFS_IDENTIFIER_MAX + 1 + CTRFS_IMAGE_NAME_MAX + 1];
	size_t len;
};

/* false when the name is too long to be a key (never stored, so never found) */
static bool img_key(struct img_key *k, const char *ns, const char *name)
{
	size_t nl = strlen(ns), il = strlen(name);
	if (nl > CTRFS_IDENTIFIER_MAX || il > CTRFS_IMAGE_NAME_MAX)
		return false;
	memcpy(k->buf, ns, nl);
	k->buf[nl] = '\0';
	memcpy(k->buf + nl + 1, name, il);
	k->len = nl + 1 + il;
	return true;
}

void ctrfs_image_clear(ctrfs_image *im)
{
	free(im->name);
	ctrfs_labels_clear(&im->labels);
	free(im->target.media_type);
	free(im->target.digest);
	ctrfs_labels_clear(&im->target.annotations);
	memset(im, 0, sizeof(*im));
}

void ctrfs_image_list_free(ctrfs_image *list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		ctrfs_image_clear(&list[i]);
	free(list);
}

static bool dup_opt(char **dst, const char *src)
{
	*dst = src ? strdup(src) : NULL;
	return !src || *dst;
}

ctrfs_code ctrfs_image_copy(ctrfs_image *dst, const ctrfs_image *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->target.size = src->target.size;
	dst->created_at = src->created_at;
	dst->updated_at = src->updated_at;
	if (!dup_opt(&dst->name, src->name) ||
	    !dup_opt(&dst->target.media_type, src->target.media_type) ||
	    !dup_opt(&dst->target.digest, src->target.digest) ||
	    ctrfs_labels_copy(&dst->labels, &src->labels) ||
	    ctrfs_labels_copy(&dst->target.annotations, &src->target.annotations)) {
		ctrfs_image_clear(dst);
		return CTRFS_INTERNAL;
	}
	return CTRFS_OK;
}

/* ---- validation ---- */

static bool all_of(const char *s, size_t n, const char *set)
{
	for (size_t i = 0; i < n; i++)
		if (!s[i] || !strchr(set, s[i]))
			return false;
	return true;
}

/* go-digest's DigestRegexpAnchored: [a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+ */
static bool digest_shaped(const char *s, size_t colon)
{
	static const char alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	bool prev_sep = true;
	for (size_t i = 0; i < colon; i++) {
		bool sep = strchr(".+_-", s[i]) != NULL;
		if (sep ? prev_sep : !strchr(alnum, s[i]))
			return false;
		prev_sep = sep;
	}
	const char *enc = s + colon + 1;
	return !prev_sep && *enc &&
	       all_of(enc, strlen(enc),
		      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789=_-");
}

/* go-digest's Digest.Validate, with its messages */
static const char *digest_problem(const char *d)
{
	const char *colon = strchr(d, ':');
	if (!colon || colon == d || !colon[1])
		return "invalid checksum digest format";
	size_t alg = (size_t)(colon - d), hex;
	if (alg == 6 && memcmp(d, "sha256", 6) == 0)
		hex = 64;
	else if (alg == 6 && memcmp(d, "sha384", 6) == 0)
		hex = 96;
	else if (alg == 6 && memcmp(d, "sha512", 6) == 0)
		hex = 128;
	else
		return digest_shaped(d, alg) ? "unsupported digest algorithm"
					     : "invalid checksum digest format";
	const char *enc = colon + 1;
	if (strlen(enc) != hex)
		return "invalid checksum digest length";
	return all_of(enc, hex, "0123456789abcdef") ? NULL : "invalid checksum digest format";
}

ctrfs_code ctrfs_image_validate(const ctrfs_image *im, ctrfs_error *err)
{
	if (!im->name || !*im->name)
		return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
				  "image name must not be empty: invalid argument");
	for (size_t i = 0; i < im->labels.count; i++) {
		ctrfs_code code =
		    ctrfs_label_validate(im->labels.items[i].key, im->labels.items[i].value, err);
		if (code)
			return ctrfs_error_prefix(err, code, "image.Labels: ");
	}
	const char *digest = im->target.digest ? im->target.digest : "";
	const char *why = digest_problem(digest);
	if (why)
		return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
				  "Target.Digest %s invalid: %s: invalid argument", GOQ(digest),
				  why);
	if (im->target.size <= 0)
		return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
				  "Target.Size must be greater than zero: invalid argument");
	if (!im->target.media_type || !*im->target.media_type)
		return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
				  "Target.MediaType must be set: invalid argument");
	if (strlen(im->name) > CTRFS_IMAGE_NAME_MAX)
		return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
				  "image name longer than %d bytes, which the store cannot key: "
				  "invalid argument",
				  CTRFS_IMAGE_NAME_MAX);
	/* bolt takes no empty key: containerd fails the write (validate.h) */
	ctrfs_code code = label_keys_validate(&im->labels, err);
	return code ? code : label_keys_validate(&im->target.annotations, err);
}

/* ---- records ---- */

ctrfs_code img_load(struct db_txn *t, const char *ns, const char *name, ctrfs_image *out,
		    ctrfs_error *err)
{
	struct img_key key;
	MDB_val v;
	memset(out, 0, sizeof(*out));
	if (t->store->no_images || !img_key(&key, ns, name))
		return CTRFS_NOT_FOUND;
	ctrfs_code code = db_get(t, DB_IMAGES, key.buf, key.len, &v, err);
	if (code)
		return code;
	struct record_reader r = {v.mv_data, v.mv_size, false};
	bool ok = record_get_u8(&r) == RECORD_VERSION;
	out->created_at = record_get_time(&r);
	out->updated_at = record_get_time(&r);
	out->target.media_type = record_get_str(&r);
	out->target.digest = record_get_str(&r);
	uint64_t lo = record_get_u32(&r), hi = record_get_u32(&r);
	out->target.size = (int64_t)(lo | hi << 32);
	ok = ok && record_get_labels(&r, &out->labels) &&
	     record_get_labels(&r, &out->target.annotations) && !r.bad && !r.left;
	if (ok && !(out->name = strdup(name)))
		ok = false;
	if (!ok || !out->target.media_type || !out->target.digest) {
		ctrfs_image_clear(out);
		return ctrfs_fail_sys(err, CTRFS_INTERNAL, EIO, "image %s: damaged record",
				      GOQ(name));
	}
	return CTRFS_OK;
}

bool img_exists(struct db_txn *t, const char *ns, const char *name)
{
	struct img_key key;
	MDB_val v;
	return !t->store->no_images && img_key(&key, ns, name) &&
	       db_get(t, DB_IMAGES, key.buf, key.len, &v, NULL) == CTRFS_OK;
}

static ctrfs_code img_store(struct db_txn *t, const char *ns, const ctrfs_image *im,
			    ctrfs_error *err)
{
	struct img_key key;
	if (!img_key(&key, ns, im->name))
		return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT, "image name too long");
	struct strbuf sb = STRBUF_INIT;
	uint64_t size = (uint64_t)im->target.size;
	record_put_u8(&sb, RECORD_VERSION);
	record_put_time(&sb, im->created_at);
	record_put_time(&sb, im->updated_at);
	record_put_str(&sb, im->target.media_type);
	record_put_str(&sb, im->target.digest);
	record_put_u32(&sb, (uint32_t)size);
	record_put_u32(&sb, (uint32_t)(size >> 32));
	record_put_labels(&sb, &im->labels);
	record_put_labels(&sb, &im->target.annotations);
	ctrfs_code code = db_put_sb(t, DB_IMAGES, key.buf, key.len, &sb, err);
	strbuf_release(&sb);
	return code;
}

/* containerd's events.ImageCreate / ImageUpdate: {name, labels} */
static json_t *image_event(const ctrfs_image *im)
{
	return json_pack("{s:s, s:o}", "name", im->name, "labels", event_labels_json(&im->labels));
}

ctrfs_code img_put(struct db_txn *t, const char *ns, const ctrfs_image *im, ctrfs_error *err)
{
	bool existed = img_exists(t, ns, im->name);
	ctrfs_code code = img_store(t, ns, im, err);
	if (!code)
		code = events_append(t, ns, existed ? "/images/update" : "/images/create",
				     image_event(im), err);
	return code;
}

/* ---- reads ---- */

ctrfs_code ctrfs_image_get(ctrfs_store *s, const char *ns, const char *name, ctrfs_image *out,
			   ctrfs_error *err)
{
	struct db_txn t;
	ctrfs_code code = db_read_begin(s, &t, err);
	if (code)
		return code;
	code = img_load(&t, ns, name, out, err);
	db_read_end(&t);
	if (code == CTRFS_NOT_FOUND)
		return ctrfs_fail(err, code, "image %s: not found", GOQ(name));
	return code;
}

bool filter_image_field(const void *image, const char *const *path, size_t npath,
			const char **value)
{
	const ctrfs_image *im = image;
	const char *v = NULL;
	if (npath == 0)
		return false;
	if (strcmp(path[0], "name") == 0)
		v = im->name;
	else if (strcmp(path[0], "target") == 0 && npath > 1 && strcmp(path[1], "digest") == 0)
		v = im->target.digest;
	else if (strcmp(path[0], "target") == 0 && npath > 1 && strcmp(path[1], "mediatype") == 0)
		v = im->target.media_type;
	else if (strcmp(path[0], "labels") == 0)
		return filter_map_field(&im->labels, path + 1, npath - 1, value);
	else if (strcmp(path[0], "annotations") == 0)
		return filter_map_field(&im->target.annotations, path + 1, npath - 1, value);
	if (!v || !*v)
		return false;
	*value = v;
	return true;
}

ctrfs_code img_list(struct db_txn *t, const char *ns, const ctrfs_filter *f, ctrfs_image **out,
		    size_t *count, ctrfs_error *err)
{
	struct img_key prefix;
	MDB_cursor *cur;
	if (t->store->no_images || !img_key(&prefix, ns, ""))
		return CTRFS_OK;
	int rc = mdb_cursor_open(t->txn, t->store->dbi[DB_IMAGES], &cur);
	if (rc)
		return db_fail(t, rc, err, "images");
	MDB_val k = {prefix.len, prefix.buf}, v;
	size_t cap = 0;
	ctrfs_code code = CTRFS_OK;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && !code;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < prefix.len || memcmp(k.mv_data, prefix.buf, prefix.len) != 0)
			break;
		char name[CTRFS_IMAGE_NAME_MAX + 1];
		size_t n = k.mv_size - prefix.len;
		memcpy(name, (char *)k.mv_data + prefix.len, n);
		name[n] = '\0';
		if (*count == cap) {
			cap = cap ? cap * 2 : 8;
			ctrfs_image *p = realloc(*out, cap * sizeof(**out));
			if (!p) {
				code = ctrfs_fail_oom(err);
				break;
			}
			*out = p;
		}
		ctrfs_image *im = &(*out)[*count];
		code = img_load(t, ns, name, im, err);
		if (!code && (!f || filter_match(f, filter_image_field, im)))
			(*count)++;
		else if (!code)
			ctrfs_image_clear(im);
	}
	if (rc && rc != MDB_NOTFOUND && !code)
		code = db_fail(t, rc, err, "images");
	mdb_cursor_close(cur);
	return code;
}

ctrfs_code ctrfs_image_list(ctrfs_store *s, const char *ns, const char *const *filters,
			    size_t nfilters, ctrfs_image **out, size_t *count, ctrfs_error *err)
{
	ctrfs_filter *f;
	struct db_txn t;
	*out = NULL;
	*count = 0;
	ctrfs_code code = filter_parse(filters, nfilters, &f, err);
	if (code)
		return code;
	code = db_read_begin(s, &t, err);
	if (!code) {
		code = img_list(&t, ns, f, out, count, err);
		db_read_end(&t);
	}
	filter_free(f);
	if (code) {
		ctrfs_image_list_free(*out, *count);
		*out = NULL;
		*count = 0;
	}
	return code;
}

/* ---- writes ---- */

struct label_arg {
	const char *ns, *name, *key, *value;
	bool guard;
	const char *expect;
};

static bool opt_str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static ctrfs_code label_txn(struct db_txn *t, void *p, ctrfs_error *err)
{
	struct label_arg *a = p;
	ctrfs_image im;
	ctrfs_code code = img_load(t, a->ns, a->name, &im, err);
	if (code == CTRFS_NOT_FOUND)
		return ctrfs_fail(err, code, "image %s: not found", GOQ(a->name));
	if (code)
		return code;
	if (a->guard && !opt_str_eq(ctrfs_labels_get(&im.labels, a->key), a->expect))
		code = ctrfs_fail(err, CTRFS_FAILED_PRECONDITION,
				  "image %s: label %s changed since it was read", GOQ(a->name),
				  GOQ(a->key));
	else if (a->value && *a->value)
		code =
		    ctrfs_labels_set(&im.labels, a->key, a->value) ? ctrfs_fail_oom(err) : CTRFS_OK;
	else
		ctrfs_labels_remove(&im.labels, a->key);
	if (!code) {
		im.updated_at = ctrfs_time_now();
		code = img_store(t, a->ns, &im, err);
	}
	if (!code)
		code = events_append(t, a->ns, "/images/update", image_event(&im), err);
	if (!code)
		code = ns_touch(t, a->ns, im.updated_at, err);
	ctrfs_image_clear(&im);
	return code;
}

static ctrfs_code label_check(const char *key, const char *value, ctrfs_error *err)
{
	/* containerd validates the label as given, before an empty value is dropped */
	ctrfs_code code = ctrfs_label_validate(key, value, err);
	if (code)
		return ctrfs_error_prefix(err, code, "image.Labels: ");
	return label_key_validate(key, value, err);
}

static ctrfs_code set_label(ctrfs_store *s, const char *ns, const char *name, const char *key,
			    const char *value, bool guard, const char *expect, ctrfs_error *err)
{
	ctrfs_code code = label_check(key, value, err);
	if (code)
		return code;
	/* bound: containerd's Images.Update decides, its answer is mirrored */
	if (binding_on(s))
		return binding_image_label(s, ns, name, key, value, guard, expect, err);
	struct label_arg a = {ns, name, key, value, guard, expect};
	return db_write(s, label_txn, &a, err);
}

ctrfs_code ctrfs_image_label_check(ctrfs_store *s, const char *ns, const char *name,
				   const char *key, const char *value, ctrfs_error *err)
{
	ctrfs_image im;
	ctrfs_code code = label_check(key, value, err);
	if (!code && !(code = ctrfs_image_get(s, ns, name, &im, err)))
		ctrfs_image_clear(&im);
	return code;
}

ctrfs_code ctrfs_image_set_label(ctrfs_store *s, const char *ns, const char *name, const char *key,
				 const char *value, ctrfs_error *err)
{
	return set_label(s, ns, name, key, value, false, NULL, err);
}

ctrfs_code ctrfs_image_set_label_if(ctrfs_store *s, const char *ns, const char *name,
				    const char *key, const char *value, const char *expect,
				    ctrfs_error *err)
{
	return set_label(s, ns, name, key, value, true, expect, err);
}

struct put_arg {
	const char *ns;
	const ctrfs_image *im;
};

static ctrfs_code put_txn(struct db_txn *t, void *p, ctrfs_error *err)
{
	struct put_arg *a = p;
	ctrfs_code code = img_put(t, a->ns, a->im, err);
	return code ? code : ns_touch(t, a->ns, ctrfs_time_now(), err);
}

ctrfs_code ctrfs_image_put(ctrfs_store *s, const char *ns, const ctrfs_image *im, ctrfs_error *err)
{
	ctrfs_code code = ctrfs_identifier_validate(ns, err);
	if (!code)
		code = ctrfs_image_validate(im, err);
	if (code)
		return code;
	struct put_arg a = {ns, im};
	return db_write(s, put_txn, &a, err);
}

ctrfs_code img_del(struct db_txn *t, const char *ns, const char *name, ctrfs_error *err)
{
	struct img_key key;
	if (!img_exists(t, ns, name) || !img_key(&key, ns, name))
		return CTRFS_NOT_FOUND;
	ctrfs_code code = db_del(t, DB_IMAGES, key.buf, key.len, err);
	return code ? code
		    : events_append(t, ns, "/images/delete", json_pack("{s:s}", "name", name), err);
}

static ctrfs_code drop_txn(struct db_txn *t, void *p, ctrfs_error *err)
{
	struct label_arg *a = p;
	ctrfs_code code = img_del(t, a->ns, a->name, err);
	if (code == CTRFS_NOT_FOUND)
		return ctrfs_fail(err, CTRFS_NOT_FOUND, "image %s: not found", GOQ(a->name));
	return code ? code : ns_touch(t, a->ns, ctrfs_time_now(), err);
}

ctrfs_code ctrfs_image_drop(ctrfs_store *s, const char *ns, const char *name, ctrfs_error *err)
{
	struct label_arg a = {.ns = ns, .name = name};
	return db_write(s, drop_txn, &a, err);
}

/* ---- ctrfs_store_check ---- */

ctrfs_code img_check(struct db_txn *t, void (*problem)(void *arg, const char *text), void *arg,
		     ctrfs_error *err)
{
	MDB_cursor *cur;
	MDB_val k, v;
	char text[1600];
	if (t->store->no_images)
		return CTRFS_OK;
	int rc = mdb_cursor_open(t->txn, t->store->dbi[DB_IMAGES], &cur);
	if (rc)
		return db_fail(t, rc, err, "images");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		const char *p = k.mv_data, *sep = memchr(p, '\0', k.mv_size);
		size_t nl = sep ? (size_t)(sep - p) : 0, il = sep ? k.mv_size - nl - 1 : 0;
		if (!sep || !nl || !il || nl > CTRFS_IDENTIFIER_MAX || il > CTRFS_IMAGE_NAME_MAX ||
		    memchr(sep + 1, '\0', il)) {
			problem(arg, "images: a malformed key");
			continue;
		}
		char ns[CTRFS_IDENTIFIER_MAX + 1], name[CTRFS_IMAGE_NAME_MAX + 1];
		memcpy(ns, p, nl);
		ns[nl] = '\0';
		memcpy(name, sep + 1, il);
		name[il] = '\0';
		ctrfs_image im;
		ctrfs_namespace n;
		ctrfs_error e;
		if (img_load(t, ns, name, &im, &e)) {
			snprintf(text, sizeof(text), "namespace %s: image %.400s: %s", ns, name,
				 e.text);
			problem(arg, text);
			continue;
		}
		if (ctrfs_image_validate(&im, &e)) {
			snprintf(text, sizeof(text), "namespace %s: image %.400s: %s", ns, name,
				 e.text);
			problem(arg, text);
		}
		ctrfs_image_clear(&im);
		if (ns_load(t, ns, &n, NULL) == CTRFS_OK) {
			ctrfs_namespace_clear(&n);
		} else {
			snprintf(text, sizeof(text),
				 "namespace %s: image %.400s: no namespace record", ns, name);
			problem(arg, text);
		}
	}
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND)
		return db_fail(t, rc, err, "images");
	return CTRFS_OK;
}

/* An image as a JSON object of the export document, losslessly (see image_json.h). */
#include "image_json.h"

#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "error.h"
#include "json_text.h"
#include "runes.h"
#include "strbuf.h"

/* A string as itself, or base64 of its bytes when `b64`. */
static json_t *str_json(const char *s, bool b64)
{
	s = s ? s : "";
	if (!b64)
		return json_string(s);
	char *b = base64_encode(s, strlen(s), NULL);
	json_t *v = b ? json_string(b) : NULL;
	free(b);
	return v;
}

/* A key as itself, or base64 (malloc'd into *tmp) */
static const char *key_text(const char *k, bool b64, char **tmp)
{
	*tmp = b64 ? base64_encode(k, strlen(k), NULL) : NULL;
	return b64 ? *tmp : k;
}

static json_t *map_json(const ctrfs_labels *l, bool b64)
{
	json_t *o = json_object();
	for (size_t i = 0; o && i < l->count; i++) {
		char *tmp;
		const char *k = key_text(l->items[i].key, b64, &tmp);
		if (!k || json_object_set_new(o, k, str_json(l->items[i].value, b64))) {
			json_decref(o);
			o = NULL;
		}
		free(tmp);
	}
	return o;
}

static json_t *time_json(ctrfs_time t)
{
	char buf[64];
	ctrfs_time_format(t, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *image_object(const ctrfs_image *im, bool b64)
{
	return json_pack("{s:o*, s:o*, s:{s:o*, s:o*, s:I, s:o*}, s:o*, s:o*}", "Name",
			 str_json(im->name, b64), "Labels", map_json(&im->labels, b64), "Target",
			 "mediaType", str_json(im->target.media_type, b64), "digest",
			 str_json(im->target.digest, b64), "size", (json_int_t)im->target.size,
			 "annotations", map_json(&im->target.annotations, b64), "CreatedAt",
			 time_json(im->created_at), "UpdatedAt", time_json(im->updated_at));
}

static bool utf8(const char *s)
{
	return !s || json_text_is_utf8(s, strlen(s));
}

static bool map_utf8(const ctrfs_labels *l)
{
	for (size_t i = 0; i < l->count; i++)
		if (!utf8(l->items[i].key) || !utf8(l->items[i].value))
			return false;
	return true;
}

/* s with each byte that is not UTF-8 as U+FFFD, as Go's encoder (ctr) writes it */
static char *readable(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p), w;
	char rune[4];
	for (size_t i = 0; i < n; i += w) {
		int32_t r = runes_decode(p + i, n - i, &w);
		if (r == RUNE_ERROR && w == 1)
			strbuf_add(&sb, rune, runes_encode(RUNE_ERROR, rune));
		else
			strbuf_add(&sb, p + i, w);
	}
	return strbuf_detach(&sb, NULL);
}

json_t *image_json_export(const ctrfs_image *im)
{
	bool exact = utf8(im->name) && utf8(im->target.media_type) && utf8(im->target.digest) &&
		     map_utf8(&im->labels) && map_utf8(&im->target.annotations);
	if (exact)
		return image_object(im, false);
	/* the readable form with U+FFFD for what is not UTF-8 (its maps left out: keys may
	 * collide once replaced), then the exact bytes */
	ctrfs_image shown = {.target.size = im->target.size,
			     .created_at = im->created_at,
			     .updated_at = im->updated_at,
			     .name = readable(im->name),
			     .target.media_type = readable(im->target.media_type),
			     .target.digest = readable(im->target.digest)};
	json_t *o = shown.name && shown.target.media_type && shown.target.digest
			? image_object(&shown, false)
			: NULL;
	ctrfs_image_clear(&shown);
	if (o && json_object_set_new(o, "base64", image_object(im, true))) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

static ctrfs_code bad(ctrfs_error *err, const char *what)
{
	return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT, "image: %s: invalid argument", what);
}

/* A string member (absent: NULL is fine) decoded from base64 when `b64`. */
static bool str_from(json_t *v, bool b64, char **out)
{
	*out = NULL;
	if (!v || json_is_null(v))
		return true;
	if (!json_is_string(v))
		return false;
	if (!b64)
		return (*out = strdup(json_string_value(v))) != NULL;
	unsigned char *bytes;
	size_t n;
	if (!base64_decode(json_string_value(v), json_string_length(v), &bytes, &n))
		return false;
	char *s = malloc(n + 1);
	if (s) {
		memcpy(s, bytes, n);
		s[n] = '\0';
	}
	free(bytes);
	if (!s || strlen(s) != n) {
		free(s);
		return false;
	}
	*out = s;
	return true;
}

static bool map_from(json_t *obj, bool b64, ctrfs_labels *out)
{
	const char *k;
	json_t *v;
	if (!obj || json_is_null(obj))
		return true;
	if (!json_is_object(obj))
		return false;
	json_object_foreach(obj, k, v)
	{
		char *key, *value;
		json_t *kj = json_string(k);
		bool ok = kj && str_from(kj, b64, &key);
		json_decref(kj);
		if (!ok)
			return false;
		ok = str_from(v, b64, &value) && value &&
		     ctrfs_labels_set(out, key, value) == CTRFS_OK;
		free(key);
		free(value);
		if (!ok)
			return false;
	}
	return true;
}

static bool time_from(json_t *v, ctrfs_time *t)
{
	return !v || (json_is_string(v) && ctrfs_time_parse(json_string_value(v), t));
}

static ctrfs_code parse(json_t *obj, bool b64, ctrfs_image *out, ctrfs_error *err)
{
	json_t *target = json_object_get(obj, "Target"), *size;
	memset(out, 0, sizeof(*out));
	if (!json_is_object(obj))
		return bad(err, "expected an object");
	if (!str_from(json_object_get(obj, "Name"), b64, &out->name) || !out->name)
		return bad(err, "\"Name\" must be a string");
	if (!map_from(json_object_get(obj, "Labels"), b64, &out->labels))
		return bad(err, "\"Labels\" must map strings to strings");
	if (!json_is_object(target))
		return bad(err, "\"Target\" must be an object");
	size = json_object_get(target, "size");
	if (!str_from(json_object_get(target, "mediaType"), b64, &out->target.media_type) ||
	    !str_from(json_object_get(target, "digest"), b64, &out->target.digest) ||
	    (size && !json_is_integer(size)) ||
	    !map_from(json_object_get(target, "annotations"), b64, &out->target.annotations))
		return bad(err, "\"Target\" must be a descriptor {mediaType, digest, size, "
				"annotations}");
	out->target.size = size ? (int64_t)json_integer_value(size) : 0;
	if (!time_from(json_object_get(obj, "CreatedAt"), &out->created_at) ||
	    !time_from(json_object_get(obj, "UpdatedAt"), &out->updated_at))
		return bad(err, "\"CreatedAt\" and \"UpdatedAt\" must be RFC 3339 times");
	return CTRFS_OK;
}

ctrfs_code image_json_parse(json_t *obj, ctrfs_image *out, ctrfs_error *err)
{
	json_t *exact = json_is_object(obj) ? json_object_get(obj, "base64") : NULL;
	ctrfs_code code = parse(exact ? exact : obj, exact != NULL, out, err);
	if (code)
		ctrfs_image_clear(out);
	return code;
}

/* Image documents read as containerd's Go code reads them (see oci.h). */
#include "oci.h"

#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"

bool oci_is_manifest(const char *mt)
{
	return strcmp(mt, MT_DOCKER_MANIFEST) == 0 || strcmp(mt, MT_OCI_MANIFEST) == 0;
}

bool oci_is_index(const char *mt)
{
	return strcmp(mt, MT_DOCKER_LIST) == 0 || strcmp(mt, MT_OCI_INDEX) == 0;
}

bool oci_is_image_config(const char *mt)
{
	return strcmp(mt, MT_DOCKER_CONFIG) == 0 || strcmp(mt, MT_OCI_CONFIG) == 0;
}

void oci_platform_clear(struct oci_platform *p)
{
	free(p->os);
	free(p->architecture);
	free(p->variant);
	memset(p, 0, sizeof(*p));
}

void oci_desc_list_clear(struct oci_desc_list *l)
{
	for (size_t i = 0; l->items && i < l->n; i++) {
		free(l->items[i].media_type);
		free(l->items[i].digest);
		oci_platform_clear(&l->items[i].platform);
	}
	free(l->items);
	memset(l, 0, sizeof(*l));
}

static int fail(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(char **err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(err, fmt, ap) < 0)
		*err = NULL;
	va_end(ap);
	return -1;
}

/* Go's encoding/json finds a struct field by its exact name or, failing that, by a
 * case-insensitive one; with several, the last in the document wins (ASCII folding
 * here: Go also folds the Kelvin sign and long s, which no real document uses). */
static json_t *member(json_t *obj, const char *name)
{
	json_t *exact = json_object_get(obj, name), *folded = NULL;
	if (exact)
		return exact;
	const char *k;
	json_t *v;
	json_object_foreach(obj, k, v)
	{
		if (strcasecmp(k, name) == 0)
			folded = v;
	}
	return folded;
}

/* A string field: absent or null is "", any other type is Go's unmarshal error. */
static int get_str(json_t *obj, const char *name, char **out, char **err)
{
	json_t *v = member(obj, name);
	if (v && !json_is_null(v) && !json_is_string(v))
		return fail(err, "json: cannot unmarshal %s into a string field %s",
			    json_is_object(v) ? "object" : "a non-string", name);
	*out = strdup(v && json_is_string(v) ? json_string_value(v) : "");
	return *out ? 0 : fail(err, "out of memory");
}

static int get_platform(json_t *v, struct oci_platform *p, char **err)
{
	if (!json_is_object(v))
		return fail(err, "json: cannot unmarshal a non-object into platform");
	if (get_str(v, "os", &p->os, err) < 0 ||
	    get_str(v, "architecture", &p->architecture, err) < 0 ||
	    get_str(v, "variant", &p->variant, err) < 0)
		return -1;
	return 0;
}

static int get_desc(json_t *v, struct oci_desc *d, char **err)
{
	if (!v || json_is_null(v)) {
		/* Go leaves the zero descriptor */
		d->media_type = strdup("");
		d->digest = strdup("");
		return d->media_type && d->digest ? 0 : fail(err, "out of memory");
	}
	if (!json_is_object(v))
		return fail(err, "json: cannot unmarshal a non-object into a descriptor");
	if (get_str(v, "mediaType", &d->media_type, err) < 0 ||
	    get_str(v, "digest", &d->digest, err) < 0)
		return -1;
	json_t *size = member(v, "size");
	if (size && !json_is_null(size) && !json_is_integer(size))
		return fail(err, "json: cannot unmarshal a non-integer into size");
	d->size = size && json_is_integer(size) ? json_integer_value(size) : 0;
	json_t *plat = member(v, "platform");
	if (plat && !json_is_null(plat)) {
		d->has_platform = true;
		return get_platform(plat, &d->platform, err);
	}
	return 0;
}

/* Appends the descriptors of array V (absent or null: none). */
static int add_descs(json_t *v, struct oci_desc_list *out, char **err)
{
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return fail(err, "json: cannot unmarshal a non-array into a descriptor list");
	struct oci_desc *p = realloc(out->items, (out->n + json_array_size(v) + 1) * sizeof(*p));
	if (!p)
		return fail(err, "out of memory");
	out->items = p;
	size_t i;
	json_t *d;
	json_array_foreach(v, i, d)
	{
		memset(&out->items[out->n], 0, sizeof(out->items[out->n]));
		out->n++;
		if (get_desc(d, &out->items[out->n - 1], err) < 0)
			return -1;
	}
	return 0;
}

/* images.validateMediaType: a manifest must not look like an index, nor the reverse.
 * Go reads these fields as raw JSON, so any value (even null) counts as present. */
static int validate_media_type(json_t *doc, const char *mt, char **err)
{
	json_t *doc_mt = member(doc, "mediaType");
	if (doc_mt && !json_is_null(doc_mt) && !json_is_string(doc_mt))
		return fail(err, "json: cannot unmarshal a non-string into mediaType");
	const char *dmt = doc_mt && json_is_string(doc_mt) ? json_string_value(doc_mt) : "";
	if (member(doc, "fsLayers"))
		return fail(err, "media-type: schema 1 not supported");
	if (oci_is_manifest(mt) && (member(doc, "manifests") || oci_is_index(dmt)))
		return fail(err, "media-type: expected manifest but found index (%s)", mt);
	if (oci_is_index(mt) &&
	    (member(doc, "config") || member(doc, "layers") || oci_is_manifest(dmt)))
		return fail(err, "media-type: expected index but found manifest (%s)", mt);
	return 0;
}

static json_t *load(const uint8_t *data, size_t len, char **err)
{
	json_error_t jerr;
	json_t *doc = json_loadb((const char *)data, len, JSON_DECODE_ANY, &jerr);
	if (!doc)
		fail(err, "invalid JSON: %s", jerr.text);
	else if (!json_is_object(doc) && !json_is_null(doc)) {
		fail(err, "json: cannot unmarshal a non-object into a document");
		json_decref(doc);
		return NULL;
	}
	return doc;
}

int oci_children(const char *mt, const uint8_t *data, size_t len, struct oci_desc_list *out,
		 char **err)
{
	memset(out, 0, sizeof(*out));
	*err = NULL;
	if (!oci_is_manifest(mt) && !oci_is_index(mt))
		return 0;
	json_t *doc = load(data, len, err);
	if (!doc)
		return -1;
	int rc = validate_media_type(doc, mt, err);
	if (rc == 0 && oci_is_manifest(mt)) {
		/* the config is always a child, the zero descriptor when absent */
		out->items = calloc(1, sizeof(*out->items));
		if (!out->items)
			rc = fail(err, "out of memory");
		else {
			out->n = 1;
			rc = get_desc(member(doc, "config"), &out->items[0], err);
		}
		if (rc == 0)
			rc = add_descs(member(doc, "layers"), out, err);
	} else if (rc == 0) {
		rc = add_descs(member(doc, "manifests"), out, err);
	}
	json_decref(doc);
	if (rc < 0)
		oci_desc_list_clear(out);
	return rc;
}

int oci_config_platform(const uint8_t *data, size_t len, struct oci_platform *out, char **err)
{
	memset(out, 0, sizeof(*out));
	*err = NULL;
	json_t *doc = load(data, len, err);
	if (!doc)
		return -1;
	int rc = get_str(doc, "os", &out->os, err);
	if (rc == 0)
		rc = get_str(doc, "architecture", &out->architecture, err);
	json_decref(doc);
	if (rc == 0 && !(out->variant = strdup("")))
		rc = fail(err, "out of memory");
	if (rc == 0 && oci_platform_normalize(out) < 0)
		rc = fail(err, "out of memory");
	if (rc < 0)
		oci_platform_clear(out);
	return rc;
}

static int set(char **field, const char *value)
{
	char *s = strdup(value);
	if (!s)
		return -1;
	free(*field);
	*field = s;
	return 0;
}

static void lower(char *s)
{
	for (; s && *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

static bool is(const char *s, const char *v)
{
	return strcmp(s ? s : "", v) == 0;
}

int oci_platform_normalize(struct oci_platform *p)
{
	if ((!p->os && set(&p->os, "") < 0) ||
	    (!p->architecture && set(&p->architecture, "") < 0) ||
	    (!p->variant && set(&p->variant, "") < 0))
		return -1;
	/* platforms.normalizeOS: "" is the host's (linux: ctrfs runs nowhere else) */
	lower(p->os);
	if (is(p->os, "") && set(&p->os, "linux") < 0)
		return -1;
	if (is(p->os, "macos") && set(&p->os, "darwin") < 0)
		return -1;
	/* platforms.normalizeArch */
	lower(p->architecture);
	lower(p->variant);
	const char *a = p->architecture, *v = p->variant, *na = NULL, *nv = NULL;
	if (is(a, "i386"))
		na = "386", nv = "";
	else if (is(a, "x86_64") || is(a, "x86-64") || is(a, "amd64"))
		na = "amd64", nv = is(v, "v1") ? "" : NULL;
	else if (is(a, "aarch64") || is(a, "arm64"))
		na = "arm64", nv = is(v, "8") || is(v, "v8") ? "" : NULL;
	else if (is(a, "armhf"))
		na = "arm", nv = "v7";
	else if (is(a, "armel"))
		na = "arm", nv = "v6";
	else if (is(a, "arm") && (is(v, "") || is(v, "7")))
		nv = "v7";
	else if (is(a, "arm") && (is(v, "5") || is(v, "6") || is(v, "8")))
		nv = is(v, "5") ? "v5" : is(v, "6") ? "v6" : "v8";
	if ((na && set(&p->architecture, na) < 0) || (nv && set(&p->variant, nv) < 0))
		return -1;
	return 0;
}

/* path.Join of the non-empty parts; Go also cleans "." and ".." out of the result,
 * which no real platform contains. */
char *oci_platform_format(const struct oci_platform *p)
{
	if (!p->os || !*p->os)
		return strdup("unknown");
	const char *parts[] = {p->os, p->architecture, p->variant};
	size_t len = 1;
	for (size_t i = 0; i < 3; i++)
		len += (parts[i] ? strlen(parts[i]) : 0) + 1;
	char *s = malloc(len), *o = s;
	if (!s)
		return NULL;
	for (size_t i = 0; i < 3; i++) {
		if (!parts[i] || !*parts[i])
			continue;
		if (o != s)
			*o++ = '/';
		o = stpcpy(o, parts[i]);
	}
	*o = '\0';
	return s;
}

size_t oci_host_platforms(struct oci_platform *out, size_t max)
{
	static const char *const vector[][2] = {
#if defined(__x86_64__)
		{"amd64", ""},
		{"386", ""},
#elif defined(__aarch64__)
		{"arm64", ""},
		{"arm", "v8"},
		{"arm", "v7"},
		{"arm", "v6"},
		{"arm", "v5"},
#elif defined(__i386__)
		{"386", ""},
#elif defined(__arm__)
		{"arm", "v7"},
		{"arm", "v6"},
		{"arm", "v5"},
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		{"ppc64le", ""},
#elif defined(__s390x__)
		{"s390x", ""},
#elif defined(__riscv) && __riscv_xlen == 64
		{"riscv64", ""},
#else
		{"", ""}, /* an architecture Go names otherwise: only platform-less manifests */
#endif
	};
	size_t n = sizeof(vector) / sizeof(vector[0]);
	for (size_t i = 0; i < n && i < max; i++)
		out[i] = (struct oci_platform){.os = "linux",
					       .architecture = (char *)vector[i][0],
					       .variant = (char *)vector[i][1]};
	return n < max ? n : max;
}

size_t oci_platform_rank(const struct oci_platform *p, const struct oci_platform *host, size_t n)
{
	struct oci_platform norm = {0};
	if ((p->os && !(norm.os = strdup(p->os))) ||
	    (p->architecture && !(norm.architecture = strdup(p->architecture))) ||
	    (p->variant && !(norm.variant = strdup(p->variant))) ||
	    oci_platform_normalize(&norm) < 0) {
		oci_platform_clear(&norm);
		return n;
	}
	size_t i = 0;
	while (i < n && !(strcmp(norm.os, host[i].os) == 0 &&
			  strcmp(norm.architecture, host[i].architecture) == 0 &&
			  strcmp(norm.variant, host[i].variant) == 0))
		i++;
	oci_platform_clear(&norm);
	return i;
}

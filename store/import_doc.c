/* Import documents: an export document (export.c) or one `ctr containers info` object
 * parsed into namespaces to import, the exact bytes of strings that are not UTF-8 read
 * back (see "exact bytes" in export.c). Parsing only: the fuzzer drives it alone. */
#include "import_doc.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "error.h"
#include "image_json.h"
#include "info_json.h"
#include "json_text.h"

struct doc_parse {
	ctrfs_import_namespace *nss;
	size_t n;
	ctrfs_error *err;
	ctrfs_code code;
};

struct ctr_items {
	ctrfs_import_namespace *ns;
	ctrfs_error *err;
	ctrfs_code code;
};

static bool add_container(const char *item, size_t len, void *arg)
{
	struct ctr_items *a = arg;
	ctrfs_import_namespace *ns = a->ns;
	ctrfs_container *p = realloc(ns->containers, (ns->count + 1) * sizeof(*p));
	if (!p) {
		a->code = ctrfs_fail_oom(a->err);
		return false;
	}
	ns->containers = p;
	a->code = info_json_parse(item, len, &p[ns->count], a->err);
	if (a->code) {
		char prefix[160];
		snprintf(prefix, sizeof(prefix),
			 "import: namespace %s: container #%zu: ", ns->ns.name, ns->count + 1);
		ctrfs_error_prefix(a->err, a->code, prefix);
		return false;
	}
	ns->count++;
	return true;
}

/* Parses the JSON value at [s, s+len) with jansson; NULL when absent. */
static json_t *member_json(const char *text, size_t len, const char *key)
{
	size_t start, vlen;
	if (!json_text_member(text, len, key, &start, &vlen))
		return NULL;
	return json_loadb(text + start, vlen, JSON_DECODE_ANY, NULL);
}

/* ---- reading the exact bytes back (see "exact bytes" above) ---- */

static ctrfs_code bad_exact(ctrfs_error *err, const char *ns, const char *what)
{
	return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
			  "import: namespace %s: base64: %s: invalid argument", ns, what);
}

/* A base64 string's bytes as a C string (no NUL inside); NULL if it is not one. */
static char *unb64_text(json_t *v)
{
	unsigned char *bytes;
	size_t len;
	if (!json_is_string(v) ||
	    !base64_decode(json_string_value(v), json_string_length(v), &bytes, &len))
		return NULL;
	char *text = realloc(bytes, len + 1);
	if (!text || memchr(text, '\0', len)) {
		free(text ? text : (char *)bytes);
		return NULL;
	}
	text[len] = '\0';
	return text;
}

/* {KEY: VALUE} (both base64) into labels. */
static bool exact_labels(json_t *obj, ctrfs_labels *labels)
{
	const char *k;
	json_t *v;
	if (!json_is_object(obj))
		return false;
	json_object_foreach(obj, k, v)
	{
		json_t *kj = json_string(k);
		char *key = unb64_text(kj);
		json_decref(kj);
		char *value = unb64_text(v);
		bool ok = key && value && ctrfs_labels_set(labels, key, value) == CTRFS_OK;
		free(key);
		free(value);
		if (!ok)
			return false;
	}
	return true;
}

static bool exact_extensions(json_t *obj, ctrfs_extensions *exts)
{
	const char *k;
	json_t *v;
	if (!json_is_object(obj))
		return false;
	json_object_foreach(obj, k, v)
	{
		json_t *kj = json_string(k);
		char *name = unb64_text(kj), *type = unb64_text(json_object_get(v, "type_url"));
		json_decref(kj);
		json_t *val = json_object_get(v, "value");
		unsigned char *bytes = NULL;
		size_t len = 0;
		bool ok =
		    name && type && json_is_string(val) && json_object_size(v) == 2 &&
		    base64_decode(json_string_value(val), json_string_length(val), &bytes, &len);
		ctrfs_any any = {type, bytes, len};
		ok = ok && ctrfs_extensions_set(exts, name, &any) == CTRFS_OK;
		free(name);
		free(type);
		free(bytes);
		if (!ok)
			return false;
	}
	return true;
}

static ctrfs_code exact_container_apply(json_t *obj, ctrfs_container *c, const char *ns,
					ctrfs_error *err)
{
	const char *k;
	json_t *v;
	if (!json_is_object(obj))
		return bad_exact(err, ns, c->id);
	json_object_foreach(obj, k, v)
	{
		char **field = strcmp(k, "Image") == 0	       ? &c->image
			       : strcmp(k, "Snapshotter") == 0 ? &c->snapshotter
			       : strcmp(k, "SnapshotKey") == 0 ? &c->snapshot_key
			       : strcmp(k, "SandboxID") == 0   ? &c->sandbox_id
			       : strcmp(k, "RuntimeName") == 0 ? &c->runtime_name
							       : NULL;
		bool ok;
		if (field) {
			char *text = unb64_text(v);
			if ((ok = text != NULL)) {
				free(*field);
				*field = text;
			}
		} else if (strcmp(k, "Labels") == 0) {
			ok = exact_labels(v, &c->labels);
		} else if (strcmp(k, "Extensions") == 0) {
			ok = exact_extensions(v, &c->extensions);
		} else {
			ok = false;
		}
		if (!ok) {
			char what[200];
			snprintf(what, sizeof(what), "container %s: %s", c->id, k);
			return bad_exact(err, ns, what);
		}
	}
	return CTRFS_OK;
}

static ctrfs_code apply_exact(json_t *exact, ctrfs_import_namespace *out, ctrfs_error *err)
{
	const char *k;
	json_t *v;
	if (!json_is_object(exact))
		return bad_exact(err, out->ns.name, "expected an object");
	json_object_foreach(exact, k, v)
	{
		if (strcmp(k, "labels") == 0) {
			if (!exact_labels(v, &out->ns.labels))
				return bad_exact(err, out->ns.name, "labels");
		} else if (strcmp(k, "containers") == 0 && json_is_object(v)) {
			const char *id;
			json_t *obj;
			json_object_foreach(v, id, obj)
			{
				size_t i = 0;
				while (i < out->count && strcmp(out->containers[i].id, id) != 0)
					i++;
				if (i == out->count)
					return bad_exact(
					    err, out->ns.name,
					    "a container that is not in the namespace");
				ctrfs_code code = exact_container_apply(obj, &out->containers[i],
									out->ns.name, err);
				if (code)
					return code;
			}
		} else {
			return bad_exact(err, out->ns.name, k);
		}
	}
	return CTRFS_OK;
}

/* "images": [image objects] (image_json.h), absent in documents without images */
static ctrfs_code parse_images(const char *text, size_t len, ctrfs_import_namespace *out,
			       ctrfs_error *err)
{
	json_t *arr = member_json(text, len, "images");
	size_t i;
	json_t *v;
	ctrfs_code code = CTRFS_OK;
	if (!arr || json_is_null(arr)) {
		json_decref(arr);
		return CTRFS_OK;
	}
	if (!json_is_array(arr))
		code = ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
				  "import: namespace %s: \"images\" must be an array: invalid "
				  "argument",
				  out->ns.name);
	else if (json_array_size(arr) &&
		 !(out->images = calloc(json_array_size(arr), sizeof(*out->images))))
		code = ctrfs_fail_oom(err);
	json_array_foreach(arr, i, v)
	{
		if (code)
			break;
		code = image_json_parse(v, &out->images[i], err);
		if (code) {
			char prefix[160];
			snprintf(prefix, sizeof(prefix),
				 "import: namespace %s: image #%zu: ", out->ns.name, i + 1);
			ctrfs_error_prefix(err, code, prefix);
		} else {
			out->nimages++;
		}
	}
	json_decref(arr);
	return code;
}

static ctrfs_code parse_namespace(const char *text, size_t len, ctrfs_import_namespace *out,
				  ctrfs_error *err)
{
	/* only "name" and "labels" go through jansson: "containers" may be huge */
	json_t *name = member_json(text, len, "name"), *labels = member_json(text, len, "labels");
	ctrfs_code code = CTRFS_OK;
	if (!json_is_string(name)) {
		code = ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
				  "import: a namespace has no \"name\": invalid argument");
	} else if (!(out->ns.name = strdup(json_string_value(name)))) {
		code = ctrfs_fail_oom(err);
	} else if (labels && !json_is_null(labels)) {
		const char *k;
		json_t *v;
		if (!json_is_object(labels))
			code = ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
					  "import: namespace %s: labels: expected an object: "
					  "invalid argument",
					  out->ns.name);
		json_object_foreach(labels, k, v)
		{
			if (code)
				break;
			if (!json_is_string(v))
				code = ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
						  "import: namespace %s: label %s: expected a "
						  "string: invalid argument",
						  out->ns.name, k);
			else if (ctrfs_labels_set(&out->ns.labels, k, json_string_value(v)))
				code = ctrfs_fail_oom(err);
		}
	}
	json_decref(name);
	json_decref(labels);
	if (code)
		return code;
	size_t start, clen;
	if (json_text_member(text, len, "containers", &start, &clen)) {
		struct ctr_items items = {out, err, CTRFS_OK};
		if (!json_text_array_items(text + start, clen, add_container, &items) &&
		    !items.code)
			return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
					  "import: namespace %s: \"containers\" must be an array "
					  "of container objects: invalid argument",
					  out->ns.name);
		if (items.code)
			return items.code;
	}
	json_t *exact = member_json(text, len, "base64");
	code = exact ? apply_exact(exact, out, err) : CTRFS_OK;
	json_decref(exact);
	return code ? code : parse_images(text, len, out, err);
}

struct ns_items {
	ctrfs_import_namespace *nss;
	size_t n;
	ctrfs_error *err;
	ctrfs_code code;
};

static bool add_namespace(const char *item, size_t len, void *arg)
{
	struct ns_items *a = arg;
	ctrfs_import_namespace *p = realloc(a->nss, (a->n + 1) * sizeof(*p));
	if (!p) {
		a->code = ctrfs_fail_oom(a->err);
		return false;
	}
	a->nss = p;
	memset(&p[a->n], 0, sizeof(*p));
	a->code = parse_namespace(item, len, &p[a->n], a->err);
	a->n++; /* freed with the rest, even when it failed half way */
	return a->code == CTRFS_OK;
}

ctrfs_code import_doc_parse(const char *text, size_t len, const char *default_ns,
			    ctrfs_import_namespace **nss, size_t *n, ctrfs_error *err)
{
	char msg[160];
	size_t off, start, vlen;
	*nss = NULL;
	*n = 0;
	if (json_text_check(text, len, &off, msg, sizeof(msg)) != JSON_TEXT_OK)
		return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
				  "import: %s at byte %zu: invalid argument", msg, off);
	struct ns_items a = {NULL, 0, err, CTRFS_OK};
	if (json_text_member(text, len, "namespaces", &start, &vlen)) {
		if (!json_text_array_items(text + start, vlen, add_namespace, &a) && !a.code)
			a.code = ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
					    "import: \"namespaces\" must be an array of namespace "
					    "objects: invalid argument");
	} else if (json_text_member(text, len, "ID", &start, &vlen)) {
		/* a single `ctr containers info` object */
		a.nss = calloc(1, sizeof(*a.nss));
		a.n = 1;
		if (!a.nss || !(a.nss->ns.name = strdup(default_ns ? default_ns : "default")) ||
		    !(a.nss->containers = calloc(1, sizeof(ctrfs_container))))
			a.code = ctrfs_fail_oom(err);
		else if (!(a.code = info_json_parse(text, len, a.nss->containers, err)))
			a.nss->count = 1;
	} else {
		a.code = ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
				    "import: not a ctrfs export document nor a `ctr containers "
				    "info` object: invalid argument");
	}
	if (a.code) {
		ctrfs_import_namespaces_free(a.nss, a.n);
		return a.code;
	}
	*nss = a.nss;
	*n = a.n;
	return CTRFS_OK;
}

ctrfs_code ctrfs_import_parse(const char *text, size_t len, const char *default_ns,
			      ctrfs_import_namespace **out, size_t *count, ctrfs_error *err)
{
	return import_doc_parse(text, len, default_ns, out, count, err);
}

/* Export: the store, or one namespace, as one JSON document (ctr's info form per
 * container, images, and the exact bytes of every string that is not UTF-8). Read back
 * by import_doc.c. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "error.h"
#include "goquote.h"
#include "image_json.h"
#include "info_json.h"
#include "json_text.h"

#define EXPORT_VERSION 1

/* ---- exact bytes: strings that are not UTF-8 ----
 *
 * JSON strings are UTF-8, and Go's encoder (so ctr's form) writes U+FFFD for each byte
 * that is not. So that export and import lose nothing, a namespace object carries what
 * is not UTF-8 once more, exactly, in a member "base64" where every string is the base64
 * of the exact bytes:
 *   "base64": {"labels": {KEY: VALUE},                 namespace labels
 *              "containers": {ID: {"Labels": {KEY: VALUE},
 *                                  "Extensions": {NAME: {"type_url": URL, "value": V}},
 *                                  "Image", "Snapshotter", "SnapshotKey", "SandboxID",
 *                                  "RuntimeName": VALUE}}}
 * Labels and extensions listed there are left out of "labels", "Labels" and
 * "Extensions" (so nothing is there twice); the other fields keep their usual member,
 * readable with U+FFFD, which the exact bytes replace on import. */

static bool is_utf8(const char *s)
{
	return !s || json_text_is_utf8(s, strlen(s));
}

static json_t *b64_json(const void *data, size_t len)
{
	char *b = base64_encode(data, len, NULL);
	json_t *v = b ? json_string(b) : NULL;
	free(b);
	return v;
}

static json_t *b64_str(const char *s)
{
	return b64_json(s ? s : "", s ? strlen(s) : 0);
}

/* Adds name: value to *obj, making the object first. */
static void side_set(json_t **obj, const char *name, json_t *value)
{
	if (!*obj)
		*obj = json_object();
	json_object_set_new(*obj, name, value);
}

/* Labels that are not UTF-8 go to the side object; *shown gets the others (its items
 * borrowed from `l`: free only shown->items). */
static json_t *split_labels(const ctrfs_labels *l, ctrfs_labels *shown)
{
	json_t *side = NULL;
	shown->count = 0;
	shown->items = calloc(l->count + 1, sizeof(*shown->items));
	for (size_t i = 0; i < l->count; i++) {
		const ctrfs_label *x = &l->items[i];
		if (is_utf8(x->key) && is_utf8(x->value)) {
			if (shown->items)
				shown->items[shown->count++] = *x;
			continue;
		}
		char *k = base64_encode(x->key, strlen(x->key), NULL);
		if (k)
			side_set(&side, k, b64_str(x->value));
		free(k);
	}
	return side;
}

/* The exact bytes of c's strings that are not UTF-8 (NULL when there are none), and in
 * *shown c without the labels and extensions listed there (borrowed: free only the
 * labels' and extensions' item arrays). */
static json_t *exact_container(const ctrfs_container *c, ctrfs_container *shown)
{
	json_t *side = NULL, *labels = split_labels(&c->labels, &shown->labels);
	if (labels)
		side_set(&side, "Labels", labels);
	const ctrfs_extensions *e = &c->extensions;
	shown->extensions.count = 0;
	shown->extensions.items = calloc(e->count + 1, sizeof(*e->items));
	json_t *exts = NULL;
	for (size_t i = 0; i < e->count; i++) {
		const ctrfs_extension *x = &e->items[i];
		if (is_utf8(x->name) && is_utf8(x->any.type_url)) {
			if (shown->extensions.items)
				shown->extensions.items[shown->extensions.count++] = *x;
			continue;
		}
		char *n = base64_encode(x->name, strlen(x->name), NULL);
		if (n)
			side_set(&exts, n,
				 json_pack("{s:o, s:o}", "type_url", b64_str(x->any.type_url),
					   "value", b64_json(x->any.value, x->any.value_len)));
		free(n);
	}
	if (exts)
		side_set(&side, "Extensions", exts);
	const struct {
		const char *name, *value;
	} fields[] = {{"Image", c->image},
		      {"Snapshotter", c->snapshotter},
		      {"SnapshotKey", c->snapshot_key},
		      {"SandboxID", c->sandbox_id},
		      {"RuntimeName", c->runtime_name}};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (!is_utf8(fields[i].value))
			side_set(&side, fields[i].name, b64_str(fields[i].value));
	return side;
}

/* Appends `v` as indented JSON, each line after the first starting with `prefix`. */
static void write_json_at(struct strbuf *sb, json_t *v, const char *prefix)
{
	char *text = json_dumps(v, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
	if (!text) {
		sb->oom = true;
		return;
	}
	for (const char *p = text; *p; p++) {
		strbuf_addc(sb, *p);
		if (*p == '\n')
			strbuf_adds(sb, prefix);
	}
	free(text);
}

static void export_namespace(struct strbuf *sb, const ctrfs_namespace *ns,
			     const ctrfs_container *list, size_t n, const ctrfs_image *images,
			     size_t nimages)
{
	ctrfs_labels labels;
	json_t *side = NULL, *side_labels = split_labels(&ns->labels, &labels), *side_ctrs = NULL;
	strbuf_adds(sb, "        {\n            \"name\": ");
	json_text_quote_go(sb, ns->name, strlen(ns->name));
	strbuf_adds(sb, ",\n            \"labels\": {");
	for (size_t i = 0; i < labels.count; i++) {
		strbuf_adds(sb, i ? ",\n                " : "\n                ");
		json_text_quote_go(sb, labels.items[i].key, strlen(labels.items[i].key));
		strbuf_adds(sb, ": ");
		json_text_quote_go(sb, labels.items[i].value, strlen(labels.items[i].value));
	}
	strbuf_adds(sb, labels.count ? "\n            }," : "},");
	free(labels.items);
	strbuf_adds(sb, "\n            \"containers\": [");
	for (size_t i = 0; i < n; i++) {
		ctrfs_container shown = list[i];
		json_t *exact = exact_container(&list[i], &shown);
		strbuf_adds(sb, i ? ",\n" : "\n");
		strbuf_adds(sb, "                ");
		info_json_write(sb, &shown, "                ");
		free(shown.labels.items);
		free(shown.extensions.items);
		if (exact)
			side_set(&side_ctrs, list[i].id, exact);
	}
	strbuf_adds(sb, n ? "\n            ]" : "]");
	if (nimages) {
		/* only when there are some: a document of a store without images is as
		 * before */
		json_t *arr = json_array();
		for (size_t i = 0; arr && i < nimages; i++)
			if (json_array_append_new(arr, image_json_export(&images[i]))) {
				json_decref(arr);
				arr = NULL;
			}
		if (!arr)
			sb->oom = true;
		strbuf_adds(sb, ",\n            \"images\": ");
		write_json_at(sb, arr, "            ");
		json_decref(arr);
	}
	if (side_labels)
		side_set(&side, "labels", side_labels);
	if (side_ctrs)
		side_set(&side, "containers", side_ctrs);
	if (side) {
		strbuf_adds(sb, ",\n            \"base64\": ");
		write_json_at(sb, side, "            ");
		json_decref(side);
	}
	strbuf_adds(sb, "\n        }");
}

ctrfs_code ctrfs_store_export(ctrfs_store *s, const char *only, char **out, size_t *len,
			      ctrfs_error *err)
{
	ctrfs_namespace *nss;
	size_t nns, written = 0;
	struct strbuf sb = STRBUF_INIT;
	*out = NULL;
	ctrfs_code code = ctrfs_namespace_list(s, &nss, &nns, err);
	if (code)
		return code;
	strbuf_addf(&sb, "{\n    \"version\": %d,\n    \"namespaces\": [", EXPORT_VERSION);
	for (size_t i = 0; !code && i < nns; i++) {
		if (only && strcmp(only, nss[i].name) != 0)
			continue;
		ctrfs_container *list;
		size_t n;
		code =
		    ctrfs_container_list(s, nss[i].name, NULL, 0, CTRFS_LOAD_ALL, &list, &n, err);
		if (code)
			break;
		ctrfs_image *images;
		size_t nimages;
		code = ctrfs_image_list(s, nss[i].name, NULL, 0, &images, &nimages, err);
		if (code) {
			ctrfs_container_list_free(list, n);
			break;
		}
		strbuf_adds(&sb, written++ ? ",\n" : "\n");
		export_namespace(&sb, &nss[i], list, n, images, nimages);
		ctrfs_container_list_free(list, n);
		ctrfs_image_list_free(images, nimages);
	}
	ctrfs_namespace_list_free(nss, nns);
	if (!code && only && !written)
		code = ctrfs_fail(err, CTRFS_NOT_FOUND, "namespace %s: not found", GOQ(only));
	if (code) {
		strbuf_release(&sb);
		return code;
	}
	strbuf_adds(&sb, written ? "\n    ]\n}\n" : "]\n}\n");
	*out = strbuf_detach(&sb, len);
	return *out ? CTRFS_OK : ctrfs_fail_oom(err);
}

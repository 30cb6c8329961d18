/* Export and import: the whole store as one JSON document, and batch imports. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "write_seam.h"
#include "containers.h"
#include "error.h"
#include "goquote.h"
#include "images_txn.h"
#include "image_json.h"
#include "events.h"
#include "info_json.h"
#include "transfer.h"
#include "json_text.h"
#include "namespaces.h"
#include "times.h"
#include "validate.h"

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

/* ---- batch import ---- */

struct import_run {
	const ctrfs_import_namespace *nss;
	size_t n;
	const ctrfs_import_options *opts;
	ctrfs_import_result *res;
};

static void report(const ctrfs_import_options *o, const char *ns, const char *id,
		   const char *action)
{
	if (o->report)
		o->report(o->arg, ns, id, action);
}

static bool container_exists(struct db_txn *t, const char *ns, const char *id)
{
	struct db_key key;
	MDB_val v;
	db_key_container(&key, ns, id);
	return db_get(t, DB_CTR, key.buf, key.len, &v, NULL) == CTRFS_OK;
}

/* Namespaces are created or have their labels merged in the first transaction. */
static ctrfs_code import_namespaces(struct db_txn *t, struct import_run *r, bool dry,
				    ctrfs_error *err)
{
	for (size_t i = 0; i < r->n; i++) {
		const ctrfs_namespace *in = &r->nss[i].ns;
		ctrfs_namespace ns;
		ctrfs_code code = ns_load(t, in->name, &ns, err);
		bool created = code == CTRFS_NOT_FOUND;
		if (code && !created)
			return code;
		if (created) {
			report(r->opts, in->name, NULL, "create");
			r->res->namespaces++;
			if (!(ns.name = strdup(in->name)))
				return ctrfs_fail_oom(err);
		}
		/* as containerd's SetLabel: an empty value removes the label */
		for (size_t j = 0; j < in->labels.count; j++)
			if (!in->labels.items[j].value[0])
				ctrfs_labels_remove(&ns.labels, in->labels.items[j].key);
			else if (ctrfs_labels_set(&ns.labels, in->labels.items[j].key,
						  in->labels.items[j].value)) {
				ctrfs_namespace_clear(&ns);
				return ctrfs_fail_oom(err);
			}
		ns.updated_at = ctrfs_time_now();
		code = dry ? CTRFS_OK : ns_store(t, &ns, err);
		/* its labels' own times are unknown now: they show its UpdatedAt (times.c) */
		if (!code && !dry)
			code = times_removed(t, ns.name, NULL, err);
		if (!code && !dry)
			code = events_append(t, ns.name,
					     created ? "/namespaces/create" : "/namespaces/update",
					     json_pack("{s:s, s:o}", "name", ns.name, "labels",
						       event_labels_json(&ns.labels)),
					     err);
		ctrfs_namespace_clear(&ns);
		if (code)
			return code;
	}
	return CTRFS_OK;
}

static ctrfs_code import_slice(struct db_txn *t, struct import_run *r, bool dry, ctrfs_error *err)
{
	ctrfs_code code = CTRFS_OK;
	ctrfs_time now = ctrfs_time_now();
	for (size_t i = 0; !code && i < r->n; i++) {
		const ctrfs_import_namespace *ins = &r->nss[i];
		bool touched = false;
		for (size_t j = 0; !code && j < ins->count; j++) {
			ctrfs_container c = ins->containers[j];
			bool exists = container_exists(t, ins->ns.name, c.id);
			if (exists && (r->opts->flags & CTRFS_IMPORT_SKIP)) {
				report(r->opts, ins->ns.name, c.id, "skip");
				r->res->skipped++;
				continue;
			}
			report(r->opts, ins->ns.name, c.id, exists ? "replace" : "create");
			if (exists)
				r->res->replaced++;
			else
				r->res->created++;
			if (dry)
				continue;
			if (!c.created_at.sec && !c.created_at.nsec)
				c.created_at = now;
			if (!c.updated_at.sec && !c.updated_at.nsec)
				c.updated_at = c.created_at;
			if (exists)
				code = ctr_remove(t, ins->ns.name, c.id, err);
			if (!code)
				code =
				    ctr_store(t, ins->ns.name, &c, PART_CORE | CTRFS_LOAD_ALL, err);
			if (!code)
				code = events_append(t, ins->ns.name,
						     exists ? "/containers/update"
							    : "/containers/create",
						     exists ? event_container_update(&c)
							    : event_container_create(&c),
						     err);
			touched = true;
		}
		for (size_t j = 0; !code && j < ins->nimages; j++) {
			const ctrfs_image *im = &ins->images[j];
			bool exists = img_exists(t, ins->ns.name, im->name);
			if (exists && (r->opts->flags & CTRFS_IMPORT_SKIP)) {
				r->res->images_skipped++;
				continue;
			}
			r->res->images++;
			if (!dry)
				code = img_put(t, ins->ns.name, im, err);
			touched = true;
		}
		if (!code && touched && !dry)
			code = ns_touch(t, ins->ns.name, now, err);
	}
	return code;
}

/* The whole import is one transaction (LMDB spills dirty pages of large ones), so a
 * failure half way leaves nothing behind. */
static ctrfs_code import_txn(struct db_txn *t, void *p, ctrfs_error *err)
{
	struct import_run *r = p;
	ctrfs_import_result saved = *r->res;
	ctrfs_code code = import_namespaces(t, r, false, err);
	if (!code)
		code = import_slice(t, r, false, err);
	if (code)
		*r->res = saved; /* the transaction is retried or abandoned: count again */
	return code;
}

struct ns_id {
	const char *ns, *id;
};

static int ns_id_cmp(const void *a, const void *b)
{
	const struct ns_id *x = a, *y = b;
	int c = strcmp(x->ns, y->ns);
	return c ? c : strcmp(x->id, y->id);
}

/* A container named twice (also through a namespace listed twice) would silently
 * replace itself: refuse it. Sorting keeps this O(n log n) for big imports. */
static ctrfs_code check_duplicates(const ctrfs_import_namespace *nss, size_t n, ctrfs_error *err)
{
	size_t total = 0, k = 0;
	for (size_t i = 0; i < n; i++)
		total += nss[i].count;
	if (total < 2)
		return CTRFS_OK;
	struct ns_id *all = malloc(total * sizeof(*all));
	if (!all)
		return ctrfs_fail_oom(err);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < nss[i].count; j++)
			all[k++] = (struct ns_id){nss[i].ns.name, nss[i].containers[j].id};
	qsort(all, total, sizeof(*all), ns_id_cmp);
	ctrfs_code code = CTRFS_OK;
	for (k = 1; k < total && !code; k++)
		if (ns_id_cmp(&all[k - 1], &all[k]) == 0)
			code = ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
					  "namespace %s: container %s appears twice in the import: "
					  "invalid argument",
					  all[k].ns, all[k].id);
	free(all);
	return code;
}

static ctrfs_code validate_import(const ctrfs_import_namespace *nss, size_t n, ctrfs_error *err)
{
	for (size_t i = 0; i < n; i++) {
		ctrfs_code code = ctrfs_identifier_validate(nss[i].ns.name, err);
		if (code)
			return ctrfs_error_prefix(err, code, "namespace.Name: ");
		for (size_t j = 0; j < nss[i].ns.labels.count; j++) {
			code = ctrfs_label_validate(nss[i].ns.labels.items[j].key,
						    nss[i].ns.labels.items[j].value, err);
			if (!code)
				code = label_key_validate(nss[i].ns.labels.items[j].key,
							  nss[i].ns.labels.items[j].value, err);
			if (code)
				return ctrfs_error_prefix(err, code, "namespace.Labels: ");
		}
		for (size_t j = 0; j < nss[i].count; j++) {
			code = ctrfs_container_validate(&nss[i].containers[j], err);
			if (!code)
				code = label_keys_validate(&nss[i].containers[j].labels, err);
			if (code) {
				char prefix[200];
				snprintf(prefix, sizeof(prefix),
					 "namespace %s: container %s: ", nss[i].ns.name,
					 nss[i].containers[j].id ? nss[i].containers[j].id : "");
				return ctrfs_error_prefix(err, code, prefix);
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < nss[i].nimages; j++) {
			const ctrfs_image *im = &nss[i].images[j];
			ctrfs_code code = ctrfs_image_validate(im, err);
			for (size_t k = 0; !code && k < j; k++)
				if (strcmp(nss[i].images[k].name, im->name) == 0)
					code = ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
							  "appears twice in the import: invalid "
							  "argument");
			if (code) {
				char prefix[200];
				snprintf(prefix, sizeof(prefix),
					 "namespace %s: image %.120s: ", nss[i].ns.name,
					 im->name ? im->name : "");
				return ctrfs_error_prefix(err, code, prefix);
			}
		}
	return check_duplicates(nss, n, err);
}

/* Before anything is written: count what exists, and refuse (listing them) when the
 * caller said neither replace nor skip. A dry run reports everything from here. */
static ctrfs_code preflight(ctrfs_store *s, struct import_run *r, ctrfs_error *err)
{
	struct db_txn t;
	bool dry = r->opts->flags & CTRFS_IMPORT_DRY_RUN;
	bool resolve = r->opts->flags & (CTRFS_IMPORT_REPLACE | CTRFS_IMPORT_SKIP);
	ctrfs_code code = db_read_begin(s, &t, err);
	if (code)
		return code;
	struct strbuf names = STRBUF_INIT;
	for (size_t i = 0; i < r->n; i++)
		for (size_t j = 0; j < r->nss[i].count; j++) {
			const char *id = r->nss[i].containers[j].id;
			if (!resolve && container_exists(&t, r->nss[i].ns.name, id)) {
				report(r->opts, r->nss[i].ns.name, id, "exists");
				if (r->res->conflicts++ < 20)
					strbuf_addf(&names, "%s%s/%s",
						    r->res->conflicts > 1 ? ", " : "",
						    r->nss[i].ns.name, id);
			}
		}
	/* images after the containers: their own count and list */
	struct strbuf image_names = STRBUF_INIT;
	size_t image_conflicts = 0;
	for (size_t i = 0; i < r->n; i++)
		for (size_t j = 0; j < r->nss[i].nimages; j++) {
			const char *name = r->nss[i].images[j].name;
			if (!resolve && img_exists(&t, r->nss[i].ns.name, name) &&
			    image_conflicts++ < 20)
				strbuf_addf(&image_names, "%s%s/%s",
					    image_conflicts > 1 ? ", " : "", r->nss[i].ns.name,
					    name);
		}
	size_t ctrs = r->res->conflicts;
	struct strbuf msg = STRBUF_INIT;
	if (ctrs)
		strbuf_addf(&msg, "%zu container%s already exist%s (%s%s)", ctrs,
			    ctrs == 1 ? "" : "s", ctrs == 1 ? "s" : "", names.buf ? names.buf : "",
			    ctrs > 20 ? ", ..." : "");
	if (image_conflicts)
		strbuf_addf(&msg, "%s%zu image%s already exist%s (%s%s)", ctrs ? ", and " : "",
			    image_conflicts, image_conflicts == 1 ? "" : "s",
			    image_conflicts == 1 ? "s" : "", image_names.buf ? image_names.buf : "",
			    image_conflicts > 20 ? ", ..." : "");
	r->res->conflicts += image_conflicts;
	if (r->res->conflicts)
		code =
		    ctrfs_fail(err, CTRFS_ALREADY_EXISTS, "%s; use replace or skip: already exists",
			       msg.buf ? msg.buf : "");
	strbuf_release(&msg);
	strbuf_release(&image_names);
	if (!r->res->conflicts && dry) {
		code = import_namespaces(&t, r, true, err);
		if (!code)
			code = import_slice(&t, r, true, err);
	}
	strbuf_release(&names);
	db_read_end(&t);
	return code;
}

ctrfs_code ctrfs_store_import_batch(ctrfs_store *s, const ctrfs_import_namespace *nss, size_t n,
				    const ctrfs_import_options *opts, ctrfs_import_result *res,
				    ctrfs_error *err)
{
	ctrfs_import_options none = {0};
	ctrfs_import_result local;
	if (!opts)
		opts = &none;
	if (!res)
		res = &local;
	memset(res, 0, sizeof(*res));
	ctrfs_code code = validate_import(nss, n, err);
	if (code)
		return code;
	struct import_run r = {nss, n, opts, res};
	code = preflight(s, &r, err);
	if (code || (opts->flags & CTRFS_IMPORT_DRY_RUN))
		return code;
	/* an import writes records as they are (their times, every field at once): into a
	 * mirror that would change the store and not containerd, which the next sync undoes */
	if (binding_on(s))
		return ctrfs_fail(
		    err, CTRFS_FAILED_PRECONDITION,
		    "%s is bound to containerd: an import would change the mirror, "
		    "not containerd (import into an unbound store, or unbind it first)",
		    s->path);
	return db_write(s, import_txn, &r, err);
}

/* ---- import documents ---- */

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

ctrfs_code ctrfs_store_import(ctrfs_store *s, const char *text, size_t len, const char *default_ns,
			      const ctrfs_import_options *opts, ctrfs_import_result *res,
			      ctrfs_error *err)
{
	ctrfs_import_namespace *nss;
	size_t n;
	ctrfs_code code = import_doc_parse(text, len, default_ns, &nss, &n, err);
	if (code)
		return code;
	code = ctrfs_store_import_batch(s, nss, n, opts, res, err);
	ctrfs_import_namespaces_free(nss, n);
	return code;
}

ctrfs_code ctrfs_import_parse(const char *text, size_t len, const char *default_ns,
			      ctrfs_import_namespace **out, size_t *count, ctrfs_error *err)
{
	return import_doc_parse(text, len, default_ns, out, count, err);
}

/* Import: namespaces and containers written in one transaction, after a preflight
 * that refuses (listing them) what exists already; ctrfs_store_import parses a document
 * (import_doc.c) and imports it. */
#include "import_doc.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "write_seam.h"
#include "containers.h"
#include "error.h"
#include "images_txn.h"
#include "events.h"
#include "namespaces.h"
#include "times.h"
#include "validate.h"

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

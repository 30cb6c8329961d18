/* Consistency check of a store: every record decodes, every container is valid, the
 * parts of each container and the namespace records agree, the change log is sound. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "containers.h"
#include "error.h"
#include "events.h"
#include "images_txn.h"
#include "namespaces.h"
#include "record.h"

struct checker {
	struct db_txn *t;
	void (*report)(void *arg, const char *problem);
	void *arg;
	size_t problems;
};

static void problem(struct checker *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct checker *c, const char *fmt, ...)
{
	char buf[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	c->problems++;
	if (c->report)
		c->report(c->arg, buf);
}

/* Splits a "<ns>\0<id>" key; false when it has no separator or bad lengths. */
static bool split_key(const MDB_val *k, char *ns, char *id)
{
	const char *p = k->mv_data, *sep = memchr(p, '\0', k->mv_size);
	if (!sep)
		return false;
	size_t nl = (size_t)(sep - p), il = k->mv_size - nl - 1;
	if (nl > CTRFS_IDENTIFIER_MAX || il > CTRFS_IDENTIFIER_MAX || !nl || !il)
		return false;
	memcpy(ns, p, nl);
	ns[nl] = '\0';
	memcpy(id, sep + 1, il);
	id[il] = '\0';
	return true;
}

static ctrfs_code check_containers(struct checker *c, ctrfs_error *err)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = mdb_cursor_open(c->t->txn, c->t->store->dbi[DB_CTR], &cur);
	if (rc)
		return db_fail(c->t, rc, err, "containers");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		char ns[CTRFS_IDENTIFIER_MAX + 1], id[CTRFS_IDENTIFIER_MAX + 1];
		if (!split_key(&k, ns, id)) {
			problem(c, "containers: malformed key of %zu bytes", k.mv_size);
			continue;
		}
		ctrfs_container ct;
		ctrfs_error e;
		ctrfs_code code = ctr_load(c->t, ns, id, CTRFS_LOAD_ALL, &ct, &e);
		if (code) {
			problem(c, "container %s/%s: %s", ns, id,
				code == CTRFS_NOT_FOUND ? "disappeared" : e.text);
			continue;
		}
		if (ctrfs_identifier_validate(ns, &e))
			problem(c, "container %s/%s: namespace name: %s", ns, id, e.text);
		if (ctrfs_container_validate(&ct, &e))
			problem(c, "container %s/%s: %s", ns, id, e.text);
		for (size_t i = 0; i < ct.labels.count; i++)
			if (!ct.labels.items[i].value[0])
				problem(c, "container %s/%s: label %s stored with an empty value",
					ns, id, ct.labels.items[i].key);
		if (ct.updated_at.sec < ct.created_at.sec ||
		    (ct.updated_at.sec == ct.created_at.sec &&
		     ct.updated_at.nsec < ct.created_at.nsec))
			problem(c, "container %s/%s: UpdatedAt is before CreatedAt", ns, id);
		ctrfs_namespace n;
		code = ns_load(c->t, ns, &n, &e);
		if (code == CTRFS_NOT_FOUND)
			problem(c, "container %s/%s: its namespace has no record", ns, id);
		else if (code)
			problem(c, "namespace %s: %s", ns, e.text);
		else
			ctrfs_namespace_clear(&n);
		ctrfs_container_clear(&ct);
	}
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND)
		return db_fail(c->t, rc, err, "containers");
	return CTRFS_OK;
}

/* Spec, label, extension and task records must belong to a container. */
static ctrfs_code check_orphans(struct checker *c, enum db_table tb, const char *what,
				ctrfs_error *err)
{
	MDB_cursor *cur;
	MDB_val k, v, core;
	int rc = mdb_cursor_open(c->t->txn, c->t->store->dbi[tb], &cur);
	if (rc)
		return db_fail(c->t, rc, err, what);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		char ns[CTRFS_IDENTIFIER_MAX + 1], id[CTRFS_IDENTIFIER_MAX + 1];
		if (!split_key(&k, ns, id))
			problem(c, "%s: malformed key of %zu bytes", what, k.mv_size);
		else if (db_get(c->t, DB_CTR, k.mv_data, k.mv_size, &core, NULL) == CTRFS_NOT_FOUND)
			problem(c, "%s record of %s/%s belongs to no container", what, ns, id);
	}
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND)
		return db_fail(c->t, rc, err, what);
	return CTRFS_OK;
}

static ctrfs_code check_namespaces(struct checker *c, ctrfs_error *err)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = mdb_cursor_open(c->t->txn, c->t->store->dbi[DB_NS], &cur);
	if (rc)
		return db_fail(c->t, rc, err, "namespaces");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		char name[CTRFS_IDENTIFIER_MAX + 1];
		ctrfs_error e;
		if (k.mv_size > CTRFS_IDENTIFIER_MAX || memchr(k.mv_data, '\0', k.mv_size)) {
			problem(c, "namespaces: malformed key of %zu bytes", k.mv_size);
			continue;
		}
		memcpy(name, k.mv_data, k.mv_size);
		name[k.mv_size] = '\0';
		ctrfs_namespace n;
		if (ctrfs_identifier_validate(name, &e))
			problem(c, "namespace %s: %s", name, e.text);
		if (ns_load(c->t, name, &n, &e)) {
			problem(c, "namespace %s: %s", name, e.text);
			continue;
		}
		for (size_t i = 0; i < n.labels.count; i++)
			if (ctrfs_label_validate(n.labels.items[i].key, n.labels.items[i].value,
						 &e))
				problem(c, "namespace %s: %s", name, e.text);
		ctrfs_namespace_clear(&n);
	}
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND)
		return db_fail(c->t, rc, err, "namespaces");
	return CTRFS_OK;
}

static ctrfs_code check_events(struct checker *c, ctrfs_error *err)
{
	MDB_cursor *cur;
	MDB_val k, v;
	size_t n = 0;
	int rc = mdb_cursor_open(c->t->txn, c->t->store->dbi[DB_EVENTS], &cur);
	if (rc)
		return db_fail(c->t, rc, err, "events");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), n++) {
		if (k.mv_size != 8) {
			problem(c, "events: malformed key of %zu bytes", k.mv_size);
			continue;
		}
		struct record_reader r = {v.mv_data, v.mv_size, false};
		record_get_time(&r);
		free(record_get_str(&r));
		free(record_get_str(&r));
		char *payload = record_get_str(&r);
		if (r.bad || !event_payload_ok(payload))
			problem(c, "events: a damaged event record");
		free(payload);
	}
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND)
		return db_fail(c->t, rc, err, "events");
	if (n > CTRFS_EVENTS_RETAINED)
		problem(c, "events: %zu events kept, more than the retention of %d", n,
			CTRFS_EVENTS_RETAINED);
	return CTRFS_OK;
}

static void image_problem(void *arg, const char *text)
{
	problem(arg, "%s", text);
}

ctrfs_code ctrfs_store_check(ctrfs_store *s, void (*report)(void *arg, const char *problem),
			     void *arg, size_t *problems, ctrfs_error *err)
{
	struct db_txn t;
	ctrfs_code code = db_read_begin(s, &t, err);
	if (code)
		return code;
	struct checker c = {&t, report, arg, 0};
	code = check_namespaces(&c, err);
	if (!code)
		code = check_containers(&c, err);
	if (!code)
		code = check_orphans(&c, DB_SPEC, "spec", err);
	if (!code)
		code = check_orphans(&c, DB_LABELS, "labels", err);
	if (!code)
		code = check_orphans(&c, DB_EXT, "extensions", err);
	if (!code && !s->no_tasks) /* a container's deletion drops its task */
		code = check_orphans(&c, DB_TASKS, "task", err);
	if (!code)
		code = check_events(&c, err);
	if (!code)
		code = img_check(&t, image_problem, &c, err);
	db_read_end(&t);
	*problems = c.problems;
	return code;
}

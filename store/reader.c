/* Read snapshots (ctrfs_reader): several reads from one read transaction, so that a
 * caller sees one consistent state of the store without a transaction per read; and
 * the single reads of a part's or a label's change time, each its own transaction. */
#include <stdlib.h>
#include <string.h>

#include "containers.h"
#include "error.h"
#include "events.h"
#include "goquote.h"
#include "images_txn.h"
#include "namespaces.h"
#include "tasks.h"
#include "times.h"

struct ctrfs_reader {
	struct db_txn txn;
};

ctrfs_code ctrfs_reader_open(ctrfs_store *s, ctrfs_reader **out, ctrfs_error *err)
{
	ctrfs_reader *r = calloc(1, sizeof(*r));
	*out = NULL;
	if (!r)
		return ctrfs_fail_oom(err);
	ctrfs_code code = db_read_begin(s, &r->txn, err);
	if (code) {
		free(r);
		return code;
	}
	*out = r;
	return CTRFS_OK;
}

void ctrfs_reader_close(ctrfs_reader *r)
{
	if (!r)
		return;
	db_read_end(&r->txn);
	free(r);
}

ctrfs_code ctrfs_reader_last_seq(ctrfs_reader *r, uint64_t *seq, ctrfs_error *err)
{
	return events_last_seq_txn(&r->txn, seq, err);
}

ctrfs_code ctrfs_reader_container_get(ctrfs_reader *r, const char *ns, const char *id,
				      unsigned load, ctrfs_container *out, ctrfs_error *err)
{
	memset(out, 0, sizeof(*out));
	ctrfs_code code = ctr_load(&r->txn, ns, id, load, out, err);
	if (code == CTRFS_NOT_FOUND)
		return ctrfs_fail(err, code, "container %s in namespace %s: not found", GOQ(id),
				  GOQ(ns));
	return code;
}

ctrfs_code ctrfs_reader_namespace_get(ctrfs_reader *r, const char *name, ctrfs_namespace *out,
				      ctrfs_error *err)
{
	ctrfs_code code = ns_load(&r->txn, name, out, err);
	if (code == CTRFS_NOT_FOUND)
		return ctrfs_fail(err, code, "namespace %s: not found", GOQ(name));
	return code;
}

ctrfs_code ctrfs_reader_container_ids(ctrfs_reader *r, const char *ns, char ***ids, size_t *count,
				      ctrfs_error *err)
{
	return ctr_ids(&r->txn, ns, ids, count, err);
}

ctrfs_code ctrfs_reader_part_time(ctrfs_reader *r, const char *ns, const ctrfs_container *c,
				  const char *path, ctrfs_time *out, ctrfs_error *err)
{
	*out = c->updated_at;
	return times_container_part(&r->txn, ns, c, path, out, err);
}

ctrfs_code ctrfs_reader_label_time(ctrfs_reader *r, const ctrfs_namespace *n, const char *key,
				   ctrfs_time *out, ctrfs_error *err)
{
	return times_ns_label(&r->txn, n, key, out, err);
}

ctrfs_code ctrfs_reader_image_get(ctrfs_reader *r, const char *ns, const char *name,
				  ctrfs_image *out, ctrfs_error *err)
{
	ctrfs_code code = img_load(&r->txn, ns, name, out, err);
	if (code == CTRFS_NOT_FOUND)
		return ctrfs_fail(err, code, "image %s: not found", GOQ(name));
	return code;
}

ctrfs_code ctrfs_reader_image_list(ctrfs_reader *r, const char *ns, ctrfs_image **out,
				   size_t *count, ctrfs_error *err)
{
	*out = NULL;
	*count = 0;
	return img_list(&r->txn, ns, NULL, out, count, err);
}

ctrfs_code ctrfs_reader_task_get(ctrfs_reader *r, const char *ns, const char *id, ctrfs_task *out,
				 ctrfs_error *err)
{
	ctrfs_code code = tasks_get(&r->txn, ns, id, out, err);
	if (code == CTRFS_NOT_FOUND)
		return ctrfs_fail(err, code, "no running task found: task %s not found", id);
	return code;
}

ctrfs_code ctrfs_reader_first_seq(ctrfs_reader *r, uint64_t *seq, ctrfs_error *err)
{
	return events_first_seq_txn(&r->txn, seq, err);
}

ctrfs_code ctrfs_reader_events(ctrfs_reader *r, uint64_t since,
			       int (*fn)(const ctrfs_event *ev, void *arg), void *arg,
			       ctrfs_error *err)
{
	return events_read_txn(&r->txn, since, NULL, fn, arg, err);
}

uint64_t ctrfs_reader_version(ctrfs_reader *r)
{
	return mdb_txn_id(r->txn.txn);
}

ctrfs_code ctrfs_container_part_time(ctrfs_store *s, const char *ns, const char *id,
				     const char *path, ctrfs_time *out, ctrfs_error *err)
{
	struct db_txn t;
	ctrfs_container c;
	ctrfs_code code = db_read_begin(s, &t, err);
	if (code)
		return code;
	code = ctr_load(&t, ns, id, 0, &c, err);
	if (code == CTRFS_NOT_FOUND)
		code = ctrfs_fail(err, code, "container %s in namespace %s: not found", GOQ(id),
				  GOQ(ns));
	else if (!code) {
		code = times_container_part(&t, ns, &c, path, out, err);
		ctrfs_container_clear(&c);
	}
	db_read_end(&t);
	return code;
}

ctrfs_code ctrfs_namespace_label_time(ctrfs_store *s, const char *ns, const char *key,
				      ctrfs_time *out, ctrfs_error *err)
{
	struct db_txn t;
	ctrfs_namespace n;
	ctrfs_code code = db_read_begin(s, &t, err);
	if (code)
		return code;
	code = ns_load(&t, ns, &n, err);
	if (code == CTRFS_NOT_FOUND)
		code = ctrfs_fail(err, code, "namespace \"%s\": not found", ns);
	else if (!code) {
		code = times_ns_label(&t, &n, key, out, err);
		ctrfs_namespace_clear(&n);
	}
	db_read_end(&t);
	return code;
}

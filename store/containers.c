/* Container records in LMDB: one container's parts loaded, stored, removed. The public
 * calls on containers are in container_reads.c and container_writes.c. */
#include "containers.h"

#include <errno.h>
#include <string.h>

#include "error.h"
#include "goquote.h"
#include "record.h"
#include "times.h"

ctrfs_code ctr_ns_required(const char *ns, ctrfs_error *err)
{
	ctrfs_code code = ctrfs_identifier_validate(ns, err);
	return code ? ctrfs_error_prefix(err, code, "namespace validation: ") : CTRFS_OK;
}

ctrfs_code ctr_damaged(ctrfs_error *err, const char *ns, const char *id, const char *part)
{
	return ctrfs_fail_sys(err, CTRFS_INTERNAL, EIO,
			      "container %s in namespace %s: "
			      "damaged %s record",
			      GOQ(id), GOQ(ns), part);
}

ctrfs_code ctr_load(struct db_txn *t, const char *ns, const char *id, unsigned load,
		    ctrfs_container *out, ctrfs_error *err)
{
	struct db_key key;
	MDB_val v;
	memset(out, 0, sizeof(*out));
	db_key_container(&key, ns, id);
	ctrfs_code code = db_get(t, DB_CTR, key.buf, key.len, &v, err);
	if (code)
		return code;
	struct record_reader r = {v.mv_data, v.mv_size, false};
	out->id = strdup(id);
	if (!record_get_core(&r, out) || !out->id) {
		ctrfs_container_clear(out);
		return ctr_damaged(err, ns, id, "core");
	}
	out->has_spec = true; /* a stored container always has one (validated) */
	if (load & CTRFS_LOAD_SPEC) {
		code = db_get(t, DB_SPEC, key.buf, key.len, &v, err);
		struct record_reader rs = {v.mv_data, v.mv_size, false};
		if (code == CTRFS_NOT_FOUND || (!code && !record_get_any(&rs, &out->spec)))
			code = ctr_damaged(err, ns, id, "spec");
	}
	if (!code && (load & CTRFS_LOAD_LABELS)) {
		code = db_get(t, DB_LABELS, key.buf, key.len, &v, err);
		struct record_reader rl = {v.mv_data, v.mv_size, false};
		if (code == CTRFS_NOT_FOUND)
			code = CTRFS_OK; /* no labels */
		else if (!code && !record_get_labels(&rl, &out->labels))
			code = ctr_damaged(err, ns, id, "labels");
	}
	if (!code && (load & CTRFS_LOAD_EXTENSIONS)) {
		code = db_get(t, DB_EXT, key.buf, key.len, &v, err);
		struct record_reader re = {v.mv_data, v.mv_size, false};
		if (code == CTRFS_NOT_FOUND)
			code = CTRFS_OK;
		else if (!code && !record_get_extensions(&re, &out->extensions))
			code = ctr_damaged(err, ns, id, "extensions");
	}
	if (code)
		ctrfs_container_clear(out);
	return code;
}

static ctrfs_code store_labels(struct db_txn *t, const struct db_key *key, const ctrfs_labels *l,
			       ctrfs_error *err)
{
	size_t kept = 0;
	for (size_t i = 0; i < l->count; i++)
		kept += l->items[i].value[0] != '\0';
	if (!kept)
		return db_del(t, DB_LABELS, key->buf, key->len, err);
	struct strbuf sb = STRBUF_INIT;
	record_put_u32(&sb, (uint32_t)kept);
	for (size_t i = 0; i < l->count; i++) {
		if (!l->items[i].value[0])
			continue; /* an empty value deletes the label, as in containerd */
		record_put_str(&sb, l->items[i].key);
		record_put_str(&sb, l->items[i].value);
	}
	ctrfs_code code = db_put_sb(t, DB_LABELS, key->buf, key->len, &sb, err);
	strbuf_release(&sb);
	return code;
}

ctrfs_code ctr_store(struct db_txn *t, const char *ns, const ctrfs_container *c, unsigned parts,
		     ctrfs_error *err)
{
	struct db_key key;
	struct strbuf sb = STRBUF_INIT;
	ctrfs_code code = CTRFS_OK;
	db_key_container(&key, ns, c->id);
	if (parts & PART_CORE) {
		record_put_core(&sb, c);
		code = db_put_sb(t, DB_CTR, key.buf, key.len, &sb, err);
		strbuf_release(&sb);
	}
	if (!code && (parts & CTRFS_LOAD_SPEC)) {
		record_put_any(&sb, &c->spec);
		code = db_put_sb(t, DB_SPEC, key.buf, key.len, &sb, err);
		strbuf_release(&sb);
	}
	if (!code && (parts & CTRFS_LOAD_LABELS))
		code = store_labels(t, &key, &c->labels, err);
	if (!code && (parts & CTRFS_LOAD_EXTENSIONS)) {
		if (!c->extensions.count) {
			code = db_del(t, DB_EXT, key.buf, key.len, err);
		} else {
			record_put_extensions(&sb, &c->extensions);
			code = db_put_sb(t, DB_EXT, key.buf, key.len, &sb, err);
			strbuf_release(&sb);
		}
	}
	return code;
}

ctrfs_code ctr_remove(struct db_txn *t, const char *ns, const char *id, ctrfs_error *err)
{
	struct db_key key;
	db_key_container(&key, ns, id);
	ctrfs_code code = db_del(t, DB_CTR, key.buf, key.len, err);
	if (!code)
		code = db_del(t, DB_SPEC, key.buf, key.len, err);
	if (!code)
		code = db_del(t, DB_LABELS, key.buf, key.len, err);
	if (!code)
		code = db_del(t, DB_EXT, key.buf, key.len, err);
	if (!code)
		code = times_removed(t, ns, id, err);
	return code;
}

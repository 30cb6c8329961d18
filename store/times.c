/*
 * When each part changed. A container's UpdatedAt (and a namespace's) moves with every
 * change of anything in it; a file per label showing that time looks changed when
 * another label changed: `tar` stops with "file changed as we read it" and `find
 * -newer` lists files nobody touched. So each write also records, per object, the
 * time of each part it changed:
 *
 *   times/<ns>\0<id>   a container: base (i64 sec, i32 nsec), u32 count, then
 *                      (path, time) pairs sorted by path
 *   times/<ns>         a namespace: the same, paths "labels.<key>"
 *
 * Paths are those of ctrfs_container_update: "labels.<key>", "extensions.<name>",
 * "image", "snapshotkey", "spec". A part without a pair last changed at `base`: the
 * creation, or, for an object made by a ctrfs that kept no times, its UpdatedAt when
 * this record was first written (every part changed at or before it). An object with
 * no record at all (a store made before this table, an import) answers its UpdatedAt,
 * as before. Pairs of labels and extensions that are gone are dropped with them.
 */
#include "times.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "record.h"

struct times {
	bool found;
	ctrfs_time base;
	size_t n, cap;
	char **path;
	ctrfs_time *at;
};

static void times_clear(struct times *tm)
{
	for (size_t i = 0; i < tm->n; i++)
		free(tm->path[i]);
	free(tm->path);
	free(tm->at);
	memset(tm, 0, sizeof(*tm));
}

static void times_key(struct db_key *k, const char *ns, const char *id)
{
	if (id) {
		db_key_container(k, ns, id);
	} else {
		/* no NUL in it: apart from every container's key */
		k->len = strlen(ns);
		memcpy(k->buf, ns, k->len);
	}
}

static ctrfs_code times_load(struct db_txn *t, const struct db_key *k, struct times *tm,
			     ctrfs_error *err)
{
	MDB_val v;
	memset(tm, 0, sizeof(*tm));
	if (t->store->no_times)
		return CTRFS_OK;
	ctrfs_code code = db_get(t, DB_TIMES, k->buf, k->len, &v, err);
	if (code == CTRFS_NOT_FOUND)
		return CTRFS_OK;
	if (code)
		return code;
	struct record_reader r = {v.mv_data, v.mv_size, false};
	tm->found = true;
	tm->base = record_get_time(&r);
	size_t n = record_get_u32(&r);
	if (r.bad || n > v.mv_size / 16) /* a pair takes at least 16 bytes */
		return ctrfs_fail(err, CTRFS_INTERNAL, "times record: damaged");
	tm->path = calloc(n ? n : 1, sizeof(*tm->path));
	tm->at = calloc(n ? n : 1, sizeof(*tm->at));
	if (!tm->path || !tm->at) {
		times_clear(tm);
		return ctrfs_fail_oom(err);
	}
	tm->cap = n;
	for (; tm->n < n && !r.bad; tm->n++) {
		tm->path[tm->n] = record_get_str(&r);
		tm->at[tm->n] = record_get_time(&r);
		if (!tm->path[tm->n])
			break;
	}
	if (tm->n < n || r.bad) {
		times_clear(tm);
		return ctrfs_fail(err, CTRFS_INTERNAL, "times record: damaged");
	}
	return CTRFS_OK;
}

static ctrfs_code times_save(struct db_txn *t, const struct db_key *k, const struct times *tm,
			     ctrfs_error *err)
{
	if (t->store->no_times)
		return CTRFS_OK;
	struct strbuf sb = STRBUF_INIT;
	record_put_time(&sb, tm->base);
	record_put_u32(&sb, (uint32_t)tm->n);
	for (size_t i = 0; i < tm->n; i++) {
		record_put_str(&sb, tm->path[i]);
		record_put_time(&sb, tm->at[i]);
	}
	ctrfs_code code = db_put_sb(t, DB_TIMES, k->buf, k->len, &sb, err);
	strbuf_release(&sb);
	return code;
}

/* The index of path in tm, or where it goes (*found false). */
static size_t times_find(const struct times *tm, const char *path, bool *found)
{
	size_t lo = 0, hi = tm->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(tm->path[mid], path);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

/* Sets path's time to `at`, or drops it (`gone`). */
static ctrfs_code times_set(struct times *tm, const char *path, ctrfs_time at, bool gone,
			    ctrfs_error *err)
{
	bool found;
	size_t i = times_find(tm, path, &found);
	if (found && gone) {
		free(tm->path[i]);
		memmove(tm->path + i, tm->path + i + 1, (tm->n - i - 1) * sizeof(*tm->path));
		memmove(tm->at + i, tm->at + i + 1, (tm->n - i - 1) * sizeof(*tm->at));
		tm->n--;
		return CTRFS_OK;
	}
	if (found) {
		tm->at[i] = at;
		return CTRFS_OK;
	}
	if (gone)
		return CTRFS_OK;
	if (tm->n == tm->cap) {
		size_t cap = tm->cap ? 2 * tm->cap : 8;
		char **p = realloc(tm->path, cap * sizeof(*p));
		if (p)
			tm->path = p;
		ctrfs_time *a = p ? realloc(tm->at, cap * sizeof(*a)) : NULL;
		if (!a)
			return ctrfs_fail_oom(err);
		tm->at = a;
		tm->cap = cap;
	}
	char *copy = strdup(path);
	if (!copy)
		return ctrfs_fail_oom(err);
	memmove(tm->path + i + 1, tm->path + i, (tm->n - i) * sizeof(*tm->path));
	memmove(tm->at + i + 1, tm->at + i, (tm->n - i) * sizeof(*tm->at));
	tm->path[i] = copy;
	tm->at[i] = at;
	tm->n++;
	return CTRFS_OK;
}

ctrfs_code times_created(struct db_txn *t, const char *ns, const char *id, ctrfs_time created,
			 ctrfs_error *err)
{
	struct db_key k;
	struct times tm = {.found = true, .base = created};
	times_key(&k, ns, id);
	return times_save(t, &k, &tm, err);
}

/* Is the part at `path` gone from c (a label or extension no longer there)? */
static bool part_gone(const ctrfs_container *c, const char *path)
{
	if (strncmp(path, "labels.", 7) == 0) {
		const char *v = ctrfs_labels_get(&c->labels, path + 7);
		return !v || !*v; /* an empty value is not stored */
	}
	if (strncmp(path, "extensions.", 11) == 0)
		return !ctrfs_extensions_get(&c->extensions, path + 11);
	return false;
}

ctrfs_code times_container_changed(struct db_txn *t, const char *ns, const ctrfs_container *before,
				   const ctrfs_container *after, ctrfs_error *err)
{
	char **paths;
	size_t n;
	struct times tm;
	struct db_key k;
	if (t->store->no_times)
		return CTRFS_OK;
	ctrfs_code code = ctrfs_container_changed_paths(before, after, &paths, &n, err);
	if (code)
		return code;
	times_key(&k, ns, after->id);
	code = times_load(t, &k, &tm, err);
	if (!code && !tm.found) {
		tm.found = true;
		tm.base = before->updated_at;
	}
	for (size_t i = 0; !code && i < n; i++)
		code = times_set(&tm, paths[i], after->updated_at, part_gone(after, paths[i]), err);
	if (!code && n)
		code = times_save(t, &k, &tm, err);
	times_clear(&tm);
	ctrfs_strv_free(paths, n);
	return code;
}

ctrfs_code times_ns_labels_changed(struct db_txn *t, const char *ns, const ctrfs_labels *before,
				   ctrfs_time before_updated, const ctrfs_labels *after,
				   ctrfs_time now, ctrfs_error *err)
{
	struct times tm;
	struct db_key k;
	if (t->store->no_times)
		return CTRFS_OK;
	times_key(&k, ns, NULL);
	ctrfs_code code = before ? times_load(t, &k, &tm, err) : CTRFS_OK;
	if (!before)
		memset(&tm, 0, sizeof(tm));
	if (!code && !tm.found) {
		tm.found = true;
		tm.base = before ? before_updated : now;
	}
	const ctrfs_labels none = {0}, *b = before ? before : &none;
	/* both sorted: one merge walk finds every key added, changed or gone */
	for (size_t i = 0, j = 0; !code && (i < b->count || j < after->count);) {
		const ctrfs_label *x = i < b->count ? &b->items[i] : NULL;
		const ctrfs_label *y = j < after->count ? &after->items[j] : NULL;
		int cmp = !x ? 1 : !y ? -1 : strcmp(x->key, y->key);
		if (cmp || strcmp(x->value, y->value)) {
			char *path = NULL;
			const char *key = cmp <= 0 ? x->key : y->key;
			if (asprintf(&path, "labels.%s", key) < 0)
				code = ctrfs_fail_oom(err);
			else
				code = times_set(&tm, path, now, cmp < 0, err);
			free(path);
		}
		i += cmp <= 0;
		j += cmp >= 0;
	}
	if (!code)
		code = times_save(t, &k, &tm, err);
	times_clear(&tm);
	return code;
}

ctrfs_code times_removed(struct db_txn *t, const char *ns, const char *id, ctrfs_error *err)
{
	struct db_key k;
	if (t->store->no_times)
		return CTRFS_OK;
	times_key(&k, ns, id);
	return db_del(t, DB_TIMES, k.buf, k.len, err);
}

/* The time of `path` in the record of key k; `fallback` when there is no record. */
static ctrfs_code times_of(struct db_txn *t, const struct db_key *k, const char *path,
			   ctrfs_time fallback, ctrfs_time *out, ctrfs_error *err)
{
	struct times tm;
	ctrfs_code code = times_load(t, k, &tm, err);
	if (code)
		return code;
	bool found = false;
	size_t i = tm.found ? times_find(&tm, path, &found) : 0;
	*out = found ? tm.at[i] : tm.found ? tm.base : fallback;
	times_clear(&tm);
	return CTRFS_OK;
}

ctrfs_code times_container_part(struct db_txn *t, const char *ns, const ctrfs_container *c,
				const char *path, ctrfs_time *out, ctrfs_error *err)
{
	static const char *const changing[] = {"image", "snapshotkey", "spec"};
	bool tracked = strncmp(path, "labels.", 7) == 0 || strncmp(path, "extensions.", 11) == 0;
	for (size_t i = 0; !tracked && i < sizeof(changing) / sizeof(*changing); i++)
		tracked = strcmp(path, changing[i]) == 0;
	if (!tracked) {
		/* the immutable parts: runtime, snapshotter, sandbox, created */
		*out = c->created_at;
		return CTRFS_OK;
	}
	struct db_key k;
	times_key(&k, ns, c->id);
	return times_of(t, &k, path, c->updated_at, out, err);
}

ctrfs_code times_ns_label(struct db_txn *t, const ctrfs_namespace *n, const char *key,
			  ctrfs_time *out, ctrfs_error *err)
{
	struct db_key k;
	char *path = NULL;
	if (asprintf(&path, "labels.%s", key) < 0)
		return ctrfs_fail_oom(err);
	times_key(&k, n->name, NULL);
	ctrfs_code code = times_of(t, &k, path, n->updated_at, out, err);
	free(path);
	return code;
}

/*
 * Tasks: per container, its task (its init process) as containerd reports it, kept by
 * the mirror of a bound store and read by everyone (ctrfs's task/ files, `ctrfsctl tasks
 * ls`). containerd is the only writer: nothing here applies a rule of its own.
 *
 *   tasks/<ns>\0<id>   u8 version=1, u8 status (containerd's numbering), u32 pid,
 *                      u32 exit status, exited at (i64 sec, i32 nsec)
 *
 * Each change is logged under containerd's topic for it, with its payload's fields, so
 * that mounts invalidate and `.events` readers see what `ctr events` would.
 */
#include "tasks.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "events.h"
#include "goquote.h"
#include "record.h"

const char *ctrfs_task_status_name(ctrfs_task_status status)
{
	static const char *const names[] = {"unknown", "created", "running",
					    "stopped", "paused",  "pausing"};
	if ((unsigned)status >= sizeof(names) / sizeof(*names))
		return "unknown";
	return names[status];
}

void ctrfs_task_clear(ctrfs_task *task)
{
	if (!task)
		return;
	free(task->id);
	memset(task, 0, sizeof(*task));
}

void ctrfs_task_list_free(ctrfs_task *list, size_t count)
{
	for (size_t i = 0; list && i < count; i++)
		ctrfs_task_clear(&list[i]);
	free(list);
}

/* ---- the record ---- */

static void task_encode(struct strbuf *sb, const ctrfs_task *task)
{
	record_put_u8(sb, RECORD_VERSION);
	record_put_u8(sb, (uint8_t)task->status);
	record_put_u32(sb, task->pid);
	record_put_u32(sb, task->exit_status);
	record_put_time(sb, task->exited_at);
}

/* The record of `id` into *out (id copied); INTERNAL when it does not decode. */
static ctrfs_code task_decode(const MDB_val *v, const char *id, size_t idlen, ctrfs_task *out,
			      ctrfs_error *err)
{
	struct record_reader r = {v->mv_data, v->mv_size, false};
	memset(out, 0, sizeof(*out));
	uint8_t version = record_get_u8(&r);
	uint8_t status = record_get_u8(&r);
	out->pid = record_get_u32(&r);
	out->exit_status = record_get_u32(&r);
	out->exited_at = record_get_time(&r);
	if (r.bad || r.left || version != RECORD_VERSION || status > CTRFS_TASK_PAUSING)
		return ctrfs_fail(err, CTRFS_INTERNAL, "task record %.*s: damaged", (int)idlen, id);
	out->status = (ctrfs_task_status)status;
	if (!(out->id = strndup(id, idlen)))
		return ctrfs_fail_oom(err);
	return CTRFS_OK;
}

ctrfs_code tasks_get(struct db_txn *t, const char *ns, const char *id, ctrfs_task *out,
		     ctrfs_error *err)
{
	struct db_key k;
	MDB_val v;
	memset(out, 0, sizeof(*out));
	if (t->store->no_tasks)
		return CTRFS_NOT_FOUND;
	db_key_container(&k, ns, id);
	ctrfs_code code = db_get(t, DB_TASKS, k.buf, k.len, &v, err);
	if (code)
		return code;
	return task_decode(&v, id, strlen(id), out, err);
}

static bool task_same(const ctrfs_task *a, const ctrfs_task *b)
{
	return a->status == b->status && a->pid == b->pid && a->exit_status == b->exit_status &&
	       a->exited_at.sec == b->exited_at.sec && a->exited_at.nsec == b->exited_at.nsec;
}

/* ---- events: containerd's topics and payloads (events/task.proto) ---- */

static json_t *time_json(ctrfs_time at)
{
	char buf[64];
	ctrfs_time_format(at, buf, sizeof(buf));
	return json_string(buf);
}

/* The topic of a change from `before` (NULL: none) to `after`. */
static const char *put_topic(const ctrfs_task *before, const ctrfs_task *after)
{
	switch (after->status) {
	case CTRFS_TASK_RUNNING:
		return before && (before->status == CTRFS_TASK_PAUSED ||
				  before->status == CTRFS_TASK_PAUSING)
			   ? "/tasks/resumed"
		       : before ? "/tasks/start"
				: "/tasks/create";
	case CTRFS_TASK_STOPPED:
		return "/tasks/exit";
	case CTRFS_TASK_PAUSED:
	case CTRFS_TASK_PAUSING:
		return "/tasks/paused";
	default:
		return "/tasks/create";
	}
}

static json_t *event_task(const char *topic, const ctrfs_task *task)
{
	if (strcmp(topic, "/tasks/paused") == 0 || strcmp(topic, "/tasks/resumed") == 0)
		return json_pack("{s:s}", "container_id", task->id);
	if (strcmp(topic, "/tasks/exit") == 0 || strcmp(topic, "/tasks/delete") == 0)
		return json_pack("{s:s, s:s, s:I, s:I, s:o}", "container_id", task->id, "id",
				 task->id, "pid", (json_int_t)task->pid, "exit_status",
				 (json_int_t)task->exit_status, "exited_at",
				 time_json(task->exited_at));
	return json_pack("{s:s, s:I}", "container_id", task->id, "pid", (json_int_t)task->pid);
}

/* ---- in a write transaction ---- */

ctrfs_code tasks_put(struct db_txn *t, const char *ns, const ctrfs_task *task, size_t *changed,
		     ctrfs_error *err)
{
	if (t->store->no_tasks)
		return CTRFS_OK;
	if (!task->id || !*task->id || strlen(task->id) > CTRFS_IDENTIFIER_MAX ||
	    strlen(ns) > CTRFS_IDENTIFIER_MAX)
		return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT, "task %s: not an identifier",
				  GOQ(task->id ? task->id : ""));
	ctrfs_task cur;
	ctrfs_code code = tasks_get(t, ns, task->id, &cur, err);
	if (code && code != CTRFS_NOT_FOUND)
		return code;
	bool existed = code == CTRFS_OK;
	bool same = existed && task_same(&cur, task);
	const char *topic = put_topic(existed ? &cur : NULL, task);
	ctrfs_task_clear(&cur);
	if (same)
		return CTRFS_OK;
	struct db_key k;
	struct strbuf sb = STRBUF_INIT;
	db_key_container(&k, ns, task->id);
	task_encode(&sb, task);
	code = db_put_sb(t, DB_TASKS, k.buf, k.len, &sb, err);
	strbuf_release(&sb);
	if (!code)
		code = events_append(t, ns, topic, event_task(topic, task), err);
	if (!code && changed)
		(*changed)++;
	return code;
}

ctrfs_code tasks_drop(struct db_txn *t, const char *ns, const char *id, size_t *removed,
		      ctrfs_error *err)
{
	ctrfs_task cur;
	ctrfs_code code = tasks_get(t, ns, id, &cur, err);
	if (code == CTRFS_NOT_FOUND)
		return CTRFS_OK;
	if (code)
		return code;
	struct db_key k;
	db_key_container(&k, ns, id);
	code = db_del(t, DB_TASKS, k.buf, k.len, err);
	if (!code)
		code =
		    events_append(t, ns, "/tasks/delete", event_task("/tasks/delete", &cur), err);
	ctrfs_task_clear(&cur);
	if (!code && removed)
		(*removed)++;
	return code;
}

/* Calls fn for each task record of `ns` (key after the prefix, value), in key order;
 * fn returns a code to stop with. */
static ctrfs_code each_task(struct db_txn *t, const char *ns,
			    ctrfs_code (*fn)(const char *id, size_t idlen, const MDB_val *v,
					     void *arg, ctrfs_error *err),
			    void *arg, ctrfs_error *err)
{
	struct db_key prefix;
	MDB_cursor *cur;
	if (t->store->no_tasks)
		return CTRFS_OK;
	db_key_container(&prefix, ns, "");
	MDB_val k = {prefix.len, prefix.buf}, v;
	int rc = mdb_cursor_open(t->txn, t->store->dbi[DB_TASKS], &cur);
	if (rc)
		return db_fail(t, rc, err, "tasks");
	ctrfs_code code = CTRFS_OK;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && !code;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size <= prefix.len || memcmp(k.mv_data, prefix.buf, prefix.len) != 0)
			break;
		code =
		    fn((const char *)k.mv_data + prefix.len, k.mv_size - prefix.len, &v, arg, err);
	}
	mdb_cursor_close(cur);
	if (!code && rc && rc != MDB_NOTFOUND)
		code = db_fail(t, rc, err, "tasks");
	return code;
}

struct collect {
	char **ids;
	ctrfs_task *tasks;
	size_t n, cap;
};

static bool collect_grow(struct collect *c, size_t size)
{
	if (c->n < c->cap)
		return true;
	size_t cap = c->cap ? 2 * c->cap : 16;
	void **v = size == sizeof(char *) ? (void **)&c->ids : (void **)&c->tasks;
	void *more = realloc(*v, cap * size);
	if (!more)
		return false;
	*v = more;
	c->cap = cap;
	return true;
}

static ctrfs_code collect_id(const char *id, size_t idlen, const MDB_val *v, void *arg,
			     ctrfs_error *err)
{
	struct collect *c = arg;
	(void)v;
	if (!collect_grow(c, sizeof(char *)) || !(c->ids[c->n] = strndup(id, idlen)))
		return ctrfs_fail_oom(err);
	c->n++;
	return CTRFS_OK;
}

static ctrfs_code collect_task(const char *id, size_t idlen, const MDB_val *v, void *arg,
			       ctrfs_error *err)
{
	struct collect *c = arg;
	if (!collect_grow(c, sizeof(ctrfs_task)))
		return ctrfs_fail_oom(err);
	ctrfs_code code = task_decode(v, id, idlen, &c->tasks[c->n], err);
	if (!code)
		c->n++;
	return code;
}

ctrfs_code tasks_stored_ids(struct db_txn *t, const char *ns, char ***ids, size_t *count,
			    ctrfs_error *err)
{
	struct collect c = {0};
	ctrfs_code code = each_task(t, ns, collect_id, &c, err);
	if (code) {
		ctrfs_strv_free(c.ids, c.n);
		c.ids = NULL, c.n = 0;
	}
	*ids = c.ids;
	*count = c.n;
	return code;
}

/* ---- one change each ---- */

struct one_arg {
	const char *ns, *id;
	const ctrfs_task *task;
};

static ctrfs_code put_txn(struct db_txn *t, void *p, ctrfs_error *err)
{
	struct one_arg *a = p;
	return tasks_put(t, a->ns, a->task, NULL, err);
}

ctrfs_code mirror_task_put(ctrfs_store *s, const char *ns, const ctrfs_task *task, ctrfs_error *err)
{
	struct one_arg a = {.ns = ns, .task = task};
	return db_write(s, put_txn, &a, err);
}

static ctrfs_code drop_txn(struct db_txn *t, void *p, ctrfs_error *err)
{
	struct one_arg *a = p;
	return tasks_drop(t, a->ns, a->id, NULL, err);
}

ctrfs_code mirror_task_drop(ctrfs_store *s, const char *ns, const char *id, ctrfs_error *err)
{
	struct one_arg a = {.ns = ns, .id = id};
	return db_write(s, drop_txn, &a, err);
}

/* ---- reading ---- */

ctrfs_code ctrfs_task_get(ctrfs_store *s, const char *ns, const char *id, ctrfs_task *out,
			  ctrfs_error *err)
{
	struct db_txn t;
	memset(out, 0, sizeof(*out));
	if (strlen(ns) > CTRFS_IDENTIFIER_MAX || strlen(id) > CTRFS_IDENTIFIER_MAX)
		return ctrfs_fail(err, CTRFS_NOT_FOUND, "task %s in namespace %s: not found",
				  GOQ(id), GOQ(ns));
	ctrfs_code code = db_read_begin(s, &t, err);
	if (code)
		return code;
	code = tasks_get(&t, ns, id, out, err);
	db_read_end(&t);
	if (code == CTRFS_NOT_FOUND)
		return ctrfs_fail(err, code, "task %s in namespace %s: not found", GOQ(id),
				  GOQ(ns));
	return code;
}

ctrfs_code ctrfs_task_list(ctrfs_store *s, const char *ns, ctrfs_task **out, size_t *count,
			   ctrfs_error *err)
{
	struct db_txn t;
	struct collect c = {0};
	*out = NULL;
	*count = 0;
	if (strlen(ns) > CTRFS_IDENTIFIER_MAX)
		return CTRFS_OK;
	ctrfs_code code = db_read_begin(s, &t, err);
	if (code)
		return code;
	code = each_task(&t, ns, collect_task, &c, err);
	db_read_end(&t);
	if (code) {
		ctrfs_task_list_free(c.tasks, c.n);
		return code;
	}
	*out = c.tasks;
	*count = c.n;
	return CTRFS_OK;
}

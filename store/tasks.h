/* Tasks in the store (see tasks.c): the table's records, and the mirror's writes. */
#ifndef CTRFS_TASKS_H
#define CTRFS_TASKS_H

#include "db.h"

/* Container ns/id's task, read in t: NOT_FOUND (no message) when it has none. */
ctrfs_code tasks_get(struct db_txn *t, const char *ns, const char *id, ctrfs_task *out,
		     ctrfs_error *err);

/* ---- in a write transaction ---- */

/* Stores the task as given (its container need not be stored), with the event of
 * containerd's topic for the change (/tasks/create, start, exit, paused, resumed); a task
 * stored exactly so is left alone. Counts a write in *changed (may be NULL). */
ctrfs_code tasks_put(struct db_txn *t, const char *ns, const ctrfs_task *task, size_t *changed,
		     ctrfs_error *err);
/* Removes container ns/id's task, if stored ("/tasks/delete"); counts it in *removed. */
ctrfs_code tasks_drop(struct db_txn *t, const char *ns, const char *id, size_t *removed,
		      ctrfs_error *err);
/* The IDs of the tasks stored in `ns`, sorted. Free with ctrfs_strv_free. */
ctrfs_code tasks_stored_ids(struct db_txn *t, const char *ns, char ***ids, size_t *count,
			    ctrfs_error *err);

/* ---- one change each (the mirror of a bound store: containerd's word) ---- */

ctrfs_code mirror_task_put(ctrfs_store *s, const char *ns, const ctrfs_task *task,
			   ctrfs_error *err);
ctrfs_code mirror_task_drop(ctrfs_store *s, const char *ns, const char *id, ctrfs_error *err);

#endif

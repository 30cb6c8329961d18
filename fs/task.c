/*
 * A container's task/ directory: its task (its init process) as the mirror of a bound
 * store holds it (containerd's Tasks service, kept current from its /tasks/ events):
 *
 *   status        created, running, paused, pausing, stopped or unknown
 *   pid           the process ID (containerd keeps it after the exit, as `ctr t ls`)
 *   exit_status   the exit status once stopped; an empty line before
 *   exited_at     when it exited (RFC 3339, nanoseconds); an empty line before
 *
 * The directory exists only while the container has a task. Read-only: containerd's
 * runtime owns a task (refused as cri/ is, see cri_refuse). Like cri/, never kept by the
 * kernel (read.c, handle.c): each look asks the store, and a task that comes or goes
 * invalidates its container's directory through the notifier (a /tasks/ event).
 */
#include "task.h"
#include "view_paths.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const names[TASK_FILE_COUNT] = {
    [TASK_STATUS] = "status",
    [TASK_PID] = "pid",
    [TASK_EXIT_STATUS] = "exit_status",
    [TASK_EXITED_AT] = "exited_at",
};

const char *task_file_name(int f)
{
	return f >= 0 && f < TASK_FILE_COUNT ? names[f] : "";
}

int task_child(const char *name, struct fspath *out)
{
	for (int f = 0; f < TASK_FILE_COUNT; f++) {
		if (strcmp(name, names[f]) == 0) {
			out->kind = NODE_TASK_FILE;
			out->field = (enum field)f;
			return 0;
		}
	}
	return -ENOENT;
}

/* The task of fp's container: 0, -ENOENT without one (or without the container). */
static int load(struct source *src, const struct fspath *fp, ctrfs_task *task, ctrfs_time *mtime)
{
	const ctrfs_container *c;
	int rc = source_container(src, fp->ns, fp->id, 0, &c);
	if (rc)
		return rc;
	if ((rc = source_task(src, fp->ns, fp->id, task)))
		return rc;
	if (mtime) /* a stopped task changed last when it exited */
		*mtime =
		    task->exited_at.sec || task->exited_at.nsec ? task->exited_at : c->updated_at;
	return 0;
}

int task_has(struct source *src, const char *ns, const char *id)
{
	struct fspath fp = {.kind = NODE_TASK};
	ctrfs_task task = {0};
	snprintf(fp.ns, sizeof(fp.ns), "%s", ns);
	snprintf(fp.id, sizeof(fp.id), "%s", id);
	int rc = load(src, &fp, &task, NULL);
	ctrfs_task_clear(&task);
	return rc == -ENOENT ? 0 : rc ? rc : 1;
}

int task_dir_exists(struct source *src, const struct fspath *fp, ctrfs_time *mtime)
{
	ctrfs_task task = {0};
	int rc = load(src, fp, &task, mtime);
	if (!rc)
		ctrfs_task_clear(&task);
	return rc;
}

int task_list(struct source *src, const struct fspath *dir,
	      void (*fn)(void *arg, const char *name, enum node_kind kind, int field), void *arg)
{
	ctrfs_time t;
	int rc = task_dir_exists(src, dir, &t);
	if (rc)
		return rc;
	for (int f = 0; f < TASK_FILE_COUNT; f++)
		fn(arg, names[f], NODE_TASK_FILE, f);
	return 0;
}

int task_render(struct source *src, const struct fspath *fp, struct strbuf *out, ctrfs_time *mtime)
{
	ctrfs_task task = {0};
	if (fp->kind != NODE_TASK_FILE)
		return -EISDIR;
	if ((int)fp->field < 0 || (int)fp->field >= TASK_FILE_COUNT)
		return -ENOENT;
	int rc = load(src, fp, &task, mtime);
	if (rc)
		return rc;
	bool stopped = task.status == CTRFS_TASK_STOPPED;
	char buf[64] = "";
	switch ((enum task_file)fp->field) {
	case TASK_STATUS:
		strbuf_adds(out, ctrfs_task_status_name(task.status));
		break;
	case TASK_PID:
		strbuf_addf(out, "%u", task.pid);
		break;
	case TASK_EXIT_STATUS:
		if (stopped)
			strbuf_addf(out, "%u", task.exit_status);
		break;
	default:
		if (stopped && (task.exited_at.sec || task.exited_at.nsec))
			ctrfs_time_format(task.exited_at, buf, sizeof(buf));
		strbuf_adds(out, buf);
		break;
	}
	strbuf_addc(out, '\n');
	ctrfs_task_clear(&task);
	return out->oom ? -ENOMEM : 0;
}

/* A container's task: its read-only task/ directory (task.c). */
#ifndef CTRFS_FS_TASK_H
#define CTRFS_FS_TASK_H

#include <sys/stat.h>

#include "fspath.h"
#include "source.h"
#include "strbuf.h"

/* Does container ns/id have a task in the source's snapshot? 1, 0, or -errno. */
int task_has(struct source *src, const char *ns, const char *id);
/* Calls fn for each file of task/ (`dir`): 0, -ENOENT without a task, -errno. */
int task_list(struct source *src, const struct fspath *dir,
	      void (*fn)(void *arg, const char *name, enum node_kind kind, int field), void *arg);
/* The content of a task file, as render_file: 0, -ENOENT, -errno. */
int task_render(struct source *src, const struct fspath *fp, struct strbuf *out, ctrfs_time *mtime);
/* Whether task/ exists (0, -ENOENT, -errno) and its time. */
int task_dir_exists(struct source *src, const struct fspath *fp, ctrfs_time *mtime);

#endif

/* Rendered file contents shared by the handles that opened the same content. */
#ifndef CTRFS_FS_SNAPSHOT_H
#define CTRFS_FS_SNAPSHOT_H

#include "ctrfs.h"
#include "strbuf.h"

/* Immutable once made; counted in the daemon's memory budget (budget.h). */
struct snapshot {
	const char *data;
	size_t len;
};

/*
 * The snapshot of file `ino` with the content in *sb (taken over: *sb is emptied): an
 * existing one with the same bytes, or a new one. NULL when the memory budget is used
 * up (sb is released then) or out of memory.
 */
struct snapshot *snapshot_make(fuse_ino_t ino, struct strbuf *sb);
void snapshot_put(struct snapshot *s);
/* Counts and bytes held, for tests and the debug log. */
void snapshot_stats(size_t *count, size_t *bytes);

#endif

/* The process behind a request, as an identity that outlives the request. */
#ifndef CTRFS_FS_CALLER_H
#define CTRFS_FS_CALLER_H

#include "ctrfs.h"

/* A process: the ID FUSE reports (a thread's) and its start time, so that an ID used
 * again by a later process is another caller. */
struct caller {
	pid_t pid;
	unsigned long long start;
};

/* The caller of req: false when unknown (a process of another PID namespace, which
 * FUSE reports as 0, or one already gone). */
bool caller_of(fuse_req_t req, struct caller *out);
/* Does the process still run? */
bool caller_alive(const struct caller *c);

static inline bool caller_same(const struct caller *a, const struct caller *b)
{
	return a->pid == b->pid && a->start == b->start;
}

#endif

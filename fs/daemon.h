/* Going to the background with a readiness report (see daemon.c). */
#ifndef CTRFS_FS_DAEMON_H
#define CTRFS_FS_DAEMON_H

/* Forks. The child returns 0 and goes on starting up; the parent waits until the child
 * calls daemon_ready (then exits 0) or ends first (then exits with its status): it
 * never returns. -1 (errno set) when the fork failed. */
int daemon_begin(void);
/* In the child, once the mount is served: detaches from the terminal and lets the
 * parent exit. */
void daemon_ready(void);

#endif

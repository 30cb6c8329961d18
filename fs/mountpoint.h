/* The mount point: refused when it would stack a second mount or hide files. */
#ifndef CTRFS_FS_MOUNTPOINT_H
#define CTRFS_FS_MOUNTPOINT_H

#include <stdbool.h>
#include <stddef.h>

/* Is a filesystem mounted at `path` (as /proc/self/mountinfo lists it)? Its type and
 * source go to `what` ("fuse.ctrfs /var/lib/ctrfs/store") when it is not NULL. */
bool mountpoint_taken(const char *path, char *what, size_t size);

/* Logs why ctrfs may not mount on `path` and returns -1: a filesystem is mounted there
 * already (a second daemon would hide the first), or the directory holds files (the
 * mount would hide them). `nonempty` (-o nonempty) allows both. 0 when it may. */
int mountpoint_check(const char *path, bool nonempty);

#endif

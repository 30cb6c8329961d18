/* What the notifier tells the kernel to forget for a change (invalidate.c), from the
 * batch's snapshot `src`. Called by the notifier's thread only (notify.c). */
#ifndef CTRFS_FS_INVALIDATE_H
#define CTRFS_FS_INVALIDATE_H

#include "source.h"

/* Every inode the kernel holds of container ns/id, the entries of its keys that are
 * gone (its own entry when it is gone), and the attributes kept for the next stats. */
void invalidate_container(struct source *src, const char *ns, const char *id);
/* The same for namespace ns (its directory, .labels/ and its keys). */
void invalidate_namespace(struct source *src, const char *ns);
/* The directory of namespace ns, whose containers changed: its listing and times. */
void invalidate_ns_dir(struct source *src, const char *ns);
/* Every node the table knows (a gap in the log, an event this version does not know). */
void invalidate_everything(struct source *src);
/* The root's listing, size and links (a namespace came or went). */
void invalidate_root(struct ctrfs *fs);
/* The entry parent/name is looked up again at its next use. */
void invalidate_expire_entry(struct ctrfs *fs, fuse_ino_t parent, const char *name);

#endif

/* Processes that remove a container file by file (rm -r): all or nothing. */
#ifndef CTRFS_FS_REMOVAL_H
#define CTRFS_FS_REMOVAL_H

#include "node.h"

/*
 * rm -r (and find -delete, rm -rf DIR/ *) removes a container's files one by one, in
 * the order the directory lists them, and never removes the directory after one of
 * them failed. The listing starts with container.json, which cannot be removed: the
 * first removal refused in a container marks the calling process, and every later
 * removal by that process inside that container is refused too. So rm -rf of a
 * container fails having changed nothing; rmdir deletes the container.
 */

/* The calling process of `req` was refused removing a file of fp's container. */
void removal_refused(fuse_req_t req, const struct fspath *fp);
/* Was the calling process refused a removal in fp's container before? */
bool removal_marked(fuse_req_t req, const struct fspath *fp);
/* fp's container is gone (or made anew): its marks go. */
void removal_forget(const char *ns, const char *id);

#endif

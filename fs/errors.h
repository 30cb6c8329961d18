/* MOUNT/.errors: the mount's most recent refusals, one line each (see errors.c). */
#ifndef CTRFS_FS_ERRORS_H
#define CTRFS_FS_ERRORS_H

#include "ctrfs.h"

/* The most the ring keeps: lines, and bytes of them. */
#define ERRORS_LINES 100
#define ERRORS_BYTES (64 << 10)

/* Adds one line (no newline; already escaped) stamped with the time, dropping the
 * oldest lines past the bounds. From any thread (refuse() in log.c). */
void errors_add(const char *line, size_t len);
/* The length of what a read of .errors gives now (its st_size). */
size_t errors_size(void);

void errors_open(fuse_req_t req, struct fuse_file_info *fi);
void errors_read(fuse_req_t req, size_t size, off_t off, struct fuse_file_info *fi);
void errors_release(fuse_req_t req, struct fuse_file_info *fi);

/* Frees the ring at exit. */
void errors_destroy(void);

#endif

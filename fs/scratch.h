/* Scratch files: files of other names that editors and tools create, kept in memory. */
#ifndef CTRFS_FS_SCRATCH_H
#define CTRFS_FS_SCRATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Content and times of one scratch file, shared by its node and its open handles. */
struct scratch;

struct scratch *scratch_new(mode_t mode);
/* A new reference (NULL stays NULL). */
struct scratch *scratch_get(struct scratch *s);
void scratch_put(struct scratch *s);

/* Like pread/pwrite/ftruncate on a regular file: bytes or -errno. */
ssize_t scratch_read(struct scratch *s, char *buf, size_t size, off_t off);
ssize_t scratch_write(struct scratch *s, const char *buf, size_t size, off_t off, bool append);
int scratch_truncate(struct scratch *s, off_t size);
/* A copy of the whole content (malloc'd, NUL-terminated), or NULL when out of memory. */
char *scratch_content(struct scratch *s, size_t *len);

/* Fills size, mode (type and permissions) and times. */
void scratch_stat(struct scratch *s, struct stat *st);
/* Applies chmod and utimes as on a regular file (to_set uses FUSE_SET_ATTR_*). */
void scratch_setattr(struct scratch *s, const struct stat *attr, int to_set);

#endif

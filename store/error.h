/* Making errors: each failure is described once, here in the store, with a code. */
#ifndef CTRFS_ERROR_H
#define CTRFS_ERROR_H

#include "ctrfs_store.h"

/* Fills err (when not NULL) with code and the formatted message; returns code. */
ctrfs_code ctrfs_fail(ctrfs_error *err, ctrfs_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Same, also recording the errno behind a system or database failure. */
ctrfs_code ctrfs_fail_sys(ctrfs_error *err, ctrfs_code code, int sys_errno, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Prefixes the message of a failure with `code` ("update validation error: " + old);
 * returns code. */
ctrfs_code ctrfs_error_prefix(ctrfs_error *err, ctrfs_code code, const char *prefix);
/* Out of memory, as INTERNAL/ENOMEM. */
ctrfs_code ctrfs_fail_oom(ctrfs_error *err);

#endif

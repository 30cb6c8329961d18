/* The daemon's memory budget for content users put into it: scratch files, writable
 * handles, rendered snapshots held by open files and .events readers' buffers. Each
 * is capped on its own; the budget caps their sum, so that no user (root or, with
 * allow_other, anyone) can make the daemon grow without bound by opening or writing. */
#ifndef CTRFS_FS_BUDGET_H
#define CTRFS_FS_BUDGET_H

#include <stdbool.h>
#include <stddef.h>

/* The total, far above what real metadata needs (a spec is kilobytes). */
#define BUDGET_TOTAL ((size_t)512 << 20)

/* Takes `bytes` from the budget: false (nothing taken) when that would pass the total.
 * Callers refuse then with ENOSPC (or EFBIG for one file past its own cap) and log. */
bool budget_take(size_t bytes);
/* Gives back what budget_take took. */
void budget_give(size_t bytes);
/* What is taken now (tests, the debug log). */
size_t budget_used(void);

#endif

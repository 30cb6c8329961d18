/* The daemon's memory budget for content users put into it: scratch files, writable
 * handles, rendered snapshots held by open files and .events readers' buffers. Each
 * is capped on its own; the budget caps their sum, so that no user (root or, with
 * allow_other, anyone) can make the daemon grow without bound by opening or writing. */
#ifndef CTRFS_FS_BUDGET_H
#define CTRFS_FS_BUDGET_H

#include <stdbool.h>
#include <stddef.h>

/* The default total, far above what real metadata needs (a spec is kilobytes). */
#define BUDGET_TOTAL ((size_t)512 << 20)

/* Sets the total from the environment variable CTRFS_MEMORY_BUDGET (bytes; tests use
 * a small one), once at start-up before any request. -1 (after logging why) when it
 * is set but not a positive number. */
int budget_setup(void);
/* The total in force: BUDGET_TOTAL unless budget_setup() read another. */
size_t budget_total(void);

/* Takes `bytes` from the budget: false (nothing taken) when that would pass the total.
 * Callers refuse then with ENOSPC (or EFBIG for one file past its own cap) and log
 * (refuse_budget in ctrfs.h says it the same way everywhere). */
bool budget_take(size_t bytes);
/* Gives back what budget_take took. */
void budget_give(size_t bytes);
/* What is taken now (tests, the debug log). */
size_t budget_used(void);

#endif

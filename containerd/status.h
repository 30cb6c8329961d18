/* Filling a struct ctrd_status: the one place the module's errors are made. */
#ifndef CTRFS_CONTAINERD_STATUS_H
#define CTRFS_CONTAINERD_STATUS_H

#include "ctrd_client.h"

/* Sets ST (if not NULL) to CODE and the formatted message; returns CODE. */
int ctrd_status_set(struct ctrd_status *st, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Takes MESSAGE (malloc'd, may be NULL) as ST's message; returns CODE. */
int ctrd_status_take(struct ctrd_status *st, int code, char *message);

#endif

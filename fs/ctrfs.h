/* The ctrfs daemon's shared state and the helpers every file of fs/ uses. */
#ifndef CTRFS_FS_CTRFS_H
#define CTRFS_FS_CTRFS_H

#define FUSE_USE_VERSION 312

#include <fuse_lowlevel.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/types.h>

#include "ctrfs_store.h"

/* One mount: the store it shows and the options it was mounted with. */
struct ctrfs {
	ctrfs_store *store;
	bool read_only;	     /* -o ro: every change fails with EROFS */
	const char *runtime; /* runtime of containers made by mkdir */
	uid_t uid;	     /* owner shown for every file: whoever runs the daemon */
	gid_t gid;
	ctrfs_time mounted_at; /* mtime of an empty root */
	struct fuse_session *se;
	bool no_opendir; /* the kernel opens directories without asking (op_init) */
	/* CRI's root directory, for cri/status/ (-o cri_root=) */
	const char *cri_root;
};

static inline struct ctrfs *req_fs(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

/* ---- log.c: daemon output and refusals ---- */

/* Sends fuse_log() output to stderr (foreground) or syslog (daemon); debug lines only
 * with -d. */
void log_setup(bool foreground, bool debug);
/* -o log=FILE: every line also goes to FILE (appended, stamped with time and pid).
 * -1 (errno set) when it cannot be opened. */
int log_open_file(const char *path);

/*
 * A change the filesystem refuses: logs one line "refused OP /PATH: REASON (ENAME)",
 * keeps it in MOUNT/.errors (errors.c) and returns -err, so that callers can `return refuse(...)`.
 * The path is escaped as Go's %q does (\n, \x1b, \\, \"), and any control byte of the reason too,
 * so that a name cannot split the record or forge another line. A NULL path is left out (a file
 * whose name the caller does not know: "refused OP: REASON (ENAME)").
 */
int refuse(int err, const char *op, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Content past the daemon's memory budget (budget.h): refuse(ENOSPC) saying so. */
int refuse_budget(const char *op, const char *path);

/*
 * The errno for a store failure: the one place where store codes become errnos.
 * FAILED_PRECONDITION has no single meaning in file terms, so the caller says
 * which errno it stands for (ENOTEMPTY for a namespace that still holds containers).
 */
int store_errno(const ctrfs_error *err, int precondition_errno);

/* A refused store operation: logs the store's message, returns -store_errno(). */
int refuse_store(const char *op, const char *path, const ctrfs_error *err, int precondition_errno);

/* free() as a cleanup attribute: `__cleanup_free char *p = ...;` */
static inline void free_ptr(void *p)
{
	free(*(void **)p);
}
#define __cleanup_free __attribute__((cleanup(free_ptr)))

#endif

/* Daemon output (stderr or syslog) and the mapping of refusals to errnos and log lines. */
#include "ctrfs.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

static bool log_foreground = true;
static bool log_debug;

static void log_func(enum fuse_log_level level, const char *fmt, va_list ap)
{
	char line[2048];
	if (level == FUSE_LOG_DEBUG && !log_debug)
		return;
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (n && line[n - 1] == '\n')
		n--;
	if (!log_foreground) {
		/* fuse_log_level values are syslog's priorities */
		syslog((int)level, "%.*s", n, line);
		return;
	}
	/* one write per line, so that lines of concurrent requests do not interleave */
	fprintf(stderr, "ctrfs: %.*s\n", n, line);
}

void log_setup(bool foreground, bool debug)
{
	log_foreground = foreground;
	log_debug = debug;
	if (!foreground)
		openlog("ctrfs", LOG_PID, LOG_DAEMON);
	fuse_set_log_func(log_func);
}

static const char *errname(int err)
{
	const char *n = strerrorname_np(err);
	return n ? n : "?";
}

int refuse(int err, const char *op, const char *path, const char *fmt, ...)
{
	char reason[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	fuse_log(FUSE_LOG_NOTICE, "refused %s /%s: %s (%s)\n", op, path, reason, errname(err));
	return -err;
}

int store_errno(const ctrfs_error *err, int precondition_errno)
{
	switch (err->code) {
	case CTRFS_OK:
		return 0;
	case CTRFS_INVALID_ARGUMENT:
		return EINVAL;
	case CTRFS_NOT_FOUND:
		return ENOENT;
	case CTRFS_ALREADY_EXISTS:
		return EEXIST;
	case CTRFS_FAILED_PRECONDITION:
		return precondition_errno;
	case CTRFS_UNAVAILABLE:
		return err->sys_errno ? err->sys_errno : EAGAIN;
	case CTRFS_INTERNAL:
		return err->sys_errno ? err->sys_errno : EIO;
	}
	return EIO;
}

int refuse_store(const char *op, const char *path, const ctrfs_error *err, int precondition_errno)
{
	return refuse(store_errno(err, precondition_errno), op, path, "%s", err->text);
}

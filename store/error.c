/* Error codes (containerd's errdefs) and their messages. */
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *ctrfs_code_name(ctrfs_code code)
{
	switch (code) {
	case CTRFS_OK:
		return "ok";
	case CTRFS_INVALID_ARGUMENT:
		return "invalid argument";
	case CTRFS_NOT_FOUND:
		return "not found";
	case CTRFS_ALREADY_EXISTS:
		return "already exists";
	case CTRFS_FAILED_PRECONDITION:
		return "failed precondition";
	case CTRFS_UNAVAILABLE:
		return "unavailable";
	case CTRFS_INTERNAL:
		return "internal";
	}
	return "unknown";
}

static ctrfs_code fail_v(ctrfs_error *err, ctrfs_code code, int sys_errno, const char *fmt,
			 va_list ap)
{
	if (!err)
		return code;
	err->code = code;
	err->sys_errno = sys_errno;
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	return code;
}

ctrfs_code ctrfs_fail(ctrfs_error *err, ctrfs_code code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fail_v(err, code, 0, fmt, ap);
	va_end(ap);
	return code;
}

ctrfs_code ctrfs_fail_sys(ctrfs_error *err, ctrfs_code code, int sys_errno, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fail_v(err, code, sys_errno, fmt, ap);
	va_end(ap);
	return code;
}

ctrfs_code ctrfs_error_prefix(ctrfs_error *err, ctrfs_code code, const char *prefix)
{
	if (!err)
		return code;
	char old[sizeof(err->text)];
	memcpy(old, err->text, sizeof(old));
	snprintf(err->text, sizeof(err->text), "%s%s", prefix, old);
	return code;
}

ctrfs_code ctrfs_fail_oom(ctrfs_error *err)
{
	return ctrfs_fail_sys(err, CTRFS_INTERNAL, ENOMEM, "out of memory");
}

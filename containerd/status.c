/* Status codes and messages: their names, and the one way they are made. */
#include "status.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static const char *const code_names[] = {
    "OK",	"Canceled",	   "Unknown",	       "InvalidArgument",   "DeadlineExceeded",
    "NotFound", "AlreadyExists",   "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
    "Aborted",	"OutOfRange",	   "Unimplemented",    "Internal",	    "Unavailable",
    "DataLoss", "Unauthenticated",
};

const char *ctrd_code_name(int code)
{
	if (code < 0 || (size_t)code >= sizeof(code_names) / sizeof(code_names[0]))
		return "Unknown";
	return code_names[code];
}

void ctrd_status_clear(struct ctrd_status *st)
{
	if (!st)
		return;
	free(st->message);
	st->message = NULL;
	st->code = CTRD_OK;
}

int ctrd_status_take(struct ctrd_status *st, int code, char *message)
{
	if (!st) {
		free(message);
		return code;
	}
	free(st->message);
	st->code = code;
	st->message = message;
	return code;
}

int ctrd_status_set(struct ctrd_status *st, int code, const char *fmt, ...)
{
	char *message = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&message, fmt, ap) < 0)
		message = NULL;
	va_end(ap);
	return ctrd_status_take(st, code, message);
}

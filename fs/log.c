/* Daemon output (stderr or syslog, and -o log=FILE) and the mapping of refusals to
 * errnos and log lines (which .errors keeps too: errors.c). */
#include "budget.h"
#include "ctrfs.h"
#include "errors.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

static bool log_foreground = true;
static bool log_debug;
static int log_fd = -1; /* -o log=FILE */

/* The length of the valid UTF-8 sequence at p (of n bytes) and its code point, or 0. */
static size_t utf8_rune(const unsigned char *p, size_t n, unsigned *rune)
{
	size_t len = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc0 ? 2 : 0;
	if (!len || p[0] > 0xf4 || len > n)
		return 0;
	unsigned r = p[0] & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		r = r << 6 | (p[i] & 0x3f);
	}
	static const unsigned min[] = {0, 0, 0x80, 0x800, 0x10000};
	if (r < min[len] || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff))
		return 0;
	*rune = r;
	return len;
}

/* Runes a terminal does not show as themselves: C1 controls, zero-width and
 * direction marks, line and paragraph separators (a log line could look like another). */
static bool invisible(unsigned r)
{
	return r <= 0x9f || (r >= 0x200b && r <= 0x200f) || (r >= 0x2028 && r <= 0x202e) ||
	       (r >= 0x2060 && r <= 0x206f) || r == 0xfeff || (r >= 0xfff9 && r <= 0xfffb);
}

/*
 * Appends s[0, n) to out (of cap bytes, always NUL-terminated, cut short when full)
 * escaped as Go's %q does inside its quotes: \n \t \r and the other C escapes, \xXX
 * for other control bytes and for each byte that is not valid UTF-8, \uXXXX for
 * invisible runes. `name` also escapes '\\' and '"', so that a name (a path, a key)
 * reads back unambiguously; whole lines keep theirs (messages quote names already).
 * Returns the length written.
 */
static size_t escape(const char *s, size_t n, bool name, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	static const char c_esc[] = "\a\b\f\n\r\t\v", c_name[] = "abfnrtv";
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		char e[12];
		size_t el = 0, adv = 1;
		unsigned r = p[i];
		const char *c = p[i] ? strchr(c_esc, p[i]) : NULL;
		if (c) {
			e[el++] = '\\';
			e[el++] = c_name[c - c_esc];
		} else if (name && (p[i] == '\\' || p[i] == '"')) {
			e[el++] = '\\';
			e[el++] = (char)p[i];
		} else if (p[i] < 0x20 || p[i] == 0x7f ||
			   (p[i] >= 0x80 && !(adv = utf8_rune(p + i, n - i, &r)))) {
			adv = 1;
			el = (size_t)snprintf(e, sizeof(e), "\\x%c%c", hex[p[i] >> 4],
					      hex[p[i] & 15]);
		} else if (p[i] >= 0x80 && invisible(r)) {
			el = (size_t)snprintf(e, sizeof(e), "\\u%04x", r);
		} else {
			memcpy(e, s + i, adv);
			el = adv;
		}
		if (o + el >= cap)
			break;
		memcpy(out + o, e, el);
		o += el;
		i += adv;
	}
	if (cap)
		out[o] = '\0';
	return o;
}

static void log_func(enum fuse_log_level level, const char *fmt, va_list ap)
{
	char line[2048], safe[4 * sizeof(line)];
	if (level == FUSE_LOG_DEBUG && !log_debug)
		return;
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (n && line[n - 1] == '\n')
		n--;
	/* one record per line, whatever a name or a message carried: no byte of it can
	 * end the line or start another (a forged "refused" line) */
	n = (int)escape(line, (size_t)n, false, safe, sizeof(safe));
	if (log_fd >= 0) {
		/* one write per line (O_APPEND): lines of concurrent requests and of other
		 * daemons sharing the file do not interleave */
		char stamp[64], rec[sizeof(safe) + 128];
		ctrfs_time_format(ctrfs_time_now(), stamp, sizeof(stamp));
		int len = snprintf(rec, sizeof(rec), "%s ctrfs[%d]: %.*s\n", stamp, (int)getpid(),
				   n, safe);
		if (len > 0 &&
		    write(log_fd, rec, (size_t)len < sizeof(rec) ? (size_t)len : sizeof(rec) - 1) <
			0) {
			/* nowhere left to say it */
		}
	}
	if (!log_foreground) {
		/* fuse_log_level values are syslog's priorities */
		syslog((int)level, "%.*s", n, safe);
		return;
	}
	/* one write per line, so that lines of concurrent requests do not interleave */
	fprintf(stderr, "ctrfs: %.*s\n", n, safe);
}

int log_open_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return -1;
	if (log_fd >= 0)
		close(log_fd);
	log_fd = fd;
	return 0;
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
	char reason[1024], where[2048] = "";
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (path) {
		where[0] = ' ';
		where[1] = '/';
		escape(path, strlen(path), true, where + 2, sizeof(where) - 2);
	}
	char line[4096], safe[4 * sizeof(line)];
	int n =
	    snprintf(line, sizeof(line), "refused %s%s: %s (%s)", op, where, reason, errname(err));
	if (n < 0)
		return -err;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	/* escaped once here, for both: no byte of a name or reason ends a line */
	size_t len = escape(line, (size_t)n, false, safe, sizeof(safe));
	fuse_log(FUSE_LOG_NOTICE, "%s\n", safe);
	errors_add(safe, len);
	return -err;
}

int refuse_budget(const char *op, const char *path)
{
	size_t total = budget_total();
	const char *unit = "bytes";
	if (total % (1 << 20) == 0) {
		total >>= 20;
		unit = "MiB";
	} else if (total % (1 << 10) == 0) {
		total >>= 10;
		unit = "KiB";
	}
	return refuse(ENOSPC, op, path,
		      "the daemon's memory budget for file content (%zu %s) is used up", total,
		      unit);
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

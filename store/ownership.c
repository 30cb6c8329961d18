/* Whose store this is: refusing a store that other users could have written. */
#include "ownership.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"

static const char *const lmdb_files[] = {"data.mdb", "lock.mdb"};

/* `what` is "" for the directory itself, else the name of a file in it. */
static ctrfs_code check_one(const char *path, const char *what, const struct stat *st,
			    ctrfs_error *err)
{
	const char *sep = *what ? "/" : "";
	if (geteuid() == 0 && st->st_uid != 0)
		return ctrfs_fail_sys(err, CTRFS_FAILED_PRECONDITION, EPERM,
				      "store %s%s%s: owned by uid %lu, not by root: refusing "
				      "another user's store as root (open it as its owner)",
				      path, sep, what, (unsigned long)st->st_uid);
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return ctrfs_fail_sys(err, CTRFS_FAILED_PRECONDITION, EPERM,
				      "store %s%s%s: writable by group or others (mode %04o): "
				      "refusing it (chmod go-w)",
				      path, sep, what, (unsigned)(st->st_mode & 07777));
	return CTRFS_OK;
}

ctrfs_code ownership_check(const char *path, int dirfd, ctrfs_error *err)
{
	struct stat st;
	if (fstat(dirfd, &st) < 0)
		return ctrfs_fail_sys(err, CTRFS_INTERNAL, errno, "store %s: %s", path,
				      strerror(errno));
	ctrfs_code code = check_one(path, "", &st, err);
	for (size_t i = 0; !code && i < sizeof(lmdb_files) / sizeof(*lmdb_files); i++) {
		const char *name = lmdb_files[i];
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue; /* a new store: LMDB creates it, 0600 */
			return ctrfs_fail_sys(err, CTRFS_INTERNAL, errno, "store %s/%s: %s", path,
					      name, strerror(errno));
		}
		if (!S_ISREG(st.st_mode))
			return ctrfs_fail_sys(err, CTRFS_FAILED_PRECONDITION, EPERM,
					      "store %s/%s: %s: refusing it", path, name,
					      S_ISLNK(st.st_mode)
						  ? "a symbolic link, not a regular file"
						  : "not a regular file");
		code = check_one(path, name, &st, err);
	}
	return code;
}

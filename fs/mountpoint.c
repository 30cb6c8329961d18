/*
 * The mount point. The kernel lets a mount go over another one or over a directory
 * with files; neither is what a user means: a second `ctrfs STORE MNT` stacked a
 * second daemon over the first, and a mount over files hid them until the unmount.
 * libfuse 3 dropped its own `nonempty` check, so ctrfs checks both itself and takes
 * `-o nonempty` to do it anyway.
 */
#include "mountpoint.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrfs.h"

/* Undoes mountinfo's escaping of space, tab, newline and backslash (\040 and so on),
 * in place. */
static void unescape(char *s)
{
	char *o = s;
	for (char *p = s; *p; p++) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
		    p[3] >= '0' && p[3] <= '7') {
			*o++ = (char)((p[1] - '0') << 6 | (p[2] - '0') << 3 | (p[3] - '0'));
			p += 3;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
}

bool mountpoint_taken(const char *path, char *what, size_t size)
{
	char real[PATH_MAX];
	if (!realpath(path, real))
		return false;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;
	bool found = false;
	while (f && !found && getline(&line, &cap, f) > 0) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [TAGS...] - TYPE SOURCE SUPER */
		char *save = NULL, *mnt = NULL, *tok = strtok_r(line, " \n", &save);
		for (int i = 0; tok && i < 4; i++)
			mnt = tok = strtok_r(NULL, " \n", &save);
		if (!mnt)
			continue;
		unescape(mnt);
		if (strcmp(mnt, real) != 0)
			continue;
		found = true;
		while ((tok = strtok_r(NULL, " \n", &save)) && strcmp(tok, "-") != 0)
			;
		char *type = strtok_r(NULL, " \n", &save), *source = strtok_r(NULL, " \n", &save);
		if (what && size) {
			if (source)
				unescape(source);
			snprintf(what, size, "%s %s", type ? type : "?", source ? source : "?");
		}
	}
	free(line);
	if (f)
		fclose(f);
	return found;
}

int mountpoint_check(const char *path, bool nonempty)
{
	char what[PATH_MAX + 64];
	if (nonempty)
		return 0;
	if (mountpoint_taken(path, what, sizeof(what))) {
		fuse_log(FUSE_LOG_ERR,
			 "%s: already a mount point (%s); unmount it first (fusermount3 -u %s), "
			 "or give -o nonempty to mount over it\n",
			 path, what, path);
		return -1;
	}
	DIR *d = opendir(path);
	if (!d)
		return 0; /* fuse_session_mount says why it cannot mount there */
	struct dirent *e;
	const char *first = NULL;
	while (!first && (e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			first = e->d_name;
	if (first)
		fuse_log(FUSE_LOG_ERR,
			 "%s: not empty (it holds %s): the mount would hide its files; give "
			 "-o nonempty to mount over them\n",
			 path, first);
	closedir(d);
	return first ? -1 : 0;
}

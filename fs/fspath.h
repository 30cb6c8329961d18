/* What a path of the mount means: its grammar, from the root down (fspath_child) and
 * back up (fspath_parent), and the fixed files of a container (fspath.c). */
#ifndef CTRFS_FS_FSPATH_H
#define CTRFS_FS_FSPATH_H

#include "ctrfs.h"
#include "kinds.h"

/* What a path stands for in the store. */
struct fspath {
	enum node_kind kind;
	enum field field; /* NODE_FIELD; NODE_CRI_FILE, NODE_TASK_FILE, NODE_IMAGE_FILE too */
	char ns[CTRFS_IDENTIFIER_MAX + 1];
	char id[CTRFS_IDENTIFIER_MAX + 1];
	char *key; /* label key or extension name (malloc'd), else NULL */
};

/* The file name of a fixed field and its directory (the container's or runtime/). */
const char *field_name(enum field f);
/* The field's file as messages name it, relative to its container ("runtime/name"). */
const char *field_title(enum field f);
bool field_in_runtime(enum field f);
/* Writable fields; the others are immutable (EPERM). */
bool field_writable(enum field f);
/* Fields whose file may be removed (clearing the value) because the value is optional. */
bool field_optional(enum field f);

void fspath_clear(struct fspath *fp);
int fspath_copy(struct fspath *dst, const struct fspath *src);

/*
 * What `name` inside the directory `dir` stands for: 0 and *out filled, -ENOENT when
 * no such name can exist there, -ENOTDIR when `dir` is a file, -ENOMEM.
 */
int fspath_child(const struct fspath *dir, const char *name, struct fspath *out);
/* The parent directory of the directory `dir` (not the root): 0 or -ENOTDIR. */
int fspath_parent(const struct fspath *dir, struct fspath *out);

/* The path (malloc'd, from the mount root) of a node the store describes: a namespace
 * or a container, their fixed files and subdirectories, and their key files. NULL for
 * another kind or when out of memory. */
char *fspath_store_path(const struct fspath *fp);

/* "dir/name" (or "name" in the root), malloc'd. */
char *path_join(const char *dir, const char *name);

#endif

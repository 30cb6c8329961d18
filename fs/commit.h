/* Committing a file's content to the store: validation and one field-scoped update. */
#ifndef CTRFS_FS_COMMIT_H
#define CTRFS_FS_COMMIT_H

#include "node.h"

/* commit_content's answers besides 0 and -errno */
#define COMMIT_INCOMPLETE 1 /* a JSON prefix more bytes may complete (CHECK, WRITE) */
#define COMMIT_STALE 2	    /* COMMIT_IF_UNCHANGED: the value changed since; nothing stored */

enum commit_mode {
	COMMIT_CHECK,	     /* validate exactly as the commit would, store nothing */
	COMMIT_WRITE,	     /* store it, unless it is a JSON prefix (COMMIT_INCOMPLETE) */
	COMMIT_FINAL,	     /* store it: a JSON prefix is refused */
	COMMIT_IF_UNCHANGED, /* the same, only if the stored value is still `was`'s */
};

/* A file's content, and the content it had when its handle was opened. */
struct commit_text {
	const char *text;
	size_t len;
	const char *was; /* NULL when the file did not exist then */
	size_t was_len;
	/* if set: receives the UpdatedAt a container's field was stored with (left as is
	 * by a check and by what is not a container's field) */
	ctrfs_time *stored_at;
};

/*
 * Stores the content of the file `fp` at `path` (the value is the text less one
 * trailing "\n") in one update of that field alone (labels.<key>, image, spec, ...).
 * container.json becomes an update of the fields that differ from `was` (what the
 * writer read), so that a handle opened earlier never reverts others' changes.
 *
 * 0 when committed (or checked); COMMIT_INCOMPLETE, COMMIT_STALE; else -errno, the
 * refusal logged as operation `op`.
 */
int commit_content(struct ctrfs *fs, const struct fspath *fp, const char *path, const char *op,
		   const struct commit_text *t, enum commit_mode mode);

/* Removes the file `fp` (for unlink or rename, as `op` says): deletes a label or an
 * extension, clears an optional field (EPERM for the others). 0 or -errno, logged. */
int commit_remove(struct ctrfs *fs, const struct fspath *fp, const char *path, const char *op);

#endif

/* Committing a file's content to the store: validation and one field-scoped update. */
#ifndef CTRFS_FS_COMMIT_H
#define CTRFS_FS_COMMIT_H

#include "node.h"

/* commit_content's answer for a JSON prefix that more bytes may complete */
#define COMMIT_INCOMPLETE 1

/*
 * Stores `content` (a file's whole text; the value is that less one trailing "\n") as
 * the value of the file `fp` at `path`, in one update of that field alone
 * (labels.<key>, image, spec, ...; container.json is one full update).
 *
 * 0 when committed; COMMIT_INCOMPLETE when JSON content is a valid prefix and `final`
 * is false (nothing stored); else -errno, the refusal logged as operation `op`.
 */
int commit_content(struct ctrfs *fs, const struct fspath *fp, const char *path, const char *op,
		   const char *content, size_t len, bool final);

/* Removes the file `fp` (for unlink or rename, as `op` says): deletes a label or an
 * extension, clears an optional field (EPERM for the others). 0 or -errno, logged. */
int commit_remove(struct ctrfs *fs, const struct fspath *fp, const char *path, const char *op);

#endif

/* What the kernel was told, kept with the node table's records so that it goes with
 * them (kcache.c): the lengths of rendered JSON files, the container versions it may
 * hold pages of, the number of containers of a namespace, and when the notifier last
 * saw a change. */
#ifndef CTRFS_FS_KCACHE_H
#define CTRFS_FS_KCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctrfs.h"
#include "dir_attrs.h"

struct fspath;

/* ---- cached sizes of rendered JSON files, kept with the container's node ---- */

struct node_sizes {
	int64_t spec, info; /* lengths of spec.json and container.json, -1 when unknown */
};

/* Counts the invalidations of cached sizes (a change the notifier saw): read it before
 * taking the snapshot whose sizes are to be recorded. */
uint64_t node_epoch(void);
/* Makes the cache of ns/id's sizes the one of the container version with these times
 * (what another version cached is dropped: node_sizes_put records only for the version
 * made here) and copies it to *out: false when the table has no node for it. */
bool node_sizes_use_version(const char *ns, const char *id, ctrfs_time created, ctrfs_time updated,
			    struct node_sizes *out);
/* Records the sizes rendered from a snapshot taken at `epoch`: ignored when the
 * container was invalidated since (the snapshot may predate that change). */
void node_sizes_put(const char *ns, const char *id, ctrfs_time created, ctrfs_time updated,
		    uint64_t epoch, const struct node_sizes *sz);

/* ---- the number of containers of a namespace ----
 * Kept between creates and deletes (counting walks all its keys: O(N), which an update
 * must not cost). The generation is read before the read transaction that counts,
 * which put then records only if no create or delete was seen since. */
uint64_t node_ns_count_gen(void);
bool node_ns_count_get(const char *ns, size_t *count);
void node_ns_count_put(const char *ns, uint64_t gen, size_t count);
/* A container of `ns` (NULL: of any namespace) was created or deleted. */
void node_ns_count_forget(const char *ns);

/* ---- versions of a container the kernel may hold pages of ----
 * The kernel drops a file's pages only when its mtime or size changes, so a change that
 * kept the container's times leaves pages that cannot be told from new ones. */

/* Records the version (its times) a file of ns/id was opened at, unless one is known. */
void node_ctr_seen(const char *ns, const char *id, ctrfs_time created, ctrfs_time updated);
/* The notifier saw a change of ns/id, which now has these times: records them, and
 * when they are the times recorded before (the change kept them), marks the
 * container's files as keeping no cached pages and returns true. */
bool node_ctr_version_changed(const char *ns, const char *id, ctrfs_time created,
			      ctrfs_time updated);
/* Did a change keep ns/id's times (node_ctr_version_changed): no cached pages? */
bool node_ctr_no_keep(const char *ns, const char *id);

/* ---- what a stat of a container's or namespace's directories shows ----
 * Kept from the snapshot that read it until the record changes again (rec_changed),
 * so that the stats the kernel sends after a change it was told of are answered
 * without a read transaction: the notifier refreshes them as it invalidates. */
/* Those of ns/id (id NULL: the namespace ns): false when none are kept. */
bool node_dir_attrs_get(const char *ns, const char *id, struct node_dir_attrs *out);
/* Keeps them, read from a snapshot taken at `epoch` (node_epoch() before it began):
 * ignored when the record changed since, or the table has no record. */
void node_dir_attrs_put(const char *ns, const char *id, uint64_t epoch,
			const struct node_dir_attrs *a);

/* And what a stat of a store file shows (its rendered length and time), by inode, for
 * the files of a container's or namespace's record: the same rules. */
bool node_file_attrs_get(fuse_ino_t ino, size_t *len, ctrfs_time *mtime);
void node_file_attrs_put(fuse_ino_t ino, uint64_t epoch, size_t len, ctrfs_time mtime);
/* The files of the record whose directory is `dir` whose attributes were kept before
 * its last change (at most max, the latest first): those a tool looked at, which the
 * notifier reads again. */
size_t node_file_attrs_stale(fuse_ino_t dir, fuse_ino_t *out, size_t max);

/* Did the notifier see a change of fp's container (or namespace, for its labels) in
 * the last `ns` nanoseconds? */
bool node_changed_within(const struct fspath *fp, uint64_t ns);

#endif

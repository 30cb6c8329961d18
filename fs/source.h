/* A request's snapshot of the store: what it reads, each object loaded at most once,
 * from one read transaction (source.c). render.c renders files from it; the views
 * (cri.c, task.c, pods.c, query.c, images.c, views.c) read through it without
 * including render.h. */
#ifndef CTRFS_FS_SOURCE_H
#define CTRFS_FS_SOURCE_H

#include <stdint.h>

#include "ctrfs.h"

/* The store objects one request reads, each loaded at most once (readdirplus stats a
 * whole directory from one load), all from one read transaction: one consistent
 * snapshot per request, and no transaction set up per object. */
struct source {
	struct ctrfs *fs;
	ctrfs_reader *rd;   /* the snapshot, once begun */
	uint64_t epoch;	    /* node_epoch() when the transaction began (node_sizes_put) */
	uint64_t count_gen; /* node_ns_count_gen() then (node_ns_count_put) */
	bool have_ctr, have_ns;
	unsigned mask;			       /* CTRFS_LOAD_* parts loaded into c */
	char ctr_ns[CTRFS_IDENTIFIER_MAX + 1]; /* c's namespace */
	ctrfs_container c;
	ctrfs_namespace n;
	ctrfs_error err; /* the store's reason for the last failure */
};

void source_init(struct source *src, struct ctrfs *fs);
/* Ends the transaction and frees what was loaded. Call it before any write to the
 * store: a read transaction held across a write could stall growing the map. */
void source_clear(struct source *src);

/* The seq of the newest event in the source's snapshot (0 when none): the changes
 * that snapshot shows are all numbered up to it. 0 or -errno. */
int source_last_seq(struct source *src, uint64_t *seq);

/* The source's snapshot itself, begun if need be (NULL on failure: see err), for the
 * reads this file does not wrap (the change log, for the notifier). */
ctrfs_reader *source_reader(struct source *src);

/* The IDs of the namespace's containers, sorted, in the source's snapshot (count only
 * when ids is NULL): 0 or -errno. */
int source_ids(struct source *src, const char *ns, char ***ids, size_t *count);

/* The container or namespace, loaded as needed: 0, or -errno (-ENOENT when missing). */
int source_container(struct source *src, const char *ns, const char *id, unsigned mask,
		     const ctrfs_container **out);
int source_namespace(struct source *src, const char *ns, const ctrfs_namespace **out);
/* Image `name` of `ns`, copied into *out (the caller clears it): 0, -ENOENT, -errno. */
int source_image(struct source *src, const char *ns, const char *name, ctrfs_image *out);
/* The namespace's images, sorted by name (the caller frees them with
 * ctrfs_image_list_free): 0 or -errno. */
int source_images(struct source *src, const char *ns, ctrfs_image **list, size_t *count);
/* Container ns/id's task (the caller clears it): 0, -ENOENT without one, -errno. */
int source_task(struct source *src, const char *ns, const char *id, ctrfs_task *out);

#endif

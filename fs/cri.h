/* The CRI view of a container: its read-only cri/ directory (cri.c). */
#ifndef CTRFS_FS_CRI_H
#define CTRFS_FS_CRI_H

#include "render.h"

/* The files of cri/ and cri/status/ (struct fspath's `field` of a NODE_CRI_FILE). */
enum cri_file {
	CRI_KIND,
	CRI_NAME,
	CRI_CONFIG_JSON,
	CRI_ATTEMPT,
	CRI_SANDBOX_ID, /* containers */
	CRI_IMAGE_REF,
	CRI_LOG_PATH,
	CRI_STOP_SIGNAL,
	CRI_NAMESPACE, /* sandboxes */
	CRI_UID,
	CRI_RUNTIME_HANDLER,
	CRI_NETNS_PATH,
	CRI_IP,
	CRI_STATUS_FIRST, /* cri/status/: containers, with a readable CRI root */
	CRI_PID = CRI_STATUS_FIRST,
	CRI_STATE,
	CRI_EXIT_CODE,
	CRI_STARTED_AT,
	CRI_FINISHED_AT,
	CRI_REASON,
	CRI_MESSAGE,
	CRI_FILE_COUNT,
};

/* Does the container carry CRI metadata (its extensions loaded)? */
bool cri_has(const ctrfs_container *c);

/* What `name` in cri/ or cri/status/ (`dir`) stands for: 0, or -ENOENT. */
int cri_child(const struct fspath *dir, const char *name, struct fspath *out);
/* The file name of a CRI file ("pid"); those from CRI_STATUS_FIRST are in status/. */
const char *cri_file_name(int f);

/* Calls fn for each entry of the CRI directory `dir`: 0 or -errno. */
int cri_list(struct source *src, const struct fspath *dir,
	     void (*fn)(void *arg, const char *name, enum node_kind kind, int field), void *arg);
/* The content of a CRI file, as render_file: 0, -ENOENT, -errno. */
int cri_render(struct source *src, const struct fspath *fp, struct strbuf *out, ctrfs_time *mtime);
/* Whether the CRI directory `fp` exists (0, -ENOENT, -errno) and its time. */
int cri_dir_exists(struct source *src, const struct fspath *fp, ctrfs_time *mtime);

/* Any change below cri/, .pods/, .query/ or task/ (the path says which): refused,
 * logged, -EROFS. */
int cri_refuse(const char *op, const char *path);

#endif

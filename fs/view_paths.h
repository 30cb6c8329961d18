/* The grammar of the views below their directories, which fspath_child (fspath.c) hands
 * each view's names to; each is defined in its view's file (cri.c, task.c, pods.c,
 * query.c, images.c). A header of its own, so that the grammar and the views do not
 * include each other. */
#ifndef CTRFS_FS_VIEW_PATHS_H
#define CTRFS_FS_VIEW_PATHS_H

struct fspath;

/* What `name` in cri/ or cri/status/ (`dir`) stands for: 0, or -ENOENT. */
int cri_child(const struct fspath *dir, const char *name, struct fspath *out);
/* The file name of a CRI file ("pid"); those from CRI_STATUS_FIRST are in status/. */
const char *cri_file_name(int f);

/* What `name` in task/ stands for: 0, or -ENOENT. */
int task_child(const char *name, struct fspath *out);
const char *task_file_name(int f);

/* What `name` in the pods directory `dir` stands for (out->key malloc'd): 0, -ENOENT. */
int pods_child(const struct fspath *dir, const char *name, struct fspath *out);
/* The directory holding the pods directory `dir` (out->key malloc'd): 0 or -errno. */
int pods_parent(const struct fspath *dir, struct fspath *out);

/* What `name` in the query directory `dir` stands for (out->key malloc'd): 0, -ENOENT. */
int query_child(const struct fspath *dir, const char *name, struct fspath *out);
/* The directory holding the query directory `dir` (out->key malloc'd): 0 or -errno. */
int query_parent(const struct fspath *dir, struct fspath *out);

/* What `name` in the images directory `dir` stands for (out->key malloc'd): 0, -ENOENT. */
int images_child(const struct fspath *dir, const char *name, struct fspath *out);
/* The directory holding the images directory `dir` (out->key malloc'd): 0 or -errno. */
int images_parent(const struct fspath *dir, struct fspath *out);

#endif

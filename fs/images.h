/* MOUNT/<ns>/.images/: containerd's images of a namespace as directories (images.c), and
 * each container's .image link to its image. */
#ifndef CTRFS_FS_IMAGES_H
#define CTRFS_FS_IMAGES_H

#include <sys/stat.h>

#include "fspath.h"
#include "source.h"
#include "strbuf.h"

/* Calls fn for each entry of the images directory `dir`: 0 or -errno. */
int images_list(struct source *src, const struct fspath *dir,
		void (*fn)(void *arg, const char *name, enum node_kind kind, int field,
			   const char *key),
		void *arg);
/* The attributes of an images directory or of a container's .image link (st prepared
 * by the caller): 0, -ENOENT, -errno. */
int images_stat(struct source *src, const struct fspath *fp, struct stat *st);
/* The content of an image's file (NODE_IMAGE_FILE, _LABEL, _ANNOTATION), as
 * render_file: 0, -ENOENT, -errno. */
int images_render(struct source *src, const struct fspath *fp, struct strbuf *out,
		  ctrfs_time *mtime);
/* Does the image owning the label file fp exist? 0 (*mtime its UpdatedAt), -ENOENT. */
int images_label_owner(struct source *src, const struct fspath *fp, ctrfs_time *mtime);
/* The target of a container's .image link (malloc'd): 0, -ENOENT, -errno. */
int images_readlink(struct source *src, const struct fspath *fp, char **target);

/* What commit.c does with an image's label file fp (value NULL or "": removes it). */
enum images_label_op {
	IMAGES_LABEL_CHECK, /* validate only, as the store would */
	IMAGES_LABEL_SET,
	IMAGES_LABEL_SET_IF, /* only while the label still holds `expect` (NULL: absent) */
};
/* The store's answer, with its message in *err. */
ctrfs_code images_set_label(struct ctrfs *fs, const struct fspath *fp, const char *value,
			    enum images_label_op op, const char *expect, ctrfs_error *err);

#endif

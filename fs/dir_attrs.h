/* What a stat of a container's or namespace's directories shows: kept by kcache.c with
 * the node table's records (a leaf header, so that the table includes no kcache.h). */
#ifndef CTRFS_FS_DIR_ATTRS_H
#define CTRFS_FS_DIR_ATTRS_H

#include <stdbool.h>
#include <stdint.h>

#include "ctrfs_store.h"

struct node_dir_attrs {
	ctrfs_time updated;		 /* UpdatedAt: the directories' times */
	uint32_t labels, extensions;	 /* their numbers: labels/' and extensions/' sizes */
	bool runtime_options, cri, task; /* a container's runtime/options, cri/, task/ */
};

#endif

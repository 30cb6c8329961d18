/* Built without the containerd client: no store is bound (store/binding_none.c). */
#include "follow.h"

int follow_bind(struct ctrfs *fs, const char *address)
{
	(void)fs, (void)address;
	fuse_log(FUSE_LOG_ERR, "-o containerd: ctrfs was built without the containerd client\n");
	return -1;
}

int follow_start(struct ctrfs *fs)
{
	(void)fs;
	return 0;
}

void follow_stop(void)
{
}

/* Built without the containerd client (no libnghttp2/libprotobuf-c): no store is ever
 * bound; binding one is refused with the reason. */
#include "write_seam.h"

#include <stdlib.h>

#include "error.h"

#define WHY "ctrfs was built without the containerd client"

const char *ctrfs_containerd_default_address(void)
{
	const char *a = getenv("CONTAINERD_ADDRESS");
	return a && *a ? a : CTRFS_CONTAINERD_DEFAULT_ADDRESS;
}

bool binding_on(ctrfs_store *s)
{
	(void)s;
	return false;
}

void binding_free(ctrfs_store *s)
{
	(void)s;
}

ctrfs_code ctrfs_store_bind(ctrfs_store *s, const char *address, unsigned flags, ctrfs_error *err)
{
	(void)s, (void)address, (void)flags;
	return ctrfs_fail(err, CTRFS_FAILED_PRECONDITION, WHY);
}

ctrfs_code ctrfs_store_bound_address(ctrfs_store *s, char **address, ctrfs_error *err)
{
	(void)s, (void)err;
	*address = NULL;
	return CTRFS_OK;
}

ctrfs_code ctrfs_store_sync(ctrfs_store *s, ctrfs_sync_result *res, ctrfs_error *err)
{
	(void)s, (void)res;
	return ctrfs_fail(err, CTRFS_FAILED_PRECONDITION, WHY);
}

ctrfs_code ctrfs_store_refresh_container(ctrfs_store *s, const char *ns, const char *id,
					 ctrfs_error *err)
{
	(void)s, (void)ns, (void)id;
	return ctrfs_fail(err, CTRFS_FAILED_PRECONDITION, WHY);
}

ctrfs_code ctrfs_store_refresh_namespace(ctrfs_store *s, const char *name, ctrfs_error *err)
{
	(void)s, (void)name;
	return ctrfs_fail(err, CTRFS_FAILED_PRECONDITION, WHY);
}

ctrfs_code ctrfs_store_refresh_task(ctrfs_store *s, const char *ns, const char *id,
				    ctrfs_error *err)
{
	(void)s, (void)ns, (void)id;
	return ctrfs_fail(err, CTRFS_FAILED_PRECONDITION, WHY);
}

/* never called: binding_on() is false */
ctrfs_code binding_container_create(ctrfs_store *s, const char *ns, const ctrfs_container *c,
				    ctrfs_container *created, ctrfs_error *err)
{
	(void)s, (void)ns, (void)c, (void)created;
	return ctrfs_fail(err, CTRFS_FAILED_PRECONDITION, WHY);
}
ctrfs_code binding_container_update(ctrfs_store *s, const char *ns, const ctrfs_container *c,
				    const char *const *paths, size_t npaths,
				    const ctrfs_update_options *opts, ctrfs_container *updated,
				    ctrfs_error *err)
{
	(void)s, (void)ns, (void)c, (void)paths, (void)npaths, (void)opts, (void)updated;
	return ctrfs_fail(err, CTRFS_FAILED_PRECONDITION, WHY);
}
ctrfs_code binding_container_recreate(ctrfs_store *s, const char *ns, const ctrfs_container *c,
				      ctrfs_error *err)
{
	(void)s, (void)ns, (void)c;
	return ctrfs_fail(err, CTRFS_FAILED_PRECONDITION, WHY);
}
ctrfs_code binding_container_rename_key(ctrfs_store *s, const char *ns, const char *id,
					bool extension, const char *from, const char *to,
					ctrfs_error *err)
{
	(void)s, (void)ns, (void)id, (void)extension, (void)from, (void)to;
	return ctrfs_fail(err, CTRFS_FAILED_PRECONDITION, WHY);
}
ctrfs_code binding_container_delete(ctrfs_store *s, const char *ns, const char *id,
				    ctrfs_error *err)
{
	(void)s, (void)ns, (void)id;
	return ctrfs_fail(err, CTRFS_FAILED_PRECONDITION, WHY);
}
ctrfs_code binding_namespace_create(ctrfs_store *s, const char *name, const ctrfs_labels *labels,
				    ctrfs_error *err)
{
	(void)s, (void)name, (void)labels;
	return ctrfs_fail(err, CTRFS_FAILED_PRECONDITION, WHY);
}
ctrfs_code binding_namespace_label(ctrfs_store *s, const char *name, const char *key,
				   const char *value, const char *to, bool guard,
				   const char *expect, ctrfs_error *err)
{
	(void)s, (void)name, (void)key, (void)value, (void)to, (void)guard, (void)expect;
	return ctrfs_fail(err, CTRFS_FAILED_PRECONDITION, WHY);
}
ctrfs_code binding_namespace_delete(ctrfs_store *s, const char *name, ctrfs_error *err)
{
	(void)s, (void)name;
	return ctrfs_fail(err, CTRFS_FAILED_PRECONDITION, WHY);
}

ctrfs_code ctrfs_store_refresh_image(ctrfs_store *s, const char *ns, const char *name,
				     ctrfs_error *err)
{
	(void)s, (void)ns, (void)name;
	return ctrfs_fail(err, CTRFS_FAILED_PRECONDITION, WHY);
}

ctrfs_code ctrfs_image_usage(ctrfs_store *s, const char *ns, const char *name, int64_t *size,
			     char **platforms, ctrfs_error *err)
{
	(void)s, (void)ns, (void)name;
	*size = -1;
	*platforms = NULL;
	return ctrfs_fail(err, CTRFS_FAILED_PRECONDITION, WHY);
}

ctrfs_code binding_image_label(ctrfs_store *s, const char *ns, const char *name, const char *key,
			       const char *value, bool guard, const char *expect, ctrfs_error *err)
{
	(void)s, (void)ns, (void)name, (void)key, (void)value, (void)guard, (void)expect;
	return ctrfs_fail(err, CTRFS_FAILED_PRECONDITION, WHY);
}

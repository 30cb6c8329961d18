/* The binding's writes (write_seam.h): each container and namespace write checked by the
 * store's rules, sent to containerd, and containerd's answer mirrored before it returns. */
#include "binding_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "goquote.h"
#include "mirror.h"

ctrfs_code binding_container_create(ctrfs_store *s, const char *ns, const ctrfs_container *c,
				    ctrfs_container *created, ctrfs_error *err)
{
	struct ctrd_container in, got = {0};
	struct ctrd_status st = {0};
	if (!container_out(c, &in)) {
		borrowed_clear(&in);
		return ctrfs_fail_oom(err);
	}
	ctrd_client *cl;
	ctrfs_code code = client_get(s, &cl, err);
	if (cl)
		code = client_put(s, ctrd_container_create(cl, ns, &in, &got, &st), &st, err);
	borrowed_clear(&in);
	if (!code)
		code = mirror_container_answer(s, ns, &got, created, err);
	ctrd_container_clear(&got);
	return code;
}

static ctrfs_code update_paths(ctrfs_store *s, const char *ns, const ctrfs_container *c,
			       const char *const *paths, size_t npaths, ctrfs_container *updated,
			       ctrfs_error *err)
{
	struct ctrd_container in, got = {0};
	struct ctrd_status st = {0};
	if (!container_out(c, &in)) {
		borrowed_clear(&in);
		return ctrfs_fail_oom(err);
	}
	ctrd_client *cl;
	ctrfs_code code = client_get(s, &cl, err);
	if (cl)
		code = client_put(s, ctrd_container_update(cl, ns, &in, paths, npaths, &got, &st),
				  &st, err);
	borrowed_clear(&in);
	if (!code)
		code = mirror_container_answer(s, ns, &got, updated, err);
	ctrd_container_clear(&got);
	return code;
}

ctrfs_code binding_container_update(ctrfs_store *s, const char *ns, const ctrfs_container *c,
				    const char *const *paths, size_t npaths,
				    const ctrfs_update_options *opts, ctrfs_container *updated,
				    ctrfs_error *err)
{
	/* the store's own rules and compare-and-set first, in a read: a write the store
	 * would refuse never reaches containerd */
	ctrfs_update_options check = {.check_only = true,
				      .unless_changed = opts ? opts->unless_changed : NULL};
	ctrfs_code code = ctrfs_container_update_ex(s, ns, c, paths, npaths, &check, NULL, err);
	if (code)
		return code;
	return update_paths(s, ns, c, paths, npaths, updated, err);
}

ctrfs_code binding_container_rename_key(ctrfs_store *s, const char *ns, const char *id,
					bool extension, const char *from, const char *to,
					ctrfs_error *err)
{
	ctrfs_container cur, next = {.id = (char *)id};
	ctrfs_code code = ctrfs_container_get(
	    s, ns, id, extension ? CTRFS_LOAD_EXTENSIONS : CTRFS_LOAD_LABELS, &cur, err);
	if (code)
		return code;
	const char *value = extension ? NULL : ctrfs_labels_get(&cur.labels, from);
	const ctrfs_any *any = extension ? ctrfs_extensions_get(&cur.extensions, from) : NULL;
	if (!value && !any)
		code = ctrfs_fail(err, CTRFS_NOT_FOUND, "%s \"%s\": not found",
				  extension ? "extension" : "label", from);
	else if (extension ? ctrfs_extensions_set(&next.extensions, to, any)
			   : ctrfs_labels_set(&next.labels, to, value))
		code = ctrfs_fail_oom(err);
	char *paths[2] = {NULL, NULL};
	const char *prefix = extension ? "extensions." : "labels.";
	if (!code && (asprintf(&paths[0], "%s%s", prefix, from) < 0 ||
		      asprintf(&paths[1], "%s%s", prefix, to) < 0))
		code = ctrfs_fail_oom(err);
	/* one Update naming both keys: the old one absent (removed), the new one set */
	if (!code)
		code = update_paths(s, ns, &next, (const char *const *)paths,
				    strcmp(from, to) ? 2 : 1, NULL, err);
	free(paths[0]);
	free(paths[1]);
	ctrfs_labels_clear(&next.labels);
	ctrfs_extensions_clear(&next.extensions);
	ctrfs_container_clear(&cur);
	return code;
}

/* containerd's Containers.Delete deletes a container whose task runs (the task then
 * runs on, with no container); ctr refuses it first, in its client, with this message.
 * A stopped task ctr deletes first: ctrfs has no task writes, so it asks for that. */
static ctrfs_code refuse_with_task(ctrfs_store *s, const char *ns, const char *id, ctrfs_error *err)
{
	ctrfs_task task;
	ctrfs_code code = ctrfs_task_get(s, ns, id, &task, err);
	if (code)
		return code == CTRFS_NOT_FOUND ? CTRFS_OK : code;
	if (task.status == CTRFS_TASK_STOPPED)
		code = ctrfs_fail(err, CTRFS_FAILED_PRECONDITION,
				  "container %s has a stopped task: delete it first (ctr tasks rm)",
				  GOQ(id));
	else
		code = ctrfs_fail(err, CTRFS_FAILED_PRECONDITION,
				  "cannot delete a non stopped container: {%s %u 0001-01-01 "
				  "00:00:00 +0000 UTC}",
				  ctrfs_task_status_name(task.status), task.exit_status);
	ctrfs_task_clear(&task);
	return code;
}

ctrfs_code binding_container_delete(ctrfs_store *s, const char *ns, const char *id,
				    ctrfs_error *err)
{
	struct ctrd_status st = {0};
	ctrd_client *cl;
	ctrfs_code code = refuse_with_task(s, ns, id, err);
	if (code)
		return code;
	code = client_get(s, &cl, err);
	if (code)
		return code;
	code = client_put(s, ctrd_container_delete(cl, ns, id, &st), &st, err);
	if (!code)
		code = mirror_container_drop(s, ns, id, err);
	return code;
}

ctrfs_code binding_container_recreate(ctrfs_store *s, const char *ns, const ctrfs_container *c,
				      ctrfs_error *err)
{
	/* containerd has no way to change creation-time fields: the container is deleted
	 * and created again (containerd gives it a new CreatedAt) */
	ctrfs_container cur;
	ctrfs_code code = ctrfs_container_get(s, ns, c->id, 0, &cur, err);
	if (code)
		return code;
	ctrfs_container_clear(&cur);
	code = binding_container_delete(s, ns, c->id, err);
	if (!code)
		code = binding_container_create(s, ns, c, NULL, err);
	return code;
}

/* ---- namespace writes ---- */

ctrfs_code binding_namespace_create(ctrfs_store *s, const char *name, const ctrfs_labels *labels,
				    ctrfs_error *err)
{
	ctrfs_labels none = {0};
	struct ctrd_namespace in = {.name = (char *)name}, got = {0};
	struct ctrd_status st = {0};
	if (!(in.labels = labels_out(labels ? labels : &none, &in.n_labels)))
		return ctrfs_fail_oom(err);
	ctrd_client *cl;
	ctrfs_code code = client_get(s, &cl, err);
	if (cl)
		code = client_put(s, ctrd_namespace_create(cl, &in, &got, &st), &st, err);
	free(in.labels);
	if (!code)
		code = mirror_namespace_answer(s, name, &got, err);
	ctrd_namespace_clear(&got);
	return code;
}

ctrfs_code binding_namespace_label(ctrfs_store *s, const char *name, const char *key,
				   const char *value, const char *to, bool guard,
				   const char *expect, ctrfs_error *err)
{
	ctrfs_namespace cur = {0};
	ctrfs_code code = CTRFS_OK;
	if (guard || to) {
		code = ctrfs_namespace_get(s, name, &cur, err);
		if (code)
			return code;
	}
	const char *was = ctrfs_labels_get(&cur.labels, key);
	if (guard && !(was == expect || (was && expect && strcmp(was, expect) == 0)))
		code = ctrfs_fail(err, CTRFS_FAILED_PRECONDITION,
				  "namespace \"%s\": label \"%s\" changed since it was read", name,
				  key);
	else if (to && !was)
		code = ctrfs_fail(err, CTRFS_NOT_FOUND, "namespace \"%s\": label \"%s\": not found",
				  name, key);
	struct ctrd_label label = {(char *)(to ? to : key), (char *)(to ? was : value)};
	struct ctrd_namespace in = {.name = (char *)name,
				    .labels = &label,
				    .n_labels = label.value ? 1 : 0},
			      got = {0};
	char *paths[2] = {NULL, NULL};
	if (!code && (asprintf(&paths[0], "labels.%s", key) < 0 ||
		      (to && asprintf(&paths[1], "labels.%s", to) < 0)))
		code = ctrfs_fail_oom(err);
	ctrd_client *cl = NULL;
	if (!code)
		code = client_get(s, &cl, err);
	struct ctrd_status st = {0};
	if (cl)
		code = client_put(s,
				  ctrd_namespace_update(cl, &in, (const char *const *)paths,
							to && strcmp(key, to) ? 2 : 1, &got, &st),
				  &st, err);
	if (!code)
		code = mirror_namespace_answer(s, name, &got, err);
	ctrd_namespace_clear(&got);
	free(paths[0]);
	free(paths[1]);
	ctrfs_namespace_clear(&cur);
	return code;
}

ctrfs_code binding_namespace_delete(ctrfs_store *s, const char *name, ctrfs_error *err)
{
	struct ctrd_status st = {0};
	ctrd_client *cl;
	ctrfs_code code = client_get(s, &cl, err);
	if (code)
		return code;
	code = client_put(s, ctrd_namespace_delete(cl, name, &st), &st, err);
	if (!code)
		code = mirror_namespace_drop(s, name, err);
	return code;
}

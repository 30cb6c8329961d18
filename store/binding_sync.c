/* containerd read into the store: the whole of it (ctrfs_store_sync, mirror_replace_all
 * writing only what differs) or one record (the refreshes a followed event asks for). */
#include "binding_client.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "mirror.h"
#include "tasks.h"

static void all_free(struct mirror_namespace *all, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		ctrfs_namespace_clear(&all[i].ns);
		ctrfs_container_list_free(all[i].containers, all[i].count);
		ctrfs_task_list_free(all[i].tasks, all[i].ntasks);
		ctrfs_image_list_free(all[i].images, all[i].nimages);
	}
	free(all);
}

/* Go's zero time (year 1), which containerd sends for a task that has not exited */
#define GO_ZERO_SEC (-62135596800LL)

/* The store's form of containerd's process (its task: the container's init process). */
static ctrfs_code task_in(const struct ctrd_process *p, ctrfs_task *o, ctrfs_error *err)
{
	memset(o, 0, sizeof(*o));
	const char *id = p->container_id && *p->container_id ? p->container_id : p->id;
	if (!str_in(&o->id, id))
		return ctrfs_fail_oom(err);
	o->status = p->status >= CTRFS_TASK_UNKNOWN && p->status <= CTRFS_TASK_PAUSING
			? (ctrfs_task_status)p->status
			: CTRFS_TASK_UNKNOWN;
	o->pid = p->pid;
	o->exit_status = p->exit_status;
	if (p->exited_at.present && p->exited_at.seconds > GO_ZERO_SEC)
		o->exited_at = time_in(p->exited_at);
	return CTRFS_OK;
}

/* containerd's tasks of namespace m into m. Called with the client taken. */
static int read_tasks(ctrd_client *cl, struct mirror_namespace *m, struct ctrd_status *st,
		      ctrfs_error *err, ctrfs_code *local)
{
	struct ctrd_process_list ps = {0};
	int rc = ctrd_tasks_list(cl, m->ns.name, &ps, st);
	if (!rc && !(m->tasks = calloc(ps.n + 1, sizeof(*m->tasks))))
		*local = ctrfs_fail_oom(err);
	for (size_t j = 0; !rc && !*local && j < ps.n; j++) {
		*local = task_in(&ps.items[j], &m->tasks[m->ntasks], err);
		if (!*local && m->tasks[m->ntasks].id)
			m->ntasks++;
	}
	ctrd_process_list_clear(&ps);
	return rc;
}

/* Everything containerd holds, in the store's form. Called with the client taken. */
static int read_all(ctrd_client *cl, struct mirror_namespace **out, size_t *n,
		    struct ctrd_status *st, ctrfs_error *err, ctrfs_code *local)
{
	struct ctrd_namespace_list nss = {0};
	*out = NULL;
	*n = 0;
	int rc = ctrd_namespaces_list(cl, &nss, st);
	if (rc)
		return rc;
	struct mirror_namespace *all = calloc(nss.n + 1, sizeof(*all));
	*local = all ? CTRFS_OK : ctrfs_fail_oom(err);
	for (size_t i = 0; !rc && !*local && i < nss.n; i++) {
		struct mirror_namespace *m = &all[i];
		*n = i + 1;
		if (!(m->ns.name = strdup(nss.items[i].name)) ||
		    !labels_in(nss.items[i].labels, nss.items[i].n_labels, &m->ns.labels)) {
			*local = ctrfs_fail_oom(err);
			break;
		}
		struct ctrd_container_list cs = {0};
		rc = ctrd_containers_list(cl, m->ns.name, NULL, 0, &cs, st);
		if (!rc && !(m->containers = calloc(cs.n + 1, sizeof(*m->containers))))
			*local = ctrfs_fail_oom(err);
		for (size_t j = 0; !rc && !*local && j < cs.n; j++) {
			*local = container_in(&cs.items[j], &m->containers[j], err);
			if (!*local)
				m->count = j + 1;
		}
		ctrd_container_list_clear(&cs);
		if (!rc && !*local)
			rc = read_tasks(cl, m, st, err, local);
		if (!rc && !*local)
			rc = binding_images_read(cl, m->ns.name, &m->images, &m->nimages, st, err,
						 local);
	}
	ctrd_namespace_list_clear(&nss);
	if (rc || *local) {
		all_free(all, *n);
		*n = 0;
		return rc;
	}
	*out = all;
	return CTRD_OK;
}

ctrfs_code ctrfs_store_sync(ctrfs_store *s, ctrfs_sync_result *res, ctrfs_error *err)
{
	ctrfs_code code = require_bound(s, err);
	if (code)
		return code;
	struct mirror_namespace *all = NULL;
	size_t n = 0;
	ctrfs_code local = CTRFS_OK;
	/* a connection made before containerd restarted fails at its first call (and is
	 * dropped): the sync that follows a restart reads on a new one. Reads only: safe
	 * to repeat. */
	for (int attempt = 0; attempt < 2; attempt++) {
		ctrd_client *cl;
		code = client_get(s, &cl, err);
		if (code)
			return code;
		struct ctrd_status st = {0};
		code = client_put(s, read_all(cl, &all, &n, &st, err, &local), &st, err);
		if (code != CTRFS_UNAVAILABLE)
			break;
	}
	if (code || local)
		return code ? code : local;
	code = mirror_replace_all(s, all, n, res, err);
	all_free(all, n);
	return code;
}

ctrfs_code ctrfs_store_refresh_container(ctrfs_store *s, const char *ns, const char *id,
					 ctrfs_error *err)
{
	ctrd_client *cl;
	ctrfs_code code = bound_client(s, &cl, err);
	if (code)
		return code;
	struct ctrd_container got = {0};
	struct ctrd_status st = {0};
	int rc = ctrd_container_get(cl, ns, id, &got, &st);
	bool gone = rc == CTRD_NOT_FOUND;
	code = client_put(s, gone ? CTRD_OK : rc, &st, err);
	if (!code)
		code = gone ? mirror_container_drop(s, ns, id, err)
			    : mirror_container_answer(s, ns, &got, NULL, err);
	ctrd_container_clear(&got);
	return code;
}

ctrfs_code ctrfs_store_refresh_namespace(ctrfs_store *s, const char *name, ctrfs_error *err)
{
	ctrd_client *cl;
	ctrfs_code code = bound_client(s, &cl, err);
	if (code)
		return code;
	/* a list, not Get: containerd answers Get of a missing namespace with OK */
	struct ctrd_namespace_list nss = {0};
	struct ctrd_status st = {0};
	code = client_put(s, ctrd_namespaces_list(cl, &nss, &st), &st, err);
	const struct ctrd_namespace *found = NULL;
	for (size_t i = 0; !code && i < nss.n; i++)
		if (strcmp(nss.items[i].name, name) == 0)
			found = &nss.items[i];
	if (!code)
		code = found ? mirror_namespace_answer(s, name, found, err)
			     : mirror_namespace_drop(s, name, err);
	ctrd_namespace_list_clear(&nss);
	return code;
}

ctrfs_code ctrfs_store_refresh_task(ctrfs_store *s, const char *ns, const char *id,
				    ctrfs_error *err)
{
	ctrd_client *cl;
	ctrfs_code code = bound_client(s, &cl, err);
	if (code)
		return code;
	struct ctrd_process got = {0};
	struct ctrd_status st = {0};
	int rc = ctrd_task_get(cl, ns, id, &got, &st);
	bool gone = rc == CTRD_NOT_FOUND;
	code = client_put(s, gone ? CTRD_OK : rc, &st, err);
	ctrfs_task task = {0};
	if (!code && !gone)
		code = task_in(&got, &task, err);
	if (!code && !gone && !task.id) /* containerd named no container: it is ID's */
		code = (task.id = strdup(id)) ? CTRFS_OK : ctrfs_fail_oom(err);
	if (!code)
		code = gone ? mirror_task_drop(s, ns, id, err) : mirror_task_put(s, ns, &task, err);
	ctrfs_task_clear(&task);
	ctrd_process_clear(&got);
	return code;
}

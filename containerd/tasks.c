/* containerd.services.tasks.v1.Tasks: List and Get (the read side of tasks). */
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "convert.h"
#include "services_tasks_v1_tasks.pb-c.h"
#include "status.h"

#define SERVICE "/containerd.services.tasks.v1.Tasks/"

const char *ctrd_task_status_name(int status)
{
	static const char *const names[] = {"unknown", "created", "running",
					    "stopped", "paused",  "pausing"};
	if (status < 0 || (size_t)status >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[status];
}

void ctrd_process_clear(struct ctrd_process *p)
{
	free(p->container_id);
	free(p->id);
	memset(p, 0, sizeof(*p));
}

void ctrd_process_list_clear(struct ctrd_process_list *l)
{
	for (size_t i = 0; l->items && i < l->n; i++)
		ctrd_process_clear(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

static int copy_process(struct ctrd_process *out, const Containerd__V1__Types__Process *m,
			struct ctrd_status *st)
{
	memset(out, 0, sizeof(*out));
	if (!m)
		return ctrd_status_set(st, CTRD_INTERNAL, "containerd sent no process");
	if (copy_str(&out->container_id, m->container_id) < 0 || copy_str(&out->id, m->id) < 0) {
		ctrd_process_clear(out);
		return ctrd_status_set(st, CTRD_RESOURCE_EXHAUSTED, "out of memory");
	}
	out->pid = m->pid;
	out->status = (int)m->status;
	out->exit_status = m->exit_status;
	copy_time(&out->exited_at, m->exited_at);
	return CTRD_OK;
}

int ctrd_tasks_list(ctrd_client *c, const char *ns, struct ctrd_process_list *out,
		    struct ctrd_status *st)
{
	memset(out, 0, sizeof(*out));
	Containerd__Services__Tasks__V1__ListTasksRequest req;
	containerd__services__tasks__v1__list_tasks_request__init(&req);
	Containerd__Services__Tasks__V1__ListTasksResponse *resp;
	int rc = ctrd_call_unary(c, SERVICE "List", ns, &req.base,
				 &containerd__services__tasks__v1__list_tasks_response__descriptor,
				 (ProtobufCMessage **)&resp, st);
	if (rc != CTRD_OK)
		return rc;
	out->items = calloc(resp->n_tasks + 1, sizeof(*out->items));
	if (!out->items)
		rc = ctrd_status_set(st, CTRD_RESOURCE_EXHAUSTED, "out of memory");
	for (size_t i = 0; rc == CTRD_OK && i < resp->n_tasks; i++) {
		rc = copy_process(&out->items[i], resp->tasks[i], st);
		if (rc == CTRD_OK)
			out->n++;
	}
	protobuf_c_message_free_unpacked(&resp->base, NULL);
	if (rc != CTRD_OK)
		ctrd_process_list_clear(out);
	return rc;
}

int ctrd_task_get(ctrd_client *c, const char *ns, const char *container_id,
		  struct ctrd_process *out, struct ctrd_status *st)
{
	memset(out, 0, sizeof(*out));
	Containerd__Services__Tasks__V1__GetRequest req;
	containerd__services__tasks__v1__get_request__init(&req);
	req.container_id = pb_str(container_id);
	Containerd__Services__Tasks__V1__GetResponse *resp;
	int rc = ctrd_call_unary(c, SERVICE "Get", ns, &req.base,
				 &containerd__services__tasks__v1__get_response__descriptor,
				 (ProtobufCMessage **)&resp, st);
	if (rc != CTRD_OK)
		return rc;
	rc = copy_process(out, resp->process, st);
	protobuf_c_message_free_unpacked(&resp->base, NULL);
	return rc;
}

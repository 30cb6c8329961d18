/* containerd.services.events.v1.Events/Subscribe: the server stream of Envelopes, with
 * the subject of each /containers/, /namespaces/, /tasks/ and /images/ event decoded. */
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "convert.h"
#include "events_container.pb-c.h"
#include "events_image.pb-c.h"
#include "events_namespace.pb-c.h"
#include "events_task.pb-c.h"
#include "services_events_v1_events.pb-c.h"
#include "status.h"

#define SERVICE "/containerd.services.events.v1.Events/"

/* The payloads whose subject a follower needs. */
static const ProtobufCMessageDescriptor *const payload_types[] = {
    &containerd__events__container_create__descriptor,
    &containerd__events__container_update__descriptor,
    &containerd__events__container_delete__descriptor,
    &containerd__events__namespace_create__descriptor,
    &containerd__events__namespace_update__descriptor,
    &containerd__events__namespace_delete__descriptor,
    &containerd__events__task_create__descriptor,
    &containerd__events__task_start__descriptor,
    &containerd__events__task_delete__descriptor,
    &containerd__events__task_exit__descriptor,
    &containerd__events__task_oom__descriptor,
    &containerd__events__task_exec_added__descriptor,
    &containerd__events__task_exec_started__descriptor,
    &containerd__events__task_paused__descriptor,
    &containerd__events__task_resumed__descriptor,
    &containerd__events__task_checkpointed__descriptor,
    &containerd__services__images__v1__image_create__descriptor,
    &containerd__services__images__v1__image_update__descriptor,
    &containerd__services__images__v1__image_delete__descriptor,
};

/* The payload's type: the type URL's last path element is the message's full name. */
static const ProtobufCMessageDescriptor *payload_type(const char *type_url)
{
	const char *slash = strrchr(type_url, '/');
	const char *name = slash ? slash + 1 : type_url;
	for (size_t i = 0; i < sizeof(payload_types) / sizeof(payload_types[0]); i++)
		if (strcmp(payload_types[i]->name, name) == 0)
			return payload_types[i];
	return NULL;
}

/* Each payload names its subject in fields of the same names and types, so reading
 * them by name keeps one rule instead of nineteen cases. */
static const void *field(const ProtobufCMessage *m, const char *name)
{
	const ProtobufCFieldDescriptor *f =
	    protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);
	return f ? (const char *)m + f->offset : NULL;
}

static const char *str_field(const ProtobufCMessage *m, const char *name)
{
	const void *p = field(m, name);
	return p ? *(char *const *)p : NULL;
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Fills EV's subject from payload M. */
static void decode_subject(struct ctrd_envelope *ev, const ProtobufCMessage *m)
{
	const char *type = m->descriptor->short_name;
	const void *p;
	if (starts_with(type, "Container"))
		ev->container_id = str_field(m, "id");
	else if (starts_with(type, "Namespace"))
		ev->namespace_name = str_field(m, "name");
	else if (starts_with(type, "Image"))
		ev->image_name = str_field(m, "name");
	else if (starts_with(type, "Task")) {
		ev->container_id = str_field(m, "container_id");
		/* TaskExit and TaskDelete call the process "id"; the exec events "exec_id" */
		ev->exec_id =
		    str_field(m, "exec_id") ? str_field(m, "exec_id") : str_field(m, "id");
		if ((p = field(m, "pid")))
			ev->pid = *(const uint32_t *)p;
		if ((p = field(m, "exit_status")))
			ev->exit_status = *(const uint32_t *)p;
		if ((p = field(m, "exited_at")))
			copy_time(&ev->exited_at, *(Google__Protobuf__Timestamp *const *)p);
	}
}

struct subscribe_ctx {
	ctrd_event_fn fn;
	void (*ready)(void *user);
	void *user;
};

static void sent(void *user)
{
	struct subscribe_ctx *ctx = user;
	if (ctx->ready)
		ctx->ready(ctx->user);
}

static int on_envelope(const ProtobufCMessage *msg, void *user)
{
	const Containerd__Services__Events__V1__Envelope *e = (const void *)msg;
	struct subscribe_ctx *ctx = user;
	struct ctrd_envelope ev = {
	    .namespace_ = e->namespace_,
	    .topic = e->topic,
	};
	copy_time(&ev.timestamp, e->timestamp);
	ProtobufCMessage *payload = NULL;
	if (e->event) {
		/* borrowed, not copied: the envelope lives only for the callback */
		ev.event.present = true;
		ev.event.type_url = e->event->type_url;
		ev.event.value = e->event->value.data;
		ev.event.value_len = e->event->value.len;
		const ProtobufCMessageDescriptor *type = payload_type(e->event->type_url);
		if (type)
			payload = protobuf_c_message_unpack(type, NULL, e->event->value.len,
							    e->event->value.data);
		if (payload)
			decode_subject(&ev, payload);
	}
	int rc = ctx->fn(&ev, ctx->user);
	if (payload)
		protobuf_c_message_free_unpacked(payload, NULL);
	return rc;
}

int ctrd_subscribe(ctrd_client *c, const char *const *filters, size_t n_filters, ctrd_event_fn fn,
		   void (*ready)(void *user), void *user, struct ctrd_status *st)
{
	Containerd__Services__Events__V1__SubscribeRequest req;
	containerd__services__events__v1__subscribe_request__init(&req);
	req.n_filters = n_filters;
	req.filters = (char **)filters;
	struct subscribe_ctx ctx = {.fn = fn, .ready = ready, .user = user};
	return ctrd_call_stream(c, SERVICE "Subscribe", NULL, &req.base,
				&containerd__services__events__v1__envelope__descriptor, 0,
				on_envelope, sent, &ctx, st);
}

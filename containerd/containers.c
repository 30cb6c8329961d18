/* containerd.services.containers.v1.Containers: ListStream, Get, Create, Update,
 * Delete, with every field of Container. */
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "convert.h"
#include "services_containers_v1_containers.pb-c.h"
#include "status.h"

#define SERVICE "/containerd.services.containers.v1.Containers/"
typedef Containerd__Services__Containers__V1__Container PbContainer;

void ctrd_any_clear(struct ctrd_any *any)
{
	free(any->type_url);
	free(any->value);
	memset(any, 0, sizeof(*any));
}

void ctrd_container_clear(struct ctrd_container *c)
{
	free(c->id);
	free_labels(c->labels, c->n_labels);
	free(c->image);
	free(c->runtime_name);
	ctrd_any_clear(&c->runtime_options);
	ctrd_any_clear(&c->spec);
	free(c->snapshotter);
	free(c->snapshot_key);
	for (size_t i = 0; c->extensions && i < c->n_extensions; i++) {
		free(c->extensions[i].name);
		ctrd_any_clear(&c->extensions[i].value);
	}
	free(c->extensions);
	memset(c, 0, sizeof(*c));
}

void ctrd_container_list_clear(struct ctrd_container_list *l)
{
	for (size_t i = 0; l->items && i < l->n; i++)
		ctrd_container_clear(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

static int copy_container_fields(struct ctrd_container *out, const PbContainer *m)
{
	if (copy_str(&out->id, m->id) < 0 ||
	    copy_labels(&out->labels, &out->n_labels, (struct pb_string_entry *const *)m->labels,
			m->n_labels) < 0 ||
	    copy_str(&out->image, m->image) < 0 ||
	    copy_str(&out->runtime_name, m->runtime ? m->runtime->name : NULL) < 0 ||
	    copy_any(&out->runtime_options, m->runtime ? m->runtime->options : NULL) < 0 ||
	    copy_any(&out->spec, m->spec) < 0 || copy_str(&out->snapshotter, m->snapshotter) < 0 ||
	    copy_str(&out->snapshot_key, m->snapshot_key) < 0)
		return -1;
	copy_time(&out->created_at, m->created_at);
	copy_time(&out->updated_at, m->updated_at);
	out->extensions = calloc(m->n_extensions + 1, sizeof(*out->extensions));
	if (!out->extensions)
		return -1;
	for (size_t i = 0; i < m->n_extensions; i++) {
		out->n_extensions = i + 1;
		if (copy_str(&out->extensions[i].name, m->extensions[i]->key) < 0 ||
		    copy_any(&out->extensions[i].value, m->extensions[i]->value) < 0)
			return -1;
	}
	return 0;
}

static int copy_container(struct ctrd_container *out, const PbContainer *m, struct ctrd_status *st)
{
	memset(out, 0, sizeof(*out));
	if (!m)
		return ctrd_status_set(st, CTRD_INTERNAL, "containerd sent no container");
	if (copy_container_fields(out, m) < 0) {
		ctrd_container_clear(out);
		return ctrd_status_set(st, CTRD_RESOURCE_EXHAUSTED, "out of memory");
	}
	return CTRD_OK;
}

static PbContainer *pb_container(struct pb_arena *a, const struct ctrd_container *c)
{
	PbContainer *m = arena_alloc(a, sizeof(*m));
	Containerd__Services__Containers__V1__Container__Runtime *rt = arena_alloc(a, sizeof(*rt));
	Containerd__Services__Containers__V1__Container__ExtensionsEntry **ext =
	    arena_alloc(a, c->n_extensions * sizeof(*ext));
	if (!m || !rt || !ext)
		return NULL;
	containerd__services__containers__v1__container__init(m);
	m->id = pb_str(c->id);
	m->n_labels = c->n_labels;
	m->labels = (Containerd__Services__Containers__V1__Container__LabelsEntry **)pb_labels(
	    a, &containerd__services__containers__v1__container__labels_entry__descriptor,
	    c->labels, c->n_labels);
	m->image = pb_str(c->image);
	/* Runtime is a message: sent when it says anything, as ctr does */
	if ((c->runtime_name && *c->runtime_name) || c->runtime_options.present) {
		containerd__services__containers__v1__container__runtime__init(rt);
		rt->name = pb_str(c->runtime_name);
		rt->options = pb_any(a, &c->runtime_options);
		m->runtime = rt;
	}
	m->spec = pb_any(a, &c->spec);
	m->snapshotter = pb_str(c->snapshotter);
	m->snapshot_key = pb_str(c->snapshot_key);
	m->created_at = pb_time(a, &c->created_at);
	m->updated_at = pb_time(a, &c->updated_at);
	for (size_t i = 0; i < c->n_extensions; i++) {
		ext[i] = arena_alloc(a, sizeof(*ext[i]));
		if (!ext[i])
			return NULL;
		containerd__services__containers__v1__container__extensions_entry__init(ext[i]);
		ext[i]->key = pb_str(c->extensions[i].name);
		ext[i]->value = pb_any(a, &c->extensions[i].value);
	}
	m->n_extensions = c->n_extensions;
	m->extensions = ext;
	return m;
}

struct list_ctx {
	struct ctrd_container_list *out;
	size_t cap;
	struct ctrd_status *st;
	int rc;
};

static int add_container(const ProtobufCMessage *msg, void *user)
{
	const Containerd__Services__Containers__V1__ListContainerMessage *m = (const void *)msg;
	struct list_ctx *ctx = user;
	struct ctrd_container_list *l = ctx->out;
	if (l->n == ctx->cap) {
		size_t cap = ctx->cap ? ctx->cap * 2 : 64;
		struct ctrd_container *p = realloc(l->items, cap * sizeof(*p));
		if (!p) {
			ctx->rc =
			    ctrd_status_set(ctx->st, CTRD_RESOURCE_EXHAUSTED, "out of memory");
			return 1;
		}
		l->items = p;
		ctx->cap = cap;
	}
	ctx->rc = copy_container(&l->items[l->n], m->container, ctx->st);
	if (ctx->rc != CTRD_OK)
		return 1;
	l->n++;
	return 0;
}

int ctrd_containers_list(ctrd_client *c, const char *ns, const char *const *filters,
			 size_t n_filters, struct ctrd_container_list *out, struct ctrd_status *st)
{
	memset(out, 0, sizeof(*out));
	Containerd__Services__Containers__V1__ListContainersRequest req;
	containerd__services__containers__v1__list_containers_request__init(&req);
	req.n_filters = n_filters;
	req.filters = (char **)filters;
	struct list_ctx ctx = {.out = out, .st = st};
	int rc = ctrd_call_stream(
	    c, SERVICE "ListStream", ns, &req.base,
	    &containerd__services__containers__v1__list_container_message__descriptor,
	    c->timeout_ms, add_container, NULL, &ctx, st);
	if (rc == CTRD_OK && ctx.rc != CTRD_OK)
		rc = ctx.rc;
	if (rc != CTRD_OK)
		ctrd_container_list_clear(out);
	return rc;
}

int ctrd_container_get(ctrd_client *c, const char *ns, const char *id, struct ctrd_container *out,
		       struct ctrd_status *st)
{
	memset(out, 0, sizeof(*out));
	Containerd__Services__Containers__V1__GetContainerRequest req;
	containerd__services__containers__v1__get_container_request__init(&req);
	req.id = pb_str(id);
	Containerd__Services__Containers__V1__GetContainerResponse *resp;
	int rc = ctrd_call_unary(
	    c, SERVICE "Get", ns, &req.base,
	    &containerd__services__containers__v1__get_container_response__descriptor,
	    (ProtobufCMessage **)&resp, st);
	if (rc != CTRD_OK)
		return rc;
	rc = copy_container(out, resp->container, st);
	protobuf_c_message_free_unpacked(&resp->base, NULL);
	return rc;
}

/* Create and Update answer with the same message shape: { Container container = 1; } */
static int answer(const ProtobufCMessage *resp, struct ctrd_container *out, struct ctrd_status *st)
{
	const Containerd__Services__Containers__V1__CreateContainerResponse *r = (const void *)resp;
	int rc = out ? copy_container(out, r->container, st) : CTRD_OK;
	protobuf_c_message_free_unpacked((ProtobufCMessage *)resp, NULL);
	return rc;
}

int ctrd_container_create(ctrd_client *c, const char *ns, const struct ctrd_container *in,
			  struct ctrd_container *out, struct ctrd_status *st)
{
	if (out)
		memset(out, 0, sizeof(*out));
	struct pb_arena a = {0};
	Containerd__Services__Containers__V1__CreateContainerRequest req;
	containerd__services__containers__v1__create_container_request__init(&req);
	req.container = pb_container(&a, in);
	if (a.oom) {
		arena_free(&a);
		return ctrd_status_set(st, CTRD_RESOURCE_EXHAUSTED, "out of memory");
	}
	ProtobufCMessage *resp;
	int rc = ctrd_call_unary(
	    c, SERVICE "Create", ns, &req.base,
	    &containerd__services__containers__v1__create_container_response__descriptor, &resp,
	    st);
	arena_free(&a);
	return rc == CTRD_OK ? answer(resp, out, st) : rc;
}

int ctrd_container_update(ctrd_client *c, const char *ns, const struct ctrd_container *in,
			  const char *const *paths, size_t n_paths, struct ctrd_container *out,
			  struct ctrd_status *st)
{
	if (out)
		memset(out, 0, sizeof(*out));
	struct pb_arena a = {0};
	Containerd__Services__Containers__V1__UpdateContainerRequest req;
	containerd__services__containers__v1__update_container_request__init(&req);
	req.container = pb_container(&a, in);
	req.update_mask = pb_mask(&a, paths, n_paths);
	if (a.oom) {
		arena_free(&a);
		return ctrd_status_set(st, CTRD_RESOURCE_EXHAUSTED, "out of memory");
	}
	ProtobufCMessage *resp;
	int rc = ctrd_call_unary(
	    c, SERVICE "Update", ns, &req.base,
	    &containerd__services__containers__v1__update_container_response__descriptor, &resp,
	    st);
	arena_free(&a);
	return rc == CTRD_OK ? answer(resp, out, st) : rc;
}

int ctrd_container_delete(ctrd_client *c, const char *ns, const char *id, struct ctrd_status *st)
{
	Containerd__Services__Containers__V1__DeleteContainerRequest req;
	containerd__services__containers__v1__delete_container_request__init(&req);
	req.id = pb_str(id);
	ProtobufCMessage *resp;
	int rc = ctrd_call_unary(c, SERVICE "Delete", ns, &req.base,
				 &google__protobuf__empty__descriptor, &resp, st);
	if (rc == CTRD_OK)
		protobuf_c_message_free_unpacked(resp, NULL);
	return rc;
}

/* containerd.services.namespaces.v1.Namespaces: List, Get, Create, Update, Delete. */
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "convert.h"
#include "services_namespaces_v1_namespace.pb-c.h"
#include "status.h"

#define SERVICE "/containerd.services.namespaces.v1.Namespaces/"
/* containerd publishes /namespaces/ events in the caller's namespace and refuses a
 * write without one ("failed publishing event: namespace is required"); ctr sends its
 * -n, "default" unless told otherwise, and so do we, so that events look the same. */
#define CALLER_NS "default"
typedef Containerd__Services__Namespaces__V1__Namespace PbNamespace;

void ctrd_namespace_clear(struct ctrd_namespace *ns)
{
	free(ns->name);
	free_labels(ns->labels, ns->n_labels);
	memset(ns, 0, sizeof(*ns));
}

void ctrd_namespace_list_clear(struct ctrd_namespace_list *l)
{
	for (size_t i = 0; l->items && i < l->n; i++)
		ctrd_namespace_clear(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

static int copy_namespace(struct ctrd_namespace *out, const PbNamespace *m, struct ctrd_status *st)
{
	memset(out, 0, sizeof(*out));
	if (!m || copy_str(&out->name, m->name) < 0 ||
	    copy_labels(&out->labels, &out->n_labels, (struct pb_string_entry *const *)m->labels,
			m->n_labels) < 0) {
		ctrd_namespace_clear(out);
		return ctrd_status_set(st, m ? CTRD_RESOURCE_EXHAUSTED : CTRD_INTERNAL,
				       m ? "out of memory" : "containerd sent no namespace");
	}
	return CTRD_OK;
}

static PbNamespace *pb_namespace(struct pb_arena *a, const struct ctrd_namespace *ns)
{
	PbNamespace *m = arena_alloc(a, sizeof(*m));
	if (!m)
		return NULL;
	containerd__services__namespaces__v1__namespace__init(m);
	m->name = pb_str(ns->name);
	m->n_labels = ns->n_labels;
	m->labels = (Containerd__Services__Namespaces__V1__Namespace__LabelsEntry **)pb_labels(
	    a, &containerd__services__namespaces__v1__namespace__labels_entry__descriptor,
	    ns->labels, ns->n_labels);
	return m;
}

int ctrd_namespaces_list(ctrd_client *c, struct ctrd_namespace_list *out, struct ctrd_status *st)
{
	memset(out, 0, sizeof(*out));
	Containerd__Services__Namespaces__V1__ListNamespacesRequest req;
	containerd__services__namespaces__v1__list_namespaces_request__init(&req);
	Containerd__Services__Namespaces__V1__ListNamespacesResponse *resp;
	int rc = ctrd_call_unary(
	    c, SERVICE "List", CALLER_NS, &req.base,
	    &containerd__services__namespaces__v1__list_namespaces_response__descriptor,
	    (ProtobufCMessage **)&resp, st);
	if (rc != CTRD_OK)
		return rc;
	out->items = calloc(resp->n_namespaces + 1, sizeof(*out->items));
	if (!out->items)
		rc = ctrd_status_set(st, CTRD_RESOURCE_EXHAUSTED, "out of memory");
	for (size_t i = 0; rc == CTRD_OK && i < resp->n_namespaces; i++) {
		rc = copy_namespace(&out->items[i], resp->namespaces[i], st);
		if (rc == CTRD_OK)
			out->n++;
	}
	protobuf_c_message_free_unpacked(&resp->base, NULL);
	if (rc != CTRD_OK)
		ctrd_namespace_list_clear(out);
	return rc;
}

int ctrd_namespace_get(ctrd_client *c, const char *name, struct ctrd_namespace *out,
		       struct ctrd_status *st)
{
	memset(out, 0, sizeof(*out));
	Containerd__Services__Namespaces__V1__GetNamespaceRequest req;
	containerd__services__namespaces__v1__get_namespace_request__init(&req);
	req.name = pb_str(name);
	Containerd__Services__Namespaces__V1__GetNamespaceResponse *resp;
	int rc = ctrd_call_unary(
	    c, SERVICE "Get", CALLER_NS, &req.base,
	    &containerd__services__namespaces__v1__get_namespace_response__descriptor,
	    (ProtobufCMessage **)&resp, st);
	if (rc != CTRD_OK)
		return rc;
	rc = copy_namespace(out, resp->namespace_, st);
	protobuf_c_message_free_unpacked(&resp->base, NULL);
	return rc;
}

int ctrd_namespace_create(ctrd_client *c, const struct ctrd_namespace *ns,
			  struct ctrd_namespace *out, struct ctrd_status *st)
{
	struct pb_arena a = {0};
	Containerd__Services__Namespaces__V1__CreateNamespaceRequest req;
	containerd__services__namespaces__v1__create_namespace_request__init(&req);
	req.namespace_ = pb_namespace(&a, ns);
	if (a.oom) {
		arena_free(&a);
		return ctrd_status_set(st, CTRD_RESOURCE_EXHAUSTED, "out of memory");
	}
	Containerd__Services__Namespaces__V1__CreateNamespaceResponse *resp;
	int rc = ctrd_call_unary(
	    c, SERVICE "Create", CALLER_NS, &req.base,
	    &containerd__services__namespaces__v1__create_namespace_response__descriptor,
	    (ProtobufCMessage **)&resp, st);
	arena_free(&a);
	if (rc != CTRD_OK)
		return rc;
	if (out)
		rc = copy_namespace(out, resp->namespace_, st);
	protobuf_c_message_free_unpacked(&resp->base, NULL);
	return rc;
}

int ctrd_namespace_update(ctrd_client *c, const struct ctrd_namespace *ns, const char *const *paths,
			  size_t n_paths, struct ctrd_namespace *out, struct ctrd_status *st)
{
	struct pb_arena a = {0};
	Containerd__Services__Namespaces__V1__UpdateNamespaceRequest req;
	containerd__services__namespaces__v1__update_namespace_request__init(&req);
	req.namespace_ = pb_namespace(&a, ns);
	req.update_mask = pb_mask(&a, paths, n_paths);
	if (a.oom) {
		arena_free(&a);
		return ctrd_status_set(st, CTRD_RESOURCE_EXHAUSTED, "out of memory");
	}
	Containerd__Services__Namespaces__V1__UpdateNamespaceResponse *resp;
	int rc = ctrd_call_unary(
	    c, SERVICE "Update", CALLER_NS, &req.base,
	    &containerd__services__namespaces__v1__update_namespace_response__descriptor,
	    (ProtobufCMessage **)&resp, st);
	arena_free(&a);
	if (rc != CTRD_OK)
		return rc;
	if (out)
		rc = copy_namespace(out, resp->namespace_, st);
	protobuf_c_message_free_unpacked(&resp->base, NULL);
	return rc;
}

int ctrd_namespace_delete(ctrd_client *c, const char *name, struct ctrd_status *st)
{
	Containerd__Services__Namespaces__V1__DeleteNamespaceRequest req;
	containerd__services__namespaces__v1__delete_namespace_request__init(&req);
	req.name = pb_str(name);
	ProtobufCMessage *resp;
	int rc = ctrd_call_unary(c, SERVICE "Delete", CALLER_NS, &req.base,
				 &google__protobuf__empty__descriptor, &resp, st);
	if (rc == CTRD_OK)
		protobuf_c_message_free_unpacked(resp, NULL);
	return rc;
}

/* containerd.services.images.v1.Images: List, Get, Create, Update, Delete, with every
 * field of Image and of its target descriptor. */
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "convert.h"
#include "services_images_v1_images.pb-c.h"
#include "status.h"

#define SERVICE "/containerd.services.images.v1.Images/"
typedef Containerd__Services__Images__V1__Image PbImage;
typedef Containerd__Types__Descriptor PbDescriptor;

void ctrd_descriptor_clear(struct ctrd_descriptor *d)
{
	free(d->media_type);
	free(d->digest);
	free_labels(d->annotations, d->n_annotations);
	memset(d, 0, sizeof(*d));
}

void ctrd_image_clear(struct ctrd_image *img)
{
	free(img->name);
	free_labels(img->labels, img->n_labels);
	ctrd_descriptor_clear(&img->target);
	memset(img, 0, sizeof(*img));
}

void ctrd_image_list_clear(struct ctrd_image_list *l)
{
	for (size_t i = 0; l->items && i < l->n; i++)
		ctrd_image_clear(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

static int copy_descriptor(struct ctrd_descriptor *out, const PbDescriptor *m)
{
	/* containerd's Target is not nullable: an absent one is the zero descriptor */
	if (copy_str(&out->media_type, m ? m->media_type : NULL) < 0 ||
	    copy_str(&out->digest, m ? m->digest : NULL) < 0)
		return -1;
	out->size = m ? m->size : 0;
	return copy_labels(&out->annotations, &out->n_annotations,
			   m ? (struct pb_string_entry *const *)m->annotations : NULL,
			   m ? m->n_annotations : 0);
}

static int copy_image(struct ctrd_image *out, const PbImage *m, struct ctrd_status *st)
{
	memset(out, 0, sizeof(*out));
	if (!m)
		return ctrd_status_set(st, CTRD_INTERNAL, "containerd sent no image");
	if (copy_str(&out->name, m->name) < 0 ||
	    copy_labels(&out->labels, &out->n_labels, (struct pb_string_entry *const *)m->labels,
			m->n_labels) < 0 ||
	    copy_descriptor(&out->target, m->target) < 0) {
		ctrd_image_clear(out);
		return ctrd_status_set(st, CTRD_RESOURCE_EXHAUSTED, "out of memory");
	}
	copy_time(&out->created_at, m->created_at);
	copy_time(&out->updated_at, m->updated_at);
	return CTRD_OK;
}

static PbImage *pb_image(struct pb_arena *a, const struct ctrd_image *img)
{
	PbImage *m = arena_alloc(a, sizeof(*m));
	PbDescriptor *d = arena_alloc(a, sizeof(*d));
	if (!m || !d)
		return NULL;
	containerd__services__images__v1__image__init(m);
	m->name = pb_str(img->name);
	m->n_labels = img->n_labels;
	m->labels = (Containerd__Services__Images__V1__Image__LabelsEntry **)pb_labels(
	    a, &containerd__services__images__v1__image__labels_entry__descriptor, img->labels,
	    img->n_labels);
	containerd__types__descriptor__init(d);
	d->media_type = pb_str(img->target.media_type);
	d->digest = pb_str(img->target.digest);
	d->size = img->target.size;
	d->n_annotations = img->target.n_annotations;
	d->annotations = (Containerd__Types__Descriptor__AnnotationsEntry **)pb_labels(
	    a, &containerd__types__descriptor__annotations_entry__descriptor,
	    img->target.annotations, img->target.n_annotations);
	m->target = d;
	return m;
}

int ctrd_images_list(ctrd_client *c, const char *ns, const char *const *filters, size_t n_filters,
		     struct ctrd_image_list *out, struct ctrd_status *st)
{
	memset(out, 0, sizeof(*out));
	Containerd__Services__Images__V1__ListImagesRequest req;
	containerd__services__images__v1__list_images_request__init(&req);
	req.n_filters = n_filters;
	req.filters = (char **)filters;
	Containerd__Services__Images__V1__ListImagesResponse *resp;
	int rc =
	    ctrd_call_unary(c, SERVICE "List", ns, &req.base,
			    &containerd__services__images__v1__list_images_response__descriptor,
			    (ProtobufCMessage **)&resp, st);
	if (rc != CTRD_OK)
		return rc;
	out->items = calloc(resp->n_images + 1, sizeof(*out->items));
	if (!out->items)
		rc = ctrd_status_set(st, CTRD_RESOURCE_EXHAUSTED, "out of memory");
	for (size_t i = 0; rc == CTRD_OK && i < resp->n_images; i++) {
		rc = copy_image(&out->items[i], resp->images[i], st);
		if (rc == CTRD_OK)
			out->n++;
	}
	protobuf_c_message_free_unpacked(&resp->base, NULL);
	if (rc != CTRD_OK)
		ctrd_image_list_clear(out);
	return rc;
}

/* Get, Create and Update answer with the same message shape: { Image image = 1; } */
static int answer(const ProtobufCMessage *resp, struct ctrd_image *out, struct ctrd_status *st)
{
	const Containerd__Services__Images__V1__GetImageResponse *r = (const void *)resp;
	int rc = out ? copy_image(out, r->image, st) : CTRD_OK;
	protobuf_c_message_free_unpacked((ProtobufCMessage *)resp, NULL);
	return rc;
}

int ctrd_image_get(ctrd_client *c, const char *ns, const char *name, struct ctrd_image *out,
		   struct ctrd_status *st)
{
	memset(out, 0, sizeof(*out));
	Containerd__Services__Images__V1__GetImageRequest req;
	containerd__services__images__v1__get_image_request__init(&req);
	req.name = pb_str(name);
	ProtobufCMessage *resp;
	int rc = ctrd_call_unary(c, SERVICE "Get", ns, &req.base,
				 &containerd__services__images__v1__get_image_response__descriptor,
				 &resp, st);
	return rc == CTRD_OK ? answer(resp, out, st) : rc;
}

int ctrd_image_create(ctrd_client *c, const char *ns, const struct ctrd_image *in,
		      struct ctrd_image *out, struct ctrd_status *st)
{
	if (out)
		memset(out, 0, sizeof(*out));
	struct pb_arena a = {0};
	Containerd__Services__Images__V1__CreateImageRequest req;
	containerd__services__images__v1__create_image_request__init(&req);
	req.image = pb_image(&a, in);
	if (a.oom) {
		arena_free(&a);
		return ctrd_status_set(st, CTRD_RESOURCE_EXHAUSTED, "out of memory");
	}
	ProtobufCMessage *resp;
	int rc = ctrd_call_unary(
	    c, SERVICE "Create", ns, &req.base,
	    &containerd__services__images__v1__create_image_response__descriptor, &resp, st);
	arena_free(&a);
	return rc == CTRD_OK ? answer(resp, out, st) : rc;
}

int ctrd_image_update(ctrd_client *c, const char *ns, const struct ctrd_image *in,
		      const char *const *paths, size_t n_paths, struct ctrd_image *out,
		      struct ctrd_status *st)
{
	if (out)
		memset(out, 0, sizeof(*out));
	struct pb_arena a = {0};
	Containerd__Services__Images__V1__UpdateImageRequest req;
	containerd__services__images__v1__update_image_request__init(&req);
	req.image = pb_image(&a, in);
	req.update_mask = pb_mask(&a, paths, n_paths);
	if (a.oom) {
		arena_free(&a);
		return ctrd_status_set(st, CTRD_RESOURCE_EXHAUSTED, "out of memory");
	}
	ProtobufCMessage *resp;
	int rc = ctrd_call_unary(
	    c, SERVICE "Update", ns, &req.base,
	    &containerd__services__images__v1__update_image_response__descriptor, &resp, st);
	arena_free(&a);
	return rc == CTRD_OK ? answer(resp, out, st) : rc;
}

int ctrd_image_delete(ctrd_client *c, const char *ns, const char *name, bool sync,
		      struct ctrd_status *st)
{
	Containerd__Services__Images__V1__DeleteImageRequest req;
	containerd__services__images__v1__delete_image_request__init(&req);
	req.name = pb_str(name);
	req.sync = sync;
	ProtobufCMessage *resp;
	int rc = ctrd_call_unary(c, SERVICE "Delete", ns, &req.base,
				 &google__protobuf__empty__descriptor, &resp, st);
	if (rc == CTRD_OK)
		protobuf_c_message_free_unpacked(resp, NULL);
	return rc;
}

/* containerd.services.content.v1.Content: Read, a blob whole (for the image documents
 * that `ctr images ls` reads: index, manifest, config). */
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "convert.h"
#include "services_content_v1_content.pb-c.h"
#include "status.h"

#define SERVICE "/containerd.services.content.v1.Content/"

struct read_ctx {
	uint8_t *data;
	size_t len, max;
	const char *digest;
	struct ctrd_status *st;
	int rc;
};

static int add_chunk(const ProtobufCMessage *msg, void *user)
{
	const Containerd__Services__Content__V1__ReadContentResponse *m = (const void *)msg;
	struct read_ctx *ctx = user;
	if (m->data.len > ctx->max - ctx->len) {
		ctx->rc =
		    ctrd_status_set(ctx->st, CTRD_RESOURCE_EXHAUSTED,
				    "content %s is larger than %zu bytes", ctx->digest, ctx->max);
		return 1;
	}
	uint8_t *p = realloc(ctx->data, ctx->len + m->data.len + 1);
	if (!p) {
		ctx->rc = ctrd_status_set(ctx->st, CTRD_RESOURCE_EXHAUSTED, "out of memory");
		return 1;
	}
	if (m->data.len)
		memcpy(p + ctx->len, m->data.data, m->data.len);
	ctx->data = p;
	ctx->len += m->data.len;
	return 0;
}

int ctrd_content_read(ctrd_client *c, const char *ns, const char *digest, size_t max,
		      uint8_t **data, size_t *len, struct ctrd_status *st)
{
	*data = NULL;
	*len = 0;
	Containerd__Services__Content__V1__ReadContentRequest req;
	containerd__services__content__v1__read_content_request__init(&req);
	req.digest = pb_str(digest);
	struct read_ctx ctx = {.max = max, .digest = digest, .st = st};
	int rc =
	    ctrd_call_stream(c, SERVICE "Read", ns, &req.base,
			     &containerd__services__content__v1__read_content_response__descriptor,
			     c->timeout_ms, add_chunk, NULL, &ctx, st);
	if (rc == CTRD_OK && ctx.rc != CTRD_OK)
		rc = ctx.rc;
	if (rc == CTRD_OK && !ctx.data && !(ctx.data = malloc(1)))
		rc = ctrd_status_set(st, CTRD_RESOURCE_EXHAUSTED, "out of memory");
	if (rc != CTRD_OK) {
		free(ctx.data);
		return rc;
	}
	*data = ctx.data;
	*len = ctx.len;
	return CTRD_OK;
}

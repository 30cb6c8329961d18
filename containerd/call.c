/* protobuf-c messages in and out of a gRPC call. */
#include "call.h"

#include <stdlib.h>

#include "status.h"

struct stream_ctx {
	const ProtobufCMessageDescriptor *type;
	ctrd_stream_fn fn;
	void (*on_sent)(void *user);
	void *user;
	int rc; /* fn's nonzero return, or -1 for a message that did not decode */
};

static int on_message(const uint8_t *data, size_t len, void *user)
{
	struct stream_ctx *ctx = user;
	ProtobufCMessage *msg = protobuf_c_message_unpack(ctx->type, NULL, len, data);
	if (!msg) {
		ctx->rc = -1;
		return 1;
	}
	ctx->rc = ctx->fn(msg, ctx->user);
	protobuf_c_message_free_unpacked(msg, NULL);
	return ctx->rc;
}

static void sent(void *user)
{
	struct stream_ctx *ctx = user;
	if (ctx->on_sent)
		ctx->on_sent(ctx->user);
}

int ctrd_call_stream(ctrd_client *c, const char *method, const char *ns,
		     const ProtobufCMessage *req, const ProtobufCMessageDescriptor *resp_type,
		     int timeout_ms, ctrd_stream_fn fn, void (*on_sent)(void *user), void *user,
		     struct ctrd_status *st)
{
	size_t len = protobuf_c_message_get_packed_size(req);
	uint8_t *buf = malloc(len + 1);
	if (!buf)
		return ctrd_status_set(st, CTRD_RESOURCE_EXHAUSTED, "out of memory");
	protobuf_c_message_pack(req, buf);
	struct stream_ctx ctx = {.type = resp_type, .fn = fn, .on_sent = on_sent, .user = user};
	struct grpc_call_spec spec = {
	    .method = method,
	    .namespace_ = ns,
	    .request = buf,
	    .request_len = len,
	    .timeout_ms = timeout_ms,
	    .on_message = on_message,
	    .on_sent = sent,
	    .user = &ctx,
	};
	int rc = grpc_conn_call(c->conn, &spec, st);
	free(buf);
	if (rc == CTRD_OK && ctx.rc < 0)
		return ctrd_status_set(st, CTRD_INTERNAL,
				       "grpc: failed to unmarshal the received message (%s)",
				       resp_type->name);
	return rc;
}

/* A unary answer: exactly one message, kept for the caller. */
struct unary_ctx {
	const ProtobufCMessageDescriptor *type;
	ProtobufCMessage *msg;
	int bad; /* -1: did not decode; -2: a second message */
};

static int keep_first(const uint8_t *data, size_t len, void *user)
{
	struct unary_ctx *u = user;
	if (u->msg) {
		u->bad = -2;
		return 1;
	}
	u->msg = protobuf_c_message_unpack(u->type, NULL, len, data);
	if (!u->msg) {
		u->bad = -1;
		return 1;
	}
	return 0;
}

int ctrd_call_unary(ctrd_client *c, const char *method, const char *ns, const ProtobufCMessage *req,
		    const ProtobufCMessageDescriptor *resp_type, ProtobufCMessage **resp,
		    struct ctrd_status *st)
{
	size_t len = protobuf_c_message_get_packed_size(req);
	uint8_t *buf = malloc(len + 1);
	if (!buf)
		return ctrd_status_set(st, CTRD_RESOURCE_EXHAUSTED, "out of memory");
	protobuf_c_message_pack(req, buf);
	struct unary_ctx u = {.type = resp_type};
	struct grpc_call_spec spec = {
	    .method = method,
	    .namespace_ = ns,
	    .request = buf,
	    .request_len = len,
	    .timeout_ms = c->timeout_ms,
	    .on_message = keep_first,
	    .user = &u,
	};
	int rc = grpc_conn_call(c->conn, &spec, st);
	free(buf);
	if (rc == CTRD_OK && u.bad == -1)
		rc = ctrd_status_set(st, CTRD_INTERNAL,
				     "grpc: failed to unmarshal the received message (%s)",
				     resp_type->name);
	else if (rc == CTRD_OK && (u.bad == -2 || !u.msg))
		rc = ctrd_status_set(st, CTRD_INTERNAL,
				     "grpc: a unary call got %s response messages",
				     u.msg ? "several" : "no");
	if (rc != CTRD_OK) {
		if (u.msg)
			protobuf_c_message_free_unpacked(u.msg, NULL);
		return rc;
	}
	*resp = u.msg;
	return CTRD_OK;
}

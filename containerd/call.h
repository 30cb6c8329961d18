/* What the service files share: the client, and a call with protobuf-c messages. */
#ifndef CTRFS_CONTAINERD_CALL_H
#define CTRFS_CONTAINERD_CALL_H

#include <protobuf-c/protobuf-c.h>

#include "ctrd_client.h"
#include "grpc.h"

struct ctrd_client {
	struct grpc_conn *conn;
	int timeout_ms;
};

/* A unary call: REQ out, one message of RESP_TYPE back into *RESP (the caller frees it
 * with protobuf_c_message_free_unpacked). */
int ctrd_call_unary(ctrd_client *c, const char *method, const char *ns, const ProtobufCMessage *req,
		    const ProtobufCMessageDescriptor *resp_type, ProtobufCMessage **resp,
		    struct ctrd_status *st);

/* Called per streamed message (freed after it returns); nonzero ends the stream. */
typedef int (*ctrd_stream_fn)(const ProtobufCMessage *msg, void *user);

/* A server-streaming call; TIMEOUT_MS 0 for none. */
int ctrd_call_stream(ctrd_client *c, const char *method, const char *ns,
		     const ProtobufCMessage *req, const ProtobufCMessageDescriptor *resp_type,
		     int timeout_ms, ctrd_stream_fn fn, void (*on_sent)(void *user), void *user,
		     struct ctrd_status *st);

#endif

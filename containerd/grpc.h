/* One gRPC connection: HTTP/2 (nghttp2) over a unix socket, one call at a time. */
#ifndef CTRFS_CONTAINERD_GRPC_H
#define CTRFS_CONTAINERD_GRPC_H

#include <stddef.h>
#include <stdint.h>

#include "ctrd_client.h"
#include "grpc_wire.h"

struct grpc_conn;

/* Connects to the socket at PATH; ADDRESS is what messages call it. UNAVAILABLE
 * "containerd unreachable at ADDRESS" when it cannot. */
int grpc_connect(const char *path, const char *address, int timeout_ms, struct grpc_conn **out,
		 struct ctrd_status *st);
void grpc_conn_free(struct grpc_conn *c);
void grpc_conn_cancel(struct grpc_conn *c);
const char *grpc_conn_address(const struct grpc_conn *c);

/* A call's request and what to do with its answer. */
struct grpc_call_spec {
	const char *method;	/* "/containerd.services.containers.v1.Containers/Get" */
	const char *namespace_; /* containerd-namespace header, or NULL */
	const uint8_t *request; /* the serialized request message */
	size_t request_len;
	int timeout_ms;		     /* 0: none */
	grpc_message_fn on_message;  /* per response message; nonzero stops the call */
	void (*on_sent)(void *user); /* once the request is on the socket, or NULL */
	void *user;
};

/* Runs one call to its end. Returns the call's status code (ST filled): containerd's
 * own, or UNAVAILABLE (connection lost; the connection is then unusable),
 * DEADLINE_EXCEEDED, CANCELLED, INTERNAL (protocol error). When on_message stops the
 * call, the stream is reset and the result is OK. */
int grpc_conn_call(struct grpc_conn *c, const struct grpc_call_spec *spec, struct ctrd_status *st);

#endif

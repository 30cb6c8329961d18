/* The parts of gRPC's HTTP/2 protocol that need no socket: the 5-byte message prefix
 * (both ways), the response headers and trailers that decide a call's status, and the
 * grpc-timeout header. Kept apart from grpc.c so that a unit test and a fuzzer can feed
 * them any bytes. Spec: grpc/doc/PROTOCOL-HTTP2.md. */
#ifndef CTRFS_CONTAINERD_GRPC_WIRE_H
#define CTRFS_CONTAINERD_GRPC_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctrd_client.h"

/* containerd's server refuses messages over 16 MB; a larger prefix is garbage. */
#define GRPC_MAX_MESSAGE (64u << 20)

/* Reassembles length-prefixed messages from DATA frames cut anywhere. */
struct grpc_reader {
	uint8_t prefix[5];
	size_t prefix_len;
	uint8_t *msg;
	size_t msg_len, msg_got, msg_cap;
};

/* Called per complete message; a nonzero return stops the feed and is returned. */
typedef int (*grpc_message_fn)(const uint8_t *msg, size_t len, void *user);

/* Feeds LEN bytes; calls FN for each message completed. Returns 0, FN's nonzero
 * return, or -1 with ST set (INTERNAL for a compressed message, RESOURCE_EXHAUSTED for
 * one over GRPC_MAX_MESSAGE). */
int grpc_reader_feed(struct grpc_reader *r, const uint8_t *data, size_t len, grpc_message_fn fn,
		     void *user, struct ctrd_status *st);
/* True between messages (a stream that ends otherwise was cut short). */
bool grpc_reader_idle(const struct grpc_reader *r);
void grpc_reader_clear(struct grpc_reader *r);

/* Writes the prefix of an uncompressed message of LEN bytes. */
void grpc_prefix_encode(uint8_t out[5], uint32_t len);

/* What the response's header blocks said. */
struct grpc_response {
	int http_status;    /* :status, 0 until seen */
	bool grpc_content;  /* content-type application/grpc[+proto|;...] */
	int grpc_status;    /* -1 until a grpc-status header is seen */
	char *grpc_message; /* percent-decoded */
};

void grpc_response_init(struct grpc_response *r);
void grpc_response_clear(struct grpc_response *r);
/* One header field of a response header block or trailer block. */
void grpc_response_header(struct grpc_response *r, const uint8_t *name, size_t name_len,
			  const uint8_t *value, size_t value_len);
/* The call's status once the stream has ended: grpc-status and grpc-message as sent,
 * or, without them, the code gRPC derives from the HTTP status (404 UNIMPLEMENTED,
 * 503 UNAVAILABLE...) or INTERNAL. Returns the code; ST gets code and message. */
int grpc_response_status(const struct grpc_response *r, struct ctrd_status *st);

/* grpc-message's percent-decoding: %XX becomes the byte; a % not followed by two hex
 * digits stays as it is (the spec says never to drop a message for a bad escape).
 * Returns a NUL-terminated malloc'd string, or NULL when out of memory. */
char *grpc_percent_decode(const uint8_t *s, size_t len);

/* The grpc-timeout value for TIMEOUT_MS (> 0): at most 8 digits and a unit. */
void grpc_timeout_encode(char out[16], int64_t timeout_ms);

#endif

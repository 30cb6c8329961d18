/* libFuzzer target: a gRPC response as the containerd client parses it, headers,
 * trailers and DATA cut anywhere. Input: a script of steps; byte T picks one:
 *   T & 1: a header field, next bytes NAME_LEN NAME VALUE_LEN VALUE
 *   else : a DATA chunk of T >> 1 bytes
 * Invariants: messages come out whole and in order (their lengths sum to what was
 * fed, less prefixes and any unfinished tail), a status is always made, and nothing
 * leaks or overruns. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grpc_wire.h"

#define REQUIRE(cond)                                                                              \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

struct tally {
	size_t messages, bytes;
};

static int count(const uint8_t *msg, size_t len, void *user)
{
	struct tally *t = user;
	/* touch every byte: ASan checks the buffer really is LEN long */
	volatile uint8_t x = 0;
	for (size_t i = 0; i < len; i++)
		x ^= msg[i];
	(void)x;
	t->messages++;
	t->bytes += len;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct grpc_reader r = {0};
	struct grpc_response resp;
	struct ctrd_status st = {0};
	struct tally t = {0};
	size_t fed = 0;
	bool failed = false;
	grpc_response_init(&resp);
	size_t i = 0;
	while (i < size) {
		uint8_t step = data[i++];
		if (step & 1) {
			if (i >= size)
				break;
			size_t nlen = data[i++];
			if (nlen > size - i)
				nlen = size - i;
			const uint8_t *name = data + i;
			i += nlen;
			size_t vlen = i < size ? data[i++] : 0;
			if (vlen > size - i)
				vlen = size - i;
			grpc_response_header(&resp, name, nlen, data + i, vlen);
			i += vlen;
		} else if (!failed) {
			size_t len = step >> 1;
			if (len > size - i)
				len = size - i;
			int rc = grpc_reader_feed(&r, data + i, len, count, &t, &st);
			REQUIRE(rc == 0 || rc == -1);
			if (rc == -1) {
				REQUIRE(st.code == CTRD_INTERNAL ||
					st.code == CTRD_RESOURCE_EXHAUSTED);
				failed = true;
			}
			fed += len;
			i += len;
		} else {
			i += (size_t)(step >> 1) < size - i ? (size_t)(step >> 1) : size - i;
		}
	}
	REQUIRE(t.bytes + 5 * t.messages <= fed);
	if (!failed && grpc_reader_idle(&r))
		REQUIRE(t.bytes + 5 * t.messages == fed);
	int code = grpc_response_status(&resp, &st);
	REQUIRE(code == st.code);
	REQUIRE(code != CTRD_OK || st.message == NULL);
	REQUIRE(code == CTRD_OK || st.message != NULL);
	ctrd_status_clear(&st);
	grpc_response_clear(&resp);
	grpc_reader_clear(&r);
	return 0;
}

/* gRPC's wire pieces without a server: message reassembly across any cut, the status
 * a response's headers and trailers decide, grpc-message's percent-decoding and the
 * grpc-timeout header. */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "grpc_wire.h"

struct got {
	int n;
	size_t len[8];
	char text[8][64];
	int stop_after; /* return nonzero after this many messages (0: never) */
};

static int collect(const uint8_t *msg, size_t len, void *user)
{
	struct got *g = user;
	if (g->n < 8) {
		g->len[g->n] = len;
		memcpy(g->text[g->n], msg, len < 63 ? len : 63);
	}
	g->n++;
	return g->stop_after && g->n == g->stop_after ? 7 : 0;
}

/* Two messages and an empty one, framed, in one buffer. */
static size_t three_messages(uint8_t *buf)
{
	size_t n = 0;
	grpc_prefix_encode(buf + n, 5);
	memcpy(buf + n + 5, "hello", 5);
	n += 10;
	grpc_prefix_encode(buf + n, 0);
	n += 5;
	grpc_prefix_encode(buf + n, 3);
	memcpy(buf + n + 5, "abc", 3);
	n += 8;
	return n;
}

static void test_reassembly_at_every_cut(void)
{
	uint8_t buf[64];
	size_t n = three_messages(buf);
	for (size_t chunk = 1; chunk <= n; chunk++) {
		struct grpc_reader r = {0};
		struct got g = {0};
		struct ctrd_status st = {0};
		for (size_t off = 0; off < n; off += chunk) {
			size_t len = off + chunk > n ? n - off : chunk;
			CHECK(grpc_reader_feed(&r, buf + off, len, collect, &g, &st) == 0,
			      "chunk %zu", chunk);
			CHECK(grpc_reader_idle(&r) ==
				  (off + len == 10 || off + len == 15 || off + len == n),
			      "idle only between messages (chunk %zu, at %zu)", chunk, off + len);
		}
		CHECK(g.n == 3, "chunk %zu: %d messages", chunk, g.n);
		CHECK(g.len[0] == 5 && strcmp(g.text[0], "hello") == 0, "first message");
		CHECK(g.len[1] == 0, "empty message");
		CHECK(g.len[2] == 3 && strcmp(g.text[2], "abc") == 0, "third message");
		grpc_reader_clear(&r);
	}
}

static void test_callback_stops_the_feed(void)
{
	uint8_t buf[64];
	size_t n = three_messages(buf);
	struct grpc_reader r = {0};
	struct got g = {.stop_after = 1};
	CHECK(grpc_reader_feed(&r, buf, n, collect, &g, NULL) == 7, "the callback's return");
	CHECK(g.n == 1, "no message after the stop");
	grpc_reader_clear(&r);
}

static void test_compressed_and_oversized_messages_are_refused(void)
{
	struct grpc_reader r = {0};
	struct got g = {0};
	struct ctrd_status st = {0};
	uint8_t compressed[] = {1, 0, 0, 0, 1, 'x'};
	CHECK(grpc_reader_feed(&r, compressed, sizeof(compressed), collect, &g, &st) == -1,
	      "flag 1");
	CHECK(st.code == CTRD_INTERNAL && g.n == 0, "INTERNAL, got %d", st.code);
	grpc_reader_clear(&r);
	uint8_t huge[] = {0, 0xff, 0xff, 0xff, 0xff};
	CHECK(grpc_reader_feed(&r, huge, sizeof(huge), collect, &g, &st) == -1, "4 GB prefix");
	CHECK(st.code == CTRD_RESOURCE_EXHAUSTED, "RESOURCE_EXHAUSTED, got %d", st.code);
	grpc_reader_clear(&r);
	ctrd_status_clear(&st);
}

static void header(struct grpc_response *r, const char *name, const char *value)
{
	grpc_response_header(r, (const uint8_t *)name, strlen(name), (const uint8_t *)value,
			     strlen(value));
}

/* The status of a response made of HEADERS (name, value, name, value..., NULL). */
static int status_of(struct ctrd_status *st, ...)
{
	struct grpc_response r;
	grpc_response_init(&r);
	va_list ap;
	va_start(ap, st);
	const char *name;
	while ((name = va_arg(ap, const char *)))
		header(&r, name, va_arg(ap, const char *));
	va_end(ap);
	int code = grpc_response_status(&r, st);
	grpc_response_clear(&r);
	return code;
}

static void test_status_from_trailers(void)
{
	struct ctrd_status st = {0};
	CHECK(status_of(&st, ":status", "200", "content-type", "application/grpc", "grpc-status",
			"0", NULL) == CTRD_OK,
	      "OK");
	CHECK(st.code == CTRD_OK && st.message == NULL, "OK has no message");
	CHECK(status_of(&st, ":status", "200", "content-type", "application/grpc", "grpc-status",
			"5", "grpc-message",
			"container %22web%22 in namespace %22default%22: not found",
			NULL) == CTRD_NOT_FOUND,
	      "NotFound");
	CHECK(st.message &&
		  strcmp(st.message, "container \"web\" in namespace \"default\": not found") == 0,
	      "decoded: %s", st.message);
	/* trailers-only: everything in the one header block, no :status 200 needed first */
	CHECK(status_of(&st, ":status", "200", "content-type", "application/grpc+proto",
			"grpc-status", "6", "grpc-message", "already exists",
			NULL) == CTRD_ALREADY_EXISTS,
	      "trailers-only");
	CHECK(status_of(&st, ":status", "200", "grpc-status", "x1", NULL) == CTRD_UNKNOWN,
	      "a non-numeric grpc-status is UNKNOWN");
	CHECK(status_of(&st, ":status", "200", "grpc-status", "3", NULL) == CTRD_INVALID_ARGUMENT &&
		  st.message && st.message[0] == '\0',
	      "no grpc-message: empty message");
	ctrd_status_clear(&st);
}

static void test_status_without_grpc_status(void)
{
	struct ctrd_status st = {0};
	CHECK(status_of(&st, ":status", "503", NULL) == CTRD_UNAVAILABLE, "503");
	CHECK(status_of(&st, ":status", "404", NULL) == CTRD_UNIMPLEMENTED, "404");
	CHECK(status_of(&st, ":status", "401", NULL) == CTRD_UNAUTHENTICATED, "401");
	CHECK(status_of(&st, ":status", "500", NULL) == CTRD_UNKNOWN, "500");
	CHECK(status_of(&st, ":status", "200", "content-type", "text/html", NULL) == CTRD_UNKNOWN,
	      "not gRPC");
	CHECK(status_of(&st, ":status", "200", "content-type", "application/grpcx", NULL) ==
		  CTRD_UNKNOWN,
	      "application/grpcx is not gRPC");
	CHECK(status_of(&st, ":status", "200", "content-type", "application/grpc", NULL) ==
		  CTRD_INTERNAL,
	      "stream ended without a status");
	CHECK(status_of(&st, NULL) == CTRD_INTERNAL, "nothing at all");
	ctrd_status_clear(&st);
}

static void test_percent_decoding(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"plain", "plain"}, {"%41%62%2525", "Ab%25"}, {"100%", "100%"},
	    {"%4", "%4"},	{"%zz%4g", "%zz%4g"},	  {"%c3%a9t%C3%A9", "\xc3\xa9t\xc3\xa9"},
	    {"", ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = grpc_percent_decode((const uint8_t *)cases[i].in, strlen(cases[i].in));
		CHECK(got && strcmp(got, cases[i].out) == 0, "%s -> %s, not %s", cases[i].in, got,
		      cases[i].out);
		free(got);
	}
	/* a NUL byte decodes into the middle: the message stops there, nothing overruns */
	char *got = grpc_percent_decode((const uint8_t *)"a%00b", 5);
	CHECK(got && strcmp(got, "a") == 0 && memcmp(got, "a\0b", 4) == 0, "%%00");
	free(got);
}

static void test_timeout_header(void)
{
	char out[16];
	grpc_timeout_encode(out, 10000);
	CHECK(strcmp(out, "10000m") == 0, "%s", out);
	grpc_timeout_encode(out, 0);
	CHECK(strcmp(out, "1m") == 0, "%s", out);
	grpc_timeout_encode(out, 99999999);
	CHECK(strcmp(out, "99999999m") == 0, "%s", out);
	grpc_timeout_encode(out, 100000000);
	CHECK(strcmp(out, "100000S") == 0, "%s", out);
	grpc_timeout_encode(out, INT64_MAX);
	CHECK(strlen(out) <= 9 && out[strlen(out) - 1] == 'H', "%s", out);
}

int main(void)
{
	test_reassembly_at_every_cut();
	test_callback_stops_the_feed();
	test_compressed_and_oversized_messages_are_refused();
	test_status_from_trailers();
	test_status_without_grpc_status();
	test_percent_decoding();
	test_timeout_header();
	return check_report();
}

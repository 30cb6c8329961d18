/* gRPC's message prefix, response status and timeout header, without a socket. */
#include "grpc_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"

int grpc_reader_feed(struct grpc_reader *r, const uint8_t *data, size_t len, grpc_message_fn fn,
		     void *user, struct ctrd_status *st)
{
	while (len > 0) {
		if (r->prefix_len < 5) {
			size_t take = 5 - r->prefix_len;
			if (take > len)
				take = len;
			memcpy(r->prefix + r->prefix_len, data, take);
			r->prefix_len += take;
			data += take;
			len -= take;
			if (r->prefix_len < 5)
				return 0;
			/* no grpc-accept-encoding was sent, so a compressed message is a
			 * protocol error, not something to inflate */
			if (r->prefix[0] != 0) {
				ctrd_status_set(st, CTRD_INTERNAL,
						"grpc: compressed message (flag %u) not requested",
						r->prefix[0]);
				return -1;
			}
			r->msg_len = (size_t)r->prefix[1] << 24 | (size_t)r->prefix[2] << 16 |
				     (size_t)r->prefix[3] << 8 | r->prefix[4];
			if (r->msg_len > GRPC_MAX_MESSAGE) {
				ctrd_status_set(
				    st, CTRD_RESOURCE_EXHAUSTED,
				    "grpc: received message larger than max (%zu vs. %u)",
				    r->msg_len, GRPC_MAX_MESSAGE);
				return -1;
			}
			r->msg_got = 0;
		}
		size_t take = r->msg_len - r->msg_got;
		if (take > len)
			take = len;
		/* grown as bytes arrive, not as the prefix claims: a peer that announces
		 * 64 MB and sends 10 bytes costs 10 bytes */
		if (r->msg_got + take + 1 > r->msg_cap) {
			size_t cap = r->msg_cap ? r->msg_cap * 2 : 4096;
			if (cap < r->msg_got + take + 1)
				cap = r->msg_got + take + 1;
			if (cap > r->msg_len + 1)
				cap = r->msg_len + 1;
			uint8_t *p = realloc(r->msg, cap);
			if (!p) {
				ctrd_status_set(st, CTRD_RESOURCE_EXHAUSTED, "out of memory");
				return -1;
			}
			r->msg = p;
			r->msg_cap = cap;
		}
		memcpy(r->msg + r->msg_got, data, take);
		r->msg_got += take;
		data += take;
		len -= take;
		if (r->msg_got < r->msg_len)
			return 0;
		r->prefix_len = 0;
		int rc = fn(r->msg, r->msg_len, user);
		if (r->msg_cap > (1u << 20)) {
			/* keep a small buffer for the next message, not a big one */
			free(r->msg);
			r->msg = NULL;
			r->msg_cap = 0;
		}
		if (rc)
			return rc;
	}
	return 0;
}

bool grpc_reader_idle(const struct grpc_reader *r)
{
	return r->prefix_len == 0;
}

void grpc_reader_clear(struct grpc_reader *r)
{
	free(r->msg);
	memset(r, 0, sizeof(*r));
}

void grpc_prefix_encode(uint8_t out[5], uint32_t len)
{
	out[0] = 0;
	out[1] = (uint8_t)(len >> 24);
	out[2] = (uint8_t)(len >> 16);
	out[3] = (uint8_t)(len >> 8);
	out[4] = (uint8_t)len;
}

void grpc_response_init(struct grpc_response *r)
{
	memset(r, 0, sizeof(*r));
	r->grpc_status = -1;
}

void grpc_response_clear(struct grpc_response *r)
{
	free(r->grpc_message);
	grpc_response_init(r);
}

static bool is_name(const uint8_t *name, size_t len, const char *want)
{
	return len == strlen(want) && memcmp(name, want, len) == 0;
}

static int hex_digit(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *grpc_percent_decode(const uint8_t *s, size_t len)
{
	char *out = malloc(len + 1);
	if (!out)
		return NULL;
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		int hi, lo;
		if (s[i] == '%' && i + 2 < len && (hi = hex_digit(s[i + 1])) >= 0 &&
		    (lo = hex_digit(s[i + 2])) >= 0) {
			out[n++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			out[n++] = (char)s[i];
		}
	}
	out[n] = '\0';
	return out;
}

/* grpc-status: decimal, no sign; anything else is UNKNOWN (as grpc-go does). */
static int parse_status(const uint8_t *v, size_t len)
{
	if (len == 0 || len > 9)
		return CTRD_UNKNOWN;
	int code = 0;
	for (size_t i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return CTRD_UNKNOWN;
		code = code * 10 + (v[i] - '0');
	}
	return code;
}

static bool is_grpc_content_type(const uint8_t *v, size_t len)
{
	static const char base[] = "application/grpc";
	size_t n = sizeof(base) - 1;
	if (len < n || memcmp(v, base, n) != 0)
		return false;
	return len == n || v[n] == '+' || v[n] == ';';
}

void grpc_response_header(struct grpc_response *r, const uint8_t *name, size_t name_len,
			  const uint8_t *value, size_t value_len)
{
	if (is_name(name, name_len, ":status")) {
		int s = parse_status(value, value_len);
		r->http_status = value_len == 3 ? s : 0;
	} else if (is_name(name, name_len, "content-type")) {
		r->grpc_content = is_grpc_content_type(value, value_len);
	} else if (is_name(name, name_len, "grpc-status")) {
		r->grpc_status = parse_status(value, value_len);
	} else if (is_name(name, name_len, "grpc-message")) {
		char *m = grpc_percent_decode(value, value_len);
		if (m) {
			free(r->grpc_message);
			r->grpc_message = m;
		}
	}
}

/* gRPC's table for responses that carry no grpc-status. */
static int code_of_http(int http)
{
	switch (http) {
	case 400:
		return CTRD_INTERNAL;
	case 401:
		return CTRD_UNAUTHENTICATED;
	case 403:
		return CTRD_PERMISSION_DENIED;
	case 404:
		return CTRD_UNIMPLEMENTED;
	case 429:
	case 502:
	case 503:
	case 504:
		return CTRD_UNAVAILABLE;
	default:
		return CTRD_UNKNOWN;
	}
}

int grpc_response_status(const struct grpc_response *r, struct ctrd_status *st)
{
	if (r->grpc_status >= 0) {
		if (r->grpc_status == CTRD_OK)
			return ctrd_status_take(st, CTRD_OK, NULL);
		char *m = r->grpc_message ? strdup(r->grpc_message) : strdup("");
		return ctrd_status_take(st, r->grpc_status, m);
	}
	if (r->http_status != 0 && r->http_status != 200)
		return ctrd_status_set(st, code_of_http(r->http_status),
				       "grpc: unexpected HTTP status code %d", r->http_status);
	if (r->http_status == 200 && !r->grpc_content)
		return ctrd_status_set(st, CTRD_UNKNOWN, "grpc: response is not application/grpc");
	return ctrd_status_set(st, CTRD_INTERNAL, "grpc: stream ended without a grpc-status");
}

void grpc_timeout_encode(char out[16], int64_t timeout_ms)
{
	/* the value may have at most 8 digits: milliseconds up to ~27 h, then seconds,
	 * then hours */
	int64_t v = timeout_ms > 0 ? timeout_ms : 1;
	char unit = 'm';
	if (v >= 100000000) {
		v /= 1000;
		unit = 'S';
	}
	if (v >= 100000000) {
		v /= 3600;
		unit = 'H';
	}
	if (v >= 100000000)
		v = 99999999;
	snprintf(out, 16, "%u%c", (unsigned)v, unit);
}

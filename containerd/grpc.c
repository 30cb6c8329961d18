/* gRPC calls over HTTP/2 on a unix socket: nghttp2 drives the protocol from our own
 * poll loop, which also enforces each call's deadline and watches a cancel pipe. */
#include "grpc.h"

#include <errno.h>
#include <fcntl.h>
#include <nghttp2/nghttp2.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "status.h"

/* Windows large enough that a big List is not throttled by WINDOW_UPDATE round trips. */
#define WINDOW_SIZE (16 << 20)

struct grpc_call {
	int32_t stream_id;
	const struct grpc_call_spec *spec;
	uint8_t *body; /* prefix + request */
	size_t body_len, body_off;
	struct grpc_reader reader;
	struct grpc_response response;
	bool closed;  /* the stream ended (on_stream_close) */
	bool stopped; /* on_message asked to stop */
	bool failed;  /* a local error is in `error` */
	struct ctrd_status error;
	uint32_t reset_code; /* RST_STREAM error code, 0 when closed normally */
};

struct grpc_conn {
	int fd;
	int wake[2]; /* grpc_conn_cancel's self-pipe */
	nghttp2_session *h2;
	char *address;
	struct grpc_call *call; /* the call in progress, if any */
	bool broken;		/* the socket or session is gone: every call fails */
};

static int unreachable(struct grpc_conn *c, struct ctrd_status *st)
{
	c->broken = true;
	return ctrd_status_set(st, CTRD_UNAVAILABLE, "containerd unreachable at %s", c->address);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- nghttp2 callbacks: they only record, the loop decides ---- */

static ssize_t send_cb(nghttp2_session *h2, const uint8_t *data, size_t len, int flags, void *user)
{
	(void)h2;
	(void)flags;
	struct grpc_conn *c = user;
	ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);
	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EINTR)
		return NGHTTP2_ERR_WOULDBLOCK;
	return NGHTTP2_ERR_CALLBACK_FAILURE;
}

static struct grpc_call *call_of(struct grpc_conn *c, int32_t stream_id)
{
	return c->call && c->call->stream_id == stream_id ? c->call : NULL;
}

static int header_cb(nghttp2_session *h2, const nghttp2_frame *frame, const uint8_t *name,
		     size_t name_len, const uint8_t *value, size_t value_len, uint8_t flags,
		     void *user)
{
	(void)h2;
	(void)flags;
	struct grpc_call *call = call_of(user, frame->hd.stream_id);
	if (call)
		grpc_response_header(&call->response, name, name_len, value, value_len);
	return 0;
}

static int deliver(const uint8_t *msg, size_t len, void *user)
{
	struct grpc_call *call = user;
	return call->spec->on_message(msg, len, call->spec->user);
}

static int data_cb(nghttp2_session *h2, uint8_t flags, int32_t stream_id, const uint8_t *data,
		   size_t len, void *user)
{
	(void)flags;
	struct grpc_call *call = call_of(user, stream_id);
	if (!call || call->stopped || call->failed)
		return 0;
	int rc = grpc_reader_feed(&call->reader, data, len, deliver, call, &call->error);
	if (rc == 0)
		return 0;
	if (rc < 0)
		call->failed = true;
	else
		call->stopped = true;
	nghttp2_submit_rst_stream(h2, NGHTTP2_FLAG_NONE, stream_id, NGHTTP2_CANCEL);
	return 0;
}

static int close_cb(nghttp2_session *h2, int32_t stream_id, uint32_t error_code, void *user)
{
	(void)h2;
	struct grpc_call *call = call_of(user, stream_id);
	if (call) {
		call->closed = true;
		call->reset_code = error_code;
	}
	return 0;
}

static ssize_t body_cb(nghttp2_session *h2, int32_t stream_id, uint8_t *buf, size_t len,
		       uint32_t *data_flags, nghttp2_data_source *source, void *user)
{
	(void)h2;
	(void)stream_id;
	(void)user;
	struct grpc_call *call = source->ptr;
	size_t left = call->body_len - call->body_off;
	if (len > left)
		len = left;
	memcpy(buf, call->body + call->body_off, len);
	call->body_off += len;
	if (call->body_off == call->body_len)
		*data_flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)len;
}

/* ---- connection ---- */

static int connect_unix(const char *path, int timeout_ms)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	if (errno == EAGAIN || errno == EINPROGRESS) {
		/* the listener's backlog is full: wait for room, as long as the call may */
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		int err = 0;
		socklen_t elen = sizeof(err);
		if (poll(&p, 1, timeout_ms > 0 ? timeout_ms : -1) == 1 &&
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) == 0 && err == 0)
			return fd;
		errno = err ? err : ETIMEDOUT;
	}
	int saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

int grpc_connect(const char *path, const char *address, int timeout_ms, struct grpc_conn **out,
		 struct ctrd_status *st)
{
	struct grpc_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return ctrd_status_set(st, CTRD_RESOURCE_EXHAUSTED, "out of memory");
	c->fd = c->wake[0] = c->wake[1] = -1;
	c->address = strdup(address);
	if (!c->address) {
		grpc_conn_free(c);
		return ctrd_status_set(st, CTRD_RESOURCE_EXHAUSTED, "out of memory");
	}
	c->fd = connect_unix(path, timeout_ms);
	if (c->fd < 0) {
		int rc = unreachable(c, st);
		grpc_conn_free(c);
		return rc;
	}
	nghttp2_session_callbacks *cbs;
	if (pipe2(c->wake, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    nghttp2_session_callbacks_new(&cbs) != 0) {
		grpc_conn_free(c);
		return ctrd_status_set(st, CTRD_RESOURCE_EXHAUSTED, "out of resources: %s",
				       strerror(errno));
	}
	nghttp2_session_callbacks_set_send_callback(cbs, send_cb);
	nghttp2_session_callbacks_set_on_header_callback(cbs, header_cb);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, data_cb);
	nghttp2_session_callbacks_set_on_stream_close_callback(cbs, close_cb);
	int rv = nghttp2_session_client_new(&c->h2, cbs, c);
	nghttp2_session_callbacks_del(cbs);
	const nghttp2_settings_entry settings[] = {
	    {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
	    {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, WINDOW_SIZE},
	};
	if (rv == 0)
		rv = nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, settings,
					     sizeof(settings) / sizeof(settings[0]));
	if (rv == 0)
		rv =
		    nghttp2_session_set_local_window_size(c->h2, NGHTTP2_FLAG_NONE, 0, WINDOW_SIZE);
	if (rv != 0) {
		grpc_conn_free(c);
		return ctrd_status_set(st, CTRD_INTERNAL, "http2: %s", nghttp2_strerror(rv));
	}
	*out = c;
	return ctrd_status_take(st, CTRD_OK, NULL);
}

void grpc_conn_free(struct grpc_conn *c)
{
	if (!c)
		return;
	nghttp2_session_del(c->h2);
	if (c->fd >= 0)
		close(c->fd);
	if (c->wake[0] >= 0)
		close(c->wake[0]);
	if (c->wake[1] >= 0)
		close(c->wake[1]);
	free(c->address);
	free(c);
}

const char *grpc_conn_address(const struct grpc_conn *c)
{
	return c->address;
}

void grpc_conn_cancel(struct grpc_conn *c)
{
	char b = 1;
	/* a full pipe already holds a pending cancel */
	ssize_t n = write(c->wake[1], &b, 1);
	(void)n;
}

/* ---- one call ---- */

static int submit(struct grpc_conn *c, struct grpc_call *call, struct ctrd_status *st)
{
	const struct grpc_call_spec *spec = call->spec;
	char timeout[16];
#define HDR(n, v)                                                                                  \
	{(uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, strlen(v), NGHTTP2_NV_FLAG_NO_COPY_NAME}
	nghttp2_nv hdrs[9] = {
	    HDR(":method", "POST"),
	    HDR(":scheme", "http"),
	    HDR(":path", spec->method),
	    HDR(":authority", "localhost"),
	    HDR("content-type", "application/grpc"),
	    HDR("te", "trailers"),
	    HDR("user-agent", "ctrfs-containerd/" CTRFS_VERSION),
	};
	size_t n = 7;
	if (spec->timeout_ms > 0) {
		grpc_timeout_encode(timeout, spec->timeout_ms);
		hdrs[n++] = (nghttp2_nv)HDR("grpc-timeout", timeout);
	}
	if (spec->namespace_)
		hdrs[n++] = (nghttp2_nv)HDR("containerd-namespace", spec->namespace_);
#undef HDR
	nghttp2_data_provider body = {.source.ptr = call, .read_callback = body_cb};
	int32_t id = nghttp2_submit_request(c->h2, NULL, hdrs, n, &body, NULL);
	if (id == NGHTTP2_ERR_STREAM_ID_NOT_AVAILABLE)
		/* this connection has used all its stream ids: a new one will do */
		return unreachable(c, st);
	if (id < 0)
		return ctrd_status_set(st, CTRD_INTERNAL, "http2: %s", nghttp2_strerror(id));
	call->stream_id = id;
	return CTRD_OK;
}

/* Ends the call early on our side (deadline, cancel): the server is told with
 * RST_STREAM and the connection stays usable. */
static int abandon(struct grpc_conn *c, struct grpc_call *call, int code, const char *message,
		   struct ctrd_status *st)
{
	if (!call->closed) {
		nghttp2_submit_rst_stream(c->h2, NGHTTP2_FLAG_NONE, call->stream_id,
					  NGHTTP2_CANCEL);
		if (nghttp2_session_send(c->h2) != 0)
			c->broken = true;
	}
	return ctrd_status_set(st, code, "%s", message);
}

/* The status of a call whose stream has ended. */
static int outcome(struct grpc_call *call, struct ctrd_status *st)
{
	if (call->failed) {
		int code = call->error.code;
		ctrd_status_take(st, code, call->error.message);
		call->error.message = NULL;
		return code;
	}
	if (call->stopped)
		return ctrd_status_take(st, CTRD_OK, NULL);
	if (call->response.grpc_status < 0 && call->reset_code != NGHTTP2_NO_ERROR) {
		int code = call->reset_code == NGHTTP2_REFUSED_STREAM ? CTRD_UNAVAILABLE
			   : call->reset_code == NGHTTP2_CANCEL	      ? CTRD_CANCELLED
								      : CTRD_INTERNAL;
		return ctrd_status_set(st, code,
				       "stream terminated by RST_STREAM with error code: %u",
				       call->reset_code);
	}
	int code = grpc_response_status(&call->response, st);
	if (code == CTRD_OK && !grpc_reader_idle(&call->reader))
		return ctrd_status_set(st, CTRD_INTERNAL, "grpc: stream ended inside a message");
	return code;
}

static int run(struct grpc_conn *c, struct grpc_call *call, struct ctrd_status *st)
{
	int64_t deadline = call->spec->timeout_ms > 0 ? now_ms() + call->spec->timeout_ms : -1;
	bool sent = false;
	uint8_t buf[65536];
	for (;;) {
		if (nghttp2_session_send(c->h2) != 0)
			return unreachable(c, st);
		if (!sent && call->body_off == call->body_len &&
		    !nghttp2_session_want_write(c->h2)) {
			sent = true;
			if (call->spec->on_sent)
				call->spec->on_sent(call->spec->user);
		}
		if (call->closed || call->stopped || call->failed)
			break;
		if (!nghttp2_session_want_read(c->h2) && !nghttp2_session_want_write(c->h2))
			return unreachable(c, st); /* GOAWAY: the server is going away */
		int wait = -1;
		if (deadline >= 0) {
			int64_t left = deadline - now_ms();
			if (left <= 0)
				return abandon(c, call, CTRD_DEADLINE_EXCEEDED,
					       "context deadline exceeded", st);
			wait = left > 60000 ? 60000 : (int)left;
		}
		struct pollfd p[2] = {
		    {.fd = c->fd,
		     .events = POLLIN | (nghttp2_session_want_write(c->h2) ? POLLOUT : 0)},
		    {.fd = c->wake[0], .events = POLLIN},
		};
		int n = poll(p, 2, wait);
		if (n < 0 && errno != EINTR)
			return unreachable(c, st);
		if (n <= 0)
			continue;
		if (p[1].revents) {
			while (read(c->wake[0], buf, sizeof(buf)) > 0)
				;
			return abandon(c, call, CTRD_CANCELLED, "context canceled", st);
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t got = read(c->fd, buf, sizeof(buf));
			if (got < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (got <= 0)
				return unreachable(c, st);
			ssize_t used = nghttp2_session_mem_recv(c->h2, buf, (size_t)got);
			if (used < 0) {
				c->broken = true;
				return ctrd_status_set(st, CTRD_INTERNAL, "http2: %s",
						       nghttp2_strerror((int)used));
			}
		}
	}
	if (!call->closed && nghttp2_session_send(c->h2) != 0)
		c->broken = true; /* the RST_STREAM after a stop did not go out */
	return outcome(call, st);
}

int grpc_conn_call(struct grpc_conn *c, const struct grpc_call_spec *spec, struct ctrd_status *st)
{
	if (c->broken)
		return unreachable(c, st);
	if (spec->request_len > GRPC_MAX_MESSAGE)
		return ctrd_status_set(st, CTRD_RESOURCE_EXHAUSTED,
				       "grpc: request of %zu bytes is over the limit",
				       spec->request_len);
	struct grpc_call call = {.spec = spec, .body_len = spec->request_len + 5};
	grpc_response_init(&call.response);
	call.body = malloc(call.body_len);
	if (!call.body)
		return ctrd_status_set(st, CTRD_RESOURCE_EXHAUSTED, "out of memory");
	grpc_prefix_encode(call.body, (uint32_t)spec->request_len);
	if (spec->request_len)
		memcpy(call.body + 5, spec->request, spec->request_len);
	c->call = &call;
	int rc = submit(c, &call, st);
	if (rc == CTRD_OK)
		rc = run(c, &call, st);
	c->call = NULL;
	free(call.body);
	grpc_reader_clear(&call.reader);
	grpc_response_clear(&call.response);
	ctrd_status_clear(&call.error);
	return rc;
}

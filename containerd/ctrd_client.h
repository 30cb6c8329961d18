/* A containerd client: its gRPC API over the unix socket, for the store's sync, event
 * follower and writes. The rest of ctrfs includes this header only and never sees
 * HTTP/2, gRPC framing or protobuf.
 *
 * Why nghttp2 + protobuf-c and not gRPC's C core: containerd's API is plain HTTP/2 on a
 * unix socket with no TLS, no load balancing, no name resolution, no retries policy and
 * no compression, which is all the C core adds over the wire protocol; what is left
 * (a 5-byte message prefix, four request headers, two trailers) is ~300 lines over
 * nghttp2. Both libraries are small, stable Debian packages (libnghttp2 is already in
 * every curl install; libprotobuf-c is C and needs no C++ runtime), whereas Debian's
 * libgrpc pulls in C++, abseil, re2, c-ares and OpenSSL, has an unstable ABI between
 * releases and runs its own threads, which a FUSE daemon with its own threads must then
 * coordinate with. Messages are compiled at build time by protoc-c from containerd's
 * own .proto files (Debian's golang-github-containerd-containerd-dev), so the wire
 * format is containerd's by construction. See doc/CONTAINERD-CLIENT.md.
 *
 * Threads: a client (one connection) serves one thread at a time; run Subscribe on its
 * own client. Only ctrd_cancel() may be called from another thread.
 * Errors: every call returns a gRPC status code (CTRD_OK on success) and fills the
 * caller's struct ctrd_status with containerd's code and message unchanged; local
 * failures use the same codes (UNAVAILABLE "containerd unreachable at ADDRESS" when the
 * socket cannot be reached or the connection breaks, DEADLINE_EXCEEDED when a call's
 * deadline passes, CANCELLED after ctrd_cancel()). Reconnecting is the caller's job:
 * after UNAVAILABLE, free the client and connect again.
 * Ownership: every pointer in a result is owned by the result and freed by its
 * *_clear() function; inputs are borrowed for the duration of the call. */
#ifndef CTRFS_CTRD_CLIENT_H
#define CTRFS_CTRD_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CTRD_DEFAULT_ADDRESS                                                                       \
	"/run/containerd/containerd.sock" /* = CTRFS_CONTAINERD_DEFAULT_ADDRESS */
#define CTRD_DEFAULT_TIMEOUT_MS 10000

/* gRPC's status codes, as containerd's errdefs maps its errors onto them. */
enum ctrd_code {
	CTRD_OK = 0,
	CTRD_CANCELLED = 1,
	CTRD_UNKNOWN = 2,
	CTRD_INVALID_ARGUMENT = 3,
	CTRD_DEADLINE_EXCEEDED = 4,
	CTRD_NOT_FOUND = 5,
	CTRD_ALREADY_EXISTS = 6,
	CTRD_PERMISSION_DENIED = 7,
	CTRD_RESOURCE_EXHAUSTED = 8,
	CTRD_FAILED_PRECONDITION = 9,
	CTRD_ABORTED = 10,
	CTRD_OUT_OF_RANGE = 11,
	CTRD_UNIMPLEMENTED = 12,
	CTRD_INTERNAL = 13,
	CTRD_UNAVAILABLE = 14,
	CTRD_DATA_LOSS = 15,
	CTRD_UNAUTHENTICATED = 16,
};

/* A call's outcome: code and message (NULL when OK). Clear it before reuse. */
struct ctrd_status {
	int code;
	char *message;
};

void ctrd_status_clear(struct ctrd_status *st);
/* "NotFound", "AlreadyExists"...: the names containerd's Go code prints. */
const char *ctrd_code_name(int code);

/* A google.protobuf.Any, bytes exact. `present` tells an absent Any from an empty one
 * (ctr stores runtime options {type_url: "containerd.runc.v1.Options"} with no value). */
struct ctrd_any {
	bool present;
	char *type_url;
	uint8_t *value;
	size_t value_len;
};

/* A google.protobuf.Timestamp; `present` false when containerd sent none. */
struct ctrd_time {
	bool present;
	int64_t seconds;
	int32_t nanos;
};

struct ctrd_label {
	char *key;
	char *value;
};

struct ctrd_extension {
	char *name;
	struct ctrd_any value;
};

struct ctrd_namespace {
	char *name;
	struct ctrd_label *labels;
	size_t n_labels;
};

/* containerd.services.containers.v1.Container, every field. */
struct ctrd_container {
	char *id;
	struct ctrd_label *labels;
	size_t n_labels;
	char *image;
	char *runtime_name;
	struct ctrd_any runtime_options;
	struct ctrd_any spec;
	char *snapshotter;
	char *snapshot_key;
	struct ctrd_time created_at;
	struct ctrd_time updated_at;
	struct ctrd_extension *extensions;
	size_t n_extensions;
};

/* containerd.v1.types.Status */
enum ctrd_task_status {
	CTRD_TASK_UNKNOWN = 0,
	CTRD_TASK_CREATED = 1,
	CTRD_TASK_RUNNING = 2,
	CTRD_TASK_STOPPED = 3,
	CTRD_TASK_PAUSED = 4,
	CTRD_TASK_PAUSING = 5,
};
/* "created", "running"...: as `ctr tasks ls` prints them, in lower case. */
const char *ctrd_task_status_name(int status);

/* containerd.v1.types.Process: a task (id is its container's id) or an exec. */
struct ctrd_process {
	char *container_id;
	char *id;
	uint32_t pid;
	int status; /* enum ctrd_task_status */
	uint32_t exit_status;
	struct ctrd_time exited_at;
};

/* containerd.types.Descriptor: what an image points at (an index, a manifest...). */
struct ctrd_descriptor {
	char *media_type;
	char *digest; /* "sha256:<hex>" */
	int64_t size;
	struct ctrd_label *annotations;
	size_t n_annotations;
};

/* containerd.services.images.v1.Image. An image's annotations are its target's:
 * containerd keeps them on the descriptor (update paths "annotations",
 * "annotations.KEY" write target.annotations). */
struct ctrd_image {
	char *name;
	struct ctrd_label *labels;
	size_t n_labels;
	struct ctrd_descriptor target;
	struct ctrd_time created_at;
	struct ctrd_time updated_at;
};

struct ctrd_namespace_list {
	struct ctrd_namespace *items;
	size_t n;
};
struct ctrd_container_list {
	struct ctrd_container *items;
	size_t n;
};
struct ctrd_process_list {
	struct ctrd_process *items;
	size_t n;
};
struct ctrd_image_list {
	struct ctrd_image *items;
	size_t n;
};

void ctrd_any_clear(struct ctrd_any *any);
void ctrd_namespace_clear(struct ctrd_namespace *ns);
void ctrd_container_clear(struct ctrd_container *c);
void ctrd_process_clear(struct ctrd_process *p);
void ctrd_namespace_list_clear(struct ctrd_namespace_list *l);
void ctrd_container_list_clear(struct ctrd_container_list *l);
void ctrd_process_list_clear(struct ctrd_process_list *l);
void ctrd_descriptor_clear(struct ctrd_descriptor *d);
void ctrd_image_clear(struct ctrd_image *img);
void ctrd_image_list_clear(struct ctrd_image_list *l);

/* ---- connection ---- */

typedef struct ctrd_client ctrd_client;

/* The address `ctr` would use: $CONTAINERD_ADDRESS if set and not empty, else
 * CTRD_DEFAULT_ADDRESS. */
const char *ctrd_address_from_env(void);

/* Connects to ADDRESS ("/path" or "unix:///path") and opens the HTTP/2 session.
 * *out is set only on CTRD_OK; a socket that is missing, refuses or does not answer
 * gives CTRD_UNAVAILABLE "containerd unreachable at ADDRESS". */
int ctrd_connect(const char *address, ctrd_client **out, struct ctrd_status *st);
void ctrd_client_free(ctrd_client *c);
const char *ctrd_client_address(const ctrd_client *c);
/* The deadline of each later call (default CTRD_DEFAULT_TIMEOUT_MS), sent to
 * containerd as grpc-timeout and enforced locally. 0: no deadline (Subscribe). */
void ctrd_set_timeout(ctrd_client *c, int timeout_ms);
/* Makes the call in progress on C (in another thread) or the next one return
 * CTRD_CANCELLED; async-signal-safe. The client stays usable after that call. */
void ctrd_cancel(ctrd_client *c);

/* ---- namespaces (containerd.services.namespaces.v1.Namespaces) ---- */

int ctrd_namespaces_list(ctrd_client *c, struct ctrd_namespace_list *out, struct ctrd_status *st);
int ctrd_namespace_get(ctrd_client *c, const char *name, struct ctrd_namespace *out,
		       struct ctrd_status *st);
/* OUT may be NULL when the caller does not need containerd's answer. */
int ctrd_namespace_create(ctrd_client *c, const struct ctrd_namespace *ns,
			  struct ctrd_namespace *out, struct ctrd_status *st);
/* PATHS: containerd's field paths ("labels", "labels.KEY"); none means every field. */
int ctrd_namespace_update(ctrd_client *c, const struct ctrd_namespace *ns, const char *const *paths,
			  size_t n_paths, struct ctrd_namespace *out, struct ctrd_status *st);
int ctrd_namespace_delete(ctrd_client *c, const char *name, struct ctrd_status *st);

/* ---- containers (containerd.services.containers.v1.Containers), in namespace NS ---- */

/* FILTERS: containerd's filter strings (any of them matches); none lists everything.
 * Uses the ListStream call, so no 16 MB message limit applies to a large namespace. */
int ctrd_containers_list(ctrd_client *c, const char *ns, const char *const *filters,
			 size_t n_filters, struct ctrd_container_list *out, struct ctrd_status *st);
int ctrd_container_get(ctrd_client *c, const char *ns, const char *id, struct ctrd_container *out,
		       struct ctrd_status *st);
int ctrd_container_create(ctrd_client *c, const char *ns, const struct ctrd_container *in,
			  struct ctrd_container *out, struct ctrd_status *st);
/* PATHS: containerd's field paths ("labels.KEY", "image", "spec", "extensions.NAME"...);
 * OUT gets the container as stored, with containerd's updated_at. */
int ctrd_container_update(ctrd_client *c, const char *ns, const struct ctrd_container *in,
			  const char *const *paths, size_t n_paths, struct ctrd_container *out,
			  struct ctrd_status *st);
int ctrd_container_delete(ctrd_client *c, const char *ns, const char *id, struct ctrd_status *st);

/* ---- tasks (containerd.services.tasks.v1.Tasks), in namespace NS ---- */

int ctrd_tasks_list(ctrd_client *c, const char *ns, struct ctrd_process_list *out,
		    struct ctrd_status *st);
/* CONTAINER_ID's task; NotFound when it has none. */
int ctrd_task_get(ctrd_client *c, const char *ns, const char *container_id,
		  struct ctrd_process *out, struct ctrd_status *st);

/* ---- images (containerd.services.images.v1.Images), in namespace NS ---- */

/* FILTERS: containerd's filter strings over name, labels and target (e.g.
 * `labels."env"==prod`, `target.mediatype~="index"`); any of them matches. */
int ctrd_images_list(ctrd_client *c, const char *ns, const char *const *filters, size_t n_filters,
		     struct ctrd_image_list *out, struct ctrd_status *st);
int ctrd_image_get(ctrd_client *c, const char *ns, const char *name, struct ctrd_image *out,
		   struct ctrd_status *st);
/* containerd sets created_at and updated_at itself: IN's are not sent. */
int ctrd_image_create(ctrd_client *c, const char *ns, const struct ctrd_image *in,
		      struct ctrd_image *out, struct ctrd_status *st);
/* PATHS: "labels", "labels.KEY", "target", "annotations", "annotations.KEY"; none
 * replaces the whole record. An empty label value deletes the label (as for
 * containers). OUT (may be NULL) gets the image as stored, with its updated_at. */
int ctrd_image_update(ctrd_client *c, const char *ns, const struct ctrd_image *in,
		      const char *const *paths, size_t n_paths, struct ctrd_image *out,
		      struct ctrd_status *st);
/* SYNC: wait for containerd's garbage collection before answering, as `ctr i rm --sync`. */
int ctrd_image_delete(ctrd_client *c, const char *ns, const char *name, bool sync,
		      struct ctrd_status *st);

/* What `ctr images ls` shows of an image from the content store. */
struct ctrd_image_usage {
	int64_t size;	    /* SIZE: bytes of every document and layer this host would use */
	char **platforms;   /* PLATFORMS: "os/arch[/variant]", sorted, unique */
	size_t n_platforms; /* 0: ctr prints "-" */
};
void ctrd_image_usage_clear(struct ctrd_image_usage *u);

/* An image's SIZE and PLATFORMS as `ctr images ls` computes them, by reading TARGET's
 * index, manifests and configs from the content store (Content.Read; never layers):
 * the size of TARGET, of the manifest this host's platform picks from each index (as
 * ctr's platforms.Default(): on amd64 linux/amd64, else linux/386) and of its config
 * and layers; the platforms of every manifest of every index, or of the configs.
 * On an error (a document missing from the content store, a document that does not
 * parse) the call returns it and OUT still holds what ctr then prints after logging the
 * error: the size summed so far, and no platforms if their walk failed. */
int ctrd_image_usage(ctrd_client *c, const char *ns, const struct ctrd_descriptor *target,
		     struct ctrd_image_usage *out, struct ctrd_status *st);

/* ---- content (containerd.services.content.v1.Content), in namespace NS ---- */

/* Blob DIGEST whole into *DATA (malloc'd, *LEN bytes; freed by the caller). A blob over
 * MAX bytes is RESOURCE_EXHAUSTED; a missing one containerd's NotFound. */
int ctrd_content_read(ctrd_client *c, const char *ns, const char *digest, size_t max,
		      uint8_t **data, size_t *len, struct ctrd_status *st);

/* ---- events (containerd.services.events.v1.Events/Subscribe) ---- */

/* One event. The subject fields are decoded from the payload for the topics a follower
 * needs (/containers/..., /namespaces/..., /tasks/..., /images/...); others leave them
 * empty. */
struct ctrd_envelope {
	struct ctrd_time timestamp;
	const char *namespace_;
	const char *topic;
	struct ctrd_any event;	    /* the payload, bytes exact (e.g. containerd.events.TaskExit) */
	const char *container_id;   /* /containers/...: id; /tasks/...: container_id */
	const char *namespace_name; /* /namespaces/...: the namespace's name */
	const char *image_name;	    /* /images/...: the image's name */
	const char *exec_id;	    /* /tasks/exit, delete, exec-*: the process id */
	uint32_t pid;
	uint32_t exit_status;
	struct ctrd_time exited_at;
};

/* Called once per event; the envelope lives until the callback returns. A nonzero
 * return ends the subscription (Subscribe then returns CTRD_OK). */
typedef int (*ctrd_event_fn)(const struct ctrd_envelope *ev, void *user);

/* Streams events matching any of FILTERS (e.g. `topic~="/containers/"`; none: all) to
 * FN until FN returns nonzero, ctrd_cancel() (CTRD_CANCELLED), or the stream breaks
 * (CTRD_UNAVAILABLE: containerd went away; resync with the List calls, events are not
 * replayed). Blocks; runs with no deadline whatever ctrd_set_timeout() says.
 * READY, if not NULL, is called once containerd has accepted the subscription
 * (its response headers arrived): events after that point are not missed. */
int ctrd_subscribe(ctrd_client *c, const char *const *filters, size_t n_filters, ctrd_event_fn fn,
		   void (*ready)(void *user), void *user, struct ctrd_status *st);

#endif

/* What a node of the mount can be: its kind, and for a file of fixed name which one.
 * A leaf header: the views' headers and the node table share these without including
 * each other. */
#ifndef CTRFS_FS_KINDS_H
#define CTRFS_FS_KINDS_H

#include <stdbool.h>

enum node_kind {
	NODE_ROOT,
	NODE_NS,	 /* <ns>/ */
	NODE_NS_LABELS,	 /* <ns>/.labels/ */
	NODE_CTR,	 /* <ns>/<id>/ */
	NODE_RUNTIME,	 /* <ns>/<id>/runtime/ */
	NODE_LABELS,	 /* <ns>/<id>/labels/ */
	NODE_EXTENSIONS, /* <ns>/<id>/extensions/ */
	NODE_FIELD,	 /* one of a container's fixed files */
	NODE_NS_LABEL,	 /* <ns>/.labels/<key> */
	NODE_LABEL,	 /* <ns>/<id>/labels/<key> */
	NODE_EXTENSION,	 /* <ns>/<id>/extensions/<name> */
	NODE_SCRATCH,	 /* any other file created through the mount: memory only */
	NODE_EVENTS,	 /* .events: the change feed (events.c) */
	NODE_ERRORS,	 /* .errors: the latest refusals (errors.c) */
	NODE_CRI,	 /* <ns>/<id>/cri/: CRI's record, read-only (cri.c) */
	NODE_CRI_STATUS, /* <ns>/<id>/cri/status/ */
	NODE_CRI_FILE,	 /* a file of those two; `field` holds its enum cri_file */
	/* <ns>/.pods/...: key is the path below .pods (pods.c); loose nodes */
	NODE_PODS,	     /* <ns>/.pods/ */
	NODE_POD_NS,	     /* .pods/<pod-namespace>/ */
	NODE_POD,	     /* .pods/<pod-namespace>/<pod-name>/ */
	NODE_POD_ATTEMPTS,   /* .../attempts/ */
	NODE_POD_CONTAINERS, /* .../containers/ */
	NODE_POD_LINK,	     /* .../sandbox, attempts/<n>, containers/<name>: symlinks */
	/* <ns>/.query/...: key is the path below .query (query.c); loose nodes */
	NODE_QUERIES,	 /* <ns>/.query/: lists nothing */
	NODE_QUERY,	 /* .query/<filter>/ */
	NODE_QUERY_LINK, /* .query/<filter>/<id>: a symlink to the container */
	/* <ns>/.images/...: key is the path below .images (images.c); loose nodes */
	NODE_IMAGES,		/* <ns>/.images/ */
	NODE_IMAGE,		/* .images/<name>/ */
	NODE_IMAGE_TARGET,	/* .images/<name>/target/ */
	NODE_IMAGE_ANNOTATIONS, /* .images/<name>/target/annotations/ */
	NODE_IMAGE_LABELS,	/* .images/<name>/labels/ */
	NODE_IMAGE_FILE, /* created_at, updated_at, target/<file>: `field` holds its image_file */
	NODE_IMAGE_ANNOTATION, /* target/annotations/<key> */
	NODE_IMAGE_LABEL,      /* labels/<key>: writable */
	NODE_CTR_IMAGE,	       /* <ns>/<id>/.image: symlink to its image's directory */
	NODE_TASK,	       /* <ns>/<id>/task/: its task, read-only (task.c) */
	NODE_TASK_FILE,	       /* a file of task/; `field` holds its enum task_file */
};

enum field {
	FIELD_CONTAINER_JSON,
	FIELD_IMAGE,
	FIELD_SPEC_JSON,
	FIELD_SNAPSHOTTER,
	FIELD_SNAPSHOT_KEY,
	FIELD_SANDBOX_ID,
	FIELD_CREATED_AT,
	FIELD_UPDATED_AT,
	FIELD_RUNTIME_NAME,
	FIELD_RUNTIME_OPTIONS,
	FIELD_COUNT,
};

/* The files of cri/ and cri/status/ (struct fspath's `field` of a NODE_CRI_FILE). */
enum cri_file {
	CRI_KIND,
	CRI_NAME,
	CRI_CONFIG_JSON,
	CRI_ATTEMPT,
	CRI_SANDBOX_ID, /* containers */
	CRI_IMAGE_REF,
	CRI_LOG_PATH,
	CRI_STOP_SIGNAL,
	CRI_NAMESPACE, /* sandboxes */
	CRI_UID,
	CRI_RUNTIME_HANDLER,
	CRI_NETNS_PATH,
	CRI_IP,
	CRI_STATUS_FIRST, /* cri/status/: containers, with a readable CRI root */
	CRI_PID = CRI_STATUS_FIRST,
	CRI_STATE,
	CRI_EXIT_CODE,
	CRI_STARTED_AT,
	CRI_FINISHED_AT,
	CRI_REASON,
	CRI_MESSAGE,
	CRI_FILE_COUNT,
};

/* The files of task/ (struct fspath's `field` of a NODE_TASK_FILE). */
enum task_file {
	TASK_STATUS,
	TASK_PID,
	TASK_EXIT_STATUS,
	TASK_EXITED_AT,
	TASK_FILE_COUNT,
};

static inline bool node_is_dir(enum node_kind k)
{
	return k <= NODE_EXTENSIONS || k == NODE_CRI || k == NODE_CRI_STATUS ||
	       (k >= NODE_PODS && k < NODE_POD_LINK) || k == NODE_QUERIES || k == NODE_QUERY ||
	       (k >= NODE_IMAGES && k < NODE_IMAGE_FILE) || k == NODE_TASK;
}

static inline bool node_is_link(enum node_kind k)
{
	return k == NODE_POD_LINK || k == NODE_QUERY_LINK || k == NODE_CTR_IMAGE;
}

/* The images view and the containers' links into it (never cached by the kernel:
 * loose nodes) */
static inline bool node_is_images(enum node_kind k)
{
	return k >= NODE_IMAGES && k <= NODE_CTR_IMAGE;
}

/* The read-only task view below a container (never cached by the kernel) */
static inline bool node_is_task(enum node_kind k)
{
	return k == NODE_TASK || k == NODE_TASK_FILE;
}

/* The pods view (never cached by the kernel: loose nodes) */
static inline bool node_is_pods(enum node_kind k)
{
	return k >= NODE_PODS && k <= NODE_POD_LINK;
}

/* The filters-as-directories view (never cached by the kernel: loose nodes) */
static inline bool node_is_query(enum node_kind k)
{
	return k >= NODE_QUERIES && k <= NODE_QUERY_LINK;
}

/* The views derived from a whole namespace: loose nodes, made at lookup */
static inline bool node_is_derived(enum node_kind k)
{
	return node_is_pods(k) || node_is_query(k);
}

/* The read-only CRI view below a container (never cached by the kernel) */
static inline bool node_is_cri(enum node_kind k)
{
	return k == NODE_CRI || k == NODE_CRI_STATUS || k == NODE_CRI_FILE;
}

/* The read-only views: CRI's records (cri/, .pods/), .query/, tasks (task/) and .images/
 * (but for an image's labels) */
static inline bool node_is_view(enum node_kind k)
{
	return node_is_cri(k) || node_is_derived(k) || node_is_task(k) ||
	       (node_is_images(k) && k != NODE_IMAGE_LABEL);
}

/* Label files, of containers and namespaces: an empty label is no label (containerd
 * stores none), so an emptied one stays as an empty file that is not stored */
static inline bool node_is_label(enum node_kind k)
{
	return k == NODE_LABEL || k == NODE_NS_LABEL || k == NODE_IMAGE_LABEL;
}

/* Files named by a key (a label key or an extension name) */
static inline bool node_is_key(enum node_kind k)
{
	return k == NODE_LABEL || k == NODE_EXTENSION || k == NODE_NS_LABEL;
}

#endif

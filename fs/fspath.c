/* What a path of the mount means: the fixed names of a container's files, the grammar
 * of each directory (the views' own below theirs, view_paths.h), and back from a
 * meaning to its path. Pure: no state, no lock. */
#include "fspath.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "names.h"
#include "view_paths.h"

/* ---- a container's fixed files ---- */

static const char *const field_names[FIELD_COUNT] = {
    [FIELD_CONTAINER_JSON] = "container.json",
    [FIELD_IMAGE] = "image",
    [FIELD_SPEC_JSON] = "spec.json",
    [FIELD_SNAPSHOTTER] = "snapshotter",
    [FIELD_SNAPSHOT_KEY] = "snapshot_key",
    [FIELD_SANDBOX_ID] = "sandbox_id",
    [FIELD_CREATED_AT] = "created_at",
    [FIELD_UPDATED_AT] = "updated_at",
    [FIELD_RUNTIME_NAME] = "name",
    [FIELD_RUNTIME_OPTIONS] = "options",
};

const char *field_name(enum field f)
{
	return field_names[f];
}

const char *field_title(enum field f)
{
	if (f == FIELD_RUNTIME_NAME)
		return "runtime/name";
	if (f == FIELD_RUNTIME_OPTIONS)
		return "runtime/options";
	return field_names[f];
}

bool field_in_runtime(enum field f)
{
	return f == FIELD_RUNTIME_NAME || f == FIELD_RUNTIME_OPTIONS;
}

bool field_writable(enum field f)
{
	return f == FIELD_CONTAINER_JSON || f == FIELD_IMAGE || f == FIELD_SPEC_JSON ||
	       f == FIELD_SNAPSHOT_KEY;
}

bool field_optional(enum field f)
{
	return f == FIELD_IMAGE || f == FIELD_SNAPSHOT_KEY;
}

void fspath_clear(struct fspath *fp)
{
	free(fp->key);
	fp->key = NULL;
}

int fspath_copy(struct fspath *dst, const struct fspath *src)
{
	*dst = *src;
	if (src->key && !(dst->key = strdup(src->key)))
		return -ENOMEM;
	return 0;
}

/* ---- names to meanings ---- */

static bool is_identifier(const char *s)
{
	return ctrfs_identifier_validate(s, NULL) == CTRFS_OK;
}

/* In a directory of keys: the key a name stands for, or a scratch file. */
static int key_child(enum node_kind kind, const char *name, struct fspath *out)
{
	if (names_decode(name, &out->key)) {
		out->kind = kind;
		return 0;
	}
	out->kind = NODE_SCRATCH;
	return 0;
}

int fspath_child(const struct fspath *dir, const char *name, struct fspath *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->ns, dir->ns, sizeof(out->ns));
	memcpy(out->id, dir->id, sizeof(out->id));
	switch (dir->kind) {
	case NODE_ROOT:
		if (strcmp(name, ".events") == 0) {
			out->kind = NODE_EVENTS;
			return 0;
		}
		if (strcmp(name, ".errors") == 0) {
			out->kind = NODE_ERRORS;
			return 0;
		}
		if (!is_identifier(name))
			return -ENOENT;
		out->kind = NODE_NS;
		strcpy(out->ns, name);
		return 0;
	case NODE_NS:
		if (strcmp(name, ".labels") == 0) {
			out->kind = NODE_NS_LABELS;
			return 0;
		}
		if (strcmp(name, ".pods") == 0) {
			out->kind = NODE_PODS;
			return 0;
		}
		if (strcmp(name, ".query") == 0) {
			out->kind = NODE_QUERIES;
			return 0;
		}
		if (strcmp(name, ".images") == 0) {
			out->kind = NODE_IMAGES;
			return 0;
		}
		if (!is_identifier(name))
			return -ENOENT;
		out->kind = NODE_CTR;
		strcpy(out->id, name);
		return 0;
	case NODE_NS_LABELS:
		return key_child(NODE_NS_LABEL, name, out);
	case NODE_LABELS:
		return key_child(NODE_LABEL, name, out);
	case NODE_EXTENSIONS:
		return key_child(NODE_EXTENSION, name, out);
	case NODE_CTR:
		if (strcmp(name, "runtime") == 0)
			out->kind = NODE_RUNTIME;
		else if (strcmp(name, "labels") == 0)
			out->kind = NODE_LABELS;
		else if (strcmp(name, "extensions") == 0)
			out->kind = NODE_EXTENSIONS;
		else if (strcmp(name, "cri") == 0)
			out->kind = NODE_CRI; /* exists when the container has CRI metadata */
		else if (strcmp(name, ".image") == 0)
			out->kind = NODE_CTR_IMAGE; /* exists when its image does (images.c) */
		else if (strcmp(name, "task") == 0)
			out->kind = NODE_TASK; /* exists when the container has a task */
		else
			out->kind = NODE_SCRATCH;
		for (int f = 0; out->kind == NODE_SCRATCH && f < FIELD_COUNT; f++) {
			if (!field_in_runtime(f) && strcmp(name, field_names[f]) == 0) {
				out->kind = NODE_FIELD;
				out->field = f;
			}
		}
		return 0;
	case NODE_RUNTIME:
		for (int f = 0; f < FIELD_COUNT; f++) {
			if (field_in_runtime(f) && strcmp(name, field_names[f]) == 0) {
				out->kind = NODE_FIELD;
				out->field = f;
				return 0;
			}
		}
		/* a scratch file, as in the container's directory (rsync writes
		 * runtime/.name.XXXXXX, then renames it over runtime/name) */
		out->kind = NODE_SCRATCH;
		return 0;
	case NODE_CRI:
	case NODE_CRI_STATUS:
		return cri_child(dir, name, out);
	case NODE_TASK:
		return task_child(name, out);
	case NODE_PODS:
	case NODE_POD_NS:
	case NODE_POD:
	case NODE_POD_ATTEMPTS:
	case NODE_POD_CONTAINERS:
		return pods_child(dir, name, out);
	case NODE_QUERIES:
	case NODE_QUERY:
		return query_child(dir, name, out);
	case NODE_IMAGES:
	case NODE_IMAGE:
	case NODE_IMAGE_TARGET:
	case NODE_IMAGE_ANNOTATIONS:
	case NODE_IMAGE_LABELS:
		return images_child(dir, name, out);
	default:
		return -ENOTDIR;
	}
}

int fspath_parent(const struct fspath *dir, struct fspath *out)
{
	memset(out, 0, sizeof(*out));
	if (node_is_pods(dir->kind))
		return pods_parent(dir, out);
	if (node_is_query(dir->kind))
		return query_parent(dir, out);
	if (node_is_images(dir->kind))
		return images_parent(dir, out);
	switch (dir->kind) {
	case NODE_NS:
		out->kind = NODE_ROOT;
		return 0;
	case NODE_NS_LABELS:
	case NODE_CTR:
		out->kind = NODE_NS;
		memcpy(out->ns, dir->ns, sizeof(out->ns));
		return 0;
	case NODE_RUNTIME:
	case NODE_LABELS:
	case NODE_EXTENSIONS:
	case NODE_CRI:
	case NODE_CRI_STATUS:
	case NODE_TASK:
		out->kind = dir->kind == NODE_CRI_STATUS ? NODE_CRI : NODE_CTR;
		memcpy(out->ns, dir->ns, sizeof(out->ns));
		memcpy(out->id, dir->id, sizeof(out->id));
		return 0;
	default:
		return -ENOTDIR;
	}
}

char *path_join(const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	char *p = malloc(dl + nl + 2);
	if (!p)
		return NULL;
	if (dl) {
		memcpy(p, dir, dl);
		p[dl++] = '/';
	}
	memcpy(p + dl, name, nl + 1);
	return p;
}

/* ---- and back: the path of a meaning ---- */

char *fspath_store_path(const struct fspath *fp)
{
	char *out = NULL, *name = NULL;
	if (node_is_key(fp->kind) && !(name = names_encode(fp->key)))
		return NULL;
	int rc;
	switch (fp->kind) {
	case NODE_NS:
		rc = asprintf(&out, "%s", fp->ns);
		break;
	case NODE_NS_LABELS:
		rc = asprintf(&out, "%s/.labels", fp->ns);
		break;
	case NODE_NS_LABEL:
		rc = asprintf(&out, "%s/.labels/%s", fp->ns, name);
		break;
	case NODE_CTR:
		rc = asprintf(&out, "%s/%s", fp->ns, fp->id);
		break;
	case NODE_FIELD:
		rc = asprintf(&out, "%s/%s/%s%s", fp->ns, fp->id,
			      field_in_runtime(fp->field) ? "runtime/" : "", field_name(fp->field));
		break;
	case NODE_RUNTIME:
		rc = asprintf(&out, "%s/%s/runtime", fp->ns, fp->id);
		break;
	case NODE_LABELS:
		rc = asprintf(&out, "%s/%s/labels", fp->ns, fp->id);
		break;
	case NODE_EXTENSIONS:
		rc = asprintf(&out, "%s/%s/extensions", fp->ns, fp->id);
		break;
	case NODE_LABEL:
		rc = asprintf(&out, "%s/%s/labels/%s", fp->ns, fp->id, name);
		break;
	case NODE_EXTENSION:
		rc = asprintf(&out, "%s/%s/extensions/%s", fp->ns, fp->id, name);
		break;
	case NODE_CRI:
	case NODE_CRI_STATUS:
	case NODE_CRI_FILE:
		rc = asprintf(&out, "%s/%s/cri%s%s%s", fp->ns, fp->id,
			      fp->kind == NODE_CRI_STATUS || (fp->kind == NODE_CRI_FILE &&
							      (int)fp->field >= CRI_STATUS_FIRST)
				  ? "/status"
				  : "",
			      fp->kind == NODE_CRI_FILE ? "/" : "",
			      fp->kind == NODE_CRI_FILE ? cri_file_name(fp->field) : "");
		break;
	case NODE_TASK:
	case NODE_TASK_FILE:
		rc = asprintf(&out, "%s/%s/task%s%s", fp->ns, fp->id,
			      fp->kind == NODE_TASK_FILE ? "/" : "",
			      fp->kind == NODE_TASK_FILE ? task_file_name(fp->field) : "");
		break;
	default:
		rc = -1;
		break;
	}
	free(name);
	return rc < 0 ? NULL : out;
}

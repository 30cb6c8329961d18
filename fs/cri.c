/* A container's cri/ directory: what containerd's CRI plugin keeps of a pod sandbox or a
 * Kubernetes container (its metadata extension, decoded by the store), and in
 * cri/status/ the container's state from CRI's status file. Read-only, and never kept
 * by the kernel (see read.c, handle.c): the status files change outside the store, and
 * the directory comes and goes with the extension, so every lookup, stat and open asks
 * again. */
#include "cri.h"
#include "view_paths.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

enum { SANDBOX = 1, CONTAINER = 2, BOTH = 3 };

static const struct {
	const char *name;
	unsigned kinds;
} files[CRI_FILE_COUNT] = {
    [CRI_KIND] = {"kind", BOTH},
    [CRI_NAME] = {"name", BOTH},
    [CRI_CONFIG_JSON] = {"config.json", BOTH},
    [CRI_ATTEMPT] = {"attempt", BOTH},
    [CRI_SANDBOX_ID] = {"sandbox_id", CONTAINER},
    [CRI_IMAGE_REF] = {"image_ref", CONTAINER},
    [CRI_LOG_PATH] = {"log_path", CONTAINER},
    [CRI_STOP_SIGNAL] = {"stop_signal", CONTAINER},
    [CRI_NAMESPACE] = {"namespace", SANDBOX},
    [CRI_UID] = {"uid", SANDBOX},
    [CRI_RUNTIME_HANDLER] = {"runtime_handler", SANDBOX},
    [CRI_NETNS_PATH] = {"netns_path", SANDBOX},
    [CRI_IP] = {"ip", SANDBOX},
    [CRI_PID] = {"pid", CONTAINER},
    [CRI_STATE] = {"state", CONTAINER},
    [CRI_EXIT_CODE] = {"exit_code", CONTAINER},
    [CRI_STARTED_AT] = {"started_at", CONTAINER},
    [CRI_FINISHED_AT] = {"finished_at", CONTAINER},
    [CRI_REASON] = {"reason", CONTAINER},
    [CRI_MESSAGE] = {"message", CONTAINER},
};

static unsigned kind_bit(ctrfs_cri_kind k)
{
	return k == CTRFS_CRI_SANDBOX ? SANDBOX : k == CTRFS_CRI_CONTAINER ? CONTAINER : 0;
}

bool cri_has(const ctrfs_container *c)
{
	return ctrfs_extensions_get(&c->extensions, CTRFS_CRI_SANDBOX_EXTENSION) ||
	       ctrfs_extensions_get(&c->extensions, CTRFS_CRI_CONTAINER_EXTENSION);
}

const char *cri_file_name(int f)
{
	return f >= 0 && f < CRI_FILE_COUNT ? files[f].name : "";
}

int cri_child(const struct fspath *dir, const char *name, struct fspath *out)
{
	if (dir->kind == NODE_CRI && strcmp(name, "status") == 0) {
		out->kind = NODE_CRI_STATUS;
		return 0;
	}
	int first = dir->kind == NODE_CRI ? 0 : CRI_STATUS_FIRST;
	int end = dir->kind == NODE_CRI ? CRI_STATUS_FIRST : CRI_FILE_COUNT;
	for (int f = first; f < end; f++) {
		if (strcmp(name, files[f].name) == 0) {
			out->kind = NODE_CRI_FILE;
			out->field = (enum field)f;
			return 0;
		}
	}
	return -ENOENT;
}

/* Is `path` in the namespace-level view `dir` (".pods")? Such a name can only be that
 * view: a container ID starts with a letter or digit, a key file's leading dot is
 * escaped (names.c). */
static bool in_view(const char *path, const char *dir)
{
	size_t len = strlen(dir), plen = path ? strlen(path) : 0;
	for (const char *p = path ? strstr(path, dir) : NULL; p; p = strstr(p + 1, dir))
		if (p > path && p[-1] == '/' && (p[len] == '/' || p + len == path + plen))
			return true;
	return false;
}

/* "NS/ID/task" or below it: the task view (task.c) */
static bool task_path(const char *path)
{
	const char *a = strchr(path, '/'), *b = a ? strchr(a + 1, '/') : NULL;
	return b && strncmp(b + 1, "task", 4) == 0 && (b[5] == '\0' || b[5] == '/');
}

int cri_refuse(const char *op, const char *path)
{
	if (in_view(path, ".query"))
		return refuse(EROFS, op, path,
			      ".query/ is read-only: each directory shows what its filter matches");
	if (in_view(path, ".images") || in_view(path, ".image"))
		return refuse(EROFS, op, path,
			      ".images/ is read-only but for each image's labels/: the rest is "
			      "what containerd pulled");
	if (!in_view(path, ".pods") && path && task_path(path))
		return refuse(EROFS, op, path,
			      "task/ is read-only: a task is containerd's (ctr tasks)");
	return refuse(EROFS, op, path,
		      "%s is read-only: containerd's CRI plugin owns these records",
		      in_view(path, ".pods") ? ".pods/" : "cri/");
}

/* "ns/id/cri/..." for log lines */
static void node_path(const struct fspath *fp, char *buf, size_t size)
{
	bool file = fp->kind == NODE_CRI_FILE;
	snprintf(buf, size, "%s/%s/cri%s%s%s", fp->ns, fp->id,
		 fp->kind == NODE_CRI_STATUS || (file && (int)fp->field >= CRI_STATUS_FIRST)
		     ? "/status"
		     : "",
		 file ? "/" : "", file ? cri_file_name(fp->field) : "");
}

/* The container's CRI view: 0, -ENOENT without CRI metadata, -EIO (logged) when it
 * does not decode. */
static int load(struct source *src, const struct fspath *fp, const ctrfs_container **c,
		ctrfs_cri *cri)
{
	int rc =
	    source_container(src, fp->ns, fp->id, CTRFS_LOAD_LABELS | CTRFS_LOAD_EXTENSIONS, c);
	if (rc)
		return rc;
	ctrfs_code code = ctrfs_cri_from_container(*c, cri, &src->err);
	if (code == CTRFS_NOT_FOUND)
		return -ENOENT;
	if (code) {
		char path[256];
		node_path(fp, path, sizeof(path));
		return refuse(EIO, "read", path, "%s", src->err.text);
	}
	return 0;
}

static bool root_readable(struct source *src)
{
	ctrfs_error err;
	return ctrfs_cri_root_check(src->fs->cri_root, &err) == CTRFS_OK;
}

int cri_dir_exists(struct source *src, const struct fspath *fp, ctrfs_time *mtime)
{
	const ctrfs_container *c;
	int rc =
	    source_container(src, fp->ns, fp->id, CTRFS_LOAD_LABELS | CTRFS_LOAD_EXTENSIONS, &c);
	if (rc)
		return rc;
	*mtime = c->updated_at;
	if (!cri_has(c))
		return -ENOENT;
	if (fp->kind == NODE_CRI)
		return 0;
	/* undecodable metadata has no status/: its files say why when read */
	ctrfs_cri cri;
	ctrfs_error err;
	if (ctrfs_cri_from_container(c, &cri, &err))
		return -ENOENT;
	bool container = cri.kind == CTRFS_CRI_CONTAINER;
	ctrfs_cri_clear(&cri);
	return container && root_readable(src) ? 0 : -ENOENT;
}

int cri_list(struct source *src, const struct fspath *dir,
	     void (*fn)(void *arg, const char *name, enum node_kind kind, int field), void *arg)
{
	const ctrfs_container *c;
	ctrfs_cri cri;
	int rc = load(src, dir, &c, &cri);
	if (rc)
		return rc;
	unsigned bit = kind_bit(cri.kind);
	bool status = bit == CONTAINER && root_readable(src);
	ctrfs_cri_clear(&cri);
	if (dir->kind == NODE_CRI_STATUS) {
		if (!status)
			return -ENOENT;
		for (int f = CRI_STATUS_FIRST; f < CRI_FILE_COUNT; f++)
			fn(arg, files[f].name, NODE_CRI_FILE, f);
		return 0;
	}
	for (int f = 0; f < CRI_STATUS_FIRST; f++)
		if (files[f].kinds & bit)
			fn(arg, files[f].name, NODE_CRI_FILE, f);
	if (status)
		fn(arg, "status", NODE_CRI_STATUS, 0);
	return 0;
}

static void line(struct strbuf *out, const char *v)
{
	strbuf_adds(out, v ? v : "");
	strbuf_addc(out, '\n');
}

/* A CRI time (Unix nanoseconds) as every time file of ctrfs shows one; 0 (never) as an
 * empty value. */
static void time_line(struct strbuf *out, int64_t ns)
{
	char buf[64] = "";
	if (ns) {
		int64_t sec = ns / 1000000000, nsec = ns % 1000000000;
		if (nsec < 0) {
			sec--;
			nsec += 1000000000;
		}
		ctrfs_time_format((ctrfs_time){sec, (int32_t)nsec}, buf, sizeof(buf));
	}
	line(out, buf);
}

/* The status files: the container's status file read now (none: CRI's unknown). */
static int render_status(struct source *src, const struct fspath *fp, const ctrfs_cri *cri,
			 struct strbuf *out)
{
	if (cri->kind != CTRFS_CRI_CONTAINER || !root_readable(src))
		return -ENOENT;
	ctrfs_cri_status st;
	ctrfs_error err;
	ctrfs_code code = ctrfs_cri_status_read(src->fs->cri_root, fp->id, &st, &err);
	if (code == CTRFS_NOT_FOUND) {
		code = ctrfs_cri_status_decode("{\"Version\":\"v1\"}", 16, &st, &err);
	}
	if (code) {
		char path[256];
		node_path(fp, path, sizeof(path));
		return refuse(store_errno(&err, EIO), "read", path, "%s", err.text);
	}
	switch ((enum cri_file)fp->field) {
	case CRI_PID:
		strbuf_addf(out, "%u\n", st.pid);
		break;
	case CRI_STATE:
		line(out, ctrfs_cri_state_name(st.state));
		break;
	case CRI_EXIT_CODE:
		strbuf_addf(out, "%d\n", st.exit_code);
		break;
	case CRI_STARTED_AT:
		time_line(out, st.started_at);
		break;
	case CRI_FINISHED_AT:
		time_line(out, st.finished_at);
		break;
	case CRI_REASON:
		line(out, st.reason);
		break;
	default:
		line(out, st.message);
		break;
	}
	ctrfs_cri_status_clear(&st);
	return 0;
}

int cri_render(struct source *src, const struct fspath *fp, struct strbuf *out, ctrfs_time *mtime)
{
	const ctrfs_container *c;
	ctrfs_cri cri;
	int f = (int)fp->field, rc;
	if (fp->kind != NODE_CRI_FILE)
		return -EISDIR;
	if (f < 0 || f >= CRI_FILE_COUNT)
		return -ENOENT;
	if ((rc = load(src, fp, &c, &cri)))
		return rc;
	*mtime = c->updated_at;
	if (!(files[f].kinds & kind_bit(cri.kind))) {
		ctrfs_cri_clear(&cri);
		return -ENOENT;
	}
	char *json;
	size_t len;
	switch ((enum cri_file)f) {
	case CRI_KIND:
		line(out, ctrfs_cri_kind_name(cri.kind));
		break;
	case CRI_NAME:
		line(out, cri.name);
		break;
	case CRI_CONFIG_JSON:
		if (ctrfs_cri_config_pretty(&cri, &json, &len, &src->err)) {
			rc = -store_errno(&src->err, EIO);
			break;
		}
		strbuf_add(out, json, len);
		free(json);
		break;
	case CRI_ATTEMPT:
		strbuf_addf(out, "%u\n", cri.attempt);
		break;
	case CRI_SANDBOX_ID:
		line(out, cri.sandbox_id);
		break;
	case CRI_IMAGE_REF:
		line(out, cri.image_ref);
		break;
	case CRI_LOG_PATH:
		line(out, cri.log_path);
		break;
	case CRI_STOP_SIGNAL:
		line(out, cri.stop_signal);
		break;
	case CRI_NAMESPACE:
		line(out, cri.pod_namespace);
		break;
	case CRI_UID:
		line(out, cri.pod_uid);
		break;
	case CRI_RUNTIME_HANDLER:
		line(out, cri.runtime_handler);
		break;
	case CRI_NETNS_PATH:
		line(out, cri.netns_path);
		break;
	case CRI_IP:
		line(out, cri.ip);
		break;
	default:
		rc = render_status(src, fp, &cri, out);
		break;
	}
	ctrfs_cri_clear(&cri);
	if (rc)
		return rc;
	return out->oom ? -ENOMEM : 0;
}

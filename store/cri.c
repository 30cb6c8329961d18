/* CRI (Kubernetes) records: the metadata extensions of containerd's CRI plugin and its
 * container status files, decoded into what CRI itself reports. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctrfs_store.h"
#include "error.h"
#include "json_text.h"
#include "strbuf.h"

const char *ctrfs_cri_kind_name(ctrfs_cri_kind kind)
{
	return kind == CTRFS_CRI_SANDBOX     ? "sandbox"
	       : kind == CTRFS_CRI_CONTAINER ? "container"
					     : "";
}

const char *ctrfs_cri_state_name(ctrfs_cri_state state)
{
	switch (state) {
	case CTRFS_CRI_STATE_CREATED:
		return "created";
	case CTRFS_CRI_STATE_RUNNING:
		return "running";
	case CTRFS_CRI_STATE_EXITED:
		return "exited";
	default:
		return "unknown";
	}
}

void ctrfs_cri_clear(ctrfs_cri *cri)
{
	char **fields[] = {&cri->id,
			   &cri->name,
			   &cri->unique_name,
			   &cri->pod_namespace,
			   &cri->pod_name,
			   &cri->pod_uid,
			   &cri->config,
			   &cri->sandbox_id,
			   &cri->image,
			   &cri->image_ref,
			   &cri->log_path,
			   &cri->stop_signal,
			   &cri->runtime_handler,
			   &cri->netns_path,
			   &cri->ip};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		free(*fields[i]);
	memset(cri, 0, sizeof(*cri));
}

void ctrfs_cri_status_clear(ctrfs_cri_status *st)
{
	free(st->reason);
	free(st->message);
	memset(st, 0, sizeof(*st));
}

/* One decoding: what is decoded ("CRI sandbox metadata") for every message. */
struct decode {
	const char *what;
	ctrfs_error *err;
	ctrfs_code code; /* of the first failure */
};

/* Parses a whole document: bounded, strict (Go's grammar, valid UTF-8), an object. */
static json_t *load_object(struct decode *d, const char *text, size_t len)
{
	if (len > CTRFS_CRI_DOC_MAX) {
		d->code = ctrfs_fail(d->err, CTRFS_INVALID_ARGUMENT,
				     "%s: %zu bytes, more than the %zu allowed", d->what, len,
				     CTRFS_CRI_DOC_MAX);
		return NULL;
	}
	char msg[128];
	size_t off;
	if (json_text_check(text, len, &off, msg, sizeof(msg)) != JSON_TEXT_OK) {
		d->code = ctrfs_fail(d->err, CTRFS_INVALID_ARGUMENT, "%s: not JSON: %s at byte %zu",
				     d->what, msg, off);
		return NULL;
	}
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_ALLOW_NUL, &jerr);
	if (!root) {
		d->code = ctrfs_fail(d->err, CTRFS_INVALID_ARGUMENT, "%s: %s", d->what, jerr.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		d->code =
		    ctrfs_fail(d->err, CTRFS_INVALID_ARGUMENT, "%s: not a JSON object", d->what);
		return NULL;
	}
	return root;
}

/* A string member (absent or null: "") copied to *out; false with the error made. */
static bool get_string(struct decode *d, json_t *obj, const char *key, char **out)
{
	json_t *v = obj ? json_object_get(obj, key) : NULL;
	const char *s = "";
	size_t n = 0;
	if (v && !json_is_null(v)) {
		if (!json_is_string(v)) {
			d->code = ctrfs_fail(d->err, CTRFS_INVALID_ARGUMENT,
					     "%s: %s is not a string", d->what, key);
			return false;
		}
		s = json_string_value(v);
		n = json_string_length(v);
		if (memchr(s, '\0', n)) {
			d->code = ctrfs_fail(d->err, CTRFS_INVALID_ARGUMENT,
					     "%s: %s holds a NUL character", d->what, key);
			return false;
		}
	}
	*out = strndup(s, n);
	if (!*out) {
		d->code = ctrfs_fail_oom(d->err);
		return false;
	}
	return true;
}

/* An integer member within [min, max] (absent or null: 0), as Go decodes into an int
 * type: a fraction or an exponent is refused, as is a value out of range. */
static bool get_int(struct decode *d, json_t *obj, const char *key, int64_t min, int64_t max,
		    int64_t *out)
{
	json_t *v = obj ? json_object_get(obj, key) : NULL;
	*out = 0;
	if (!v || json_is_null(v))
		return true;
	if (!json_is_integer(v)) {
		d->code = ctrfs_fail(d->err, CTRFS_INVALID_ARGUMENT, "%s: %s is not an integer",
				     d->what, key);
		return false;
	}
	json_int_t n = json_integer_value(v);
	if (n < min || n > max) {
		d->code = ctrfs_fail(d->err, CTRFS_INVALID_ARGUMENT, "%s: %s %lld is out of range",
				     d->what, key, (long long)n);
		return false;
	}
	*out = n;
	return true;
}

/* An object member (absent or null: NULL, which reads as empty); false if not one. */
static bool get_object(struct decode *d, json_t *obj, const char *key, json_t **out)
{
	json_t *v = obj ? json_object_get(obj, key) : NULL;
	*out = NULL;
	if (!v || json_is_null(v))
		return true;
	if (!json_is_object(v)) {
		d->code = ctrfs_fail(d->err, CTRFS_INVALID_ARGUMENT, "%s: %s is not an object",
				     d->what, key);
		return false;
	}
	*out = v;
	return true;
}

static bool dup_into(struct decode *d, const char *s, char **out)
{
	if (!(*out = strdup(s)))
		d->code = ctrfs_fail_oom(d->err);
	return *out != NULL;
}

/* Metadata.Config kept as CRI wrote it (its member order is the config's own), so
 * that config.json shows exactly what the kubelet asked for. */
static bool raw_config(struct decode *d, const char *text, size_t len, char **out)
{
	size_t ms, ml, cs, cl;
	if (!json_text_member(text, len, "Metadata", &ms, &ml) ||
	    !json_text_member(text + ms, ml, "Config", &cs, &cl) || text[ms + cs] != '{') {
		*out = strdup("{}");
	} else {
		*out = json_text_compact(text + ms + cs, cl, NULL);
	}
	if (!*out)
		d->code = ctrfs_fail_oom(d->err);
	return *out != NULL;
}

ctrfs_code ctrfs_cri_decode_metadata(const char *ext_name, const void *value, size_t len,
				     ctrfs_cri *out, ctrfs_error *err)
{
	memset(out, 0, sizeof(*out));
	bool sandbox = strcmp(ext_name, CTRFS_CRI_SANDBOX_EXTENSION) == 0;
	if (!sandbox && strcmp(ext_name, CTRFS_CRI_CONTAINER_EXTENSION) != 0)
		return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT, "%s is no CRI metadata extension",
				  ext_name);
	struct decode d = {sandbox ? "CRI sandbox metadata" : "CRI container metadata", err};
	const char *text = value;
	json_t *root = load_object(&d, text, len);
	if (!root)
		return d.code;
	json_t *version = json_object_get(root, "Version");
	json_t *md, *config, *cmeta, *image, *labels;
	int64_t attempt;
	bool ok = false;
	if (!json_is_string(version) || strcmp(json_string_value(version), "v1") != 0) {
		d.code =
		    ctrfs_fail(err, CTRFS_INVALID_ARGUMENT, "%s: Version is not \"v1\"", d.what);
		goto out;
	}
	if (!get_object(&d, root, "Metadata", &md) || !get_object(&d, md, "Config", &config) ||
	    !get_object(&d, config, "metadata", &cmeta) ||
	    !get_object(&d, config, "labels", &labels))
		goto out;
	if (!md) {
		d.code = ctrfs_fail(err, CTRFS_INVALID_ARGUMENT, "%s: no Metadata", d.what);
		goto out;
	}
	out->kind = sandbox ? CTRFS_CRI_SANDBOX : CTRFS_CRI_CONTAINER;
	if (!get_string(&d, md, "ID", &out->id) || !get_string(&d, md, "Name", &out->unique_name) ||
	    !get_string(&d, cmeta, "name", &out->name) ||
	    !get_int(&d, cmeta, "attempt", 0, UINT32_MAX, &attempt) ||
	    !raw_config(&d, text, len, &out->config))
		goto out;
	out->attempt = (uint32_t)attempt;
	if (sandbox) {
		ok = get_string(&d, cmeta, "namespace", &out->pod_namespace) &&
		     get_string(&d, cmeta, "uid", &out->pod_uid) &&
		     dup_into(&d, out->name, &out->pod_name) &&
		     get_string(&d, md, "RuntimeHandler", &out->runtime_handler) &&
		     get_string(&d, md, "NetNSPath", &out->netns_path) &&
		     get_string(&d, md, "IP", &out->ip);
	} else {
		/* the pod is named by the labels the kubelet puts in the config; the record's
		 * own labels take precedence (ctrfs_cri_from_container) */
		ok = get_object(&d, config, "image", &image) &&
		     get_string(&d, labels, "io.kubernetes.pod.namespace", &out->pod_namespace) &&
		     get_string(&d, labels, "io.kubernetes.pod.name", &out->pod_name) &&
		     get_string(&d, labels, "io.kubernetes.pod.uid", &out->pod_uid) &&
		     get_string(&d, image, "image", &out->image) &&
		     get_string(&d, md, "SandboxID", &out->sandbox_id) &&
		     get_string(&d, md, "ImageRef", &out->image_ref) &&
		     get_string(&d, md, "LogPath", &out->log_path) &&
		     get_string(&d, md, "StopSignal", &out->stop_signal);
	}
	/* every string the other kind has not is "", never NULL */
	char **all[] = {&out->pod_namespace,   &out->pod_name,	 &out->pod_uid,	 &out->sandbox_id,
			&out->image,	       &out->image_ref,	 &out->log_path, &out->stop_signal,
			&out->runtime_handler, &out->netns_path, &out->ip};
	for (size_t i = 0; ok && i < sizeof(all) / sizeof(all[0]); i++)
		if (!*all[i])
			ok = dup_into(&d, "", all[i]);
out:
	json_decref(root);
	if (!ok) {
		ctrfs_cri_clear(out);
		return d.code ? d.code : CTRFS_INVALID_ARGUMENT;
	}
	return CTRFS_OK;
}

/* Replaces *field with the record's label `key` when it has one. */
static ctrfs_code prefer_label(const ctrfs_container *c, const char *key, char **field,
			       ctrfs_error *err)
{
	const char *v = ctrfs_labels_get(&c->labels, key);
	if (!v || !*v)
		return CTRFS_OK;
	char *copy = strdup(v);
	if (!copy)
		return ctrfs_fail_oom(err);
	free(*field);
	*field = copy;
	return CTRFS_OK;
}

ctrfs_code ctrfs_cri_from_container(const ctrfs_container *c, ctrfs_cri *out, ctrfs_error *err)
{
	memset(out, 0, sizeof(*out));
	const char *name = CTRFS_CRI_SANDBOX_EXTENSION;
	const ctrfs_any *any = ctrfs_extensions_get(&c->extensions, name);
	if (!any) {
		name = CTRFS_CRI_CONTAINER_EXTENSION;
		any = ctrfs_extensions_get(&c->extensions, name);
	}
	if (!any)
		return ctrfs_fail(err, CTRFS_NOT_FOUND, "container \"%s\" has no CRI metadata",
				  c->id ? c->id : "");
	ctrfs_code code = ctrfs_cri_decode_metadata(name, any->value, any->value_len, out, err);
	if (code) {
		char prefix[128];
		snprintf(prefix, sizeof(prefix), "container \"%.76s\": ", c->id ? c->id : "");
		return ctrfs_error_prefix(err, code, prefix);
	}
	if (out->kind == CTRFS_CRI_CONTAINER &&
	    ((code = prefer_label(c, "io.kubernetes.pod.namespace", &out->pod_namespace, err)) ||
	     (code = prefer_label(c, "io.kubernetes.pod.name", &out->pod_name, err)) ||
	     (code = prefer_label(c, "io.kubernetes.pod.uid", &out->pod_uid, err)))) {
		ctrfs_cri_clear(out);
		return code;
	}
	return CTRFS_OK;
}

ctrfs_code ctrfs_cri_config_pretty(const ctrfs_cri *cri, char **out, size_t *len, ctrfs_error *err)
{
	struct strbuf sb = STRBUF_INIT;
	const char *cfg = cri->config ? cri->config : "{}";
	if (!json_text_indent(&sb, cfg, strlen(cfg), "", "    ")) {
		strbuf_release(&sb);
		return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT, "CRI config: not JSON");
	}
	strbuf_addc(&sb, '\n');
	*out = strbuf_detach(&sb, len);
	return *out ? CTRFS_OK : ctrfs_fail_oom(err);
}

ctrfs_code ctrfs_cri_status_decode(const void *text, size_t len, ctrfs_cri_status *out,
				   ctrfs_error *err)
{
	memset(out, 0, sizeof(*out));
	struct decode d = {"CRI status", err};
	json_t *root = load_object(&d, text, len);
	if (!root)
		return d.code;
	json_t *version = json_object_get(root, "Version");
	int64_t pid, exit_code;
	bool ok = false;
	if (!json_is_string(version) || strcmp(json_string_value(version), "v1") != 0) {
		d.code =
		    ctrfs_fail(err, CTRFS_INVALID_ARGUMENT, "%s: Version is not \"v1\"", d.what);
		goto out;
	}
	/* Go's types: Pid uint32, the times int64, ExitCode int32 */
	if (!get_int(&d, root, "Pid", 0, UINT32_MAX, &pid) ||
	    !get_int(&d, root, "CreatedAt", INT64_MIN, INT64_MAX, &out->created_at) ||
	    !get_int(&d, root, "StartedAt", INT64_MIN, INT64_MAX, &out->started_at) ||
	    !get_int(&d, root, "FinishedAt", INT64_MIN, INT64_MAX, &out->finished_at) ||
	    !get_int(&d, root, "ExitCode", INT32_MIN, INT32_MAX, &exit_code) ||
	    !get_string(&d, root, "Reason", &out->reason) ||
	    !get_string(&d, root, "Message", &out->message))
		goto out;
	out->pid = (uint32_t)pid;
	out->exit_code = (int32_t)exit_code;
	/* as CRI's Status.State() */
	out->state = out->finished_at != 0  ? CTRFS_CRI_STATE_EXITED
		     : out->started_at != 0 ? CTRFS_CRI_STATE_RUNNING
		     : out->created_at != 0 ? CTRFS_CRI_STATE_CREATED
					    : CTRFS_CRI_STATE_UNKNOWN;
	/* as CRI's ContainerStatus: an exit without a reason is reported by its code */
	if (out->state == CTRFS_CRI_STATE_EXITED && !*out->reason) {
		free(out->reason);
		out->reason = strdup(out->exit_code == 0 ? "Completed" : "Error");
		if (!out->reason) {
			d.code = ctrfs_fail_oom(err);
			goto out;
		}
	}
	ok = true;
out:
	json_decref(root);
	if (!ok) {
		ctrfs_cri_status_clear(out);
		return d.code ? d.code : CTRFS_INVALID_ARGUMENT;
	}
	return CTRFS_OK;
}

ctrfs_code ctrfs_cri_root_check(const char *cri_root, ctrfs_error *err)
{
	char *path;
	if (asprintf(&path, "%s/containers", cri_root) < 0)
		return ctrfs_fail_oom(err);
	struct stat st;
	ctrfs_code code = CTRFS_OK;
	if (stat(path, &st) != 0)
		code = ctrfs_fail_sys(err, CTRFS_UNAVAILABLE, errno, "CRI root %s: %s", cri_root,
				      strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		code = ctrfs_fail_sys(err, CTRFS_UNAVAILABLE, ENOTDIR, "CRI root %s: %s", cri_root,
				      strerror(ENOTDIR));
	else if (access(path, R_OK | X_OK) != 0)
		code = ctrfs_fail_sys(err, CTRFS_UNAVAILABLE, errno, "CRI root %s: %s", cri_root,
				      strerror(errno));
	free(path);
	return code;
}

/* An ID that names one directory below the root, never a path out of it. */
static bool id_is_plain(const char *id)
{
	return *id && !strchr(id, '/') && strcmp(id, ".") != 0 && strcmp(id, "..") != 0;
}

ctrfs_code ctrfs_cri_status_read(const char *cri_root, const char *id, ctrfs_cri_status *out,
				 ctrfs_error *err)
{
	memset(out, 0, sizeof(*out));
	if (!id_is_plain(id))
		return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
				  "CRI status: \"%s\" is no container ID", id);
	char *path;
	if (asprintf(&path, "%s/containers/%s/status", cri_root, id) < 0)
		return ctrfs_fail_oom(err);
	/* O_NONBLOCK: a FIFO planted there must not hang the reader */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	ctrfs_code code = CTRFS_OK;
	char *buf = NULL;
	if (fd < 0) {
		code = errno == ENOENT || errno == ENOTDIR
			   ? ctrfs_fail(err, CTRFS_NOT_FOUND, "%s: no CRI status file", path)
			   : ctrfs_fail_sys(err, CTRFS_UNAVAILABLE, errno, "%s: %s", path,
					    strerror(errno));
		goto done;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		code =
		    ctrfs_fail_sys(err, CTRFS_UNAVAILABLE, EINVAL, "%s: not a regular file", path);
		goto done;
	}
	/* read at most one byte past the bound: a file growing meanwhile is still bounded */
	buf = malloc(CTRFS_CRI_DOC_MAX + 1);
	if (!buf) {
		code = ctrfs_fail_oom(err);
		goto done;
	}
	size_t len = 0;
	while (len <= CTRFS_CRI_DOC_MAX) {
		ssize_t n = read(fd, buf + len, CTRFS_CRI_DOC_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			code = ctrfs_fail_sys(err, CTRFS_UNAVAILABLE, errno, "%s: %s", path,
					      strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	code = ctrfs_cri_status_decode(buf, len, out, err);
	if (code && err) {
		char prefix[PATH_MAX + 2];
		snprintf(prefix, sizeof(prefix), "%s: ", path);
		ctrfs_error_prefix(err, code, prefix);
	}
done:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(path);
	return code;
}

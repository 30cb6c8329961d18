/* Committing a file's content to the store: validation and one field-scoped update.
 * The store validates the model; this file only turns text into the value it stands
 * for and names the field path, then maps a refusal to an errno and one log line. */
#include "commit.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "anytext.h"
#include "json_text.h"

/* Everything one commit needs to say where and what. */
struct commit {
	struct ctrfs *fs;
	const struct fspath *fp;
	const char *path, *op;
	const char *text; /* the file's content */
	size_t len;
	bool final;
};

static int update(const struct commit *cm, ctrfs_container *c, const char *fieldpath)
{
	ctrfs_error err;
	c->id = (char *)cm->fp->id;
	ctrfs_code code = ctrfs_container_update(cm->fs->store, cm->fp->ns, c, &fieldpath,
						 fieldpath ? 1 : 0, NULL, &err);
	c->id = NULL; /* borrowed */
	return code ? refuse_store(cm->op, cm->path, &err, EPERM) : 0;
}

/* A JSON syntax verdict as commit_content's answer: INVALID and (when final)
 * INCOMPLETE are refusals. */
static int json_verdict(const struct commit *cm, json_text_status st, const char *msg)
{
	if (st == JSON_TEXT_OK)
		return 0;
	if (st == JSON_TEXT_INCOMPLETE && !cm->final)
		return COMMIT_INCOMPLETE;
	return refuse(EINVAL, cm->op, cm->path, "%s",
		      st == JSON_TEXT_INCOMPLETE ? "unexpected end of JSON input" : msg);
}

static int check_json(const struct commit *cm)
{
	char msg[200], why[160];
	size_t off;
	json_text_status st = json_text_check(cm->text, cm->len, &off, why, sizeof(why));
	snprintf(msg, sizeof(msg), "%s at byte %zu", why, off);
	return json_verdict(cm, st, msg);
}

/* The stored container, loaded for the bytes an unchanged write must keep. */
static int load(const struct commit *cm, unsigned mask, ctrfs_container *c)
{
	ctrfs_error err;
	if (ctrfs_container_get(cm->fs->store, cm->fp->ns, cm->fp->id, mask, c, &err))
		return refuse_store(cm->op, cm->path, &err, EPERM);
	return 0;
}

static bool is_object(const char *s, size_t len)
{
	size_t i = 0;
	while (i < len && strchr(" \t\r\n", s[i]))
		i++;
	return i < len && s[i] == '{';
}

static int commit_spec(const struct commit *cm)
{
	ctrfs_container cur, c = {0};
	char msg[200];
	int rc = load(cm, CTRFS_LOAD_SPEC, &cur);
	if (rc)
		return rc;
	const ctrfs_any *spec = &cur.spec;
	c.has_spec = true;
	if (spec->value_len && !json_text_is_json(spec->value, spec->value_len)) {
		/* a spec that is not JSON reads, and so is written, as an Any */
		rc = json_verdict(
		    cm, anytext_parse(cm->text, cm->len, spec, &c.spec, msg, sizeof(msg)), msg);
	} else if (!(rc = check_json(cm)) && !is_object(cm->text, cm->len)) {
		rc = refuse(EINVAL, cm->op, cm->path, "the OCI runtime spec must be a JSON object");
	} else if (!rc) {
		size_t n;
		char *bytes = json_bytes(cm->text, cm->len, spec->value, spec->value_len, &n);
		const char *url =
		    spec->type_url && *spec->type_url ? spec->type_url : CTRFS_SPEC_TYPE_URL;
		if (!bytes || ctrfs_any_set(&c.spec, url, bytes, n))
			rc = refuse(ENOMEM, cm->op, cm->path, "out of memory");
		free(bytes);
	}
	if (!rc)
		rc = update(cm, &c, "spec");
	ctrfs_container_clear(&c);
	ctrfs_container_clear(&cur);
	return rc;
}

/* container.json: the whole container in `ctr containers info` form, one full update. */
static int commit_info(const struct commit *cm)
{
	ctrfs_container cur, c;
	ctrfs_error err;
	char msg[200];
	int rc = check_json(cm);
	if (rc)
		return rc;
	if (ctrfs_container_from_info_json(cm->text, cm->len, &c, &err))
		return refuse_store(cm->op, cm->path, &err, EPERM);
	if (c.id && *c.id && strcmp(c.id, cm->fp->id) != 0) {
		rc = refuse(EINVAL, cm->op, cm->path,
			    "ID \"%s\" is not this container's: IDs cannot change", c.id);
		goto out;
	}
	if ((rc = load(cm, CTRFS_LOAD_SPEC, &cur)))
		goto out;
	const ctrfs_any *spec = &cur.spec;
	size_t start, vlen, n;
	if (spec->value_len && !json_text_is_json(spec->value, spec->value_len)) {
		/* shown as an Any, which the store's parser would take for a JSON spec */
		if (json_text_member(cm->text, cm->len, "Spec", &start, &vlen) &&
		    anytext_parse(cm->text + start, vlen, spec, &c.spec, msg, sizeof(msg)) !=
			JSON_TEXT_OK) {
			rc = refuse(EINVAL, cm->op, cm->path, "Spec: %s", msg);
		}
	} else if (c.has_spec) {
		char *bytes = json_bytes((char *)c.spec.value, c.spec.value_len, spec->value,
					 spec->value_len, &n);
		if (!bytes || ctrfs_any_set(&c.spec, spec->type_url, bytes, n))
			rc = refuse(ENOMEM, cm->op, cm->path, "out of memory");
		free(bytes);
	}
	ctrfs_container_clear(&cur);
	free(c.id);
	c.id = NULL;
	if (!rc)
		rc = update(cm, &c, NULL);
out:
	ctrfs_container_clear(&c);
	return rc;
}

static int commit_extension(const struct commit *cm)
{
	ctrfs_container cur, c = {0};
	char msg[200];
	int rc = load(cm, CTRFS_LOAD_EXTENSIONS, &cur);
	if (rc)
		return rc;
	ctrfs_any any = {0};
	const ctrfs_any *stored = ctrfs_extensions_get(&cur.extensions, cm->fp->key);
	rc =
	    json_verdict(cm, anytext_parse(cm->text, cm->len, stored, &any, msg, sizeof(msg)), msg);
	__cleanup_free char *fieldpath = NULL;
	if (!rc && (ctrfs_extensions_set(&c.extensions, cm->fp->key, &any) ||
		    asprintf(&fieldpath, "extensions.%s", cm->fp->key) < 0)) {
		fieldpath = NULL;
		rc = refuse(ENOMEM, cm->op, cm->path, "out of memory");
	}
	if (!rc)
		rc = update(cm, &c, fieldpath);
	ctrfs_any_clear(&any);
	ctrfs_container_clear(&c);
	ctrfs_container_clear(&cur);
	return rc;
}

/* The store makes a missing namespace when a label is set on it (as containerd does);
 * through the mount, a namespace that is gone stays gone. */
static int set_ns_label(const struct commit *cm, const char *value)
{
	ctrfs_namespace ns;
	ctrfs_error err;
	if (ctrfs_namespace_get(cm->fs->store, cm->fp->ns, &ns, &err))
		return refuse_store(cm->op, cm->path, &err, EPERM);
	ctrfs_namespace_clear(&ns);
	if (ctrfs_namespace_set_label(cm->fs->store, cm->fp->ns, cm->fp->key, value, &err))
		return refuse_store(cm->op, cm->path, &err, EPERM);
	return 0;
}

/* A value file: image, snapshot_key, a label. */
static int commit_value(const struct commit *cm, const char *value)
{
	ctrfs_container c = {0};
	__cleanup_free char *fieldpath = NULL;
	int rc = 0;
	switch (cm->fp->kind) {
	case NODE_NS_LABEL:
		return set_ns_label(cm, value);
	case NODE_LABEL:
		/* an empty value deletes the label, as in containerd */
		if (ctrfs_labels_set(&c.labels, cm->fp->key, value) ||
		    asprintf(&fieldpath, "labels.%s", cm->fp->key) < 0) {
			fieldpath = NULL;
			rc = refuse(ENOMEM, cm->op, cm->path, "out of memory");
		}
		break;
	default:
		if (cm->fp->field == FIELD_IMAGE)
			c.image = (char *)value;
		else
			c.snapshot_key = (char *)value;
		rc = update(cm, &c, cm->fp->field == FIELD_IMAGE ? "image" : "snapshotkey");
		c.image = c.snapshot_key = NULL; /* borrowed */
		return rc;
	}
	if (!rc)
		rc = update(cm, &c, fieldpath);
	ctrfs_container_clear(&c);
	return rc;
}

static bool is_value_file(const struct fspath *fp)
{
	return fp->kind == NODE_LABEL || fp->kind == NODE_NS_LABEL ||
	       (fp->kind == NODE_FIELD &&
		(fp->field == FIELD_IMAGE || fp->field == FIELD_SNAPSHOT_KEY));
}

int commit_content(struct ctrfs *fs, const struct fspath *fp, const char *path, const char *op,
		   const char *content, size_t len, bool final)
{
	struct commit cm = {fs, fp, path, op, content, len, final};
	if (fs->read_only)
		return refuse(EROFS, op, path, "mounted read-only");
	if (fp->kind == NODE_FIELD && !field_writable(fp->field))
		return refuse(EPERM, op, path, "%s is immutable", field_title(fp->field));
	if (is_value_file(fp)) {
		size_t vlen = len && content[len - 1] == '\n' ? len - 1 : len;
		if (memchr(content, '\0', vlen))
			return refuse(EINVAL, op, path, "a value cannot hold a NUL byte");
		char *value = strndup(content, vlen);
		if (!value)
			return refuse(ENOMEM, op, path, "out of memory");
		int rc = commit_value(&cm, value);
		free(value);
		return rc;
	}
	switch (fp->kind) {
	case NODE_EXTENSION:
		return commit_extension(&cm);
	case NODE_FIELD:
		return fp->field == FIELD_SPEC_JSON ? commit_spec(&cm) : commit_info(&cm);
	default:
		return refuse(EPERM, op, path, "not a file of the store");
	}
}

int commit_remove(struct ctrfs *fs, const struct fspath *fp, const char *path, const char *op)
{
	struct commit cm = {fs, fp, path, op, "", 0, true};
	ctrfs_container c = {0};
	if (fs->read_only)
		return refuse(EROFS, cm.op, path, "mounted read-only");
	switch (fp->kind) {
	case NODE_NS_LABEL:
		/* "" is a value a namespace label may hold: only NULL removes it */
		return set_ns_label(&cm, NULL);
	case NODE_LABEL:
		return commit_value(&cm, "");
	case NODE_EXTENSION: {
		/* extensions.<name> naming no extension removes it */
		__cleanup_free char *fieldpath = NULL;
		if (asprintf(&fieldpath, "extensions.%s", fp->key) < 0) {
			fieldpath = NULL;
			return refuse(ENOMEM, cm.op, path, "out of memory");
		}
		return update(&cm, &c, fieldpath);
	}
	case NODE_FIELD:
		if (!field_writable(fp->field))
			return refuse(EPERM, cm.op, path, "%s is immutable",
				      field_title(fp->field));
		if (!field_optional(fp->field))
			return refuse(EPERM, cm.op, path, "%s is a required field",
				      field_title(fp->field));
		return commit_value(&cm, "");
	default:
		return refuse(EPERM, cm.op, path, "not a file of the store");
	}
}

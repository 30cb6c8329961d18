/* Committing a file's content to the store: validation and one field-scoped update.
 * The store validates the model; this file only turns text into the value it stands
 * for and names the field path, then maps a refusal to an errno and one log line. */
#include "commit.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "anytext.h"
#include "creation.h"
#include "images.h"
#include "cri.h"
#include "json_text.h"
#include "making.h"
#include "render.h"

/* Everything one commit needs to say where and what. */
struct commit {
	struct ctrfs *fs;
	const struct fspath *fp;
	const char *path, *op;
	const char *text; /* the file's content */
	size_t len;
	const char *was; /* its content at open, or NULL */
	size_t was_len;
	enum commit_mode mode;
	bool final; /* not a check: an incomplete JSON prefix is refused */
};

/* The store's answer to a guarded commit whose value changed meanwhile: not a refusal
 * (the later change stands), nothing logged. */
static int stale(const struct commit *cm, const ctrfs_error *err)
{
	fuse_log(FUSE_LOG_DEBUG, "%s /%s: not stored: %s\n", cm->op, cm->path, err->text);
	return COMMIT_STALE;
}

/* One update of `paths` (none: every mutable field); `was` guards it (may be NULL). */
static int update_paths(const struct commit *cm, ctrfs_container *c, const char *const *paths,
			size_t npaths, const ctrfs_container *was)
{
	ctrfs_error err;
	ctrfs_update_options opts = {.check_only = cm->mode == COMMIT_CHECK, .unless_changed = was};
	c->id = (char *)cm->fp->id;
	ctrfs_code code = ctrfs_container_update_ex(cm->fs->store, cm->fp->ns, c, paths, npaths,
						    &opts, NULL, &err);
	c->id = NULL; /* borrowed */
	if (code == CTRFS_FAILED_PRECONDITION && was)
		return stale(cm, &err);
	return code ? refuse_store(cm->op, cm->path, &err, EPERM) : 0;
}

static int update(const struct commit *cm, ctrfs_container *c, const char *fieldpath)
{
	return update_paths(cm, c, &fieldpath, fieldpath ? 1 : 0, NULL);
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

/* container.json text as the container it stands for; `stored` is the stored spec
 * (unchanged JSON keeps its bytes; a spec that is not JSON is shown, and so read, as
 * an Any). 0 or -errno, logged. */
static int info_container(const struct commit *cm, const char *text, size_t len,
			  const ctrfs_any *stored, ctrfs_container *c)
{
	ctrfs_error err;
	char msg[200];
	size_t start, vlen, n;
	int rc = 0;
	if (ctrfs_container_from_info_json(text, len, c, &err))
		return refuse_store(cm->op, cm->path, &err, EPERM);
	if (stored->value_len && !json_text_is_json(stored->value, stored->value_len)) {
		/* shown as an Any, which the store's parser would take for a JSON spec */
		if (json_text_member(text, len, "Spec", &start, &vlen) &&
		    anytext_parse(text + start, vlen, stored, &c->spec, msg, sizeof(msg)) !=
			JSON_TEXT_OK)
			rc = refuse(EINVAL, cm->op, cm->path, "Spec: %s", msg);
	} else if (c->has_spec) {
		char *bytes = json_bytes((char *)c->spec.value, c->spec.value_len, stored->value,
					 stored->value_len, &n);
		if (!bytes || ctrfs_any_set(&c->spec, stored->type_url, bytes, n))
			rc = refuse(ENOMEM, cm->op, cm->path, "out of memory");
		free(bytes);
	}
	if (rc)
		ctrfs_container_clear(c);
	return rc;
}

/*
 * container.json: the whole container in `ctr containers info` form. What the writer
 * changed against what it read at open becomes one update of those fields alone, so
 * that a handle opened earlier never reverts what others changed since (a write of
 * what was read changes nothing). Without a reading (the file did not exist), every
 * mutable field is replaced.
 */
static int commit_info(const struct commit *cm)
{
	ctrfs_container cur, c, was;
	char **paths = NULL;
	size_t npaths = 0;
	ctrfs_error err;
	int rc = check_json(cm);
	if (rc)
		return rc;
	if ((rc = load(cm, CTRFS_LOAD_SPEC, &cur)))
		return rc;
	rc = info_container(cm, cm->text, cm->len, &cur.spec, &c);
	if (!rc && making_active(cm->fp->ns, cm->fp->id)) {
		/* the whole container, creation-time fields too; ID and times are ours */
		ctrfs_container_clear(&cur);
		return creation_store_info(cm->fs, cm->fp, cm->path, cm->op, &c,
					   cm->mode == COMMIT_CHECK);
	}
	if (!rc && c.id && *c.id && strcmp(c.id, cm->fp->id) != 0)
		rc = refuse(EINVAL, cm->op, cm->path,
			    "ID \"%s\" is not this container's: IDs cannot change", c.id);
	bool diff = !rc && cm->was && !info_container(cm, cm->was, cm->was_len, &cur.spec, &was);
	ctrfs_container_clear(&cur);
	if (rc)
		goto out;
	free(c.id);
	c.id = NULL;
	if (diff) {
		ctrfs_code code = ctrfs_container_changed_paths(&was, &c, &paths, &npaths, &err);
		ctrfs_container_clear(&was);
		if (code)
			rc = refuse_store(cm->op, cm->path, &err, EPERM);
		else if (npaths)
			rc = update_paths(cm, &c, (const char *const *)paths, npaths, NULL);
	} else {
		rc = update(cm, &c, NULL);
	}
	ctrfs_strv_free(paths, npaths);
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
/* The value a value file's text stands for: the text less one trailing "\n", or NULL
 * when there is no text. *bad set for a NUL byte. malloc'd. */
static char *text_value(const char *text, size_t len, bool *bad)
{
	if (!text)
		return NULL;
	size_t vlen = len && text[len - 1] == '\n' ? len - 1 : len;
	*bad = memchr(text, '\0', vlen) != NULL;
	return strndup(text, vlen);
}

/* A namespace label; `was` guards it in COMMIT_IF_UNCHANGED (NULL: absent then). */
static int set_ns_label(const struct commit *cm, const char *value, const char *was)
{
	ctrfs_namespace ns;
	ctrfs_error err;
	ctrfs_code code;
	/* the store makes a missing namespace when a label is set on it (as containerd
	 * does); through the mount, a namespace that is gone stays gone */
	if (ctrfs_namespace_get(cm->fs->store, cm->fp->ns, &ns, &err))
		return refuse_store(cm->op, cm->path, &err, EPERM);
	ctrfs_namespace_clear(&ns);
	if (cm->mode == COMMIT_CHECK) {
		if (value && ctrfs_label_validate(cm->fp->key, value, &err))
			return refuse(EINVAL, cm->op, cm->path, "namespace.Labels: %s", err.text);
		return 0;
	}
	if (cm->mode == COMMIT_IF_UNCHANGED)
		code = ctrfs_namespace_set_label_if(cm->fs->store, cm->fp->ns, cm->fp->key, value,
						    was, &err);
	else
		code =
		    ctrfs_namespace_set_label(cm->fs->store, cm->fp->ns, cm->fp->key, value, &err);
	if (code == CTRFS_FAILED_PRECONDITION && cm->mode == COMMIT_IF_UNCHANGED)
		return stale(cm, &err);
	return code ? refuse_store(cm->op, cm->path, &err, EPERM) : 0;
}

/* An image's label file (images.c): as set_ns_label, the image's own store calls */
static int set_image_label(const struct commit *cm, const char *value, const char *was)
{
	ctrfs_error err;
	enum images_label_op op = cm->mode == COMMIT_CHECK	    ? IMAGES_LABEL_CHECK
				  : cm->mode == COMMIT_IF_UNCHANGED ? IMAGES_LABEL_SET_IF
								    : IMAGES_LABEL_SET;
	ctrfs_code code = images_set_label(cm->fs, cm->fp, value, op, was, &err);
	if (code == CTRFS_FAILED_PRECONDITION && op == IMAGES_LABEL_SET_IF)
		return stale(cm, &err);
	return code ? refuse_store(cm->op, cm->path, &err, EPERM) : 0;
}

/* Puts `value` in the field of c that a value file fp shows; the field path in *path. */
static int value_field(const struct fspath *fp, ctrfs_container *c, const char *value, char **path)
{
	if (fp->kind == NODE_LABEL) {
		/* an empty value deletes the label, as in containerd */
		if ((value && ctrfs_labels_set(&c->labels, fp->key, value)) ||
		    asprintf(path, "labels.%s", fp->key) < 0)
			return -ENOMEM;
		return 0;
	}
	char **f = fp->field == FIELD_IMAGE ? &c->image : &c->snapshot_key;
	if ((value && !(*f = strdup(value))) ||
	    !(*path = strdup(fp->field == FIELD_IMAGE ? "image" : "snapshotkey")))
		return -ENOMEM;
	return 0;
}

/* A value file: image, snapshot_key, a label; `was` as for set_ns_label. */
static int commit_value(const struct commit *cm, const char *value, const char *was)
{
	if (cm->fp->kind == NODE_NS_LABEL)
		return set_ns_label(cm, value, was);
	if (cm->fp->kind == NODE_IMAGE_LABEL)
		return set_image_label(cm, value, was);
	ctrfs_container c = {0}, guard = {0};
	__cleanup_free char *path = NULL, *guard_path = NULL;
	bool guarded = cm->mode == COMMIT_IF_UNCHANGED;
	int rc = value_field(cm->fp, &c, value, &path);
	if (!rc && guarded)
		rc = value_field(cm->fp, &guard, was, &guard_path);
	if (rc)
		rc = refuse(ENOMEM, cm->op, cm->path, "out of memory");
	else
		rc = update_paths(cm, &c, (const char *const *)&path, 1, guarded ? &guard : NULL);
	ctrfs_container_clear(&c);
	ctrfs_container_clear(&guard);
	return rc;
}

/* An immutable field of a container being made (making.h): creation-time fields are
 * set, the store's own times accept any timestamp without effect. */
static int commit_creation(const struct commit *cm)
{
	enum field f = cm->fp->field;
	bool check = cm->mode == COMMIT_CHECK, bad = false;
	char msg[200];
	int rc = 0;
	if (f == FIELD_RUNTIME_OPTIONS) {
		ctrfs_container cur;
		ctrfs_any any = {0};
		if ((rc = load(cm, 0, &cur)))
			return rc;
		rc = json_verdict(
		    cm,
		    anytext_parse(cm->text, cm->len,
				  cur.has_runtime_options ? &cur.runtime_options : NULL, &any, msg,
				  sizeof(msg)),
		    msg);
		if (!rc)
			rc = creation_set(cm->fs, cm->fp, cm->path, cm->op, NULL, &any, check);
		ctrfs_any_clear(&any);
		ctrfs_container_clear(&cur);
		return rc;
	}
	__cleanup_free char *value = text_value(cm->text ? cm->text : "", cm->len, &bad);
	if (!value)
		return refuse(ENOMEM, cm->op, cm->path, "out of memory");
	if (bad)
		return refuse(EINVAL, cm->op, cm->path, "a value cannot hold a NUL byte");
	if (f == FIELD_CREATED_AT || f == FIELD_UPDATED_AT) {
		ctrfs_time t;
		if (ctrfs_time_parse(value, &t))
			return 0; /* the store's: accepted, without effect */
		if (!cm->final)
			return COMMIT_INCOMPLETE; /* more bytes may make it one */
		return refuse(EINVAL, cm->op, cm->path, "%s: not an RFC 3339 time", field_title(f));
	}
	return creation_set(cm->fs, cm->fp, cm->path, cm->op, value, NULL, check);
}

/* An immutable field written (by rename: opening one to write is refused) with what
 * it already shows: nothing to change, accepted, so that rsync -a of a saved
 * container onto itself works. So is any time in updated_at, which every change
 * sets (the restore itself changes it). Anything else is refused. */
static int commit_unchanged(const struct commit *cm)
{
	ctrfs_time t;
	if (cm->fp->field == FIELD_UPDATED_AT) {
		__cleanup_free char *v = cm->text ? strndup(cm->text, cm->len) : NULL;
		size_t n = v ? strlen(v) : 0;
		if (n && v[n - 1] == '\n')
			v[n - 1] = '\0';
		if (v && n == cm->len && ctrfs_time_parse(v, &t))
			return 0;
	}
	struct source src;
	struct strbuf sb = STRBUF_INIT;
	source_init(&src, cm->fs);
	int rc = render_file(&src, cm->fp, &sb, NULL);
	source_clear(&src);
	size_t len = cm->len && cm->text[cm->len - 1] == '\n' ? cm->len - 1 : cm->len;
	size_t shown = sb.len && sb.buf[sb.len - 1] == '\n' ? sb.len - 1 : sb.len;
	bool same = !rc && len == shown && (!len || memcmp(cm->text, sb.buf, len) == 0);
	strbuf_release(&sb);
	if (same)
		return 0;
	return refuse(EPERM, cm->op, cm->path, "%s is immutable", field_title(cm->fp->field));
}

static bool is_value_file(const struct fspath *fp)
{
	return fp->kind == NODE_LABEL || fp->kind == NODE_NS_LABEL ||
	       fp->kind == NODE_IMAGE_LABEL ||
	       (fp->kind == NODE_FIELD &&
		(fp->field == FIELD_IMAGE || fp->field == FIELD_SNAPSHOT_KEY));
}

int commit_content(struct ctrfs *fs, const struct fspath *fp, const char *path, const char *op,
		   const struct commit_text *t, enum commit_mode mode)
{
	struct commit cm = {fs,	    fp,	    path,	op,   t->text,
			    t->len, t->was, t->was_len, mode, mode >= COMMIT_FINAL};
	if (node_is_view(fp->kind))
		return cri_refuse(op, path);
	if (fs->read_only)
		return refuse(EROFS, op, path, "mounted read-only");
	if (fp->kind == NODE_FIELD && !field_writable(fp->field))
		return making_active(fp->ns, fp->id) ? commit_creation(&cm) : commit_unchanged(&cm);
	if (is_value_file(fp)) {
		bool bad = false, was_bad = false;
		__cleanup_free char *value = text_value(t->text ? t->text : "", t->len, &bad);
		__cleanup_free char *was = text_value(t->was, t->was_len, &was_bad);
		if (bad)
			return refuse(EINVAL, op, path, "a value cannot hold a NUL byte");
		if (!value || (t->was && !was))
			return refuse(ENOMEM, op, path, "out of memory");
		if (fp->kind == NODE_FIELD && fp->field == FIELD_SNAPSHOT_KEY &&
		    creation_hold_key(fs, fp, value, mode == COMMIT_CHECK))
			return 0; /* waits for the snapshotter of a container being made */
		return commit_value(&cm, value, was);
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
	struct commit cm = {fs, fp, path, op, "", 0, NULL, 0, COMMIT_FINAL, true};
	if (node_is_view(fp->kind))
		return cri_refuse(op, path);
	if (fs->read_only)
		return refuse(EROFS, cm.op, path, "mounted read-only");
	switch (fp->kind) {
	case NODE_NS_LABEL:
		/* removes the label (NULL: an empty value would be dropped the same way) */
		return set_ns_label(&cm, NULL, NULL);
	case NODE_IMAGE_LABEL:
		return set_image_label(&cm, NULL, NULL);
	case NODE_LABEL:
		return commit_value(&cm, "", NULL);
	case NODE_EXTENSION: {
		/* ctrfs's own removal: containerd's update would store an empty Any */
		ctrfs_error err;
		if (ctrfs_container_remove_extension(fs->store, fp->ns, fp->id, fp->key, &err))
			return refuse_store(cm.op, path, &err, EPERM);
		return 0;
	}
	case NODE_FIELD:
		if (!field_writable(fp->field))
			return refuse(EPERM, cm.op, path, "%s is immutable",
				      field_title(fp->field));
		if (!field_optional(fp->field))
			return refuse(EPERM, cm.op, path, "%s is a required field",
				      field_title(fp->field));
		return commit_value(&cm, "", NULL);
	default:
		return refuse(EPERM, cm.op, path, "not a file of the store");
	}
}

/* Committing a file's content to the store: validation and one field-scoped update.
 * The store validates the model; this file only turns text into the value it stands
 * for and names the field path, then maps a refusal to an errno and one log line. */
#include "commit.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "commit_map.h"
#include "creation.h"
#include "images.h"
#include "cri.h"
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
	bool final;	       /* not a check: an incomplete JSON prefix is refused */
	ctrfs_time *stored_at; /* commit_text's */
};

/* The store's answer to a guarded commit whose value changed meanwhile: not a refusal
 * (the later change stands), nothing logged. */
static int stale(const struct commit *cm, const ctrfs_error *err)
{
	fuse_log(FUSE_LOG_DEBUG, "%s /%s: not stored: %s\n", cm->op, cm->path, err->text);
	return COMMIT_STALE;
}

/* A store call's answer as commit_content's: `guarded` makes a failed precondition
 * stale, not a refusal. */
static int answer(const struct commit *cm, ctrfs_code code, const ctrfs_error *err, bool guarded)
{
	if (code == CTRFS_FAILED_PRECONDITION && guarded)
		return stale(cm, err);
	return code ? refuse_store(cm->op, cm->path, err, EPERM) : 0;
}

/* A parse of the text as commit_content's answer: a JSON prefix, when not final, is
 * COMMIT_INCOMPLETE (more bytes may complete it); other failures are refusals. */
static int parsed(const struct commit *cm, ctrfs_code code, bool incomplete, const ctrfs_error *err)
{
	if (code && incomplete && !cm->final)
		return COMMIT_INCOMPLETE;
	return code ? refuse_store(cm->op, cm->path, err, EPERM) : 0;
}

/* The stored container, loaded for the bytes an unchanged write must keep. */
static int load(const struct commit *cm, unsigned mask, ctrfs_container *c)
{
	ctrfs_error err;
	if (ctrfs_container_get(cm->fs->store, cm->fp->ns, cm->fp->id, mask, c, &err))
		return refuse_store(cm->op, cm->path, &err, EPERM);
	return 0;
}

/* spec.json or an extension: the text as an Any, stored by one typed call. */
static int commit_any(const struct commit *cm, enum write_kind kind)
{
	ctrfs_container cur;
	ctrfs_any any = {0};
	ctrfs_error err;
	bool incomplete;
	ctrfs_field_options opts = {.check_only = cm->mode == COMMIT_CHECK};
	bool spec = kind == WRITE_SPEC;
	int rc = load(cm, spec ? CTRFS_LOAD_SPEC : CTRFS_LOAD_EXTENSIONS, &cur);
	if (rc)
		return rc;
	const ctrfs_any *stored =
	    spec ? &cur.spec : ctrfs_extensions_get(&cur.extensions, cm->fp->key);
	ctrfs_code code = write_any(kind, cm->text, cm->len, stored, &any, &incomplete, &err);
	rc = parsed(cm, code, incomplete, &err);
	if (!rc && spec)
		code = ctrfs_container_set_spec(cm->fs->store, cm->fp->ns, cm->fp->id, &any, &opts,
						NULL, &err);
	else if (!rc)
		code = ctrfs_container_set_extension(cm->fs->store, cm->fp->ns, cm->fp->id,
						     cm->fp->key, &any, &opts, NULL, &err);
	if (!rc)
		rc = answer(cm, code, &err, false);
	ctrfs_any_clear(&any);
	ctrfs_container_clear(&cur);
	return rc;
}

/* container.json text as the container it stands for beside the stored spec: 0 or
 * -errno, logged. */
static int info_container(const struct commit *cm, const char *text, size_t len,
			  const ctrfs_any *stored, ctrfs_container *c)
{
	ctrfs_error err;
	if (ctrfs_container_from_info_text(text, len, stored, c, &err))
		return refuse_store(cm->op, cm->path, &err, EPERM);
	return 0;
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
	bool incomplete;
	ctrfs_update_options opts = {.check_only = cm->mode == COMMIT_CHECK};
	ctrfs_code code = ctrfs_json_check(cm->text, cm->len, &incomplete, &err);
	int rc = parsed(cm, code, incomplete, &err);
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
	c.id = (char *)cm->fp->id; /* borrowed */
	if (diff) {
		code = ctrfs_container_changed_paths(&was, &c, &paths, &npaths, &err);
		ctrfs_container_clear(&was);
		if (!code && npaths)
			code = ctrfs_container_update_ex(cm->fs->store, cm->fp->ns, &c,
							 (const char *const *)paths, npaths, &opts,
							 NULL, &err);
	} else {
		code = ctrfs_container_update_ex(cm->fs->store, cm->fp->ns, &c, NULL, 0, &opts,
						 NULL, &err);
	}
	c.id = NULL;
	rc = answer(cm, code, &err, false);
	ctrfs_strv_free(paths, npaths);
out:
	ctrfs_container_clear(&c);
	return rc;
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
	return answer(cm, code, &err, cm->mode == COMMIT_IF_UNCHANGED);
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

/* A value file (a label, image, snapshot_key): one typed call; `was` as for
 * set_ns_label. */
static int commit_value(const struct commit *cm, const char *value, const char *was)
{
	const struct fspath *fp = cm->fp;
	ctrfs_store *s = cm->fs->store;
	ctrfs_error err;
	ctrfs_code code;
	bool guarded = cm->mode == COMMIT_IF_UNCHANGED;
	ctrfs_field_options opts = {.check_only = cm->mode == COMMIT_CHECK,
				    .unless_changed = guarded,
				    .expect = was,
				    .stored_at = cm->stored_at};
	switch (write_kind_of(fp)) {
	case WRITE_NS_LABEL:
		return set_ns_label(cm, value, was);
	case WRITE_IMAGE_LABEL:
		return set_image_label(cm, value, was);
	case WRITE_LABEL:
		code =
		    ctrfs_container_set_label(s, fp->ns, fp->id, fp->key, value, &opts, NULL, &err);
		break;
	case WRITE_IMAGE:
		code = ctrfs_container_set_image(s, fp->ns, fp->id, value, &opts, NULL, &err);
		break;
	default:
		code =
		    ctrfs_container_set_snapshot_key(s, fp->ns, fp->id, value, &opts, NULL, &err);
	}
	return answer(cm, code, &err, guarded);
}

/* A value's text refused by write_value: 0 when none. */
static int value_refused(const struct commit *cm, int rc)
{
	if (rc == -EINVAL)
		return refuse(EINVAL, cm->op, cm->path, "a value cannot hold a NUL byte");
	return rc ? refuse(ENOMEM, cm->op, cm->path, "out of memory") : 0;
}

/* An immutable field of a container being made (making.h): creation-time fields are
 * set, the store's own times accept any timestamp without effect. */
static int commit_creation(const struct commit *cm)
{
	enum field f = cm->fp->field;
	bool check = cm->mode == COMMIT_CHECK;
	int rc = 0;
	if (f == FIELD_RUNTIME_OPTIONS) {
		ctrfs_container cur;
		ctrfs_any any = {0};
		ctrfs_error err;
		bool incomplete;
		if ((rc = load(cm, 0, &cur)))
			return rc;
		ctrfs_code code = ctrfs_any_from_text(
		    cm->text, cm->len, cur.has_runtime_options ? &cur.runtime_options : NULL, &any,
		    &incomplete, &err);
		rc = parsed(cm, code, incomplete, &err);
		if (!rc)
			rc = creation_set(cm->fs, cm->fp, cm->path, cm->op, NULL, &any, check);
		ctrfs_any_clear(&any);
		ctrfs_container_clear(&cur);
		return rc;
	}
	__cleanup_free char *value = NULL;
	if ((rc = value_refused(cm, write_value(cm->text ? cm->text : "", cm->len, &value))))
		return rc;
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

int commit_content(struct ctrfs *fs, const struct fspath *fp, const char *path, const char *op,
		   const struct commit_text *t, enum commit_mode mode)
{
	struct commit cm = {fs,		 fp,	 path,	     op,   t->text,
			    t->len,	 t->was, t->was_len, mode, mode >= COMMIT_FINAL,
			    t->stored_at};
	if (node_is_view(fp->kind))
		return cri_refuse(op, path);
	if (fs->read_only)
		return refuse(EROFS, op, path, "mounted read-only");
	if (fp->kind == NODE_FIELD && !field_writable(fp->field))
		return making_active(fp->ns, fp->id) ? commit_creation(&cm) : commit_unchanged(&cm);
	enum write_kind kind = write_kind_of(fp);
	switch (kind) {
	case WRITE_NS_LABEL:
	case WRITE_IMAGE_LABEL:
	case WRITE_LABEL:
	case WRITE_IMAGE:
	case WRITE_SNAPSHOT_KEY: {
		__cleanup_free char *value = NULL, *was = NULL;
		int rc = value_refused(&cm, write_value(t->text ? t->text : "", t->len, &value));
		if (!rc)
			rc = write_value(t->was, t->was_len, &was) == -ENOMEM
				 ? value_refused(&cm, -ENOMEM)
				 : 0;
		if (rc)
			return rc;
		if (kind == WRITE_SNAPSHOT_KEY &&
		    creation_hold_key(fs, fp, value, mode == COMMIT_CHECK))
			return 0; /* waits for the snapshotter of a container being made */
		return commit_value(&cm, value, was);
	}
	case WRITE_SPEC:
	case WRITE_EXTENSION:
		return commit_any(&cm, kind);
	case WRITE_INFO:
		return commit_info(&cm);
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

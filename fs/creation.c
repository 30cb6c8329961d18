/* Commits to a container being made (making.h, creation.h). The store rewrites the
 * whole container in one transaction (ctrfs_container_recreate), keeping CreatedAt. */
#include "creation.h"

#include <errno.h>
#include <string.h>

#include "making.h"

static int load(struct ctrfs *fs, const struct fspath *fp, const char *path, const char *op,
		ctrfs_container *c)
{
	ctrfs_error err;
	if (ctrfs_container_get(fs->store, fp->ns, fp->id, CTRFS_LOAD_ALL, c, &err))
		return refuse_store(op, path, &err, EPERM);
	return 0;
}

/* Stores c as ns/id (c->id is set to it). */
static int store(struct ctrfs *fs, const struct fspath *fp, const char *path, const char *op,
		 ctrfs_container *c, bool check)
{
	ctrfs_error err;
	ctrfs_code code;
	free(c->id);
	if (!(c->id = strdup(fp->id)))
		return refuse(ENOMEM, op, path, "out of memory");
	if (check) {
		code = ctrfs_container_validate(c, &err);
		if (code)
			return refuse(EINVAL, op, path, "update failed validation: %s", err.text);
	} else {
		code = ctrfs_container_recreate(fs->store, fp->ns, c, &err);
	}
	return code ? refuse_store(op, path, &err, EPERM) : 0;
}

static bool str_eq(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static bool any_eq(bool has_a, const ctrfs_any *a, bool has_b, const ctrfs_any *b)
{
	if (!has_a || !has_b)
		return has_a == has_b;
	return str_eq(a->type_url, b->type_url) && a->value_len == b->value_len &&
	       (!a->value_len || memcmp(a->value, b->value, a->value_len) == 0);
}

/* Gives c the snapshot key held for its snapshotter, when c has none of its own:
 * true when it did. */
static bool take_held_key(const struct fspath *fp, ctrfs_container *c, bool check)
{
	char *key = check ? NULL : making_take_key(fp->ns, fp->id);
	bool used =
	    key && (!c->snapshot_key || !*c->snapshot_key) && c->snapshotter && *c->snapshotter;
	if (used) {
		free(c->snapshot_key);
		c->snapshot_key = key;
		key = NULL;
	}
	free(key);
	return used;
}

int creation_set(struct ctrfs *fs, const struct fspath *fp, const char *path, const char *op,
		 const char *value, const ctrfs_any *options, bool check)
{
	ctrfs_container c;
	int rc = load(fs, fp, path, op, &c);
	if (rc)
		return rc;
	char **str = fp->field == FIELD_RUNTIME_NAME  ? &c.runtime_name
		     : fp->field == FIELD_SNAPSHOTTER ? &c.snapshotter
		     : fp->field == FIELD_SANDBOX_ID  ? &c.sandbox_id
						      : NULL;
	bool same;
	if (str) {
		same = str_eq(*str, value);
		free(*str);
		if (!(*str = strdup(value)))
			rc = refuse(ENOMEM, op, path, "out of memory");
	} else {
		bool has = options != NULL;
		same = any_eq(c.has_runtime_options, &c.runtime_options, has, options);
		ctrfs_any_clear(&c.runtime_options);
		c.has_runtime_options = has;
		if (has && ctrfs_any_set(&c.runtime_options, options->type_url, options->value,
					 options->value_len))
			rc = refuse(ENOMEM, op, path, "out of memory");
	}
	bool key = !rc && fp->field == FIELD_SNAPSHOTTER && take_held_key(fp, &c, check);
	/* what it already holds is not written again (UpdatedAt stays) */
	if (!rc && (!same || key))
		rc = store(fs, fp, path, op, &c, check);
	ctrfs_container_clear(&c);
	return rc;
}

int creation_store_info(struct ctrfs *fs, const struct fspath *fp, const char *path, const char *op,
			ctrfs_container *c, bool check)
{
	take_held_key(fp, c, check);
	int rc = store(fs, fp, path, op, c, check);
	ctrfs_container_clear(c);
	return rc;
}

bool creation_hold_key(struct ctrfs *fs, const struct fspath *fp, const char *value, bool check)
{
	ctrfs_container c;
	ctrfs_error err;
	if (!value || !*value || !making_active(fp->ns, fp->id))
		return false;
	if (ctrfs_container_get(fs->store, fp->ns, fp->id, 0, &c, &err))
		return false; /* the usual commit says why */
	bool none = !c.snapshotter || !*c.snapshotter;
	ctrfs_container_clear(&c);
	if (!none)
		return false;
	return check || making_hold_key(fp->ns, fp->id, value);
}

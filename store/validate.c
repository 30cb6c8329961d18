/* containerd's validation rules, in its order and with its messages. */
#include "validate.h"

#include "error.h"
#include "goquote.h"
#include "json_text.h"

#include <stdio.h>
#include <string.h>

/* pkg/identifiers: ^[A-Za-z0-9]+(?:[._-](?:[A-Za-z0-9]+))*$ */
static const char identifier_re[] = "^[A-Za-z0-9]+(?:[._-](?:[A-Za-z0-9]+))*$";

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool identifier_matches(const char *s)
{
	/* alnum runs separated by single separators, starting and ending with alnum */
	bool need_alnum = true;
	for (; *s; s++) {
		if (is_alnum(*s))
			need_alnum = false;
		else if ((*s == '.' || *s == '_' || *s == '-') && !need_alnum)
			need_alnum = true;
		else
			return false;
	}
	return !need_alnum;
}

ctrfs_code ctrfs_identifier_validate(const char *s, ctrfs_error *err)
{
	if (!s || !*s)
		return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
				  "identifier must not be empty: invalid argument");
	if (strlen(s) > CTRFS_IDENTIFIER_MAX)
		return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
				  "identifier %s greater than maximum length (%d characters): "
				  "invalid argument",
				  GOQ(s), CTRFS_IDENTIFIER_MAX);
	if (!identifier_matches(s))
		return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
				  "identifier %s must match %s: invalid argument", GOQ(s),
				  identifier_re);
	return CTRFS_OK;
}

ctrfs_code ctrfs_label_validate(const char *key, const char *value, ctrfs_error *err)
{
	size_t kl = strlen(key), vl = strlen(value ? value : "");
	if (kl + vl > CTRFS_LABEL_MAX)
		return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
				  "label key and value greater than maximum size (%d bytes), "
				  "key: %.*s: invalid argument",
				  CTRFS_LABEL_MAX, kl > 10 ? 10 : (int)kl, key);
	return CTRFS_OK;
}

ctrfs_code label_key_validate(const char *key, const char *value, ctrfs_error *err)
{
	if (!*key && value && *value)
		return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
				  "failed to set label %s=%s: key required", GOQ(key), GOQ(value));
	return CTRFS_OK;
}

ctrfs_code label_keys_validate(const ctrfs_labels *l, ctrfs_error *err)
{
	/* keys are sorted bytewise: "" comes first */
	if (l && l->count)
		return label_key_validate(l->items[0].key, l->items[0].value, err);
	return CTRFS_OK;
}

ctrfs_code ctrfs_container_validate(const ctrfs_container *c, ctrfs_error *err)
{
	ctrfs_code code = ctrfs_identifier_validate(c->id, err);
	if (code)
		return ctrfs_error_prefix(err, code, "container.ID: ");
	for (size_t i = 0; i < c->extensions.count; i++)
		if (!c->extensions.items[i].name[0])
			return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
					  "container.Extension keys must not be zero-length: "
					  "invalid argument");
	for (size_t i = 0; i < c->labels.count; i++) {
		code = ctrfs_label_validate(c->labels.items[i].key, c->labels.items[i].value, err);
		if (code)
			return ctrfs_error_prefix(err, code, "containers.Labels: ");
	}
	if (!c->runtime_name || !*c->runtime_name)
		return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
				  "container.Runtime.Name must be set: invalid argument");
	if (!c->has_spec)
		return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
				  "container.Spec must be set: invalid argument");
	if (c->snapshot_key && *c->snapshot_key && !(c->snapshotter && *c->snapshotter))
		return ctrfs_fail(
		    err, CTRFS_INVALID_ARGUMENT,
		    "container.Snapshotter must be set if container.SnapshotKey is set: "
		    "invalid argument");
	/* ours, not containerd's: see CTRFS_JSON_NESTING_MAX (the cheap count first) */
	if (json_text_depth((const char *)c->spec.value, c->spec.value_len) >
		CTRFS_JSON_NESTING_MAX &&
	    json_text_is_json(c->spec.value, c->spec.value_len))
		return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
				  "spec: JSON nested deeper than %d levels: invalid argument",
				  CTRFS_JSON_NESTING_MAX);
	return CTRFS_OK;
}

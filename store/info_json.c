/* The `ctr containers info` JSON form of a container: writing (byte-exact with ctr) and
 * parsing (jansson for the fields, the raw bytes for Spec so that no number or key
 * order of the OCI spec is changed). */
#include "info_json.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "any_members.h"
#include "base64.h"
#include "error.h"
#include "goquote.h"
#include "json_text.h"

#define INDENT "    "

static void newline(struct strbuf *sb, const char *prefix, int depth)
{
	strbuf_addc(sb, '\n');
	strbuf_adds(sb, prefix);
	while (depth-- > 0)
		strbuf_adds(sb, INDENT);
}

static void quote(struct strbuf *sb, const char *s)
{
	json_text_quote_go(sb, s ? s : "", s ? strlen(s) : 0);
}

/* A member "Key": at `depth`; `first` says whether a comma is needed before it. */
static void key(struct strbuf *sb, const char *prefix, int depth, const char *name, bool first)
{
	if (!first)
		strbuf_addc(sb, ',');
	newline(sb, prefix, depth);
	quote(sb, name);
	strbuf_adds(sb, ": ");
}

static void write_labels(struct strbuf *sb, const ctrfs_labels *l, const char *prefix, int depth)
{
	if (!l->count) {
		strbuf_adds(sb, "null");
		return;
	}
	strbuf_addc(sb, '{');
	for (size_t i = 0; i < l->count; i++) {
		key(sb, prefix, depth + 1, l->items[i].key, i == 0);
		quote(sb, l->items[i].value);
	}
	newline(sb, prefix, depth);
	strbuf_addc(sb, '}');
}

struct any_writer {
	struct strbuf *sb;
	const char *prefix;
	int depth;
	bool first;
};

static void any_member(void *arg, const char *name, const char *value)
{
	struct any_writer *w = arg;
	key(w->sb, w->prefix, w->depth + 1, name, w->first);
	quote(w->sb, value);
	w->first = false;
}

/* protobuf Any with Go's omitempty on both fields. */
static void write_any(struct strbuf *sb, const ctrfs_any *a, const char *prefix, int depth)
{
	struct any_writer w = {sb, prefix, depth, true};
	strbuf_addc(sb, '{');
	if (!any_members(a, true, any_member, &w))
		sb->oom = true;
	if (!w.first)
		newline(sb, prefix, depth);
	strbuf_addc(sb, '}');
}

void info_json_write(struct strbuf *sb, const ctrfs_container *c, const char *prefix)
{
	char ts[64];
	/* ctr decodes a JSON spec and prints it last; otherwise it prints the container
	 * struct as is, where Spec is an Any between Runtime and SnapshotKey */
	bool spec_json =
	    c->has_spec && c->spec.value_len && json_text_is_json(c->spec.value, c->spec.value_len);
	strbuf_addc(sb, '{');
	key(sb, prefix, 1, "ID", true);
	quote(sb, c->id);
	key(sb, prefix, 1, "Labels", false);
	write_labels(sb, &c->labels, prefix, 1);
	key(sb, prefix, 1, "Image", false);
	quote(sb, c->image);
	key(sb, prefix, 1, "Runtime", false);
	strbuf_addc(sb, '{');
	key(sb, prefix, 2, "Name", true);
	quote(sb, c->runtime_name);
	key(sb, prefix, 2, "Options", false);
	if (c->has_runtime_options)
		write_any(sb, &c->runtime_options, prefix, 2);
	else
		strbuf_adds(sb, "null");
	newline(sb, prefix, 1);
	strbuf_addc(sb, '}');
	if (!spec_json) {
		key(sb, prefix, 1, "Spec", false);
		if (c->has_spec)
			write_any(sb, &c->spec, prefix, 1);
		else
			strbuf_adds(sb, "null");
	}
	key(sb, prefix, 1, "SnapshotKey", false);
	quote(sb, c->snapshot_key);
	key(sb, prefix, 1, "Snapshotter", false);
	quote(sb, c->snapshotter);
	key(sb, prefix, 1, "CreatedAt", false);
	ctrfs_time_format(c->created_at, ts, sizeof(ts));
	quote(sb, ts);
	key(sb, prefix, 1, "UpdatedAt", false);
	ctrfs_time_format(c->updated_at, ts, sizeof(ts));
	quote(sb, ts);
	key(sb, prefix, 1, "Extensions", false);
	if (!c->extensions.count) {
		strbuf_adds(sb, "null");
	} else {
		strbuf_addc(sb, '{');
		for (size_t i = 0; i < c->extensions.count; i++) {
			key(sb, prefix, 2, c->extensions.items[i].name, i == 0);
			write_any(sb, &c->extensions.items[i].any, prefix, 2);
		}
		newline(sb, prefix, 1);
		strbuf_addc(sb, '}');
	}
	/* containerd 1.6 has no SandboxID and ctr >= 1.7 prints it always; we print it
	 * when set, so that 1.6 data reads exactly as 1.6's ctr shows it */
	if (c->sandbox_id && *c->sandbox_id) {
		key(sb, prefix, 1, "SandboxID", false);
		quote(sb, c->sandbox_id);
	}
	if (spec_json) {
		struct strbuf deeper = STRBUF_INIT;
		strbuf_adds(&deeper, prefix);
		strbuf_adds(&deeper, INDENT);
		key(sb, prefix, 1, "Spec", false);
		if (!json_text_indent(sb, (const char *)c->spec.value, c->spec.value_len,
				      deeper.buf ? deeper.buf : INDENT, INDENT))
			sb->oom = true;
		strbuf_release(&deeper);
	}
	newline(sb, prefix, 0);
	strbuf_addc(sb, '}');
}

ctrfs_code ctrfs_container_info_json(const ctrfs_container *c, char **out, size_t *len,
				     ctrfs_error *err)
{
	struct strbuf sb = STRBUF_INIT;
	info_json_write(&sb, c, "");
	strbuf_addc(&sb, '\n');
	*out = strbuf_detach(&sb, len);
	return *out ? CTRFS_OK : ctrfs_fail_oom(err);
}

ctrfs_code ctrfs_container_list_info_json(const ctrfs_container *list, size_t n, char **out,
					  size_t *len, ctrfs_error *err)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_adds(&sb, n ? "[" : "[]");
	for (size_t i = 0; i < n; i++) {
		strbuf_adds(&sb, i ? ",\n    " : "\n    ");
		info_json_write(&sb, &list[i], "    ");
	}
	strbuf_adds(&sb, n ? "\n]\n" : "\n");
	*out = strbuf_detach(&sb, len);
	return *out ? CTRFS_OK : ctrfs_fail_oom(err);
}

/* ---- parsing ---- */

static ctrfs_code bad(ctrfs_error *err, const char *field, const char *want)
{
	return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT, "%s: expected %s: invalid argument", field,
			  want);
}

static ctrfs_code get_string(json_t *obj, const char *name, char **out, ctrfs_error *err)
{
	json_t *v = json_object_get(obj, name);
	if (!v || json_is_null(v))
		return CTRFS_OK;
	if (!json_is_string(v))
		return bad(err, name, "a string");
	if (strlen(json_string_value(v)) != json_string_length(v))
		return bad(err, name, "a string without NUL characters");
	char *d = strdup(json_string_value(v));
	if (!d)
		return ctrfs_fail_oom(err);
	free(*out);
	*out = d;
	return CTRFS_OK;
}

static ctrfs_code parse_any(json_t *v, const char *field, ctrfs_any *out, ctrfs_error *err)
{
	const char *k;
	json_t *m;
	if (!json_is_object(v))
		return bad(err, field, "an object {\"type_url\", \"value\"}");
	json_object_foreach(v, k, m)
	{
		if (strcmp(k, "type_url") != 0 && strcmp(k, "value") != 0)
			return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
					  "%s: unknown field %s: invalid argument", field, GOQ(k));
		if (!json_is_string(m))
			return bad(err, field, "string type_url and base64 value");
	}
	json_t *t = json_object_get(v, "type_url"), *b = json_object_get(v, "value");
	unsigned char *bytes = NULL;
	size_t n = 0;
	if (b && !base64_decode(json_string_value(b), json_string_length(b), &bytes, &n))
		return bad(err, field, "value in base64");
	ctrfs_code code = ctrfs_any_set(out, t ? json_string_value(t) : "", bytes, n);
	free(bytes);
	return code ? ctrfs_fail_oom(err) : CTRFS_OK;
}

static ctrfs_code parse_time(json_t *obj, const char *name, ctrfs_time *out, ctrfs_error *err)
{
	json_t *v = json_object_get(obj, name);
	if (!v || json_is_null(v))
		return CTRFS_OK;
	if (!json_is_string(v) || !ctrfs_time_parse(json_string_value(v), out))
		return bad(err, name, "an RFC 3339 time");
	return CTRFS_OK;
}

static const char *const info_fields[] = {"ID",		 "Labels",	"Image",     "Runtime",
					  "SnapshotKey", "Snapshotter", "CreatedAt", "UpdatedAt",
					  "Extensions",	 "SandboxID",	"Spec",	     NULL};

static ctrfs_code parse_fields(json_t *root, ctrfs_container *c, ctrfs_error *err)
{
	const char *k;
	json_t *v;
	ctrfs_code code;
	json_object_foreach(root, k, v)
	{
		size_t i = 0;
		while (info_fields[i] && strcmp(info_fields[i], k) != 0)
			i++;
		if (!info_fields[i])
			return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
					  "unknown field %s: invalid argument", GOQ(k));
	}
	if ((code = get_string(root, "ID", &c->id, err)) ||
	    (code = get_string(root, "Image", &c->image, err)) ||
	    (code = get_string(root, "SnapshotKey", &c->snapshot_key, err)) ||
	    (code = get_string(root, "Snapshotter", &c->snapshotter, err)) ||
	    (code = get_string(root, "SandboxID", &c->sandbox_id, err)) ||
	    (code = parse_time(root, "CreatedAt", &c->created_at, err)) ||
	    (code = parse_time(root, "UpdatedAt", &c->updated_at, err)))
		return code;

	json_t *labels = json_object_get(root, "Labels");
	if (labels && !json_is_null(labels)) {
		if (!json_is_object(labels))
			return bad(err, "Labels", "an object of strings");
		json_object_foreach(labels, k, v)
		{
			if (!json_is_string(v) ||
			    strlen(json_string_value(v)) != json_string_length(v))
				return bad(err, "Labels", "an object of strings");
			if (ctrfs_labels_set(&c->labels, k, json_string_value(v)))
				return ctrfs_fail_oom(err);
		}
	}

	json_t *rt = json_object_get(root, "Runtime");
	if (rt && !json_is_null(rt)) {
		if (!json_is_object(rt))
			return bad(err, "Runtime", "an object {\"Name\", \"Options\"}");
		json_object_foreach(rt, k, v)
		{
			if (strcmp(k, "Name") != 0 && strcmp(k, "Options") != 0)
				return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
						  "Runtime: unknown field %s: invalid argument",
						  GOQ(k));
		}
		if ((code = get_string(rt, "Name", &c->runtime_name, err)))
			return code;
		json_t *opts = json_object_get(rt, "Options");
		if (opts && !json_is_null(opts)) {
			if ((code = parse_any(opts, "Runtime.Options", &c->runtime_options, err)))
				return code;
			c->has_runtime_options = true;
		}
	}

	json_t *ext = json_object_get(root, "Extensions");
	if (ext && !json_is_null(ext)) {
		if (!json_is_object(ext))
			return bad(err, "Extensions", "an object of Any values");
		json_object_foreach(ext, k, v)
		{
			ctrfs_any any = {0};
			code = parse_any(v, "Extensions", &any, err);
			if (!code && ctrfs_extensions_set(&c->extensions, k, &any))
				code = ctrfs_fail_oom(err);
			ctrfs_any_clear(&any);
			if (code)
				return code;
		}
	}
	return CTRFS_OK;
}

/* Spec: the OCI spec object, kept as its compact bytes (what containerd stores). */
static ctrfs_code parse_spec(const char *text, size_t len, ctrfs_container *c, ctrfs_error *err)
{
	size_t start, vlen;
	if (!json_text_member(text, len, "Spec", &start, &vlen) ||
	    (vlen == 4 && memcmp(text + start, "null", 4) == 0))
		return CTRFS_OK;
	return info_json_spec(text + start, vlen, c, err);
}

ctrfs_code info_json_spec(const char *text, size_t len, ctrfs_container *c, ctrfs_error *err)
{
	size_t start = 0, vlen = len;
	if (text[start] != '{')
		return bad(err, "Spec", "the OCI runtime spec object");
	/* ctr prints a spec whose bytes are not JSON as an Any: read that form back */
	json_t *obj = json_loadb(text + start, vlen, JSON_DECODE_INT_AS_REAL, NULL);
	bool any_form = json_is_object(obj) && json_object_get(obj, "type_url");
	const char *k;
	json_t *m;
	json_object_foreach(obj, k, m)
	{
		if (strcmp(k, "type_url") != 0 && strcmp(k, "value") != 0)
			any_form = false;
	}
	if (any_form) {
		ctrfs_code code = parse_any(obj, "Spec", &c->spec, err);
		json_decref(obj);
		if (!code)
			c->has_spec = true;
		return code;
	}
	json_decref(obj);
	size_t clen;
	char *compact = json_text_compact(text + start, vlen, &clen);
	if (!compact)
		return ctrfs_fail_oom(err);
	ctrfs_code code = ctrfs_any_set(&c->spec, CTRFS_SPEC_TYPE_URL, compact, clen);
	free(compact);
	if (code)
		return ctrfs_fail_oom(err);
	c->has_spec = true;
	return CTRFS_OK;
}

ctrfs_code info_json_parse(const char *text, size_t len, ctrfs_container *out, ctrfs_error *err)
{
	char msg[160];
	size_t off;
	memset(out, 0, sizeof(*out));
	if (json_text_check(text, len, &off, msg, sizeof(msg)) != JSON_TEXT_OK)
		return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
				  "container JSON: %s at byte %zu: invalid argument", msg, off);
	json_error_t jerr;
	/* numbers inside Spec may exceed what jansson holds as integers; Spec is read raw */
	json_t *root = json_loadb(text, len, JSON_DECODE_INT_AS_REAL | JSON_ALLOW_NUL, &jerr);
	if (!root)
		return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
				  "container JSON: %s (line %d, column %d): invalid argument",
				  jerr.text, jerr.line, jerr.column);
	ctrfs_code code = json_is_object(root) ? parse_fields(root, out, err)
					       : bad(err, "container JSON", "an object");
	json_decref(root);
	if (!code)
		code = parse_spec(text, len, out, err);
	if (code)
		ctrfs_container_clear(out);
	return code;
}

ctrfs_code ctrfs_container_from_info_json(const char *text, size_t len, ctrfs_container *out,
					  ctrfs_error *err)
{
	return info_json_parse(text, len, out, err);
}

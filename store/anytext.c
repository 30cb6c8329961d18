/* The text form of JSON-valued bytes and of protobuf Any values, as files show them. */
#include "anytext.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "error.h"
#include "info_json.h"

#define INDENT "    "

static void quote(struct strbuf *sb, const char *s)
{
	json_text_quote_go(sb, s ? s : "", s ? strlen(s) : 0);
}

void anytext_render(struct strbuf *sb, const ctrfs_any *a)
{
	strbuf_adds(sb, "{\n" INDENT "\"type_url\": ");
	quote(sb, a->type_url);
	if (a->value_len && json_text_is_json(a->value, a->value_len)) {
		strbuf_adds(sb, ",\n" INDENT "\"json\": ");
		if (!json_text_indent(sb, (const char *)a->value, a->value_len, INDENT, INDENT))
			sb->oom = true;
	} else if (a->value_len) {
		char *b64 = base64_encode(a->value, a->value_len, NULL);
		strbuf_adds(sb, ",\n" INDENT "\"value\": ");
		quote(sb, b64);
		if (!b64)
			sb->oom = true;
		free(b64);
	}
	strbuf_adds(sb, "\n}\n");
}

char *json_bytes(const char *text, size_t len, const void *stored, size_t stored_len,
		 size_t *out_len)
{
	size_t clen, slen;
	char *compact = json_text_compact(text, len, &clen);
	if (!compact || !stored || !json_text_is_json(stored, stored_len))
		goto out;
	char *scompact = json_text_compact(stored, stored_len, &slen);
	bool same = scompact && slen == clen && memcmp(scompact, compact, clen) == 0;
	free(scompact);
	if (same) {
		char *copy = malloc(stored_len + 1);
		if (copy) {
			memcpy(copy, stored, stored_len);
			copy[stored_len] = '\0';
			clen = stored_len;
		}
		free(compact);
		compact = copy;
	}
out:
	if (compact)
		*out_len = clen;
	return compact;
}

static json_text_status __attribute__((format(printf, 3, 4)))
invalid(char *msg, size_t msgsize, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, msgsize, fmt, ap);
	va_end(ap);
	return JSON_TEXT_INVALID;
}

/* The object without its "json" member's value (replaced by null), for jansson to read
 * the other members: the JSON itself is kept as raw bytes, never decoded. */
static json_t *load_members(const char *text, size_t len, bool has_json, size_t js, size_t jl,
			    json_error_t *jerr)
{
	struct strbuf sb = STRBUF_INIT;
	if (has_json) {
		strbuf_add(&sb, text, js);
		strbuf_adds(&sb, "null");
		strbuf_add(&sb, text + js + jl, len - js - jl);
	} else {
		strbuf_add(&sb, text, len);
	}
	json_t *root = sb.oom ? NULL : json_loadb(sb.buf, sb.len, 0, jerr);
	strbuf_release(&sb);
	return root;
}

json_text_status anytext_parse(const char *text, size_t len, const ctrfs_any *stored,
			       ctrfs_any *out, char *msg, size_t msgsize)
{
	size_t off, js = 0, jl = 0;
	char why[160];
	ctrfs_any_clear(out);
	json_text_status st = json_text_check(text, len, &off, why, sizeof(why));
	if (st == JSON_TEXT_INCOMPLETE)
		return st;
	if (st == JSON_TEXT_INVALID) {
		snprintf(msg, msgsize, "%s at byte %zu", why, off);
		return st;
	}
	size_t i = 0;
	while (i < len && strchr(" \t\r\n", text[i]))
		i++;
	if (text[i] != '{')
		return invalid(msg, msgsize,
			       "expected an object {\"type_url\", \"json\" or \"value\"}");
	bool has_json = json_text_member(text, len, "json", &js, &jl);
	json_error_t jerr = {.text = "out of memory"};
	json_t *root = load_members(text, len, has_json, js, jl, &jerr);
	if (!root)
		return invalid(msg, msgsize, "%s", jerr.text);
	const char *k, *type_url = "";
	json_t *v;
	unsigned char *bytes = NULL;
	size_t n = 0;
	json_object_foreach(root, k, v)
	{
		if (strcmp(k, "json") == 0)
			continue;
		if (strcmp(k, "type_url") != 0 && strcmp(k, "value") != 0) {
			st = invalid(msg, msgsize, "unknown field \"%s\"", k);
			goto out;
		}
		if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v)) {
			st = invalid(msg, msgsize, "\"%s\" must be a string", k);
			goto out;
		}
	}
	if (json_object_get(root, "type_url"))
		type_url = json_string_value(json_object_get(root, "type_url"));
	v = json_object_get(root, "value");
	if (v && has_json) {
		st = invalid(msg, msgsize, "give the bytes as \"json\" or as \"value\", not both");
		goto out;
	}
	if (v && !base64_decode(json_string_value(v), json_string_length(v), &bytes, &n)) {
		st = invalid(msg, msgsize, "\"value\" is not base64");
		goto out;
	}
	if (has_json) {
		bytes = (unsigned char *)json_bytes(text + js, jl, stored ? stored->value : NULL,
						    stored ? stored->value_len : 0, &n);
		if (!bytes) {
			st = invalid(msg, msgsize, "out of memory");
			goto out;
		}
	}
	if (ctrfs_any_set(out, type_url, bytes, n))
		st = invalid(msg, msgsize, "out of memory");
out:
	free(bytes);
	json_decref(root);
	return st;
}

/* ---- the public calls (ctrfs_store.h) ---- */

static char *detach(struct strbuf *sb, size_t *len)
{
	size_t n;
	char *out = strbuf_detach(sb, &n);
	if (out && len)
		*len = n;
	return out;
}

char *ctrfs_any_text(const ctrfs_any *a, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	anytext_render(&sb, a);
	return detach(&sb, len);
}

char *ctrfs_spec_text(const ctrfs_any *spec, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	if (spec->value_len && json_text_is_json(spec->value, spec->value_len)) {
		/* as `ctr containers info --spec` prints it */
		if (!json_text_indent(&sb, (const char *)spec->value, spec->value_len, "", INDENT))
			sb.oom = true;
		strbuf_addc(&sb, '\n');
	} else {
		/* bytes that are not JSON (no containerd client writes them) read as an Any */
		anytext_render(&sb, spec);
	}
	return detach(&sb, len);
}

/* A JSON syntax verdict as a store answer; `msg` is INVALID's reason. */
static ctrfs_code verdict(json_text_status st, const char *msg, bool *incomplete, ctrfs_error *err)
{
	if (incomplete)
		*incomplete = st == JSON_TEXT_INCOMPLETE;
	if (st == JSON_TEXT_OK)
		return CTRFS_OK;
	return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT, "%s",
			  st == JSON_TEXT_INCOMPLETE ? "unexpected end of JSON input" : msg);
}

ctrfs_code ctrfs_any_from_text(const char *text, size_t len, const ctrfs_any *stored,
			       ctrfs_any *out, bool *incomplete, ctrfs_error *err)
{
	char msg[200];
	return verdict(anytext_parse(text, len, stored, out, msg, sizeof(msg)), msg, incomplete,
		       err);
}

ctrfs_code ctrfs_json_check(const char *text, size_t len, bool *incomplete, ctrfs_error *err)
{
	char msg[200], why[160];
	size_t off;
	json_text_status st = json_text_check(text, len, &off, why, sizeof(why));
	snprintf(msg, sizeof(msg), "%s at byte %zu", why, off);
	return verdict(st, msg, incomplete, err);
}

static bool is_object(const char *s, size_t len)
{
	size_t i = 0;
	while (i < len && strchr(" \t\r\n", s[i]))
		i++;
	return i < len && s[i] == '{';
}

ctrfs_code ctrfs_spec_from_text(const char *text, size_t len, const ctrfs_any *stored,
				ctrfs_any *out, bool *incomplete, ctrfs_error *err)
{
	ctrfs_any_clear(out);
	if (incomplete)
		*incomplete = false;
	if (stored && stored->value_len && !json_text_is_json(stored->value, stored->value_len))
		/* a spec that is not JSON reads, and so is written, as an Any */
		return ctrfs_any_from_text(text, len, stored, out, incomplete, err);
	ctrfs_code code = ctrfs_json_check(text, len, incomplete, err);
	if (code)
		return code;
	if (!is_object(text, len))
		return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
				  "the OCI runtime spec must be a JSON object");
	if (!stored) {
		/* a spec given whole (a file), read as ctr's info prints one */
		size_t i = 0;
		ctrfs_container c = {0};
		while (i < len && strchr(" \t\r\n", text[i]))
			i++;
		if (!(code = info_json_spec(text + i, len - i, &c, err)))
			*out = c.spec, c.spec = (ctrfs_any){0};
		ctrfs_container_clear(&c);
		return code;
	}
	size_t n;
	char *bytes = json_bytes(text, len, stored->value, stored->value_len, &n);
	const char *url =
	    stored->type_url && *stored->type_url ? stored->type_url : CTRFS_SPEC_TYPE_URL;
	code = !bytes || ctrfs_any_set(out, url, bytes, n) ? ctrfs_fail_oom(err) : CTRFS_OK;
	free(bytes);
	return code;
}

ctrfs_code ctrfs_container_from_info_text(const char *text, size_t len, const ctrfs_any *stored,
					  ctrfs_container *out, ctrfs_error *err)
{
	size_t start, vlen, n;
	char msg[200];
	ctrfs_code code = ctrfs_container_from_info_json(text, len, out, err);
	if (code)
		return code;
	if (stored && stored->value_len && !json_text_is_json(stored->value, stored->value_len)) {
		/* shown as an Any, which ctrfs_container_from_info_json would take for a
		 * JSON spec */
		if (json_text_member(text, len, "Spec", &start, &vlen) &&
		    anytext_parse(text + start, vlen, stored, &out->spec, msg, sizeof(msg)) !=
			JSON_TEXT_OK)
			code = ctrfs_fail(err, CTRFS_INVALID_ARGUMENT, "Spec: %s", msg);
	} else if (out->has_spec && stored) {
		/* unchanged JSON keeps its stored bytes */
		char *bytes = json_bytes((char *)out->spec.value, out->spec.value_len,
					 stored->value, stored->value_len, &n);
		if (!bytes || ctrfs_any_set(&out->spec, stored->type_url, bytes, n))
			code = ctrfs_fail_oom(err);
		free(bytes);
	}
	if (code)
		ctrfs_container_clear(out);
	return code;
}

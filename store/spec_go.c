/* The OCI spec through Go's eyes: json.Unmarshal into specs.Spec (spec_go_decode.c), then
 * json.MarshalIndent (here), which is what `ctr containers info --spec` prints. */
#include <stdlib.h>
#include <string.h>

#include "ctrfs_store.h"
#include "error.h"
#include "json_text.h"
#include "strbuf.h"
#include "spec_schema.h"
#include "spec_go_decode.h"

#define INDENT "    "

/* ---- encoding: json.MarshalIndent(v, "", "    ") ---- */

static void newline(struct strbuf *sb, int depth)
{
	strbuf_addc(sb, '\n');
	while (depth-- > 0)
		strbuf_adds(sb, INDENT);
}

static bool is_empty(const struct spec_type *t, const struct gv *v)
{
	switch (t->kind) {
	case SK_STRING:
		return !v || !v->len;
	case SK_BOOL:
		return !v || !v->b;
	case SK_INT:
	case SK_UINT:
		return !v || strcmp(v->s, "0") == 0;
	case SK_SLICE:
	case SK_MAP:
		return !v || !v->n;
	case SK_STRUCT:
		return false;
	default:
		return !v;
	}
}

static int key_cmp(const void *a, const void *b, void *arg)
{
	const struct gv *v = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	size_t n = v->klens[i] < v->klens[j] ? v->klens[i] : v->klens[j];
	int c = memcmp(v->keys[i], v->keys[j], n);
	return c ? c : (v->klens[i] > v->klens[j]) - (v->klens[i] < v->klens[j]);
}

static void encode(struct strbuf *sb, const struct spec_type *t, const struct gv *v, int depth);

/* Map entries (typed or in an interface) in Go's order: keys sorted bytewise. */
static void encode_map(struct strbuf *sb, const struct spec_type *elem, const struct gv *v,
		       int depth)
{
	if (!v->n) {
		strbuf_adds(sb, "{}");
		return;
	}
	size_t *order = malloc(v->n * sizeof(*order));
	if (!order) {
		sb->oom = true;
		return;
	}
	for (size_t i = 0; i < v->n; i++)
		order[i] = i;
	qsort_r(order, v->n, sizeof(*order), key_cmp, (void *)v);
	strbuf_addc(sb, '{');
	for (size_t i = 0; i < v->n; i++) {
		strbuf_adds(sb, i ? "," : "");
		newline(sb, depth + 1);
		json_text_quote_go(sb, v->keys[order[i]], v->klens[order[i]]);
		strbuf_adds(sb, ": ");
		encode(sb, elem, v->kids[order[i]], depth + 1);
	}
	newline(sb, depth);
	strbuf_addc(sb, '}');
	free(order);
}

static void encode_items(struct strbuf *sb, const struct spec_type *elem, const struct gv *v,
			 int depth)
{
	if (!v->n) {
		strbuf_adds(sb, "[]");
		return;
	}
	strbuf_addc(sb, '[');
	for (size_t i = 0; i < v->n; i++) {
		strbuf_adds(sb, i ? "," : "");
		newline(sb, depth + 1);
		encode(sb, elem, v->kids[i], depth + 1);
	}
	newline(sb, depth);
	strbuf_addc(sb, ']');
}

static void encode(struct strbuf *sb, const struct spec_type *t, const struct gv *v, int depth)
{
	static const struct spec_type any = {SK_IFACE, 0, 0, "interface {}", 0, 0};
	switch (t->kind) {
	case SK_STRING:
		json_text_quote_go(sb, v ? v->s : "", v ? v->len : 0);
		return;
	case SK_BOOL:
		strbuf_adds(sb, v && v->b ? "true" : "false");
		return;
	case SK_INT:
	case SK_UINT:
		strbuf_adds(sb, v ? v->s : "0");
		return;
	case SK_PTR:
		if (!v)
			strbuf_adds(sb, "null");
		else
			encode(sb, &spec_types[t->elem], v, depth);
		return;
	case SK_SLICE:
		if (!v)
			strbuf_adds(sb, "null");
		else
			encode_items(sb, &spec_types[t->elem], v, depth);
		return;
	case SK_MAP:
		if (!v)
			strbuf_adds(sb, "null");
		else
			encode_map(sb, &spec_types[t->elem], v, depth);
		return;
	case SK_IFACE:
		if (!v)
			strbuf_adds(sb, "null");
		else if (v->jk == J_STR)
			json_text_quote_go(sb, v->s, v->len);
		else if (v->jk == J_NUM)
			strbuf_adds(sb, v->s);
		else if (v->jk == J_BOOL)
			strbuf_adds(sb, v->b ? "true" : "false");
		else if (v->jk == J_ARR)
			encode_items(sb, &any, v, depth);
		else
			encode_map(sb, &any, v, depth);
		return;
	case SK_STRUCT: {
		bool any_field = false;
		for (size_t i = 0; i < t->nfields; i++) {
			const struct spec_field *f = &spec_fields[t->first + i];
			const struct gv *fv = v ? v->kids[i] : NULL;
			if (f->omitempty && is_empty(&spec_types[f->type], fv))
				continue;
			strbuf_addc(sb, any_field ? ',' : '{');
			any_field = true;
			newline(sb, depth + 1);
			strbuf_addf(sb, "\"%s\": ", f->name);
			encode(sb, &spec_types[f->type], fv, depth + 1);
		}
		if (!any_field) {
			strbuf_adds(sb, "{}");
			return;
		}
		newline(sb, depth);
		strbuf_addc(sb, '}');
		return;
	}
	}
}

ctrfs_code ctrfs_spec_json_go(const void *spec, size_t len, char **out, size_t *outlen,
			      ctrfs_error *err)
{
	struct gv *root;
	*out = NULL;
	ctrfs_code code = spec_go_decode(spec, len, &root, err);
	if (!code) {
		struct strbuf sb = STRBUF_INIT;
		encode(&sb, &spec_types[0], root, 0);
		strbuf_addc(&sb, '\n');
		*out = strbuf_detach(&sb, outlen);
		if (!*out)
			code = ctrfs_fail_oom(err);
	}
	gv_free(root);
	return code;
}

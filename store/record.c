/* Byte layouts of the values kept in LMDB, with bounds-checked reading (see record.h). */
#include "record.h"

#include <stdlib.h>
#include <string.h>

void record_put_u8(struct strbuf *sb, uint8_t v)
{
	strbuf_add(sb, &v, 1);
}

void record_put_u32(struct strbuf *sb, uint32_t v)
{
	unsigned char b[4] = {v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24};
	strbuf_add(sb, b, 4);
}

static void put_u64(struct strbuf *sb, uint64_t v)
{
	record_put_u32(sb, (uint32_t)v);
	record_put_u32(sb, (uint32_t)(v >> 32));
}

void record_put_time(struct strbuf *sb, ctrfs_time t)
{
	put_u64(sb, (uint64_t)t.sec);
	record_put_u32(sb, (uint32_t)t.nsec);
}

void record_put_bytes(struct strbuf *sb, const void *data, size_t len)
{
	record_put_u32(sb, (uint32_t)len);
	strbuf_add(sb, data, len);
}

void record_put_str(struct strbuf *sb, const char *s)
{
	record_put_bytes(sb, s ? s : "", s ? strlen(s) : 0);
}

static const unsigned char *take(struct record_reader *r, size_t n)
{
	if (r->bad || r->left < n) {
		r->bad = true;
		return NULL;
	}
	const unsigned char *p = r->p;
	r->p += n;
	r->left -= n;
	return p;
}

uint8_t record_get_u8(struct record_reader *r)
{
	const unsigned char *p = take(r, 1);
	return p ? p[0] : 0;
}

uint32_t record_get_u32(struct record_reader *r)
{
	const unsigned char *p = take(r, 4);
	return p ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		       (uint32_t)p[3] << 24
		 : 0;
}

ctrfs_time record_get_time(struct record_reader *r)
{
	uint64_t lo = record_get_u32(r), hi = record_get_u32(r);
	ctrfs_time t = {(int64_t)(lo | hi << 32), (int32_t)record_get_u32(r)};
	return t;
}

unsigned char *record_get_bytes(struct record_reader *r, size_t *len)
{
	uint32_t n = record_get_u32(r);
	const unsigned char *p = take(r, n);
	if (!p)
		return NULL;
	unsigned char *d = malloc((size_t)n + 1);
	if (!d) {
		r->bad = true;
		return NULL;
	}
	memcpy(d, p, n);
	d[n] = '\0';
	*len = n;
	return d;
}

char *record_get_str(struct record_reader *r)
{
	size_t len;
	return (char *)record_get_bytes(r, &len);
}

void record_put_labels(struct strbuf *sb, const ctrfs_labels *l)
{
	record_put_u32(sb, (uint32_t)l->count);
	for (size_t i = 0; i < l->count; i++) {
		record_put_str(sb, l->items[i].key);
		record_put_str(sb, l->items[i].value);
	}
}

bool record_get_labels(struct record_reader *r, ctrfs_labels *out)
{
	uint32_t n = record_get_u32(r);
	memset(out, 0, sizeof(*out));
	if (r->bad || n > r->left / 8)
		return false;
	out->items = calloc(n ? n : 1, sizeof(ctrfs_label));
	if (!out->items)
		return false;
	for (uint32_t i = 0; i < n; i++) {
		out->items[i].key = record_get_str(r);
		out->items[i].value = record_get_str(r);
		out->count++;
		if (r->bad)
			break;
	}
	if (r->bad) {
		ctrfs_labels_clear(out);
		return false;
	}
	return true;
}

void record_put_any(struct strbuf *sb, const ctrfs_any *a)
{
	record_put_str(sb, a->type_url);
	record_put_bytes(sb, a->value, a->value_len);
}

bool record_get_any(struct record_reader *r, ctrfs_any *out)
{
	memset(out, 0, sizeof(*out));
	out->type_url = record_get_str(r);
	out->value = record_get_bytes(r, &out->value_len);
	if (r->bad) {
		ctrfs_any_clear(out);
		return false;
	}
	return true;
}

void record_put_extensions(struct strbuf *sb, const ctrfs_extensions *e)
{
	record_put_u32(sb, (uint32_t)e->count);
	for (size_t i = 0; i < e->count; i++) {
		record_put_str(sb, e->items[i].name);
		record_put_any(sb, &e->items[i].any);
	}
}

bool record_get_extensions(struct record_reader *r, ctrfs_extensions *out)
{
	uint32_t n = record_get_u32(r);
	memset(out, 0, sizeof(*out));
	if (r->bad || n > r->left / 12)
		return false;
	out->items = calloc(n ? n : 1, sizeof(ctrfs_extension));
	if (!out->items)
		return false;
	for (uint32_t i = 0; i < n && !r->bad; i++) {
		out->items[i].name = record_get_str(r);
		out->count++;
		record_get_any(r, &out->items[i].any);
	}
	if (r->bad) {
		ctrfs_extensions_clear(out);
		return false;
	}
	return true;
}

void record_put_core(struct strbuf *sb, const ctrfs_container *c)
{
	record_put_u8(sb, RECORD_VERSION);
	record_put_u8(sb, c->has_runtime_options ? 1 : 0);
	record_put_str(sb, c->image);
	record_put_str(sb, c->runtime_name);
	if (c->has_runtime_options) {
		record_put_any(sb, &c->runtime_options);
	} else {
		record_put_str(sb, "");
		record_put_str(sb, "");
	}
	record_put_str(sb, c->snapshot_key);
	record_put_str(sb, c->snapshotter);
	record_put_str(sb, c->sandbox_id);
	record_put_time(sb, c->created_at);
	record_put_time(sb, c->updated_at);
}

bool record_get_core(struct record_reader *r, ctrfs_container *out)
{
	if (record_get_u8(r) != RECORD_VERSION)
		return false;
	uint8_t flags = record_get_u8(r);
	out->image = record_get_str(r);
	out->runtime_name = record_get_str(r);
	ctrfs_any opts;
	if (!record_get_any(r, &opts))
		return false;
	out->has_runtime_options = flags & 1;
	if (out->has_runtime_options)
		out->runtime_options = opts;
	else
		ctrfs_any_clear(&opts);
	out->snapshot_key = record_get_str(r);
	out->snapshotter = record_get_str(r);
	out->sandbox_id = record_get_str(r);
	out->created_at = record_get_time(r);
	out->updated_at = record_get_time(r);
	return !r->bad;
}

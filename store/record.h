/* Byte layouts of the values kept in LMDB (schema version 1), with bounds-checked reading. */
#ifndef CTRFS_RECORD_H
#define CTRFS_RECORD_H

#include "ctrfs_store.h"
#include "strbuf.h"

/* Record layouts (all integers little-endian, strings/bytes as u32 length + bytes):
 *   ctr/<ns>\0<id>    core: u8 version=1, u8 flags (1 = has runtime options),
 *                     image, runtime name, options type_url, options value,
 *                     snapshot key, snapshotter, sandbox id,
 *                     created (i64 sec, i32 nsec), updated (i64 sec, i32 nsec)
 *   spec/<ns>\0<id>   Any: type_url, value
 *   labels/<ns>\0<id> map: u32 count, then key, value pairs sorted by key
 *   ext/<ns>\0<id>    u32 count, then name, type_url, value triples sorted by name
 *   ns/<name>         u8 version=1, updated (i64, i32), then a label map
 * Large parts live in separate records so that a field-scoped update rewrites only
 * what it touches (a label write never rewrites the spec). */
#define RECORD_VERSION 1

struct record_reader {
	const unsigned char *p;
	size_t left;
	bool bad; /* set at the first out-of-bounds read; later reads return zeros */
};

void record_put_u8(struct strbuf *sb, uint8_t v);
void record_put_u32(struct strbuf *sb, uint32_t v);
void record_put_time(struct strbuf *sb, ctrfs_time t);
void record_put_bytes(struct strbuf *sb, const void *data, size_t len);
void record_put_str(struct strbuf *sb, const char *s);

uint8_t record_get_u8(struct record_reader *r);
uint32_t record_get_u32(struct record_reader *r);
ctrfs_time record_get_time(struct record_reader *r);
/* malloc'd copy (NUL-terminated); NULL only when r->bad or out of memory */
char *record_get_str(struct record_reader *r);
unsigned char *record_get_bytes(struct record_reader *r, size_t *len);

void record_put_labels(struct strbuf *sb, const ctrfs_labels *l);
bool record_get_labels(struct record_reader *r, ctrfs_labels *out);
void record_put_any(struct strbuf *sb, const ctrfs_any *a);
bool record_get_any(struct record_reader *r, ctrfs_any *out);
void record_put_extensions(struct strbuf *sb, const ctrfs_extensions *e);
bool record_get_extensions(struct record_reader *r, ctrfs_extensions *out);

/* The core record of a container: every field but labels, extensions and spec. */
void record_put_core(struct strbuf *sb, const ctrfs_container *c);
bool record_get_core(struct record_reader *r, ctrfs_container *out);

#endif

/* The `ctr containers info` JSON form of a container: writing and parsing. */
#ifndef CTRFS_INFO_JSON_H
#define CTRFS_INFO_JSON_H

#include "ctrfs_store.h"
#include "strbuf.h"

/* Appends the container as Go's json.MarshalIndent(v, prefix, "    ") would print
 * ctr's info struct (no trailing newline). */
void info_json_write(struct strbuf *sb, const ctrfs_container *c, const char *prefix);
/* Parses one info object. Missing times are left zero. */
ctrfs_code info_json_parse(const char *text, size_t len, ctrfs_container *out, ctrfs_error *err);
/* The value of an info object's "Spec" (JSON, starting at its '{'): the spec's compact
 * bytes, or the Any ctr prints for a spec whose bytes are not JSON; into c->spec. */
ctrfs_code info_json_spec(const char *text, size_t len, ctrfs_container *c, ctrfs_error *err);

#endif

/* libFuzzer target: the bbolt reader and the containerd import on arbitrary files. */
#include "bbolt.h"
#include "containerd_db.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Nesting is what a hostile file can repeat without end; real files stop at 7. */
#define MAX_NESTING 40

static ctrfs_code walk(bbolt_db *db, const bbolt_bucket *b, int depth, ctrfs_error *err)
{
	bbolt_cursor c;
	bbolt_item it;
	bbolt_cursor_init(&c, db, b, err);
	while (bbolt_cursor_next(&c, &it)) {
		bbolt_item again;
		ctrfs_code code = bbolt_bucket_get(db, b, it.key, it.key_len, &again, err);
		/* Lookups may miss in a file whose branch keys lie, but never wander off. */
		if (!code && (again.key_len != it.key_len || memcmp(again.key, it.key, it.key_len)))
			__builtin_trap();
		if (code && code != CTRFS_NOT_FOUND)
			return code;
		if (it.is_bucket) {
			bbolt_bucket sub;
			code = bbolt_item_bucket(db, &it, &sub, err);
			if (!code && depth < MAX_NESTING)
				code = walk(db, &sub, depth + 1, err);
			if (code)
				return code;
		} else {
			ctrfs_any any = {0};
			containerd_any_decode(it.value, it.value_len, &any, err);
			ctrfs_any_clear(&any);
		}
	}
	return c.code;
}

static ctrfs_code walk_view(bbolt_db *db, const bbolt_bucket *root, void *arg, ctrfs_error *err)
{
	(void)arg;
	return walk(db, root, 0, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bbolt_db *db;
	ctrfs_error err;
	ctrfs_import_namespace *nss;
	size_t n;
	if (bbolt_open_memory(data, size, &db, &err))
		return 0;
	bbolt_view(db, walk_view, NULL, &err);
	if (!containerd_db_read_bbolt(db, NULL, &nss, &n, &err))
		ctrfs_import_namespaces_free(nss, n);
	if (!containerd_db_read_bbolt(db, "default", &nss, &n, &err))
		ctrfs_import_namespaces_free(nss, n);
	bbolt_close(db);
	return 0;
}

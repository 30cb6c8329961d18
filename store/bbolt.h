/* A read-only reader of bbolt database files (containerd's meta.db), safe on hostile input. */
#ifndef CTRFS_BBOLT_H
#define CTRFS_BBOLT_H

#include "ctrfs_store.h"

/*
 * The reader never locks and never writes: containerd keeps an exclusive flock on a live
 * meta.db, and taking part in it would make containerd wait for us. Consistency comes
 * from bbolt_view() instead, which re-reads the meta pages after the walk and starts
 * again when a transaction was committed meanwhile.
 *
 * Every failure is a ctrfs_error: NOT_FOUND for a missing file, INTERNAL (with errno)
 * for I/O, INVALID_ARGUMENT for anything wrong in the file (naming the page), and
 * UNAVAILABLE when the file kept changing while it was read.
 *
 * Hostile files: every page id, count, offset and length is checked before use; a view
 * reads each page at most once and stops after a few times the file's size in work, so
 * loops and shared pages end in an error, and memory stays within a small multiple of
 * the file's size.
 * A handle serves one thread at a time.
 */

typedef struct bbolt_db bbolt_db;

/* Where a bucket's B+tree starts: a page, or a page inlined in its parent's value. */
typedef struct bbolt_bucket {
	uint64_t root;			  /* page id; 0 for an inline bucket */
	const unsigned char *inline_page; /* root == 0: the page bytes */
	size_t inline_len;
	uint64_t sequence;
	uint64_t page; /* for messages: the root page, or the page holding the inline one */
} bbolt_bucket;

/* One key of a bucket. The pointers stay valid until the bbolt_view() callback returns. */
typedef struct bbolt_item {
	const unsigned char *key;
	size_t key_len;
	const unsigned char *value; /* a nested bucket's header (see bbolt_item_bucket) */
	size_t value_len;
	bool is_bucket;
	uint64_t page; /* for messages: the page it is on (for inline buckets, their holder) */
} bbolt_item;

/* Far deeper than any real tree (bbolt keeps at least two keys per page). */
#define BBOLT_MAX_DEPTH 64

/* Walks a bucket's keys in order. Lives on the caller's stack; nothing to release. */
typedef struct bbolt_cursor {
	bbolt_db *db;
	ctrfs_error *err;
	ctrfs_code code; /* first failure; once set, bbolt_cursor_next() returns false */
	uint64_t stamp;
	int depth;
	struct bbolt_cursor_level {
		const unsigned char *page;
		uint64_t id;
		unsigned count;
		unsigned index;
		bool leaf;
	} stack[BBOLT_MAX_DEPTH];
} bbolt_cursor;

/* Opens a file read-only (no lock) and checks its meta pages. */
ctrfs_code bbolt_open(const char *path, bbolt_db **out, ctrfs_error *err);
/* The same over bytes in memory, which must outlive the handle (fuzzing, tests). */
ctrfs_code bbolt_open_memory(const void *data, size_t len, bbolt_db **out, ctrfs_error *err);
void bbolt_close(bbolt_db *db);

/* The path given to bbolt_open ("<memory>" for bbolt_open_memory), for messages. */
const char *bbolt_name(const bbolt_db *db);
/* Page size and transaction id of the meta page in use (of the last view, or of open). */
uint32_t bbolt_page_size(const bbolt_db *db);
uint64_t bbolt_txid(const bbolt_db *db);

/*
 * Calls fn with the root bucket of a consistent snapshot. fn may run more than once
 * (when a writer commits meanwhile), so it must start from scratch each time. Returns
 * fn's result, or UNAVAILABLE ("database changed while reading") after a few attempts.
 * Pages read stay in memory until fn returns.
 */
typedef ctrfs_code (*bbolt_view_fn)(bbolt_db *db, const bbolt_bucket *root, void *arg,
				    ctrfs_error *err);
ctrfs_code bbolt_view(bbolt_db *db, bbolt_view_fn fn, void *arg, ctrfs_error *err);

/* Cursor over the keys of `b` (only inside a view). Typical use:
 *	bbolt_cursor_init(&c, db, &b, err);
 *	while (bbolt_cursor_next(&c, &it))
 *		...;
 *	if (c.code)
 *		return c.code;
 */
void bbolt_cursor_init(bbolt_cursor *c, bbolt_db *db, const bbolt_bucket *b, ctrfs_error *err);
bool bbolt_cursor_next(bbolt_cursor *c, bbolt_item *it);

/* Looks up one key; NOT_FOUND when absent. */
ctrfs_code bbolt_bucket_get(bbolt_db *db, const bbolt_bucket *b, const void *key, size_t key_len,
			    bbolt_item *out, ctrfs_error *err);
/* The nested bucket an item (is_bucket) stands for; checks its header and inline page. */
ctrfs_code bbolt_item_bucket(bbolt_db *db, const bbolt_item *it, bbolt_bucket *out,
			     ctrfs_error *err);
/* bbolt_bucket_get + bbolt_item_bucket; NOT_FOUND when absent or not a bucket, as bbolt. */
ctrfs_code bbolt_bucket_open(bbolt_db *db, const bbolt_bucket *parent, const char *name,
			     bbolt_bucket *out, ctrfs_error *err);

#endif

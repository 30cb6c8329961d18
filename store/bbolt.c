/* Reading bbolt files: meta pages, B+tree pages, nested and inline buckets, defensively.
 * Kept whole at ~790 lines: one reader of one file format, whose layers (file access,
 * meta pages, the page cache of a view, cursors and buckets) share the handle's private
 * state (struct bbolt_db, the view's stamp) that bbolt.h deliberately does not show. */
#include "bbolt.h"
#include "error.h"
#include "goquote.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The on-disk layout (little-endian, as bbolt writes on every platform containerd runs). */
enum {
	PAGE_HEADER = 16,   /* id u64, flags u16, count u16, overflow u32 */
	ELEMENT_SIZE = 16,  /* branch: pos, ksize, pgid; leaf: flags, pos, ksize, vsize */
	META_LEN = 64,	    /* magic .. checksum, right after the page header */
	META_SUMMED = 56,   /* the checksum covers the meta up to itself */
	BUCKET_HEADER = 16, /* root pgid u64, sequence u64 */
	FLAG_BRANCH = 0x01,
	FLAG_LEAF = 0x02,
	LEAF_IS_BUCKET = 0x01,
	MAX_KEY = 32768,
	VIEW_ATTEMPTS = 5,
};
#define BBOLT_MAGIC 0xED0CDAEDu
#define BBOLT_VERSION 2u
#define MAX_VALUE ((1u << 31) - 2)
#define MIN_PAGE_SIZE 512u
#define MAX_PAGE_SIZE (1u << 24) /* bbolt itself looks for meta page 1 no further */

struct meta {
	uint32_t page_size;
	uint64_t root, root_seq, hwm, txid;
};

/* A page read during the current view; id 0 marks a free slot (0 and 1 are meta pages). */
struct slot {
	uint64_t id;
	const unsigned char *data;
	unsigned char *owned; /* what to free: NULL when data points into the caller's memory */
	size_t len;
	uint64_t stamp; /* last cursor or lookup that went through this page */
};

struct bbolt_db {
	char *name; /* for messages: the path, or "<memory>" */
	int fd;	    /* -1 for an in-memory database */
	const unsigned char *mem;
	uint64_t size; /* bytes, at the last meta read */
	struct meta meta;
	bool in_view;
	struct slot *slots; /* open addressing, power-of-two size */
	size_t nslots, nused;
	uint64_t loaded;     /* bytes of distinct pages read in this view */
	uint64_t max_loaded; /* no more than the used part of the file */
	uint64_t work_left;  /* bytes: bounds what a hostile page graph can make us do */
	uint64_t next_stamp;
};

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static uint64_t fnv1a64(const unsigned char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static int key_cmp(const unsigned char *a, size_t al, const unsigned char *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);
	if (c)
		return c;
	return al < bl ? -1 : al > bl;
}

static ctrfs_code corrupt(bbolt_db *db, ctrfs_error *err, uint64_t page, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "PATH: page N: what" -- every complaint about the file's contents names the page. */
static ctrfs_code corrupt(bbolt_db *db, ctrfs_error *err, uint64_t page, const char *fmt, ...)
{
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT, "%s: page %" PRIu64 ": %s", db->name, page,
			  what);
}

/* ---- file access ---- */

static ctrfs_code file_size(bbolt_db *db, uint64_t *size, ctrfs_error *err)
{
	struct stat st;
	if (db->fd < 0) {
		*size = db->size;
		return CTRFS_OK;
	}
	if (fstat(db->fd, &st) < 0)
		return ctrfs_fail_sys(err, CTRFS_INTERNAL, errno, "%s: %s", db->name,
				      strerror(errno));
	*size = (uint64_t)st.st_size;
	return CTRFS_OK;
}

/* Reads up to len bytes at off; *got < len only at the end of the file. */
static ctrfs_code read_at(bbolt_db *db, uint64_t off, void *buf, size_t len, size_t *got,
			  ctrfs_error *err)
{
	*got = 0;
	if (db->fd < 0) {
		if (off < db->size) {
			uint64_t n = db->size - off;
			*got = n < len ? (size_t)n : len;
			memcpy(buf, db->mem + off, *got);
		}
		return CTRFS_OK;
	}
	while (*got < len) {
		ssize_t n = pread(db->fd, (char *)buf + *got, len - *got, (off_t)(off + *got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ctrfs_fail_sys(err, CTRFS_INTERNAL, errno,
					      "%s: reading at offset %" PRIu64 ": %s", db->name,
					      off + *got, strerror(errno));
		if (n == 0)
			break;
		*got += (size_t)n;
	}
	return CTRFS_OK;
}

/* ---- meta pages ---- */

/* Checks one meta page (its first bytes, `avail` of them); says why it is unusable. */
static bool meta_parse(const unsigned char *p, size_t avail, struct meta *m, char *why,
		       size_t whysz)
{
	if (avail < PAGE_HEADER + META_LEN) {
		snprintf(why, whysz, "the file ends before it");
		return false;
	}
	const unsigned char *q = p + PAGE_HEADER;
	uint32_t magic = le32(q), version = le32(q + 4);
	if (magic == __builtin_bswap32(BBOLT_MAGIC)) {
		snprintf(why, whysz, "written on a big-endian machine (not supported)");
		return false;
	}
	if (magic != BBOLT_MAGIC) {
		snprintf(why, whysz, "bad magic 0x%08" PRIx32, magic);
		return false;
	}
	if (version != BBOLT_VERSION) {
		snprintf(why, whysz, "unsupported version %" PRIu32, version);
		return false;
	}
	if (fnv1a64(q, META_SUMMED) != le64(q + META_SUMMED)) {
		snprintf(why, whysz, "checksum mismatch");
		return false;
	}
	m->page_size = le32(q + 8);
	m->root = le64(q + 16);
	m->root_seq = le64(q + 24);
	m->hwm = le64(q + 40);
	m->txid = le64(q + 48);
	if (m->page_size < MIN_PAGE_SIZE || m->page_size > MAX_PAGE_SIZE) {
		snprintf(why, whysz, "page size %" PRIu32 " out of range", m->page_size);
		return false;
	}
	if (m->root < 2 || m->root >= m->hwm) {
		snprintf(why, whysz, "root page %" PRIu64 " outside the %" PRIu64 " pages in use",
			 m->root, m->hwm);
		return false;
	}
	return true;
}

/*
 * Picks the meta page in use, as bbolt does: the valid one with the higher txid. The
 * page size comes from meta page 0, or when that is damaged, from wherever a valid meta
 * page 1 is found among the page sizes bbolt supports.
 */
static ctrfs_code read_metas(bbolt_db *db, struct meta *out, ctrfs_error *err)
{
	unsigned char buf[PAGE_HEADER + META_LEN];
	char why0[128], why1[128] = "the file ends before it";
	struct meta m0, m1;
	bool ok0, ok1 = false;
	size_t got;
	ctrfs_code code = file_size(db, &db->size, err);
	if (code)
		return code;
	if (db->size == 0)
		return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
				  "%s: not a bbolt database: the file is empty", db->name);
	code = read_at(db, 0, buf, sizeof(buf), &got, err);
	if (code)
		return code;
	ok0 = meta_parse(buf, got, &m0, why0, sizeof(why0));
	if (ok0) {
		code = read_at(db, m0.page_size, buf, sizeof(buf), &got, err);
		if (code)
			return code;
		ok1 = meta_parse(buf, got, &m1, why1, sizeof(why1));
		if (ok1 && m1.page_size != m0.page_size) {
			snprintf(why1, sizeof(why1), "page size %" PRIu32 " differs from page 0's",
				 m1.page_size);
			ok1 = false;
		}
	} else {
		for (uint64_t pos = 1024; pos <= MAX_PAGE_SIZE; pos <<= 1) {
			char why[128];
			if (pos + sizeof(buf) > db->size)
				break;
			code = read_at(db, pos, buf, sizeof(buf), &got, err);
			if (code)
				return code;
			if (meta_parse(buf, got, &m1, why, sizeof(why)) && m1.page_size == pos) {
				ok1 = true;
				break;
			}
			/* Report what is at the usual place, the OS page size. */
			if (pos == 1024 || pos == 4096)
				snprintf(why1, sizeof(why1), "%s", why);
		}
	}
	if (!ok0 && !ok1)
		return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
				  "%s: not a bbolt database: meta page 0: %s; meta page 1: %s",
				  db->name, why0, why1);
	if (ok0 && ok1)
		*out = m1.txid > m0.txid ? m1 : m0;
	else
		*out = ok0 ? m0 : m1;
	return CTRFS_OK;
}

/* ---- the pages of a view ---- */

static void cache_reset(bbolt_db *db)
{
	for (size_t i = 0; i < db->nslots; i++)
		free(db->slots[i].owned);
	free(db->slots);
	db->slots = NULL;
	db->nslots = db->nused = 0;
	db->loaded = 0;
}

static size_t slot_hash(uint64_t id, size_t nslots)
{
	return (size_t)((id * 0x9E3779B97F4A7C15ull) >> 32) & (nslots - 1);
}

static struct slot *slot_find(bbolt_db *db, uint64_t id)
{
	/* id 0 marks free slots: it must not match one (page_load refuses it anyway). */
	if (!db->nslots || id == 0)
		return NULL;
	for (size_t i = slot_hash(id, db->nslots);; i = (i + 1) & (db->nslots - 1)) {
		if (db->slots[i].id == id)
			return &db->slots[i];
		if (!db->slots[i].id)
			return NULL;
	}
}

static bool slot_grow(bbolt_db *db)
{
	size_t n = db->nslots ? db->nslots * 2 : 64;
	struct slot *s = calloc(n, sizeof(*s));
	if (!s)
		return false;
	for (size_t i = 0; i < db->nslots; i++) {
		if (!db->slots[i].id)
			continue;
		size_t j = slot_hash(db->slots[i].id, n);
		while (s[j].id)
			j = (j + 1) & (n - 1);
		s[j] = db->slots[i];
	}
	free(db->slots);
	db->slots = s;
	db->nslots = n;
	return true;
}

/* Checks the elements of a branch or leaf page (or inline page) of `len` bytes, so that
 * cursors can then trust every offset and length in it. *work: bytes looked at. */
static ctrfs_code page_check(bbolt_db *db, uint64_t id, const unsigned char *p, size_t len,
			     bool is_inline, uint64_t *work, ctrfs_error *err)
{
	*work = len;
	const char *what = is_inline ? "inline bucket in it" : "page";
	if (len < PAGE_HEADER)
		return corrupt(db, err, id, "%s of %zu bytes is too short", what, len);
	uint16_t flags = le16(p + 8);
	unsigned count = le16(p + 10);
	bool leaf = flags == FLAG_LEAF;
	if (!leaf && (flags != FLAG_BRANCH || is_inline))
		return corrupt(db, err, id, "%s is not a %s (flags 0x%x)", what,
			       is_inline ? "leaf" : "branch or leaf", flags);
	if (!leaf && count == 0)
		return corrupt(db, err, id, "empty branch page");
	if (PAGE_HEADER + (uint64_t)count * ELEMENT_SIZE > len)
		return corrupt(db, err, id, "%s: %u elements do not fit in %zu bytes", what, count,
			       len);
	const unsigned char *prev = NULL;
	size_t prev_len = 0;
	for (unsigned i = 0; i < count; i++) {
		const unsigned char *e = p + PAGE_HEADER + (size_t)i * ELEMENT_SIZE;
		uint32_t pos = le32(e + (leaf ? 4 : 0)), ksize = le32(e + (leaf ? 8 : 4));
		uint32_t vsize = leaf ? le32(e + 12) : 0;
		uint64_t start = (uint64_t)(e - p) + pos;
		if (ksize == 0)
			return corrupt(db, err, id, "%s: element %u has an empty key", what, i);
		if (ksize > MAX_KEY)
			return corrupt(db, err, id, "%s: element %u: key of %" PRIu32 " bytes",
				       what, i, ksize);
		if (vsize > MAX_VALUE)
			return corrupt(db, err, id, "%s: element %u: value of %" PRIu32 " bytes",
				       what, i, vsize);
		if (start + ksize + vsize > len)
			return corrupt(db, err, id,
				       "%s: element %u runs past the end (%" PRIu64 "+%" PRIu32
				       "+%" PRIu32 " > %zu)",
				       what, i, start, ksize, vsize, len);
		if (leaf && (le32(e) & LEAF_IS_BUCKET) && vsize < BUCKET_HEADER)
			return corrupt(db, err, id,
				       "%s: element %u: bucket header of %" PRIu32 " bytes", what,
				       i, vsize);
		/* Keys may overlap and share long prefixes: count what comparing costs. */
		if (prev && key_cmp(prev, prev_len, p + start, ksize) >= 0)
			return corrupt(db, err, id, "%s: element %u: keys out of order", what, i);
		*work += prev_len < ksize ? prev_len : ksize;
		prev = p + start;
		prev_len = ksize;
	}
	return CTRFS_OK;
}

static ctrfs_code charge(bbolt_db *db, uint64_t id, uint64_t bytes, ctrfs_error *err)
{
	if (db->work_left < bytes)
		return corrupt(db, err, id, "too many page visits (pages shared between buckets?)");
	db->work_left -= bytes;
	return CTRFS_OK;
}

/* An inline bucket's page is checked at each use; even a tiny one costs something, so
 * that opening the same few bytes again and again also ends. */
static ctrfs_code inline_check(bbolt_db *db, uint64_t holder, const unsigned char *p, size_t len,
			       ctrfs_error *err)
{
	uint64_t work;
	ctrfs_code code = page_check(db, holder, p, len, true, &work, err);
	return code ? code : charge(db, holder, 256 + work, err);
}

/* Reads and checks page `id` once per view; returns it (with its overflow pages). */
static ctrfs_code page_load(bbolt_db *db, uint64_t id, ctrfs_error *err)
{
	const uint64_t ps = db->meta.page_size, file_pages = db->size / ps;
	unsigned char *owned = NULL;
	const unsigned char *p;
	size_t got;
	ctrfs_code code;

	if (id < 2)
		return corrupt(db, err, id, "a tree refers to a meta page");
	if (id >= db->meta.hwm)
		return corrupt(db, err, id, "beyond the %" PRIu64 " pages in use", db->meta.hwm);
	if (id >= file_pages)
		return corrupt(db, err, id, "beyond the end of the file (%" PRIu64 " bytes)",
			       db->size);
	if (db->fd < 0) {
		p = db->mem + id * ps;
	} else {
		owned = malloc(ps);
		if (!owned)
			return ctrfs_fail_oom(err);
		code = read_at(db, id * ps, owned, ps, &got, err);
		if (!code && got < ps)
			code = corrupt(db, err, id, "short read (the file shrank?)");
		if (code)
			goto fail;
		p = owned;
	}
	if (le64(p) != id) {
		code = corrupt(db, err, id, "its header says it is page %" PRIu64, le64(p));
		goto fail;
	}
	uint32_t overflow = le32(p + 12);
	if (overflow >= db->meta.hwm - id || overflow >= file_pages - id) {
		code = corrupt(db, err, id, "%" PRIu32 " overflow pages run past the %s", overflow,
			       overflow >= db->meta.hwm - id ? "pages in use" : "end of the file");
		goto fail;
	}
	uint64_t len = (overflow + 1ull) * ps;
	if (len > SIZE_MAX || len > db->max_loaded - db->loaded) {
		code = corrupt(db, err, id, "pages overlap (more bytes read than the file holds)");
		goto fail;
	}
	if (owned && overflow) {
		unsigned char *bigger = realloc(owned, (size_t)len);
		if (!bigger) {
			code = ctrfs_fail_oom(err);
			goto fail;
		}
		owned = bigger;
		code = read_at(db, (id + 1) * ps, owned + ps, (size_t)(len - ps), &got, err);
		if (!code && got < len - ps)
			code = corrupt(db, err, id, "short read (the file shrank?)");
		if (code)
			goto fail;
		p = owned;
	}
	uint64_t work;
	code = page_check(db, id, p, (size_t)len, false, &work, err);
	if (!code)
		code = charge(db, id, work, err);
	if (code)
		goto fail;
	if (db->nused * 2 >= db->nslots && !slot_grow(db)) {
		code = ctrfs_fail_oom(err);
		goto fail;
	}
	size_t i = slot_hash(id, db->nslots);
	while (db->slots[i].id)
		i = (i + 1) & (db->nslots - 1);
	db->slots[i] = (struct slot){.id = id, .data = p, .owned = owned, .len = (size_t)len};
	db->nused++;
	db->loaded += len;
	return CTRFS_OK;
fail:
	free(owned);
	return code;
}

/* One step of a walk into page `id`: loads it, and refuses to enter it twice in the same
 * walk (`stamp`), which is how a page graph with a loop shows itself. */
static ctrfs_code enter_page(bbolt_db *db, uint64_t id, uint64_t stamp,
			     struct bbolt_cursor_level *lvl, ctrfs_error *err)
{
	struct slot *s = slot_find(db, id);
	ctrfs_code code;
	if (s) {
		if (s->stamp == stamp)
			return corrupt(db, err, id, "reached twice in one bucket (a loop)");
	} else {
		code = page_load(db, id, err);
		if (code)
			return code;
		s = slot_find(db, id);
	}
	code = charge(db, id, s->len, err);
	if (code)
		return code;
	s->stamp = stamp;
	lvl->page = s->data;
	lvl->id = id;
	lvl->count = le16(s->data + 10);
	lvl->index = 0;
	lvl->leaf = le16(s->data + 8) == FLAG_LEAF;
	return CTRFS_OK;
}

static ctrfs_code enter_root(bbolt_db *db, const bbolt_bucket *b, uint64_t stamp,
			     struct bbolt_cursor_level *lvl, ctrfs_error *err)
{
	if (!db->in_view)
		return ctrfs_fail(err, CTRFS_INTERNAL, "%s: bbolt read outside bbolt_view()",
				  db->name);
	if (b->root)
		return enter_page(db, b->root, stamp, lvl, err);
	ctrfs_code code = inline_check(db, b->page, b->inline_page, b->inline_len, err);
	if (code)
		return code;
	lvl->page = b->inline_page;
	lvl->id = b->page;
	lvl->count = le16(b->inline_page + 10);
	lvl->index = 0;
	lvl->leaf = true;
	return CTRFS_OK;
}

static void leaf_item(const struct bbolt_cursor_level *lvl, unsigned i, bbolt_item *it)
{
	const unsigned char *e = lvl->page + PAGE_HEADER + (size_t)i * ELEMENT_SIZE;
	it->key = e + le32(e + 4);
	it->key_len = le32(e + 8);
	it->value = it->key + it->key_len;
	it->value_len = le32(e + 12);
	it->is_bucket = le32(e) & LEAF_IS_BUCKET;
	it->page = lvl->id;
}

static void elem_key(const struct bbolt_cursor_level *lvl, unsigned i, const unsigned char **k,
		     size_t *klen)
{
	const unsigned char *e = lvl->page + PAGE_HEADER + (size_t)i * ELEMENT_SIZE;
	if (lvl->leaf) {
		*k = e + le32(e + 4);
		*klen = le32(e + 8);
	} else {
		*k = e + le32(e);
		*klen = le32(e + 4);
	}
}

/* ---- public ---- */

static ctrfs_code db_new(const char *name, bbolt_db **out, ctrfs_error *err)
{
	bbolt_db *db = calloc(1, sizeof(*db));
	if (!db || !(db->name = strdup(name))) {
		free(db);
		return ctrfs_fail_oom(err);
	}
	db->fd = -1;
	*out = db;
	return CTRFS_OK;
}

ctrfs_code bbolt_open(const char *path, bbolt_db **out, ctrfs_error *err)
{
	bbolt_db *db = NULL;
	struct stat st;
	ctrfs_code code = db_new(path, &db, err);
	if (code)
		return code;
	/* O_NONBLOCK: opening a FIFO by mistake must not wait for a writer. */
	db->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (db->fd < 0) {
		int e = errno;
		bbolt_close(db);
		if (e == ENOENT)
			return ctrfs_fail_sys(err, CTRFS_NOT_FOUND, e, "%s: no such file", path);
		return ctrfs_fail_sys(err, CTRFS_INTERNAL, e, "%s: %s", path, strerror(e));
	}
	if (fstat(db->fd, &st) < 0) {
		int e = errno;
		bbolt_close(db);
		return ctrfs_fail_sys(err, CTRFS_INTERNAL, e, "%s: %s", path, strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		bbolt_close(db);
		return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
				  "%s: not a bbolt database: not a regular file", path);
	}
	code = read_metas(db, &db->meta, err);
	if (code) {
		bbolt_close(db);
		return code;
	}
	*out = db;
	return CTRFS_OK;
}

ctrfs_code bbolt_open_memory(const void *data, size_t len, bbolt_db **out, ctrfs_error *err)
{
	bbolt_db *db = NULL;
	ctrfs_code code = db_new("<memory>", &db, err);
	if (code)
		return code;
	db->mem = data;
	db->size = len;
	code = read_metas(db, &db->meta, err);
	if (code) {
		bbolt_close(db);
		return code;
	}
	*out = db;
	return CTRFS_OK;
}

void bbolt_close(bbolt_db *db)
{
	if (!db)
		return;
	cache_reset(db);
	if (db->fd >= 0)
		close(db->fd);
	free(db->name);
	free(db);
}

const char *bbolt_name(const bbolt_db *db)
{
	return db->name;
}

uint32_t bbolt_page_size(const bbolt_db *db)
{
	return db->meta.page_size;
}

uint64_t bbolt_txid(const bbolt_db *db)
{
	return db->meta.txid;
}

static void view_begin(bbolt_db *db, const struct meta *m)
{
	uint64_t ps = m->page_size, pages = db->size / ps;
	if (m->hwm < pages)
		pages = m->hwm;
	db->meta = *m;
	cache_reset(db);
	db->max_loaded = pages * ps;
	/* A full walk reads each page about once; lookups add a few descents. Far more
	 * than that is a page graph made to loop, or to make callers copy a value over
	 * and over: this also bounds what they can allocate. */
	db->work_left = 8 * pages * ps + (16u << 20);
	db->in_view = true;
}

ctrfs_code bbolt_view(bbolt_db *db, bbolt_view_fn fn, void *arg, ctrfs_error *err)
{
	if (db->in_view)
		return ctrfs_fail(err, CTRFS_INTERNAL, "%s: nested bbolt_view()", db->name);
	for (int attempt = 1;; attempt++) {
		struct meta before, after;
		ctrfs_error recheck;
		ctrfs_code code = read_metas(db, &before, err);
		if (code)
			return code;
		view_begin(db, &before);
		bbolt_bucket root = {
		    .root = before.root, .sequence = before.root_seq, .page = before.root};
		code = fn(db, &root, arg, err);
		db->in_view = false;
		cache_reset(db);
		if (db->fd < 0)
			return code;
		/* Nothing reachable from a meta page changes until a later txid is
		 * committed, so an unchanged meta proves that what we read was whole. */
		if (read_metas(db, &after, &recheck) == CTRFS_OK && after.txid == before.txid &&
		    after.root == before.root && after.hwm == before.hwm &&
		    after.page_size == before.page_size)
			return code;
		if (attempt == VIEW_ATTEMPTS)
			return ctrfs_fail_sys(err, CTRFS_UNAVAILABLE, EAGAIN,
					      "%s: database changed while reading (%d attempts); "
					      "try again, or read a copy",
					      db->name, attempt);
		struct timespec ts = {0, 20 * 1000 * 1000L * attempt};
		nanosleep(&ts, NULL);
	}
}

void bbolt_cursor_init(bbolt_cursor *c, bbolt_db *db, const bbolt_bucket *b, ctrfs_error *err)
{
	c->db = db;
	c->err = err;
	c->stamp = ++db->next_stamp;
	c->depth = -1;
	c->code = enter_root(db, b, c->stamp, &c->stack[0], err);
	if (!c->code)
		c->depth = 0;
}

bool bbolt_cursor_next(bbolt_cursor *c, bbolt_item *it)
{
	while (!c->code && c->depth >= 0) {
		struct bbolt_cursor_level *lvl = &c->stack[c->depth];
		if (lvl->index >= lvl->count) {
			c->depth--;
			continue;
		}
		unsigned i = lvl->index++;
		if (lvl->leaf) {
			leaf_item(lvl, i, it);
			return true;
		}
		const unsigned char *e = lvl->page + PAGE_HEADER + (size_t)i * ELEMENT_SIZE;
		if (c->depth + 1 >= BBOLT_MAX_DEPTH) {
			c->code = corrupt(c->db, c->err, lvl->id, "tree deeper than %d levels",
					  BBOLT_MAX_DEPTH);
			break;
		}
		c->code = enter_page(c->db, le64(e + 8), c->stamp, &c->stack[c->depth + 1], c->err);
		if (!c->code)
			c->depth++;
	}
	return false;
}

ctrfs_code bbolt_bucket_get(bbolt_db *db, const bbolt_bucket *b, const void *key, size_t key_len,
			    bbolt_item *out, ctrfs_error *err)
{
	struct bbolt_cursor_level lvl;
	uint64_t stamp = ++db->next_stamp;
	const unsigned char *k;
	size_t klen;
	ctrfs_code code = enter_root(db, b, stamp, &lvl, err);
	for (int depth = 1; !code; depth++) {
		/* The last element whose key is <= key: in a leaf it must be equal, in a
		 * branch its child holds the keys from it on (the first child any less). */
		unsigned lo = 0, hi = lvl.count;
		while (lo < hi) {
			unsigned mid = lo + (hi - lo) / 2;
			elem_key(&lvl, mid, &k, &klen);
			if (key_cmp(k, klen, key, key_len) <= 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lvl.leaf) {
			if (lo > 0) {
				elem_key(&lvl, lo - 1, &k, &klen);
				if (!key_cmp(k, klen, key, key_len)) {
					leaf_item(&lvl, lo - 1, out);
					return CTRFS_OK;
				}
			}
			return ctrfs_fail(err, CTRFS_NOT_FOUND, "%s: key \"%.*s\" not found",
					  db->name, key_len > 100 ? 100 : (int)key_len,
					  (const char *)key);
		}
		if (depth >= BBOLT_MAX_DEPTH)
			return corrupt(db, err, lvl.id, "tree deeper than %d levels",
				       BBOLT_MAX_DEPTH);
		const unsigned char *e =
		    lvl.page + PAGE_HEADER + (size_t)(lo ? lo - 1 : 0) * ELEMENT_SIZE;
		code = enter_page(db, le64(e + 8), stamp, &lvl, err);
	}
	return code;
}

ctrfs_code bbolt_item_bucket(bbolt_db *db, const bbolt_item *it, bbolt_bucket *out,
			     ctrfs_error *err)
{
	if (!it->is_bucket)
		return ctrfs_fail(err, CTRFS_INVALID_ARGUMENT,
				  "%s: page %" PRIu64 ": key \"%.*s\" is not a bucket", db->name,
				  it->page, it->key_len > 100 ? 100 : (int)it->key_len,
				  (const char *)it->key);
	if (it->value_len < BUCKET_HEADER)
		return corrupt(db, err, it->page, "bucket header of %zu bytes", it->value_len);
	memset(out, 0, sizeof(*out));
	out->root = le64(it->value);
	out->sequence = le64(it->value + 8);
	if (out->root) {
		out->page = out->root;
		return CTRFS_OK;
	}
	out->page = it->page;
	out->inline_page = it->value + BUCKET_HEADER;
	out->inline_len = it->value_len - BUCKET_HEADER;
	return inline_check(db, it->page, out->inline_page, out->inline_len, err);
}

ctrfs_code bbolt_bucket_open(bbolt_db *db, const bbolt_bucket *parent, const char *name,
			     bbolt_bucket *out, ctrfs_error *err)
{
	bbolt_item it;
	ctrfs_code code = bbolt_bucket_get(db, parent, name, strlen(name), &it, err);
	if (code)
		return code;
	if (!it.is_bucket)
		return ctrfs_fail(err, CTRFS_NOT_FOUND, "%s: %s is not a bucket", db->name,
				  GOQ(name));
	return bbolt_item_bucket(db, &it, out, err);
}

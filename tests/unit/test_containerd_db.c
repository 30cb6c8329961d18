/* Tests of the bbolt reader and the containerd meta.db import, on real and hostile files. */
#include "bbolt.h"
#include "containerd_db.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

static const char *set_dir;
static char tmp_dir[] = "/tmp/test_containerd_db.XXXXXX";

/* ---- small helpers ---- */

struct buf {
	unsigned char *p;
	size_t len, cap;
};

static void buf_add(struct buf *b, const void *data, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (!b->p)
			abort();
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_addf(struct buf *b, const char *fmt, ...)
{
	char *tmp;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	buf_add(b, tmp, (size_t)n);
	free(tmp);
}

static void buf_hex(struct buf *b, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf_addf(b, "%02x", p[i]);
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b = {0};
	char chunk[65536];
	size_t n;
	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	buf_add(&b, "", 0);
	*len = b.len;
	return b.p;
}

static void spit(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f)) {
		perror(path);
		exit(2);
	}
}

static char *path_join(const char *a, const char *b)
{
	char *p;
	if (asprintf(&p, "%s/%s", a, b) < 0)
		abort();
	return p;
}

static int b64val(int c)
{
	const char *abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(abc, c) : NULL;
	return p ? (int)(p - abc) : -1;
}

/* Standard base64 with padding, as Go's encoding/json writes []byte. */
static unsigned char *b64decode(const char *s, size_t *len)
{
	size_t n = strlen(s), o = 0;
	unsigned char *out = malloc(n + 1);
	unsigned acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n && s[i] != '='; i++) {
		int v = b64val(s[i]);
		if (v < 0) {
			free(out);
			return NULL;
		}
		acc = acc << 6 | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	*len = o;
	return out;
}

/* JSON text without the whitespace outside strings: json.MarshalIndent undone. */
static char *compact_json(const char *s, size_t n, size_t *outlen)
{
	char *out = malloc(n + 1);
	size_t o = 0;
	bool in_str = false, esc = false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (in_str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
			continue;
		}
		out[o++] = c;
	}
	out[o] = 0;
	*outlen = o;
	return out;
}

/* End of the JSON value starting at s[i] in compact text. */
static size_t skip_value(const char *s, size_t n, size_t i)
{
	int depth = 0;
	bool in_str = false, esc = false;
	for (; i < n; i++) {
		char c = s[i];
		if (in_str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"') {
				in_str = false;
				if (depth == 0)
					return i + 1;
			}
			continue;
		}
		if (c == '"')
			in_str = true;
		else if (c == '{' || c == '[')
			depth++;
		else if (c == '}' || c == ']') {
			if (--depth == 0)
				return i + 1;
			if (depth < 0)
				return i;
		} else if (depth == 0 && c == ',')
			return i;
	}
	return n;
}

/* The raw compact text of top-level member `key` of the object in compact text s. */
static bool member_text(const char *s, size_t n, const char *key, const char **v, size_t *vlen)
{
	size_t i = 1, klen = strlen(key);
	while (i < n && s[i] == '"') {
		size_t kend = skip_value(s, n, i);
		size_t vstart = kend + 1, vend = skip_value(s, n, vstart);
		if (kend - i == klen + 2 && !memcmp(s + i + 1, key, klen)) {
			*v = s + vstart;
			*vlen = vend - vstart;
			return true;
		}
		i = vend + 1;
	}
	return false;
}

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static const char *nz(const char *s)
{
	return s ? s : "";
}

/* ---- a generic walk: every key of every bucket, as lines "B path seq" / "K path hex" ---- */

struct walk {
	struct buf *out; /* NULL: walk only */
	int max_depth;
};

static ctrfs_code walk_bucket(bbolt_db *db, const bbolt_bucket *b, const char *prefix, int depth,
			      struct walk *w, ctrfs_error *err)
{
	bbolt_cursor c;
	bbolt_item it;
	bbolt_cursor_init(&c, db, b, err);
	while (bbolt_cursor_next(&c, &it)) {
		struct buf path = {0};
		ctrfs_code code = CTRFS_OK;
		buf_addf(&path, "%s/", prefix);
		buf_hex(&path, it.key, it.key_len);
		if (it.is_bucket) {
			bbolt_bucket sub;
			code = bbolt_item_bucket(db, &it, &sub, err);
			if (!code && w->out)
				buf_addf(w->out, "B %s %llu\n", (char *)path.p,
					 (unsigned long long)sub.sequence);
			if (!code && depth < w->max_depth)
				code = walk_bucket(db, &sub, (char *)path.p, depth + 1, w, err);
		} else if (w->out) {
			buf_addf(w->out, "K %s ", (char *)path.p);
			buf_hex(w->out, it.value, it.value_len);
			buf_add(w->out, "\n", 1);
		}
		free(path.p);
		if (code)
			return code;
	}
	return c.code;
}

static ctrfs_code walk_view(bbolt_db *db, const bbolt_bucket *root, void *arg, ctrfs_error *err)
{
	struct walk *w = arg;
	if (w->out)
		w->out->len = 0;
	return walk_bucket(db, root, "", 0, w, err);
}

static void dump_json_lines(json_t *entries, const char *prefix, struct buf *out)
{
	size_t i;
	json_t *e;
	json_array_foreach(entries, i, e)
	{
		char *path;
		if (asprintf(&path, "%s/%s", prefix, jstr(e, "key_hex")) < 0)
			abort();
		json_t *kids = json_object_get(e, "bucket");
		if (json_object_get(e, "sequence") || kids) {
			buf_addf(out, "B %s %lld\n", path,
				 (long long)json_integer_value(json_object_get(e, "sequence")));
			if (json_is_array(kids))
				dump_json_lines(kids, path, out);
		} else {
			buf_addf(out, "K %s %s\n", path, jstr(e, "value_hex"));
		}
		free(path);
	}
}

struct lookup {
	const char *path[6]; /* bucket names, then the key */
	const char *value;   /* NULL: the key is a bucket */
	bool ok;
};

static ctrfs_code lookup_view(bbolt_db *db, const bbolt_bucket *root, void *arg, ctrfs_error *err)
{
	struct lookup *l = arg;
	bbolt_bucket b = *root;
	bbolt_item it;
	size_t n = 0;
	while (n < 6 && l->path[n])
		n++;
	for (size_t i = 0; i + 1 < n; i++) {
		ctrfs_code code = bbolt_bucket_open(db, &b, l->path[i], &b, err);
		if (code)
			return code;
	}
	const char *key = l->path[n - 1];
	ctrfs_code code = bbolt_bucket_get(db, &b, key, strlen(key), &it, err);
	if (code)
		return code;
	if (l->value)
		l->ok = !it.is_bucket && it.value_len == strlen(l->value) &&
			!memcmp(it.value, l->value, it.value_len);
	else
		l->ok = it.is_bucket;
	if (bbolt_bucket_get(db, &b, "no-such-key", 11, &it, err) != CTRFS_NOT_FOUND)
		l->ok = false;
	return CTRFS_OK;
}

/* The reader against dump.json (made with go.etcd.io/bbolt): every bucket, key, value. */
static void test_dump(void)
{
	char *dump_path = path_join(set_dir, "dump.json"), *db_path = path_join(set_dir, "meta.db");
	json_error_t jerr;
	json_t *dump = json_load_file(dump_path, 0, &jerr);
	struct buf want = {0}, got = {0};
	struct walk w = {.out = &got, .max_depth = 64};
	ctrfs_error err = {0};
	bbolt_db *db;
	CHECK(dump, "%s: %s", dump_path, jerr.text);
	ctrfs_code code = bbolt_open(db_path, &db, &err);
	CHECK(code == CTRFS_OK, "%s", err.text);
	if (!dump || code)
		return;
	dump_json_lines(dump, "", &want);
	CHECK(bbolt_view(db, walk_view, &w, &err) == CTRFS_OK, "%s", err.text);
	CHECK(bbolt_page_size(db) == 4096, "page size %u", bbolt_page_size(db));
	CHECK(bbolt_txid(db) == 153, "txid %llu (tree.txt says 153)",
	      (unsigned long long)bbolt_txid(db));
	CHECK(got.len == want.len && !memcmp(got.p, want.p, got.len),
	      "walk differs from dump.json (%zu vs %zu bytes)", got.len, want.len);

	/* Lookups agree with the walk, through page and inline buckets alike. */
	struct lookup lookups[] = {
	    {{"v1", "version"}, "\x06", false},
	    {{"v1", "default", "containers", "a-db", "runtime", "name"},
	     "io.containerd.runc.v2",
	     false},
	    {{"v1", "team-b", "labels", "owner"}, "team-b", false},
	    {{"v1", "k8s.io", "containers"}, NULL, false},
	    {{"v1", "default", "containers", "a-web", "spec"}, NULL, false},
	};
	/* spec is a value: only its presence is checked, so expect "not a bucket" */
	for (size_t i = 0; i < sizeof(lookups) / sizeof(lookups[0]); i++) {
		code = bbolt_view(db, lookup_view, &lookups[i], &err);
		bool want_ok = i != 4;
		CHECK(code == CTRFS_OK && lookups[i].ok == want_ok, "lookup %zu: %s", i,
		      code ? err.text : "wrong value");
	}
	bbolt_close(db);
	json_decref(dump);
	free(want.p);
	free(got.p);
	free(dump_path);
	free(db_path);
}

/* ---- the fixture: every container equal to `ctr containers info` ---- */

static void check_any(const char *what, json_t *j, const ctrfs_any *a)
{
	const char *b64 = jstr(j, "value");
	size_t n = 0;
	unsigned char *v = b64 ? b64decode(b64, &n) : NULL;
	CHECK(!strcmp(nz(jstr(j, "type_url")), nz(a->type_url)), "%s: type_url %s vs %s", what,
	      nz(jstr(j, "type_url")), nz(a->type_url));
	CHECK(!b64 || v, "%s: bad base64 in the fixture", what);
	CHECK(n == a->value_len && (!n || !memcmp(v, a->value, n)),
	      "%s: value differs (%zu vs %zu)", what, n, a->value_len);
	free(v);
}

static void check_time(const char *what, json_t *info, const char *key, ctrfs_time t)
{
	char buf[64];
	ctrfs_time_format(t, buf, sizeof(buf));
	CHECK(!strcmp(nz(jstr(info, key)), buf), "%s %s: %s vs %s", what, key, nz(jstr(info, key)),
	      buf);
}

static void check_container(const char *ns, const ctrfs_container *c)
{
	static const char *const known[] = {"ID",	   "Labels",	  "Image",     "Runtime",
					    "SnapshotKey", "Snapshotter", "CreatedAt", "UpdatedAt",
					    "Extensions",  "SandboxID",	  "Spec"};
	char *name, *path, what[200];
	size_t len, clen, slen;
	snprintf(what, sizeof(what), "%s/%s", ns, c->id);
	if (asprintf(&name, "%s/%s.info.json", ns, c->id) < 0)
		abort();
	path = path_join(set_dir, name);
	char *text = (char *)slurp(path, &len);
	json_error_t jerr;
	json_t *info = text ? json_loadb(text, len, 0, &jerr) : NULL;
	CHECK(info, "%s: cannot read", path);
	if (!info)
		goto out;
	const char *k;
	json_t *v;
	json_object_foreach(info, k, v)
	{
		bool ok = false;
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			ok |= !strcmp(k, known[i]);
		CHECK(ok, "%s: field %s not checked", what, k);
	}
	CHECK(!strcmp(nz(jstr(info, "ID")), c->id), "%s: ID", what);

	json_t *labels = json_object_get(info, "Labels");
	CHECK(json_is_null(labels) ? c->labels.count == 0
				   : json_object_size(labels) == c->labels.count,
	      "%s: %zu labels", what, c->labels.count);
	json_object_foreach(labels, k, v)
	{
		const char *got = ctrfs_labels_get(&c->labels, k);
		CHECK(got && !strcmp(got, json_string_value(v)), "%s: label %s", what, k);
	}
	CHECK(!strcmp(nz(jstr(info, "Image")), nz(c->image)), "%s: Image %s", what, nz(c->image));
	CHECK(!strcmp(nz(jstr(info, "SnapshotKey")), nz(c->snapshot_key)), "%s: SnapshotKey", what);
	CHECK(!strcmp(nz(jstr(info, "Snapshotter")), nz(c->snapshotter)), "%s: Snapshotter", what);
	CHECK(!strcmp(nz(jstr(info, "SandboxID")), nz(c->sandbox_id)), "%s: SandboxID", what);
	check_time(what, info, "CreatedAt", c->created_at);
	check_time(what, info, "UpdatedAt", c->updated_at);

	json_t *rt = json_object_get(info, "Runtime"), *opts = json_object_get(rt, "Options");
	CHECK(!strcmp(nz(jstr(rt, "Name")), nz(c->runtime_name)), "%s: Runtime.Name", what);
	CHECK(json_is_object(opts) == c->has_runtime_options, "%s: Runtime.Options presence", what);
	if (json_is_object(opts))
		check_any(what, opts, &c->runtime_options);

	json_t *exts = json_object_get(info, "Extensions");
	CHECK(json_is_null(exts) ? c->extensions.count == 0
				 : json_object_size(exts) == c->extensions.count,
	      "%s: %zu extensions", what, c->extensions.count);
	json_object_foreach(exts, k, v)
	{
		const ctrfs_any *a = ctrfs_extensions_get(&c->extensions, k);
		CHECK(a, "%s: extension %s missing", what, k);
		if (a)
			check_any(what, v, a);
	}

	/* ctr decodes the spec and prints it indented; compacting that text gives back
	 * json.Marshal's bytes, which is what containerd stored. */
	char *compact = compact_json(text, len, &clen);
	const char *spec = "";
	slen = 0;
	CHECK(c->has_spec && !strcmp(nz(c->spec.type_url), CTRFS_SPEC_TYPE_URL), "%s: spec url %s",
	      what, nz(c->spec.type_url));
	CHECK(member_text(compact, clen, "Spec", &spec, &slen), "%s: no Spec", what);
	CHECK(slen == c->spec.value_len && !memcmp(spec, c->spec.value, slen),
	      "%s: spec bytes differ (%zu vs %zu)", what, slen, c->spec.value_len);
	free(compact);
	json_decref(info);
out:
	free(text);
	free(path);
	free(name);
}

/* "<ns>/containers.txt": ctr's list, IDs in the first column after the header. */
static size_t fixture_ids(const char *ns, char ids[][80], size_t max)
{
	char *name, *path, line[512];
	size_t n = 0;
	if (asprintf(&name, "%s/containers.txt", ns) < 0)
		abort();
	path = path_join(set_dir, name);
	FILE *f = fopen(path, "r");
	CHECK(f, "%s", path);
	for (int i = 0; f && fgets(line, sizeof(line), f); i++)
		if (i > 0 && n < max && sscanf(line, "%79s", ids[n]) == 1)
			n++;
	if (f)
		fclose(f);
	free(path);
	free(name);
	return n;
}

/* namespaces.txt: "NAME  k=v,k=v" (no value in the fixture holds a comma). */
static void check_ns_labels(const ctrfs_namespace *ns)
{
	char *path = path_join(set_dir, "namespaces.txt"), line[1024];
	FILE *f = fopen(path, "r");
	bool seen = false;
	CHECK(f, "%s", path);
	for (int i = 0; f && fgets(line, sizeof(line), f); i++) {
		char name[128], *rest, *save = NULL;
		size_t count = 0;
		if (i == 0 || sscanf(line, "%127s", name) != 1 || strcmp(name, ns->name))
			continue;
		seen = true;
		rest = line + strlen(name);
		rest += strspn(rest, " ");
		rest[strcspn(rest, "\n")] = 0;
		for (size_t e = strlen(rest); e && rest[e - 1] == ' '; e--)
			rest[e - 1] = 0;
		for (char *kv = strtok_r(rest, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
			char *eq = strchr(kv, '=');
			count++;
			if (!eq)
				continue;
			*eq = 0;
			const char *got = ctrfs_labels_get(&ns->labels, kv);
			CHECK(got && !strcmp(got, eq + 1), "namespace %s label %s", ns->name, kv);
		}
		CHECK(count == ns->labels.count, "namespace %s: %zu labels, want %zu", ns->name,
		      ns->labels.count, count);
	}
	CHECK(seen, "namespace %s not in namespaces.txt", ns->name);
	if (f)
		fclose(f);
	free(path);
}

static void test_fixture(void)
{
	char *db_path = path_join(set_dir, "meta.db");
	static const char *const names[] = {"default", "k8s.io", "team-b"};
	ctrfs_import_namespace *nss = NULL;
	size_t n = 0, checked = 0;
	ctrfs_error err = {0};
	CHECK(containerd_db_read(db_path, NULL, &nss, &n, &err) == CTRFS_OK, "%s", err.text);
	CHECK(n == 3, "%zu namespaces", n);
	for (size_t i = 0; i < n && i < 3; i++) {
		char ids[32][80];
		size_t nids = fixture_ids(names[i], ids, 32);
		CHECK(!strcmp(nss[i].ns.name, names[i]), "namespace %zu is %s", i, nss[i].ns.name);
		check_ns_labels(&nss[i].ns);
		CHECK(nss[i].count == nids, "%s: %zu containers, ctr listed %zu", names[i],
		      nss[i].count, nids);
		for (size_t j = 0; j < nss[i].count; j++) {
			CHECK(j < nids && !strcmp(nss[i].containers[j].id, ids[j]), "%s: %s",
			      names[i], nss[i].containers[j].id);
			check_container(names[i], &nss[i].containers[j]);
			checked++;
		}
	}
	CHECK(checked == 14, "%zu containers checked", checked);
	ctrfs_import_namespaces_free(nss, n);

	CHECK(containerd_db_read(db_path, "team-b", &nss, &n, &err) == CTRFS_OK, "%s", err.text);
	CHECK(n == 1 && !strcmp(nss[0].ns.name, "team-b") && nss[0].count == 2, "only team-b");
	ctrfs_import_namespaces_free(nss, n);

	CHECK(containerd_db_read(db_path, "nope", &nss, &n, &err) == CTRFS_NOT_FOUND &&
		  strstr(err.text, "\"nope\""),
	      "missing namespace: %s", err.text);
	char *missing = path_join(tmp_dir, "no-such-meta.db");
	CHECK(containerd_db_read(missing, NULL, &nss, &n, &err) == CTRFS_NOT_FOUND &&
		  strstr(err.text, missing),
	      "missing file: %s", err.text);
	CHECK(containerd_db_read(tmp_dir, NULL, &nss, &n, &err) == CTRFS_INVALID_ARGUMENT &&
		  strstr(err.text, "not a regular file"),
	      "directory: %s", err.text);
	free(missing);
	free(db_path);
}

/* ---- building bbolt files ---- */

static void put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void meta_seal(unsigned char *page)
{
	unsigned char *m = page + 16;
	uint64_t h = 0xcbf29ce484222325ull;
	for (int i = 0; i < 56; i++) {
		h ^= m[i];
		h *= 0x100000001b3ull;
	}
	put64(m + 56, h);
}

static void meta_write(unsigned char *page, uint32_t ps, uint64_t id, uint64_t txid, uint64_t root,
		       uint64_t hwm)
{
	unsigned char *m = page + 16;
	put64(page, id);
	put16(page + 8, 0x04);
	put32(m, 0xED0CDAED);
	put32(m + 4, 2);
	put32(m + 8, ps);
	put64(m + 16, root);
	put64(m + 32, 2);
	put64(m + 40, hwm);
	put64(m + 48, txid);
	meta_seal(page);
}

/* A bucket tree to write: a value, or a bucket (inline, or rooted at page `root`). */
struct tnode {
	const char *key;
	size_t klen; /* 0: strlen(key) */
	const char *val;
	size_t vlen;
	bool bucket;
	const struct tnode *kids;
	size_t nkids;
	uint64_t root;
};

#define V(k, v)                                                                                    \
	{                                                                                          \
		.key = k, .val = v, .vlen = sizeof(v) - 1                                          \
	}
#define B(k, ...)                                                                                  \
	{                                                                                          \
		.key = k, .bucket = true, .kids = (const struct tnode[]){__VA_ARGS__},             \
		.nkids = sizeof((const struct tnode[]){__VA_ARGS__}) / sizeof(struct tnode)        \
	}
#define B0(k)                                                                                      \
	{                                                                                          \
		.key = k, .bucket = true                                                           \
	}

static size_t tnode_klen(const struct tnode *t)
{
	return t->klen ? t->klen : strlen(t->key);
}

static int tnode_cmp(const void *a, const void *b)
{
	const struct tnode *x = *(const struct tnode *const *)a;
	const struct tnode *y = *(const struct tnode *const *)b;
	size_t xl = tnode_klen(x), yl = tnode_klen(y);
	int c = memcmp(x->key, y->key, xl < yl ? xl : yl);
	return c ? c : (xl > yl) - (xl < yl);
}

static void leaf_page(struct buf *out, const struct tnode *kids, size_t n, uint64_t id);

static void bucket_value(struct buf *out, const struct tnode *b)
{
	unsigned char hdr[16] = {0};
	put64(hdr, b->root);
	buf_add(out, hdr, 16);
	if (!b->root)
		leaf_page(out, b->kids, b->nkids, 0);
}

static void leaf_page(struct buf *out, const struct tnode *kids, size_t n, uint64_t id)
{
	const struct tnode **sorted = malloc((n + 1) * sizeof(*sorted));
	unsigned char hdr[16] = {0}, zero[16] = {0};
	for (size_t i = 0; i < n; i++)
		sorted[i] = &kids[i];
	qsort(sorted, n, sizeof(*sorted), tnode_cmp);
	put64(hdr, id);
	put16(hdr + 8, 0x02);
	put16(hdr + 10, (uint16_t)n);
	size_t elems = out->len + 16;
	buf_add(out, hdr, 16);
	for (size_t i = 0; i < n; i++)
		buf_add(out, zero, 16);
	for (size_t i = 0; i < n; i++) {
		struct buf val = {0};
		size_t klen = tnode_klen(sorted[i]), at = out->len, e = elems + 16 * i;
		if (sorted[i]->bucket)
			bucket_value(&val, sorted[i]);
		else
			buf_add(&val, sorted[i]->val, sorted[i]->vlen);
		buf_add(out, sorted[i]->key, klen);
		buf_add(out, val.p, val.len);
		put32(out->p + e, sorted[i]->bucket ? 1 : 0);
		put32(out->p + e + 4, (uint32_t)(at - e));
		put32(out->p + e + 8, (uint32_t)klen);
		put32(out->p + e + 12, (uint32_t)val.len);
		free(val.p);
	}
	free(sorted);
}

/* A whole file: metas (txid 2 in page 0, 1 in page 1), freelist page 2, root leaf page 3
 * (with overflow pages when it needs them). */
static unsigned char *build_db(uint32_t ps, const struct tnode *kids, size_t n, size_t *len)
{
	struct buf root = {0};
	leaf_page(&root, kids, n, 3);
	size_t pages = (root.len + ps - 1) / ps;
	put32(root.p + 12, (uint32_t)(pages - 1));
	uint64_t hwm = 3 + pages;
	unsigned char *f = calloc(hwm, ps);
	meta_write(f, ps, 0, 2, 3, hwm);
	meta_write(f + ps, ps, 1, 1, 3, hwm);
	put64(f + 2 * ps, 2);
	put16(f + 2 * ps + 8, 0x10);
	memcpy(f + 3 * ps, root.p, root.len);
	free(root.p);
	*len = hwm * ps;
	return f;
}

/* A file of `npages` 4 KiB pages with valid metas (root page 3) and empty pages after. */
static unsigned char *raw_db(size_t npages, uint64_t hwm, size_t *len)
{
	unsigned char *f = calloc(npages, 4096);
	meta_write(f, 4096, 0, 2, 3, hwm);
	meta_write(f + 4096, 4096, 1, 1, 3, hwm);
	put64(f + 2 * 4096, 2);
	put16(f + 2 * 4096 + 8, 0x10);
	for (size_t i = 3; i < npages; i++)
		put64(f + i * 4096, i);
	*len = npages * 4096;
	return f;
}

static unsigned char *raw_page(unsigned char *f, uint64_t id, uint16_t flags, uint16_t count,
			       uint32_t overflow)
{
	unsigned char *p = f + id * 4096;
	put64(p, id);
	put16(p + 8, flags);
	put16(p + 10, count);
	put32(p + 12, overflow);
	return p;
}

/* A branch element i whose key "k<i>" sits at the end of the page. */
static void raw_branch(unsigned char *p, unsigned i, uint64_t child)
{
	unsigned char *e = p + 16 + 16 * i;
	size_t key_at = 3000 + 3 * i;
	put32(e, (uint32_t)(p + key_at - e));
	put32(e + 4, 2);
	put64(e + 8, child);
	p[key_at] = 'k';
	p[key_at + 1] = (unsigned char)('a' + i);
}

static void raw_leaf(unsigned char *p, unsigned i, uint32_t flags, uint32_t ksize, uint32_t vsize)
{
	unsigned char *e = p + 16 + 16 * i;
	size_t key_at = 2000 + 40 * i;
	put32(e, flags);
	put32(e + 4, (uint32_t)(p + key_at - e));
	put32(e + 8, ksize);
	put32(e + 12, vsize);
	p[key_at] = 'k';
	if (ksize > 1)
		p[key_at + 1] = (unsigned char)('a' + i);
}

/* ---- running the reader on bytes ---- */

static void on_alarm(int sig)
{
	(void)sig;
	static const char msg[] = "FAIL: a read took more than 60 seconds (a hang?)\n";
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(3);
	_exit(3);
}

/* The generic walk, then the containerd import, of a file (or memory); first error wins. */
static ctrfs_code run_all(const unsigned char *data, size_t len, bool via_file, ctrfs_error *err)
{
	bbolt_db *db;
	ctrfs_code code;
	memset(err, 0, sizeof(*err));
	alarm(60);
	if (via_file) {
		char *path = path_join(tmp_dir, "hostile.db");
		spit(path, data, len);
		code = bbolt_open(path, &db, err);
		free(path);
	} else {
		code = bbolt_open_memory(data, len, &db, err);
	}
	if (!code) {
		struct walk w = {.out = NULL, .max_depth = 40};
		ctrfs_import_namespace *nss;
		size_t n;
		code = bbolt_view(db, walk_view, &w, err);
		if (!code)
			code = containerd_db_read_bbolt(db, NULL, &nss, &n, err);
		if (!code)
			ctrfs_import_namespaces_free(nss, n);
		bbolt_close(db);
	}
	alarm(0);
	return code;
}

static void expect_fail(const char *what, const unsigned char *data, size_t len, ctrfs_code want,
			const char *substr)
{
	for (int via_file = 0; via_file < 2; via_file++) {
		ctrfs_error err;
		ctrfs_code code = run_all(data, len, via_file, &err);
		CHECK(code == want && strstr(err.text, substr), "%s%s: got %d \"%s\", want \"%s\"",
		      what, via_file ? " (file)" : "", code, err.text, substr);
	}
}

static void expect_ok(const char *what, const unsigned char *data, size_t len)
{
	ctrfs_error err;
	CHECK(run_all(data, len, true, &err) == CTRFS_OK, "%s: %s", what, err.text);
}

/* ---- containerd mapping on built files ---- */

#define CREATED "\x01\x00\x00\x00\x0e\xe2\x95\xba\x23\x39\xd9\x54\x75\xff\xff"
#define SPEC                                                                                       \
	"\x0a\x03"                                                                                 \
	"abc"                                                                                      \
	"\x12\x02"                                                                                 \
	"{}"

static ctrfs_code read_built(const struct tnode *root, size_t n, uint32_t ps,
			     ctrfs_import_namespace **nss, size_t *count, ctrfs_error *err)
{
	size_t len;
	unsigned char *f = build_db(ps, root, n, &len);
	char *path = path_join(tmp_dir, "built.db");
	spit(path, f, len);
	ctrfs_code code = containerd_db_read(path, NULL, nss, count, err);
	free(path);
	free(f);
	return code;
}

static void test_mapping(void)
{
	const struct tnode db[] = {
	    B("v1", V("version", "\x06"),
	      B("default", B("labels", V("empty", ""), V("k", "v")),
		B("containers", V("plain-key", "skipped, as containerd's List does"),
		  B("c1", V("createdat", CREATED), V("image", "img:1"),
		    B("labels", V("a", "1"), V("b/c", "two"), B0("nested")),
		    B("runtime", V("name", "io.containerd.runc.v2"), V("options", "")),
		    V("sandboxid", "sb-1"), V("snapshotKey", "k"), V("snapshotter", "native"),
		    V("spec", SPEC), V("key-of-a-future-version", "ignored"),
		    B("extensions", V("ext.json", "\x0a\x01t\x12\x01x"), B0("ext.bucket"))),
		  B("c2", B("runtime", V("name", "r"), B0("options")), V("spec", "")))))};
	for (uint32_t ps = 512; ps <= 8192; ps *= 4) {
		ctrfs_import_namespace *nss = NULL;
		size_t n = 0;
		ctrfs_error err;
		char t[64];
		CHECK(read_built(db, 1, ps, &nss, &n, &err) == CTRFS_OK, "page size %u: %s", ps,
		      err.text);
		if (n != 1 || nss[0].count != 2) {
			CHECK(false, "page size %u: %zu namespaces", ps, n);
			ctrfs_import_namespaces_free(nss, n);
			continue;
		}
		const ctrfs_namespace *ns = &nss[0].ns;
		const ctrfs_container *c = &nss[0].containers[0], *c2 = &nss[0].containers[1];
		const char *empty = ctrfs_labels_get(&ns->labels, "empty");
		CHECK(ns->labels.count == 2 && empty && !*empty, "namespace labels may be empty");
		CHECK(!strcmp(c->id, "c1") && !strcmp(c->image, "img:1"), "c1 id/image");
		CHECK(c->labels.count == 3 && !strcmp(ctrfs_labels_get(&c->labels, "b/c"), "two") &&
			  !strcmp(ctrfs_labels_get(&c->labels, "nested"), ""),
		      "c1 labels (a nested bucket reads as an empty value, as in Go)");
		CHECK(c->has_runtime_options && !*nz(c->runtime_options.type_url) &&
			  c->runtime_options.value_len == 0,
		      "present-but-empty runtime options are an empty Any");
		CHECK(!c2->has_runtime_options, "options as a bucket count as absent (bbolt Get)");
		CHECK(!strcmp(nz(c->sandbox_id), "sb-1") && !strcmp(c->snapshot_key, "k") &&
			  !strcmp(c->snapshotter, "native"),
		      "c1 strings");
		CHECK(c->has_spec && !strcmp(c->spec.type_url, "abc") && c->spec.value_len == 2 &&
			  !memcmp(c->spec.value, "{}", 2),
		      "c1 spec");
		CHECK(c2->has_spec && !*nz(c2->spec.type_url) && !c2->spec.value_len,
		      "an empty spec value is an empty Any, still set");
		const ctrfs_any *e = ctrfs_extensions_get(&c->extensions, "ext.json");
		CHECK(c->extensions.count == 2 && e && !strcmp(e->type_url, "t") &&
			  e->value_len == 1 && e->value[0] == 'x',
		      "c1 extensions");
		ctrfs_time_format(c->created_at, t, sizeof(t));
		CHECK(!strcmp(t, "2026-11-23T04:37:55.970544245Z"), "createdat %s", t);
		ctrfs_time_format(c->updated_at, t, sizeof(t));
		CHECK(!strcmp(t, "0001-01-01T00:00:00Z"), "no updatedat: zero time, not %s", t);
		ctrfs_import_namespaces_free(nss, n);
	}

	/* What the store would refuse fails the read, naming the entry. */
	struct bad {
		const char *what, *want1, *want2;
		struct tnode root;
	} bads[] = {
	    {"no runtime", "v1/default/containers/c1: ", "Runtime.Name must be set",
	     B("v1", B("default", B("containers", B("c1", V("spec", SPEC)))))},
	    {"bad id", "v1/default/containers/bad..id: ", "identifier",
	     B("v1", B("default", B("containers",
				    B("bad..id", B("runtime", V("name", "r")), V("spec", SPEC)))))},
	    {"NUL in a label", "v1/default/containers/c1/labels/k: ", "NUL",
	     B("v1",
	       B("default", B("containers", B("c1", B("labels", V("k", "a\0b")),
					      B("runtime", V("name", "r")), V("spec", SPEC)))))},
	    {"NUL in an id", "v1/default/containers/c\\x001: ", "NUL",
	     B("v1", B("default", B("containers", {.key = "c\0"
							  "1",
						   .klen = 3,
						   .bucket = true})))},
	    {"bad spec", "v1/default/containers/c1/spec: ", "invalid protobuf Any",
	     B("v1", B("default", B("containers", B("c1", B("runtime", V("name", "r")),
						    V("spec", "\x0a\x05"
							      "ab")))))},
	    {"bad options", "v1/default/containers/c1/runtime/options: ", "invalid protobuf Any",
	     B("v1", B("default",
		       B("containers", B("c1", B("runtime", V("name", "r"), V("options", "\x0e")),
					 V("spec", SPEC)))))},
	    {"bad extension", "v1/default/containers/c1/extensions/e: ", "invalid protobuf Any",
	     B("v1",
	       B("default", B("containers", B("c1", B("extensions", V("e", "\x0a")),
					      B("runtime", V("name", "r")), V("spec", SPEC)))))},
	    {"bad time", "v1/default/containers/c1/createdat: ", "time.MarshalBinary",
	     B("v1",
	       B("default", B("containers", B("c1", V("createdat", "\x01\x02"),
					      B("runtime", V("name", "r")), V("spec", SPEC)))))},
	    {"bad namespace", "v1/Bad Name: ", "identifier", B("v1", B0("Bad Name"))},
	    {"no v1", "no v1 bucket", "not a containerd metadata database", B("v2", B0("default"))},
	};
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		ctrfs_import_namespace *nss = NULL;
		size_t n = 0;
		ctrfs_error err = {0};
		ctrfs_code code = read_built(&bads[i].root, 1, 4096, &nss, &n, &err);
		CHECK(code == CTRFS_INVALID_ARGUMENT && strstr(err.text, bads[i].want1) &&
			  strstr(err.text, bads[i].want2),
		      "%s: %s", bads[i].what, err.text);
		if (!code)
			ctrfs_import_namespaces_free(nss, n);
	}
}

/* ---- protobuf Any ---- */

static void test_any(void)
{
	struct {
		const char *bytes;
		size_t len;
		const char *url, *value, *error;
	} cases[] = {
#define ANY(b, u, v, e) {b, sizeof(b) - 1, u, v, e}
	    ANY("", "", "", NULL),
	    ANY("\x0a\x03"
		"abc"
		"\x12\x02\x01\x02",
		"abc", "\x01\x02", NULL),
	    ANY("\x18\x96\x01\x0a\x01u", "u", "", NULL), /* varint field 3 */
	    ANY("\x21"
		"12345678"
		"\x2d"
		"1234"
		"\x12\x01v",
		"", "v", NULL), /* fixed64/32 */
	    /* nested groups, then: the last type_url wins */
	    ANY("\x33\x08\x01\x3b\x3c\x34\x0a\x01u", "u", "", NULL),
	    ANY("\x0a\x01"
		"a"
		"\x0a\x01"
		"b",
		"b", "", NULL),
	    ANY("\x08\x05\x10\x07", "", "", NULL), /* fields 1, 2 as varints: unknown */
	    ANY("\x0a\x05"
		"a",
		NULL, NULL, "runs past the end"),
	    ANY("\x02\x00", NULL, NULL, "invalid field number"),
	    ANY("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", NULL, NULL, "varint"),
	    ANY("\x0e", NULL, NULL, "invalid wire type"),
	    ANY("\x33\x08\x01\x3c", NULL, NULL, "mismatched end of group"),
	    ANY("\x33\x08\x01", NULL, NULL, "unterminated group"),
	    ANY("\x34", NULL, NULL, "end of group without a start"),
	    ANY("\x0a\x02"
		"a\0",
		NULL, NULL, "NUL"),
	    ANY("\x0a", NULL, NULL, "length"),
	    ANY("\x21"
		"1234",
		NULL, NULL, "runs past the end"),
#undef ANY
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ctrfs_any a = {0};
		ctrfs_error err = {0};
		ctrfs_code code = containerd_any_decode(cases[i].bytes, cases[i].len, &a, &err);
		if (cases[i].error) {
			CHECK(code == CTRFS_INVALID_ARGUMENT && strstr(err.text, cases[i].error),
			      "any case %zu: %s", i, err.text);
		} else {
			size_t vl = strlen(cases[i].value);
			CHECK(code == CTRFS_OK && !strcmp(a.type_url, cases[i].url) &&
				  a.value_len == vl && !memcmp(a.value, cases[i].value, vl),
			      "any case %zu: %s", i, err.text);
		}
		ctrfs_any_clear(&a);
	}
	/* Deep groups stop at a limit instead of exhausting the stack. */
	struct buf deep = {0};
	for (int i = 0; i < 100000; i++)
		buf_add(&deep, "\x1b", 1);
	ctrfs_any a = {0};
	ctrfs_error err;
	CHECK(containerd_any_decode(deep.p, deep.len, &a, &err) == CTRFS_INVALID_ARGUMENT &&
		  strstr(err.text, "nested too deeply"),
	      "deep groups: %s", err.text);
	free(deep.p);
}

/* ---- hostile files ---- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Built from scratch: each kind of damage, and the message it must give. */
static void test_hostile_built(void)
{
	size_t len;
	unsigned char *f, *p;

	f = raw_db(4, 4, &len);
	raw_branch(raw_page(f, 3, 0x01, 1, 0), 0, 3);
	expect_fail("branch pointing to itself", f, len, CTRFS_INVALID_ARGUMENT,
		    "page 3: reached twice in one bucket (a loop)");
	free(f);

	f = raw_db(5, 5, &len);
	raw_branch(raw_page(f, 3, 0x01, 1, 0), 0, 4);
	raw_branch(raw_page(f, 4, 0x01, 2, 0), 0, 3);
	raw_branch(f + 4 * 4096, 1, 4);
	expect_fail("loop through two pages", f, len, CTRFS_INVALID_ARGUMENT, "(a loop)");
	free(f);

	f = raw_db(4, 4, &len);
	raw_branch(raw_page(f, 3, 0x01, 1, 0), 0, 99);
	expect_fail("child beyond the high-water mark", f, len, CTRFS_INVALID_ARGUMENT,
		    "page 99: beyond the 4 pages in use");
	free(f);

	f = raw_db(4, 1000, &len);
	raw_branch(raw_page(f, 3, 0x01, 1, 0), 0, 500);
	expect_fail("child beyond the end of the file", f, len, CTRFS_INVALID_ARGUMENT,
		    "page 500: beyond the end of the file (16384 bytes)");
	free(f);

	f = raw_db(4, 4, &len);
	raw_branch(raw_page(f, 3, 0x01, 1, 0), 0, 1);
	expect_fail("child is a meta page", f, len, CTRFS_INVALID_ARGUMENT,
		    "page 1: a tree refers");
	free(f);

	/* Found by fuzzing: page id 0 also marks the free slots of the page cache. */
	f = raw_db(4, 4, &len);
	raw_branch(raw_page(f, 3, 0x01, 1, 0), 0, 0);
	expect_fail("child is page 0", f, len, CTRFS_INVALID_ARGUMENT, "page 0: a tree refers");
	free(f);

	f = raw_db(4, 4, &len);
	raw_page(f, 3, 0x02, 0xFFFF, 0);
	expect_fail("huge element count", f, len, CTRFS_INVALID_ARGUMENT,
		    "page 3: page: 65535 elements do not fit in 4096 bytes");
	free(f);

	f = raw_db(4, 4, &len);
	raw_leaf(raw_page(f, 3, 0x02, 1, 0), 0, 0, 40000, 0);
	expect_fail("overlong key", f, len, CTRFS_INVALID_ARGUMENT, "key of 40000 bytes");
	free(f);

	f = raw_db(4, 4, &len);
	raw_leaf(raw_page(f, 3, 0x02, 1, 0), 0, 0, 2, 0x7fffffff);
	expect_fail("overlong value", f, len, CTRFS_INVALID_ARGUMENT, "value of 2147483647 bytes");
	free(f);

	f = raw_db(4, 4, &len);
	raw_leaf(raw_page(f, 3, 0x02, 1, 0), 0, 0, 2, 5000);
	expect_fail("value past the page", f, len, CTRFS_INVALID_ARGUMENT, "runs past the end");
	free(f);

	f = raw_db(4, 4, &len);
	raw_leaf(raw_page(f, 3, 0x02, 1, 0), 0, 0, 0, 1);
	expect_fail("empty key", f, len, CTRFS_INVALID_ARGUMENT, "empty key");
	free(f);

	f = raw_db(4, 4, &len);
	p = raw_page(f, 3, 0x02, 2, 0);
	raw_leaf(p, 0, 0, 2, 0);
	raw_leaf(p, 1, 0, 1, 0);
	expect_fail("keys out of order", f, len, CTRFS_INVALID_ARGUMENT, "keys out of order");
	free(f);

	f = raw_db(4, 4, &len);
	raw_page(f, 3, 0x02, 0, 0xFFFFFFFF);
	expect_fail("huge overflow", f, len, CTRFS_INVALID_ARGUMENT, "overflow pages run past");
	free(f);

	f = raw_db(4, 4, &len);
	raw_page(f, 3, 0x01, 0, 0);
	expect_fail("empty branch", f, len, CTRFS_INVALID_ARGUMENT, "empty branch page");
	free(f);

	f = raw_db(4, 4, &len);
	put64(raw_page(f, 3, 0x02, 0, 0), 7);
	expect_fail("page header names another page", f, len, CTRFS_INVALID_ARGUMENT,
		    "its header says it is page 7");
	free(f);

	f = raw_db(4, 4, &len);
	raw_page(f, 3, 0x10, 0, 0);
	expect_fail("freelist page in a tree", f, len, CTRFS_INVALID_ARGUMENT,
		    "not a branch or leaf (flags 0x10)");
	free(f);

	/* Overlapping pages: each claims the rest of the file as its overflow. */
	f = raw_db(40, 40, &len);
	p = raw_page(f, 3, 0x01, 36, 0);
	for (unsigned i = 0; i < 36; i++) {
		raw_branch(p, i, 4 + i);
		raw_page(f, 4 + i, 0x02, 0, 35 - i);
	}
	expect_fail("overlapping pages", f, len, CTRFS_INVALID_ARGUMENT, "pages overlap");
	free(f);

	/* An inline bucket whose page claims more elements than it holds. */
	f = raw_db(4, 4, &len);
	p = raw_page(f, 3, 0x02, 1, 0);
	raw_leaf(p, 0, 1, 2, 32);
	put16(p + 2000 + 2 + 16 + 8, 0x02);
	put16(p + 2000 + 2 + 16 + 10, 500);
	expect_fail("bad inline page", f, len, CTRFS_INVALID_ARGUMENT,
		    "page 3: inline bucket in it: 500 elements do not fit in 16 bytes");
	free(f);

	/* Buckets that all share one root page, fanning out: a walk would never end. */
	f = raw_db(4, 4, &len);
	p = raw_page(f, 3, 0x02, 60, 0);
	for (unsigned i = 0; i < 60; i++) {
		unsigned char *e = p + 16 + 16 * i, *k = p + 1200 + 20 * i;
		put32(e, 1);
		put32(e + 4, (uint32_t)(k - e));
		put32(e + 8, 2);
		put32(e + 12, 16);
		k[0] = (unsigned char)('A' + i / 26);
		k[1] = (unsigned char)('a' + i % 26);
		put64(k + 2, 3);
	}
	expect_fail("nested buckets sharing their root", f, len, CTRFS_INVALID_ARGUMENT,
		    "too many page visits");
	free(f);

	/* A page size bbolt could not have written, in both metas. */
	f = raw_db(4, 4, &len);
	put32(f + 16 + 8, 100);
	meta_seal(f);
	put32(f + 4096 + 16 + 8, 100);
	meta_seal(f + 4096);
	expect_fail("page size out of range", f, len, CTRFS_INVALID_ARGUMENT,
		    "meta page 0: page size 100 out of range");
	free(f);

	/* Meta root beyond the high-water mark. */
	f = raw_db(4, 4, &len);
	put64(f + 16 + 16, 9);
	meta_seal(f);
	put64(f + 4096 + 16 + 16, 9);
	meta_seal(f + 4096);
	expect_fail("root beyond the high-water mark", f, len, CTRFS_INVALID_ARGUMENT,
		    "root page 9 outside the 4 pages in use");
	free(f);

	/* A big-endian file says so. */
	f = raw_db(4, 4, &len);
	for (int m = 0; m < 2; m++) {
		unsigned char *q = f + m * 4096 + 16;
		q[0] = 0xED, q[1] = 0x0C, q[2] = 0xDA, q[3] = 0xED;
	}
	expect_fail("big-endian", f, len, CTRFS_INVALID_ARGUMENT, "big-endian");
	free(f);
}

/* Damage done to a copy of the real meta.db. */
static void test_hostile_fixture(void)
{
	char *db_path = path_join(set_dir, "meta.db");
	char *manifest = path_join(set_dir, "MANIFEST.md");
	size_t len, mlen;
	unsigned char *orig = slurp(db_path, &len), *f = malloc(len ? len : 1);
	unsigned char *text = slurp(manifest, &mlen);
	ctrfs_error err;
	CHECK(orig && len >= 8192, "%s", db_path);
	if (!orig || len < 8192)
		return;
	const uint64_t hwm = get64(orig + 4096 + 16 + 40) > get64(orig + 16 + 40)
				 ? get64(orig + 4096 + 16 + 40)
				 : get64(orig + 16 + 40);
	const int newer = get64(orig + 4096 + 16 + 48) > get64(orig + 16 + 48);
	const uint64_t older_txid = get64(orig + (1 - newer) * 4096 + 16 + 48);

	expect_fail("empty file", f, 0, CTRFS_INVALID_ARGUMENT, "the file is empty");
	expect_fail("not a bbolt file", text, mlen, CTRFS_INVALID_ARGUMENT,
		    "not a bbolt database: meta page 0: bad magic");
	for (size_t i = 0; i < 65536 && i < len; i++)
		f[i] = (unsigned char)rng();
	expect_fail("random bytes", f, 65536, CTRFS_INVALID_ARGUMENT, "not a bbolt database");

	/* Truncated: too short for a meta page, then pages missing, then only unused
	 * pages missing (fine). */
	const size_t cuts[] = {1, 79, 80, 4096, 4096 + 80, 8192, 12288, 40960};
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		char what[64];
		snprintf(what, sizeof(what), "truncated to %zu bytes", cuts[i]);
		expect_fail(what, orig, cuts[i], CTRFS_INVALID_ARGUMENT,
			    cuts[i] < 80 ? "not a bbolt database" : "beyond the end of the file");
	}
	for (size_t cut = 45056; cut < hwm * 4096; cut += 4096 * 3) {
		CHECK(run_all(orig, cut, false, &err) == CTRFS_OK || err.text[0],
		      "truncated to %zu: no message", cut);
	}
	expect_ok("truncated to the pages in use", orig, hwm * 4096);
	expect_ok("truncated in the unused tail", orig, len - 1);

	memcpy(f, orig, len);
	memset(f, 0, 8192);
	expect_fail("both metas zeroed", f, len, CTRFS_INVALID_ARGUMENT,
		    "meta page 0: bad magic 0x00000000; meta page 1: bad magic 0x00000000");

	/* A torn write of the newer meta: bbolt falls back to the older one, so do we. */
	memcpy(f, orig, len);
	f[newer * 4096 + 16 + 48] ^= 0x40;
	{
		bbolt_db *db;
		ctrfs_import_namespace *nss;
		size_t n;
		ctrfs_code code = bbolt_open_memory(f, len, &db, &err);
		CHECK(code == CTRFS_OK, "%s", err.text);
		if (!code) {
			CHECK(bbolt_txid(db) == older_txid, "fell back to txid %llu",
			      (unsigned long long)bbolt_txid(db));
			code = containerd_db_read_bbolt(db, NULL, &nss, &n, &err);
			CHECK(code == CTRFS_OK, "older meta: %s", err.text);
			if (!code)
				ctrfs_import_namespaces_free(nss, n);
			bbolt_close(db);
		}
	}
	/* Meta page 0 zeroed: the page size must then come from meta page 1. */
	memcpy(f, orig, len);
	memset(f, 0, 4096);
	expect_ok("meta page 0 zeroed", f, len);
	memcpy(f, orig, len);
	memset(f + 4096, 0, 4096);
	expect_ok("meta page 1 zeroed", f, len);

	/* Every branch page made to point to itself: the reachable ones must say "loop". */
	int loops = 0;
	for (uint64_t id = 2; id < hwm; id++) {
		unsigned char *p = f + id * 4096;
		memcpy(f, orig, len);
		if (get64(p) != id || p[8] != 0x01 || p[9] != 0)
			continue;
		put64(p + 16 + 8, id);
		if (run_all(f, len, false, &err) != CTRFS_OK) {
			CHECK(strstr(err.text, "(a loop)"), "branch %llu: %s",
			      (unsigned long long)id, err.text);
			loops++;
		}
	}
	CHECK(loops > 0, "no reachable branch page in meta.db to test a loop with");

	/* The meta in use pointing past the file, resealed so that it stays valid. */
	memcpy(f, orig, len);
	put64(f + newer * 4096 + 16 + 40, 1ull << 40);
	put64(f + newer * 4096 + 16 + 16, (1ull << 40) - 1);
	meta_seal(f + newer * 4096);
	expect_fail("root past the end of the file", f, len, CTRFS_INVALID_ARGUMENT,
		    "beyond the end of the file");

	/* Random damage to the pages in use: never a crash, never a hang. */
	int errors = 0, runs = 300;
	for (int i = 0; i < runs; i++) {
		memcpy(f, orig, len);
		for (int j = 1 + (int)(rng() % 8); j > 0; j--)
			f[8192 + rng() % (hwm * 4096 - 8192)] ^= (unsigned char)(1 + rng() % 255);
		if (run_all(f, len, false, &err) != CTRFS_OK) {
			CHECK(err.text[0], "damage %d: an error without a message", i);
			errors++;
		}
	}
	fprintf(stderr, "random damage: %d of %d reads failed cleanly\n", errors, runs);
	free(f);
	free(orig);
	free(text);
	free(db_path);
	free(manifest);
}

/* ---- a writer committing during the read ---- */

struct committer {
	const char *path;
	int calls, commits;
};

/* What a commit does to the meta pages: the other slot gets txid + 1. */
static void fake_commit(const char *path)
{
	unsigned char pages[8192];
	FILE *f = fopen(path, "r+b");
	if (!f || fread(pages, 1, sizeof(pages), f) != sizeof(pages))
		abort();
	int newer = get64(pages + 4096 + 16 + 48) > get64(pages + 16 + 48);
	unsigned char *to = pages + (1 - newer) * 4096;
	memcpy(to + 8, pages + newer * 4096 + 8, 4096 - 8);
	put64(to + 16 + 48, get64(pages + newer * 4096 + 16 + 48) + 1);
	meta_seal(to);
	if (fseek(f, (1 - newer) * 4096, SEEK_SET) || fwrite(to, 1, 4096, f) != 4096 || fclose(f))
		abort();
}

static ctrfs_code committing_view(bbolt_db *db, const bbolt_bucket *root, void *arg,
				  ctrfs_error *err)
{
	struct committer *c = arg;
	struct walk w = {.out = NULL, .max_depth = 40};
	ctrfs_code code = walk_bucket(db, root, "", 0, &w, err);
	if (c->calls++ < c->commits)
		fake_commit(c->path);
	return code;
}

static void test_concurrent_commit(void)
{
	char *src = path_join(set_dir, "meta.db"), *path = path_join(tmp_dir, "hostile.db");
	size_t len;
	unsigned char *data = slurp(src, &len);
	for (int commits = 1; commits <= 100; commits += 99) {
		struct committer c = {.path = path, .commits = commits};
		ctrfs_error err = {0};
		bbolt_db *db;
		spit(path, data, len);
		ctrfs_code code = bbolt_open(path, &db, &err);
		CHECK(code == CTRFS_OK, "%s", err.text);
		if (code)
			continue;
		code = bbolt_view(db, committing_view, &c, &err);
		if (commits == 1)
			CHECK(code == CTRFS_OK && c.calls == 2 && bbolt_txid(db) == 154,
			      "one commit: read again, got %d after %d calls: %s", code, c.calls,
			      err.text);
		else
			CHECK(code == CTRFS_UNAVAILABLE && c.calls == 5 &&
				  strstr(err.text, "database changed while reading"),
			      "endless commits: %d after %d calls: %s", code, c.calls, err.text);
		bbolt_close(db);
	}
	free(data);
	free(src);
	free(path);
}

/* Inputs that once crashed or hung the reader (from fuzz/fuzz_bbolt.c). */
static void test_crash_regressions(void)
{
	char *dir = path_join(set_dir, "../../bbolt-crashes");
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;
	CHECK(d, "%s: %s", dir, strerror(errno));
	while (d && (de = readdir(d))) {
		char *path = path_join(dir, de->d_name);
		struct stat st;
		size_t len;
		unsigned char *data;
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && (data = slurp(path, &len))) {
			for (int via_file = 0; via_file < 2; via_file++) {
				ctrfs_error err;
				ctrfs_code code = run_all(data, len, via_file, &err);
				CHECK(code == CTRFS_OK || err.text[0],
				      "%s: error without a message", de->d_name);
			}
			free(data);
			n++;
		}
		free(path);
	}
	if (d)
		closedir(d);
	fprintf(stderr, "%d crash regression inputs read\n", n);
	free(dir);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s FIXTURE-DIR (tests/data/containerd/set-a)\n", argv[0]);
		return 2;
	}
	set_dir = argv[1];
	signal(SIGALRM, on_alarm);
	if (!mkdtemp(tmp_dir)) {
		perror("mkdtemp");
		return 2;
	}
	test_any();
	test_dump();
	test_fixture();
	test_mapping();
	test_hostile_built();
	test_hostile_fixture();
	test_concurrent_commit();
	test_crash_regressions();

	char *files[] = {"hostile.db", "built.db"};
	for (size_t i = 0; i < 2; i++) {
		char *p = path_join(tmp_dir, files[i]);
		unlink(p);
		free(p);
	}
	rmdir(tmp_dir);
	return check_report();
}

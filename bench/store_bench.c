/* ctrfs-store-bench: the store library against plain LMDB doing the same work.
 *
 *   ctrfs-store-bench [-d DIR] [-j FILE] [-s SYNC_N] [N...]      (default N: 10000 100000)
 *
 * For each N, N containers with realistic content (8 labels, a 4096-byte OCI spec, runtime
 * options, image, snapshotter and key) are
 *   create   made one transaction each       ctrfs_container_create   | put of one blob
 *   get      read in random order            ctrfs_container_get(ALL) | get + decode
 *   update   one label set, random order     ctrfs_container_update   | get + decode +
 *                                            (path labels.bench)      |   modify + encode + put
 *   list     labels.app==web (10% match)     ctrfs_container_list     | cursor scan + decode
 * in the same run on two stores in DIR: the ctrfs store and a raw LMDB environment with a
 * plain key ("<ns>\0<id>") -> blob (the whole container serialized) layout. Both sides run
 * with MDB_NOSYNC (ctrfs: no_sync); one more row times `create` with fsync at every commit on
 * both sides for SYNC_N containers (default min(first N, 10000); 0 = skip).
 * The database size per container is data.mdb's allocated size (st_blocks * 512) / N after
 * the creates; the ctrfs store also holds its change log (one event per change).
 * Prints a table, then a JSON summary (or writes it to FILE with -j).
 */
#include <errno.h>
#include <lmdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctrfs_store.h"

#define NS "k8s.io"
#define SPEC_SIZE 4096
#define RAW_MAP_SIZE ((size_t)16 << 30)

static void die(const char *what, const char *why)
{
	fprintf(stderr, "ctrfs-store-bench: %s: %s\n", what, why);
	exit(1);
}

static void check(ctrfs_code code, const ctrfs_error *err, const char *what)
{
	if (code)
		die(what, err->text);
}

static void mdb_check(int rc, const char *what)
{
	if (rc)
		die(what, mdb_strerror(rc));
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* xorshift64*: the same pseudo-random order on both sides */
static uint64_t rng_state;
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static char *path_of(const char *dir, const char *name)
{
	char *p;
	if (asprintf(&p, "%s/%s", dir, name) < 0)
		die("path", "out of memory");
	return p;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		die("strdup", strerror(errno));
	return d;
}

/* ---- the content ---- */

static char **ids;
static char spec_template[SPEC_SIZE + 1];

/* 64 hex digits, like a CRI container ID */
static char *make_id(size_t i)
{
	char buf[65];
	uint64_t h = 0x9e3779b97f4a7c15ULL * (i + 1);
	for (int k = 0; k < 4; k++) {
		h ^= h >> 31;
		h *= 0xbf58476d1ce4e5b9ULL;
		snprintf(buf + 16 * k, 17, "%016llx", (unsigned long long)h);
	}
	return xstrdup(buf);
}

/* A compact OCI spec of exactly SPEC_SIZE bytes with "%s" (the ID) in two places. */
static void make_spec_template(void)
{
	const char *head =
	    "{\"ociVersion\":\"1.0.2-dev\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},"
	    "\"args\":[\"/usr/local/bin/app\",\"--config\",\"/etc/app/config.yaml\","
	    "\"--listen\",\"0.0.0.0:8080\"],\"env\":[\"PATH=/usr/local/sbin:/usr/local/bin:"
	    "/usr/sbin:/usr/bin:/sbin:/bin\",\"HOSTNAME=%s\",\"KUBERNETES_SERVICE_HOST=10.96.0.1\","
	    "\"KUBERNETES_SERVICE_PORT=443\",\"APP_ENV=production\",\"FILLER=";
	const char *tail =
	    "\"],\"cwd\":\"/srv\",\"capabilities\":{\"bounding\":[\"CAP_CHOWN\","
	    "\"CAP_DAC_OVERRIDE\",\"CAP_FSETID\",\"CAP_FOWNER\",\"CAP_MKNOD\",\"CAP_NET_RAW\","
	    "\"CAP_SETGID\",\"CAP_SETUID\",\"CAP_SETFCAP\",\"CAP_SETPCAP\","
	    "\"CAP_NET_BIND_SERVICE\",\"CAP_SYS_CHROOT\",\"CAP_KILL\",\"CAP_AUDIT_WRITE\"]},"
	    "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1048576,\"soft\":1048576}],"
	    "\"noNewPrivileges\":true},\"root\":{\"path\":\"rootfs\"},\"hostname\":\"app\","
	    "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\","
	    "\"options\":[\"nosuid\",\"noexec\",\"nodev\"]},{\"destination\":\"/dev\","
	    "\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"nosuid\",\"strictatime\","
	    "\"mode=755\",\"size=65536k\"]},{\"destination\":\"/etc/app\",\"type\":\"bind\","
	    "\"source\":\"/var/lib/kubelet/pods/app/volumes/config\",\"options\":[\"rbind\","
	    "\"ro\"]}],\"annotations\":{\"io.kubernetes.cri.container-type\":\"container\","
	    "\"io.kubernetes.cri.sandbox-namespace\":\"default\"},\"linux\":{\"resources\":"
	    "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}],\"memory\":{\"limit\":"
	    "268435456},\"cpu\":{\"shares\":512,\"quota\":50000,\"period\":100000}},"
	    "\"cgroupsPath\":\"/k8s.io/%s\",\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"ipc\"},"
	    "{\"type\":\"uts\"},{\"type\":\"mount\"},{\"type\":\"network\"}],\"maskedPaths\":"
	    "[\"/proc/acpi\",\"/proc/kcore\",\"/proc/keys\",\"/proc/latency_stats\","
	    "\"/proc/timer_list\",\"/proc/timer_stats\",\"/proc/sched_debug\",\"/sys/firmware\"],"
	    "\"readonlyPaths\":[\"/proc/asound\",\"/proc/bus\",\"/proc/fs\",\"/proc/irq\","
	    "\"/proc/sys\",\"/proc/sysrq-trigger\"]}}";
	/* each "%s" becomes a 64-byte ID: 2 * (64 - 2) bytes more than the template */
	size_t fixed = strlen(head) + strlen(tail) + 2 * 62;
	if (fixed >= SPEC_SIZE)
		die("spec template", "too long");
	size_t fill = SPEC_SIZE - fixed;
	size_t n = (size_t)snprintf(spec_template, sizeof(spec_template), "%s", head);
	for (size_t i = 0; i < fill; i++)
		spec_template[n++] = (char)('a' + i % 26);
	snprintf(spec_template + n, sizeof(spec_template) - n, "%s", tail);
}

static void label(ctrfs_container *c, const char *k, const char *v)
{
	if (ctrfs_labels_set(&c->labels, k, v))
		die("labels", "out of memory");
}

/* Container i, every field set as a CRI container would have it. */
static void make_container(size_t i, ctrfs_container *c)
{
	char buf[128];
	memset(c, 0, sizeof(*c));
	c->id = xstrdup(ids[i]);
	snprintf(buf, sizeof(buf), "registry.example.com/team/app:1.%zu", i % 50);
	c->image = xstrdup(buf);
	c->runtime_name = xstrdup("io.containerd.runc.v2");
	c->has_runtime_options = true;
	static const unsigned char opts[] = "\x1a\x0erunc-root-path\x32\x0e/usr/sbin/runc";
	ctrfs_any_set(&c->runtime_options, "containerd.runc.v1.Options", opts, sizeof(opts) - 1);
	c->snapshotter = xstrdup("overlayfs");
	c->snapshot_key = xstrdup(ids[i]);
	char spec[SPEC_SIZE + 128];
	int len = snprintf(spec, sizeof(spec), spec_template, ids[i], ids[i]);
	c->has_spec = true;
	ctrfs_any_set(&c->spec, CTRFS_SPEC_TYPE_URL, spec, (size_t)len);
	snprintf(buf, sizeof(buf), "app-%zu-7d9f8b6c5d-x%04zu", i % 1000, i % 9973);
	label(c, "io.kubernetes.pod.name", buf);
	label(c, "io.kubernetes.pod.namespace", i % 3 ? "default" : "kube-system");
	snprintf(buf, sizeof(buf), "8c1e2f3a-4b5c-6d7e-8f90-%012zx", i);
	label(c, "io.kubernetes.pod.uid", buf);
	label(c, "io.kubernetes.container.name", "app");
	label(c, "io.cri-containerd.kind", "container");
	snprintf(buf, sizeof(buf), "svc-%zu", i % 10);
	label(c, "app", i % 10 == 0 ? "web" : buf); /* 10% are app=web */
	label(c, "tier", i % 2 ? "backend" : "frontend");
	snprintf(buf, sizeof(buf), "1.2.%zu", i % 100);
	label(c, "version", buf);
}

/* ---- the raw side: key -> blob ---- */

struct buf {
	unsigned char *p;
	size_t len, cap;
};

static void put_bytes(struct buf *b, const void *data, size_t n)
{
	if (b->len + n + 4 > b->cap) {
		b->cap = (b->len + n + 4) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			die("encode", "out of memory");
	}
	uint32_t l = (uint32_t)n;
	memcpy(b->p + b->len, &l, 4);
	memcpy(b->p + b->len + 4, data, n);
	b->len += 4 + n;
}

static void put_str(struct buf *b, const char *s)
{
	put_bytes(b, s ? s : "", s ? strlen(s) : 0);
}

static void encode(const ctrfs_container *c, struct buf *b)
{
	b->len = 0;
	put_str(b, c->image);
	put_str(b, c->runtime_name);
	put_str(b, c->runtime_options.type_url);
	put_bytes(b, c->runtime_options.value, c->runtime_options.value_len);
	put_str(b, c->snapshot_key);
	put_str(b, c->snapshotter);
	put_str(b, c->sandbox_id);
	put_bytes(b, &c->created_at, sizeof(c->created_at));
	put_bytes(b, &c->updated_at, sizeof(c->updated_at));
	uint32_t n = (uint32_t)c->labels.count;
	put_bytes(b, &n, 4);
	for (size_t i = 0; i < c->labels.count; i++) {
		put_str(b, c->labels.items[i].key);
		put_str(b, c->labels.items[i].value);
	}
	n = (uint32_t)c->extensions.count;
	put_bytes(b, &n, 4);
	for (size_t i = 0; i < c->extensions.count; i++) {
		put_str(b, c->extensions.items[i].name);
		put_str(b, c->extensions.items[i].any.type_url);
		put_bytes(b, c->extensions.items[i].any.value,
			  c->extensions.items[i].any.value_len);
	}
	put_str(b, c->spec.type_url);
	put_bytes(b, c->spec.value, c->spec.value_len);
}

struct reader {
	const unsigned char *p, *end;
};

static const unsigned char *take(struct reader *r, size_t *n)
{
	uint32_t l;
	if (r->end - r->p < 4)
		die("decode", "short blob");
	memcpy(&l, r->p, 4);
	if ((size_t)(r->end - r->p - 4) < l)
		die("decode", "short blob");
	const unsigned char *d = r->p + 4;
	r->p += 4 + l;
	*n = l;
	return d;
}

static char *take_str(struct reader *r)
{
	size_t n;
	const unsigned char *d = take(r, &n);
	char *s = malloc(n + 1);
	if (!s)
		die("decode", "out of memory");
	memcpy(s, d, n);
	s[n] = '\0';
	return s;
}

static unsigned char *take_bytes(struct reader *r, size_t *n)
{
	const unsigned char *d = take(r, n);
	unsigned char *s = malloc(*n + 1);
	if (!s)
		die("decode", "out of memory");
	memcpy(s, d, *n);
	return s;
}

static uint32_t take_u32(struct reader *r)
{
	size_t n;
	uint32_t v;
	memcpy(&v, take(r, &n), 4);
	return v;
}

/* Decodes a blob into `c` (every string copied, as ctrfs_container_get does). */
static void decode(const MDB_val *key, const MDB_val *v, ctrfs_container *c, bool with_spec)
{
	struct reader r = {v->mv_data, (const unsigned char *)v->mv_data + v->mv_size};
	size_t n;
	memset(c, 0, sizeof(*c));
	const char *k = key->mv_data;
	size_t nsl = strnlen(k, key->mv_size);
	c->id = strndup(k + nsl + 1, key->mv_size - nsl - 1);
	c->image = take_str(&r);
	c->runtime_name = take_str(&r);
	c->runtime_options.type_url = take_str(&r);
	c->runtime_options.value = take_bytes(&r, &c->runtime_options.value_len);
	c->has_runtime_options = true;
	c->snapshot_key = take_str(&r);
	c->snapshotter = take_str(&r);
	c->sandbox_id = take_str(&r);
	memcpy(&c->created_at, take(&r, &n), sizeof(c->created_at));
	memcpy(&c->updated_at, take(&r, &n), sizeof(c->updated_at));
	uint32_t nl = take_u32(&r);
	c->labels.items = calloc(nl ? nl : 1, sizeof(ctrfs_label));
	if (!c->labels.items)
		die("decode", "out of memory");
	c->labels.count = nl;
	for (uint32_t i = 0; i < nl; i++) {
		c->labels.items[i].key = take_str(&r);
		c->labels.items[i].value = take_str(&r);
	}
	uint32_t ne = take_u32(&r);
	c->extensions.items = calloc(ne ? ne : 1, sizeof(ctrfs_extension));
	if (!c->extensions.items)
		die("decode", "out of memory");
	c->extensions.count = ne;
	for (uint32_t i = 0; i < ne; i++) {
		c->extensions.items[i].name = take_str(&r);
		c->extensions.items[i].any.type_url = take_str(&r);
		c->extensions.items[i].any.value =
		    take_bytes(&r, &c->extensions.items[i].any.value_len);
	}
	c->has_spec = true;
	if (with_spec) {
		c->spec.type_url = take_str(&r);
		c->spec.value = take_bytes(&r, &c->spec.value_len);
	}
}

struct raw {
	MDB_env *env;
	MDB_dbi dbi;
	struct buf enc;
};

static void raw_open(struct raw *r, const char *dir, bool sync)
{
	memset(r, 0, sizeof(*r));
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		die(dir, strerror(errno));
	mdb_check(mdb_env_create(&r->env), "mdb_env_create");
	mdb_check(mdb_env_set_mapsize(r->env, RAW_MAP_SIZE), "mdb_env_set_mapsize");
	mdb_check(mdb_env_open(r->env, dir, MDB_NOTLS | (sync ? 0 : MDB_NOSYNC), 0600),
		  "mdb_env_open");
	MDB_txn *t;
	mdb_check(mdb_txn_begin(r->env, NULL, 0, &t), "mdb_txn_begin");
	mdb_check(mdb_dbi_open(t, NULL, 0, &r->dbi), "mdb_dbi_open");
	mdb_check(mdb_txn_commit(t), "mdb_txn_commit");
}

static void raw_close(struct raw *r)
{
	mdb_env_close(r->env);
	free(r->enc.p);
}

static MDB_val raw_key(const char *id, char *buf)
{
	size_t nl = strlen(NS), il = strlen(id);
	memcpy(buf, NS, nl + 1);
	memcpy(buf + nl + 1, id, il);
	return (MDB_val){nl + 1 + il, buf};
}

static void raw_create(struct raw *r, ctrfs_container *c)
{
	char kb[160];
	MDB_val k = raw_key(c->id, kb);
	c->created_at = c->updated_at = ctrfs_time_now();
	encode(c, &r->enc);
	MDB_val v = {r->enc.len, r->enc.p};
	MDB_txn *t;
	mdb_check(mdb_txn_begin(r->env, NULL, 0, &t), "raw create begin");
	int rc = mdb_put(t, r->dbi, &k, &v, MDB_NOOVERWRITE);
	if (rc == MDB_KEYEXIST)
		die("raw create", "already exists");
	mdb_check(rc, "raw put");
	mdb_check(mdb_txn_commit(t), "raw create commit");
}

static void raw_get(struct raw *r, const char *id, ctrfs_container *out)
{
	char kb[160];
	MDB_val k = raw_key(id, kb), v;
	MDB_txn *t;
	mdb_check(mdb_txn_begin(r->env, NULL, MDB_RDONLY, &t), "raw get begin");
	mdb_check(mdb_get(t, r->dbi, &k, &v), "raw get");
	decode(&k, &v, out, true);
	mdb_txn_abort(t);
}

static void raw_label(struct raw *r, const char *id, const char *key, const char *value)
{
	char kb[160];
	MDB_val k = raw_key(id, kb), v;
	MDB_txn *t;
	ctrfs_container c;
	mdb_check(mdb_txn_begin(r->env, NULL, 0, &t), "raw update begin");
	mdb_check(mdb_get(t, r->dbi, &k, &v), "raw update get");
	decode(&k, &v, &c, true);
	if (ctrfs_labels_set(&c.labels, key, value))
		die("raw update", "out of memory");
	c.updated_at = ctrfs_time_now();
	encode(&c, &r->enc);
	v = (MDB_val){r->enc.len, r->enc.p};
	mdb_check(mdb_put(t, r->dbi, &k, &v, 0), "raw update put");
	mdb_check(mdb_txn_commit(t), "raw update commit");
	ctrfs_container_clear(&c);
}

/* The containers of NS whose label app is "web", decoded without their spec. */
static size_t raw_list_web(struct raw *r)
{
	char kb[160];
	MDB_val prefix = raw_key("", kb), k = prefix, v;
	MDB_txn *t;
	MDB_cursor *cur;
	size_t n = 0, cap = 1024;
	ctrfs_container *list = malloc(cap * sizeof(*list));
	if (!list)
		die("raw list", "out of memory");
	mdb_check(mdb_txn_begin(r->env, NULL, MDB_RDONLY, &t), "raw list begin");
	mdb_check(mdb_cursor_open(t, r->dbi, &cur), "raw cursor");
	for (int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < prefix.mv_size || memcmp(k.mv_data, prefix.mv_data, prefix.mv_size))
			break;
		if (n == cap && !(list = realloc(list, (cap *= 2) * sizeof(*list))))
			die("raw list", "out of memory");
		decode(&k, &v, &list[n], false);
		const char *app = ctrfs_labels_get(&list[n].labels, "app");
		if (app && strcmp(app, "web") == 0)
			n++;
		else
			ctrfs_container_clear(&list[n]);
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(t);
	ctrfs_container_list_free(list, n);
	return n;
}

/* ---- the ctrfs side ---- */

static ctrfs_store *ctrfs_open(const char *dir, bool sync)
{
	ctrfs_store *s;
	ctrfs_error err;
	ctrfs_open_options o = {.no_sync = !sync};
	check(ctrfs_store_open(dir, &o, &s, &err), &err, dir);
	return s;
}

static size_t ctrfs_list_web(ctrfs_store *s)
{
	const char *filter = "labels.app==web";
	ctrfs_container *list;
	size_t n;
	ctrfs_error err;
	check(ctrfs_container_list(s, NS, &filter, 1, 0, &list, &n, &err), &err, "list");
	ctrfs_container_list_free(list, n);
	return n;
}

/* ---- measurement and report ---- */

struct row {
	size_t n;
	const char *op;
	size_t ops;
	double ctrfs_s, raw_s;
};

static struct row rows[64];
static size_t nrows;
struct size_row {
	size_t n;
	double ctrfs_bytes, raw_bytes; /* allocated bytes per container */
	double ctrfs_file, raw_file;   /* file size per container */
};
static struct size_row sizes[16];
static size_t nsizes;

static void record(size_t n, const char *op, size_t ops, double c, double r)
{
	rows[nrows++] = (struct row){n, op, ops, c, r};
	printf("%-8zu %-22s %11.2f %12.0f %11.2f %12.0f %9.2f\n", n, op, c / (double)ops * 1e6,
	       (double)ops / c, r / (double)ops * 1e6, (double)ops / r, c / r);
	fflush(stdout);
}

static void data_size(const char *dir, double *alloc, double *file)
{
	char *path = path_of(dir, "data.mdb");
	struct stat st;
	if (stat(path, &st) < 0)
		die(path, strerror(errno));
	*alloc = (double)st.st_blocks * 512;
	*file = (double)st.st_size;
	free(path);
}

/* Removes a store directory and frees its name. */
static void rm_store(char *dir)
{
	char *data = path_of(dir, "data.mdb"), *lock = path_of(dir, "lock.mdb");
	unlink(data);
	unlink(lock);
	rmdir(dir);
	free(data);
	free(lock);
	free(dir);
}

/* create only, fsync'd at every commit on both sides */
static void bench_create_sync(const char *base, size_t n)
{
	char *cdir = path_of(base, "sync-ctrfs"), *rdir = path_of(base, "sync-raw");
	ctrfs_store *s = ctrfs_open(cdir, true);
	struct raw raw;
	raw_open(&raw, rdir, true);
	ctrfs_error err;
	double t0 = now();
	for (size_t i = 0; i < n; i++) {
		ctrfs_container c;
		make_container(i, &c);
		check(ctrfs_container_create(s, NS, &c, NULL, &err), &err, "create");
		ctrfs_container_clear(&c);
	}
	double tc = now() - t0;
	t0 = now();
	for (size_t i = 0; i < n; i++) {
		ctrfs_container c;
		make_container(i, &c);
		raw_create(&raw, &c);
		ctrfs_container_clear(&c);
	}
	double tr = now() - t0;
	/* make_container's own cost is in both figures alike */
	record(n, "create (fsync)", n, tc, tr);
	ctrfs_store_close(s);
	raw_close(&raw);
	rm_store(cdir);
	rm_store(rdir);
}

static void bench(const char *base, size_t n)
{
	char name[64];
	snprintf(name, sizeof(name), "ctrfs-%zu", n);
	char *cdir = path_of(base, name);
	snprintf(name, sizeof(name), "raw-%zu", n);
	char *rdir = path_of(base, name);
	ctrfs_store *s = ctrfs_open(cdir, false);
	struct raw raw;
	raw_open(&raw, rdir, false);
	ctrfs_error err;

	/* the containers are built outside the timed loops */
	ctrfs_container *cs = calloc(n, sizeof(*cs));
	if (!cs)
		die("containers", "out of memory");
	for (size_t i = 0; i < n; i++)
		make_container(i, &cs[i]);

	double t0 = now();
	for (size_t i = 0; i < n; i++)
		check(ctrfs_container_create(s, NS, &cs[i], NULL, &err), &err, "create");
	double tc = now() - t0;
	t0 = now();
	for (size_t i = 0; i < n; i++)
		raw_create(&raw, &cs[i]);
	double tr = now() - t0;
	record(n, "create", n, tc, tr);
	struct size_row sz = {n, 0, 0, 0, 0};
	data_size(cdir, &sz.ctrfs_bytes, &sz.ctrfs_file);
	data_size(rdir, &sz.raw_bytes, &sz.raw_file);
	sz.ctrfs_bytes /= (double)n;
	sz.raw_bytes /= (double)n;
	sz.ctrfs_file /= (double)n;
	sz.raw_file /= (double)n;
	sizes[nsizes++] = sz;
	ctrfs_container_list_free(cs, n);

	size_t *order = malloc(n * sizeof(*order));
	if (!order)
		die("order", "out of memory");
	rng_state = 0x2545F4914F6CDD1DULL + n;
	for (size_t i = 0; i < n; i++)
		order[i] = rnd() % n;

	t0 = now();
	for (size_t i = 0; i < n; i++) {
		ctrfs_container c;
		check(ctrfs_container_get(s, NS, ids[order[i]], CTRFS_LOAD_ALL, &c, &err), &err,
		      "get");
		ctrfs_container_clear(&c);
	}
	tc = now() - t0;
	t0 = now();
	for (size_t i = 0; i < n; i++) {
		ctrfs_container c;
		raw_get(&raw, ids[order[i]], &c);
		ctrfs_container_clear(&c);
	}
	tr = now() - t0;
	record(n, "get", n, tc, tr);

	char value[32];
	t0 = now();
	for (size_t i = 0; i < n; i++) {
		snprintf(value, sizeof(value), "v%zu", i);
		ctrfs_label l = {"bench", value};
		ctrfs_container c = {.id = ids[order[(i * 7) % n]], .labels = {1, &l}};
		const char *path = "labels.bench";
		check(ctrfs_container_update(s, NS, &c, &path, 1, NULL, &err), &err, "update");
	}
	tc = now() - t0;
	t0 = now();
	for (size_t i = 0; i < n; i++) {
		snprintf(value, sizeof(value), "v%zu", i);
		raw_label(&raw, ids[order[(i * 7) % n]], "bench", value);
	}
	tr = now() - t0;
	record(n, "label update", n, tc, tr);

	size_t lists = n >= 100000 ? 5 : n >= 10000 ? 20 : 50, matched = 0, rmatched = 0;
	t0 = now();
	for (size_t i = 0; i < lists; i++)
		matched = ctrfs_list_web(s);
	tc = now() - t0;
	t0 = now();
	for (size_t i = 0; i < lists; i++)
		rmatched = raw_list_web(&raw);
	tr = now() - t0;
	if (matched != rmatched || matched != (n + 9) / 10)
		die("list", "the two sides disagree on labels.app==web");
	char op[64];
	snprintf(op, sizeof(op), "list app==web (%zu)", matched);
	static char ops[16][64];
	static size_t nops;
	snprintf(ops[nops], sizeof(ops[nops]), "%s", op);
	record(n, ops[nops++], lists, tc, tr);

	free(order);
	ctrfs_store_close(s);
	raw_close(&raw);
	rm_store(cdir);
	rm_store(rdir);
}

static void print_json(FILE *f, const char *sync_note)
{
	fprintf(f,
		"{\"benchmark\": \"ctrfs-store-bench\", \"spec_bytes\": %d, \"labels\": 8, "
		"\"sync\": \"%s\", \"results\": [",
		SPEC_SIZE, sync_note);
	for (size_t i = 0; i < nrows; i++) {
		const struct row *r = &rows[i];
		fprintf(f,
			"%s\n  {\"n\": %zu, \"op\": \"%s\", \"ops\": %zu, "
			"\"ctrfs_us_per_op\": %.3f, \"ctrfs_ops_per_s\": %.1f, "
			"\"raw_us_per_op\": %.3f, \"raw_ops_per_s\": %.1f, \"ratio\": %.3f}",
			i ? "," : "", r->n, r->op, r->ops, r->ctrfs_s / (double)r->ops * 1e6,
			(double)r->ops / r->ctrfs_s, r->raw_s / (double)r->ops * 1e6,
			(double)r->ops / r->raw_s, r->ctrfs_s / r->raw_s);
	}
	fprintf(f, "],\n \"bytes_per_container\": [");
	for (size_t i = 0; i < nsizes; i++)
		fprintf(f,
			"%s\n  {\"n\": %zu, \"ctrfs_allocated\": %.0f, \"raw_allocated\": %.0f, "
			"\"ctrfs_file\": %.0f, \"raw_file\": %.0f, \"ratio\": %.3f}",
			i ? "," : "", sizes[i].n, sizes[i].ctrfs_bytes, sizes[i].raw_bytes,
			sizes[i].ctrfs_file, sizes[i].raw_file,
			sizes[i].ctrfs_bytes / sizes[i].raw_bytes);
	fprintf(f, "]}\n");
}

static void usage(void)
{
	fputs("usage: ctrfs-store-bench [-d DIR] [-j JSON_FILE] [-s SYNC_N] [N...]\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *json = NULL;
	long sync_n = -1;
	int o;
	while ((o = getopt(argc, argv, "d:j:s:h")) != -1) {
		switch (o) {
		case 'd':
			dir = optarg;
			break;
		case 'j':
			json = optarg;
			break;
		case 's':
			sync_n = atol(optarg);
			break;
		default:
			usage();
		}
	}
	size_t ns[16], nn = 0;
	for (int i = optind; i < argc && nn < 16; i++) {
		char *end;
		long v = strtol(argv[i], &end, 10);
		if (*end || v < 10)
			usage();
		ns[nn++] = (size_t)v;
	}
	if (!nn) {
		ns[nn++] = 10000;
		ns[nn++] = 100000;
	}
	char tmpl[4096];
	if (!dir) {
		const char *tmp = getenv("TMPDIR");
		snprintf(tmpl, sizeof(tmpl), "%s/ctrfs-bench.XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(tmpl))
			die(tmpl, strerror(errno));
		dir = tmpl;
	} else if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		die(dir, strerror(errno));
	}
	size_t maxn = 0;
	for (size_t i = 0; i < nn; i++)
		maxn = ns[i] > maxn ? ns[i] : maxn;
	if (sync_n < 0)
		sync_n = (long)(ns[0] < 10000 ? ns[0] : 10000);
	if ((size_t)sync_n > maxn)
		maxn = (size_t)sync_n;
	make_spec_template();
	ids = malloc(maxn * sizeof(*ids));
	for (size_t i = 0; i < maxn; i++)
		ids[i] = make_id(i);

	const char *sync_note = "MDB_NOSYNC on both sides (ctrfs: no_sync); the 'create "
				"(fsync)' row fsyncs every commit on both sides";
	printf("ctrfs store vs raw LMDB (key -> blob): 8 labels, %d-byte OCI spec per container,"
	       " one transaction per operation\n%s\nstores in %s\n\n",
	       SPEC_SIZE, sync_note, dir);
	printf("%-8s %-22s %11s %12s %11s %12s %9s\n", "N", "operation", "ctrfs us/op",
	       "ctrfs ops/s", "raw us/op", "raw ops/s", "ctrfs/raw");
	for (size_t i = 0; i < nn; i++)
		bench(dir, ns[i]);
	if (sync_n > 0)
		bench_create_sync(dir, (size_t)sync_n);
	printf("\n%-8s %-22s %11s %12s %11s %12s %9s\n", "N", "database size", "ctrfs B/ctr", "",
	       "raw B/ctr", "", "ctrfs/raw");
	for (size_t i = 0; i < nsizes; i++)
		printf("%-8zu %-22s %11.0f %12s %11.0f %12s %9.2f\n", sizes[i].n,
		       "data.mdb (allocated)", sizes[i].ctrfs_bytes, "", sizes[i].raw_bytes, "",
		       sizes[i].ctrfs_bytes / sizes[i].raw_bytes);
	printf("(list rows: one op = one list of all N containers; ctrfs's size includes its "
	       "change log, one event per change)\n\n");
	if (json) {
		FILE *f = fopen(json, "w");
		if (!f)
			die(json, strerror(errno));
		print_json(f, sync_note);
		fclose(f);
		printf("JSON summary written to %s\n", json);
	} else {
		print_json(stdout, sync_note);
	}
	if (dir == tmpl)
		rmdir(dir);
	for (size_t i = 0; i < maxn; i++)
		free(ids[i]);
	free(ids);
	return 0;
}

/*
 * libFuzzer target: a hostile store. The input is a list of records written with raw
 * LMDB into a store's tables (replacing what the last input left), then read back
 * through the real read paths: check, namespace and container get/list (rendered as
 * container.json), the change log (each event as its JSON line).
 *
 * Input: records of  u8 table, u8 key, u16 LE value length, value bytes.
 *   table % 6: namespaces, containers, spec, labels, extensions, events.
 *   key 0xff: u8 length and that many raw key bytes follow; else one of the fixed keys
 *   of the table (so that the parts of one container meet), an event's seq key + 1.
 *   A value length past the end takes what is left.
 * fuzz/store_seeds.py turns a real store into such records (fuzz/corpus/store).
 */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "info_json.h"
#include "json_text.h"

/* Not assert(): the invariants must hold in every build, NDEBUG or not. */
#define REQUIRE(cond)                                                                              \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const enum db_table tables[] = {DB_NS, DB_CTR, DB_SPEC, DB_LABELS, DB_EXT, DB_EVENTS};
#define NTABLES (sizeof(tables) / sizeof(tables[0]))

static const char *const namespaces[] = {"default", "k8s.io", "team-b"};
static const char *const ids[] = {"a-web", "a-db", "redis"};
#define NNS (sizeof(namespaces) / sizeof(namespaces[0]))
#define NIDS (sizeof(ids) / sizeof(ids[0]))

static ctrfs_store *store;
static char dir[256];

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void remove_store(void)
{
	ctrfs_store_close(store);
	store = NULL;
	nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	const char *base = getenv("CTRFS_FUZZ_TMP");
	if (!base)
		base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(dir, sizeof(dir), "%s/ctrfs-fuzz-store-XXXXXX", base);
	ctrfs_error err;
	ctrfs_open_options o = {.no_sync = true, .map_size = 64 << 20};
	if (!mkdtemp(dir) || ctrfs_store_open(dir, &o, &store, &err)) {
		fprintf(stderr, "fuzz_store: cannot make a store in %s\n", dir);
		exit(1);
	}
	atexit(remove_store);
	return 0;
}

/* Replaces the tables' contents by the input's records; false if LMDB refused them all
 * (a map full of one huge input, say). */
static bool write_records(const uint8_t *p, size_t left)
{
	MDB_txn *txn;
	REQUIRE(mdb_txn_begin(store->env, NULL, 0, &txn) == 0);
	for (size_t i = 0; i < NTABLES; i++)
		REQUIRE(mdb_drop(txn, store->dbi[tables[i]], 0) == 0);
	while (left >= 4) {
		enum db_table tb = tables[p[0] % NTABLES];
		uint8_t keysel = p[1];
		size_t vlen = (size_t)p[2] | (size_t)p[3] << 8;
		p += 4, left -= 4;
		char fixed[2 * CTRFS_IDENTIFIER_MAX + 2];
		MDB_val k, v;
		if (keysel == 0xff) {
			size_t klen = left ? p[0] : 0;
			if (left)
				p++, left--;
			if (klen > left)
				klen = left;
			k.mv_data = (void *)p, k.mv_size = klen;
			p += klen, left -= klen;
		} else if (tb == DB_NS) {
			k.mv_data = (void *)namespaces[keysel % NNS];
			k.mv_size = strlen(k.mv_data);
		} else if (tb == DB_EVENTS) {
			memset(fixed, 0, 8);
			fixed[7] = (char)(keysel + 1);
			k.mv_data = fixed, k.mv_size = 8;
		} else {
			const char *ns = namespaces[keysel % NNS], *id = ids[keysel / NNS % NIDS];
			size_t nl = strlen(ns), il = strlen(id);
			memcpy(fixed, ns, nl + 1);
			memcpy(fixed + nl + 1, id, il);
			k.mv_data = fixed, k.mv_size = nl + 1 + il;
		}
		if (vlen > left)
			vlen = left;
		v.mv_data = (void *)p, v.mv_size = vlen;
		p += vlen, left -= vlen;
		/* empty or over-long keys are refused by LMDB itself: such records cannot be */
		if (k.mv_size && k.mv_size <= (size_t)mdb_env_get_maxkeysize(store->env))
			(void)mdb_put(txn, store->dbi[tb], &k, &v, 0);
	}
	if (mdb_txn_commit(txn) != 0)
		return false;
	return true;
}

static void report(void *arg, const char *problem)
{
	(void)arg;
	REQUIRE(problem && problem[0]);
}

/* What a file of the mount shows of a container: valid JSON, whatever the records held. */
static void render(const ctrfs_container *c)
{
	struct strbuf sb = STRBUF_INIT;
	info_json_write(&sb, c, "");
	REQUIRE(!sb.oom && json_text_is_json(sb.buf, sb.len));
	strbuf_release(&sb);
}

static void containers(const char *ns)
{
	static const char *const filters[] = {"labels.a==b", "image~=fixture,runtime.name==x"};
	ctrfs_container *list;
	size_t n;
	ctrfs_error err;
	if (!ctrfs_container_list(store, ns, NULL, 0, CTRFS_LOAD_ALL, &list, &n, &err)) {
		for (size_t i = 0; i < n; i++)
			render(&list[i]);
		ctrfs_container_list_free(list, n);
	}
	if (!ctrfs_container_list(store, ns, filters, 2, 0, &list, &n, &err))
		ctrfs_container_list_free(list, n);
	for (size_t i = 0; i < NIDS; i++) {
		ctrfs_container c;
		if (!ctrfs_container_get(store, ns, ids[i], CTRFS_LOAD_ALL, &c, &err)) {
			render(&c);
			ctrfs_container_clear(&c);
		}
	}
}

/* Each event is one line of .events: one JSON object, no newline. */
static int event_line(const ctrfs_event *ev, void *arg)
{
	size_t *count = arg;
	char *line = ctrfs_event_json(ev);
	REQUIRE(line);
	REQUIRE(!strchr(line, '\n'));
	REQUIRE(json_text_is_json(line, strlen(line)));
	free(line);
	(*count)++;
	return 0;
}

static void events(void)
{
	static const char *const filters[] = {"topic==/containers/update",
					      "namespace==default,event.id==a-web"};
	ctrfs_error err;
	uint64_t first, last;
	size_t count = 0;
	REQUIRE(ctrfs_events_first_seq(store, &first, &err) == CTRFS_OK);
	REQUIRE(ctrfs_events_last_seq(store, &last, &err) == CTRFS_OK);
	/* (first <= last only holds for 8-byte keys: a shorter one sorts after, its
	 * seq read from fewer bytes; check reports such keys as malformed) */
	ctrfs_events_read(store, 0, NULL, 0, event_line, &count, &err);
	ctrfs_events_read(store, first, filters, 2, event_line, &count, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ctrfs_error err;
	size_t problems = 0;
	if (!write_records(data, size))
		return 0;
	REQUIRE(ctrfs_store_check(store, report, NULL, &problems, &err) == CTRFS_OK);

	ctrfs_namespace *nss;
	size_t n;
	if (!ctrfs_namespace_list(store, &nss, &n, &err)) {
		for (size_t i = 0; i < n; i++)
			containers(nss[i].name);
		ctrfs_namespace_list_free(nss, n);
	}
	for (size_t i = 0; i < NNS; i++) {
		ctrfs_namespace ns;
		if (!ctrfs_namespace_get(store, namespaces[i], &ns, &err))
			ctrfs_namespace_clear(&ns);
		containers(namespaces[i]);
	}
	events();
	return 0;
}

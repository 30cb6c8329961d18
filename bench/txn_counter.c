/* LD_PRELOAD into a process to count what it asks of LMDB and jansson: read and write
 * transactions begun, JSON documents parsed. bench/fs_bench.py preloads it into ctrfs
 * to print, beside each build, what one label write through the mount costs. The
 * counts are written to $CTRFS_COUNT_FILE ("reads writes parses") on SIGUSR2 and at
 * exit. Not linked into anything. */
#include <dlfcn.h>
#include <jansson.h>
#include <lmdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

static unsigned long reads, writes, parses;

static void dump(void)
{
	const char *path = getenv("CTRFS_COUNT_FILE");
	FILE *f = path ? fopen(path, "w") : NULL;
	if (!f)
		return;
	fprintf(f, "%lu %lu %lu\n", __atomic_load_n(&reads, __ATOMIC_RELAXED),
		__atomic_load_n(&writes, __ATOMIC_RELAXED),
		__atomic_load_n(&parses, __ATOMIC_RELAXED));
	fclose(f);
}

static void on_signal(int sig)
{
	(void)sig;
	dump(); /* the benchmark waits for the file: fine outside async-signal rules here */
}

__attribute__((constructor)) static void start(void)
{
	atexit(dump);
	signal(SIGUSR2, on_signal);
}

/* The real function, found once. */
#define REAL(name)                                                                                 \
	static __typeof__(name) *real_##name;                                                      \
	if (!real_##name)                                                                          \
	real_##name = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)

int mdb_txn_begin(MDB_env *env, MDB_txn *parent, unsigned int flags, MDB_txn **txn)
{
	REAL(mdb_txn_begin);
	__atomic_add_fetch(flags & MDB_RDONLY ? &reads : &writes, 1, __ATOMIC_RELAXED);
	return real_mdb_txn_begin(env, parent, flags, txn);
}

int mdb_txn_renew(MDB_txn *txn)
{
	REAL(mdb_txn_renew);
	__atomic_add_fetch(&reads, 1, __ATOMIC_RELAXED);
	return real_mdb_txn_renew(txn);
}

json_t *json_loads(const char *input, size_t flags, json_error_t *error)
{
	REAL(json_loads);
	__atomic_add_fetch(&parses, 1, __ATOMIC_RELAXED);
	return real_json_loads(input, flags, error);
}

json_t *json_loadb(const char *buffer, size_t buflen, size_t flags, json_error_t *error)
{
	REAL(json_loadb);
	__atomic_add_fetch(&parses, 1, __ATOMIC_RELAXED);
	return real_json_loadb(buffer, buflen, flags, error);
}

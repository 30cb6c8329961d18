/*
 * Watchers: processes that cache what they read from a store (ctrfs mounts), and the
 * handshake by which every write waits until they have seen it.
 *
 * A watcher listens on a Unix socket in the store directory, watch-<pid>.sock, and
 * records its pid in the meta table ("watch/<pid>" -> socket path; the path is only
 * informative: the socket is always looked for by the name built from the pid, never
 * at a path read from the store). A write reads those records inside its
 * transaction (one cursor seek: nothing to do when there are none) and, once it has
 * committed, connects to each socket and waits for one byte. The watcher accepts,
 * catches up with the change log (which holds the write: it was committed before the
 * connection) and only then answers. So when a write returns, every mount has told
 * its kernel what to forget, and the writer's next `cat`, `ls` or `stat` sees the
 * change through any mount, whichever process wrote it.
 *
 * A watcher that is gone (killed: its socket refuses) costs one failed connect until
 * the next watcher to register drops its record. One that does not answer within
 * CTRFS_WATCH_TIMEOUT_MS (stopped, stuck) is not waited for again by this store handle:
 * a writer is never held up by a watcher for longer than that, once.
 *
 * The handshake is the store's post-commit hook (commit_hook.h): db_write collects the
 * records before its commit and waits after it, knowing nothing of sockets.
 */
#include "commit_hook.h"

#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "error.h"

#define WATCH_PREFIX "watch/"

/* Watchers a write waits for; more are not waited for. */
#define WATCH_MAX 16

struct watcher {
	pid_t pid;
	char path[108]; /* sizeof(sockaddr_un.sun_path) */
};

struct watchers {
	size_t n;
	struct watcher v[WATCH_MAX];
};

/* A store handle's: this process's watcher socket, and the watchers it stopped waiting
 * for. */
struct watch {
	pthread_mutex_t lock;
	char *path;
	pid_t skip[WATCH_MAX];
	size_t nskip;
};

struct watch *watch_new(void)
{
	struct watch *w = calloc(1, sizeof(*w));
	if (w)
		pthread_mutex_init(&w->lock, NULL);
	return w;
}

void watch_free(struct watch *w)
{
	if (!w)
		return;
	pthread_mutex_destroy(&w->lock);
	free(w->path);
	free(w);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool prefixed(const MDB_val *k)
{
	return k->mv_size > strlen(WATCH_PREFIX) &&
	       memcmp(k->mv_data, WATCH_PREFIX, strlen(WATCH_PREFIX)) == 0;
}

static bool given_up(ctrfs_store *s, pid_t pid)
{
	struct watch *w = s->watch;
	bool found = false;
	pthread_mutex_lock(&w->lock);
	for (size_t i = 0; i < w->nskip && !found; i++)
		found = w->skip[i] == pid;
	pthread_mutex_unlock(&w->lock);
	return found;
}

static void give_up(ctrfs_store *s, pid_t pid)
{
	struct watch *w = s->watch;
	pthread_mutex_lock(&w->lock);
	if (w->nskip < WATCH_MAX)
		w->skip[w->nskip++] = pid;
	pthread_mutex_unlock(&w->lock);
}

/* The socket of watcher `pid` of store s, in its store directory. The path recorded
 * with the pid is never used: whoever can write the store could record any path, and
 * root would then connect to it, or unlink it once it refused. false if too long. */
static bool socket_path_of(const ctrfs_store *s, pid_t pid, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/watch-%ld.sock", s->path, (long)pid);
	return n > 0 && (size_t)n < size;
}

/* The pid of a record's key "watch/<pid>": a positive decimal number, else 0. */
static pid_t record_pid(const MDB_val *k)
{
	const char *p = (const char *)k->mv_data + strlen(WATCH_PREFIX);
	size_t n = k->mv_size - strlen(WATCH_PREFIX);
	long long pid = 0;
	if (n == 0 || n > 10)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return 0;
		pid = pid * 10 + (p[i] - '0');
	}
	return pid > 0 && pid <= INT32_MAX ? (pid_t)pid : 0;
}

/* The records as they are in transaction t: every one when `all`, else those to wait
 * for (not this process, not given up on). */
static void collect(struct db_txn *t, struct watchers *w, bool all)
{
	MDB_cursor *cur;
	MDB_val k = {strlen(WATCH_PREFIX), (void *)WATCH_PREFIX}, v;
	w->n = 0;
	if (mdb_cursor_open(t->txn, t->store->dbi[DB_META], &cur))
		return;
	pid_t self = getpid();
	for (int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	     !rc && prefixed(&k) && w->n < WATCH_MAX; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct watcher *e = &w->v[w->n];
		e->pid = record_pid(&k);
		if (!e->pid || !socket_path_of(t->store, e->pid, e->path, sizeof(e->path)))
			continue; /* not a record this version wrote */
		if (all || (e->pid != self && !given_up(t->store, e->pid)))
			w->n++;
	}
	mdb_cursor_close(cur);
}

/* Removes a watcher socket left behind, and nothing else: whatever else is found at
 * that path (put there by someone who can write the store dir) stays. */
static void remove_socket(const char *path)
{
	struct stat st;
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
}

/* The hook's first half: the watchers to wait for, malloc'd, or NULL when none. */
static void *before_commit(struct db_txn *t)
{
	struct watchers w;
	collect(t, &w, false);
	if (!w.n)
		return NULL;
	struct watchers *note = malloc(sizeof(*note));
	if (note)
		*note = w; /* out of memory: this write does not wait (as for a 17th watcher) */
	return note;
}

/* A connection to watcher e, or -1 with errno: ECONNREFUSED or ENOENT when it is gone
 * (nobody listens, or its socket was removed), EAGAIN when it cannot take one now. */
static int reach(const struct watcher *e)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(e->path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, e->path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

static void wait_for(ctrfs_store *s, const struct watchers *w)
{
	struct pollfd p[WATCH_MAX];
	pid_t pid[WATCH_MAX];
	size_t n = 0;
	for (size_t i = 0; i < w->n; i++) {
		int fd = reach(&w->v[i]);
		if (fd >= 0) {
			pid[n] = w->v[i].pid;
			p[n++] = (struct pollfd){.fd = fd, .events = POLLIN};
		}
	}
	int64_t end = now_ms() + CTRFS_WATCH_TIMEOUT_MS;
	for (size_t left = n; left;) {
		int64_t wait = end - now_ms();
		int rc = wait > 0 ? poll(p, n, (int)wait) : 0;
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			break;
		for (size_t i = 0; i < n; i++) {
			if (p[i].fd >= 0 && p[i].revents) {
				close(p[i].fd); /* its byte, or its end: either way done */
				p[i].fd = -1;
				left--;
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (p[i].fd >= 0) { /* no answer in time */
			close(p[i].fd);
			give_up(s, pid[i]);
		}
	}
}

static void after_commit(ctrfs_store *s, void *note, bool committed)
{
	if (committed)
		wait_for(s, note);
	free(note);
}

const struct commit_hook watch_commit_hook = {before_commit, after_commit};

/* The path of this process's socket: in the store directory, so that only who may
 * open the store (0700) may connect. */
static char *socket_path(ctrfs_store *s)
{
	char *path;
	if (asprintf(&path, "%s/watch-%ld.sock", s->path, (long)getpid()) < 0)
		return NULL;
	return path;
}

struct registration {
	const char *path;
	struct watchers gone;
	bool add;
};

/* Drops the record of process pid, if there is one. */
static ctrfs_code drop_record(struct db_txn *t, pid_t pid, ctrfs_error *err)
{
	char key[64];
	snprintf(key, sizeof(key), WATCH_PREFIX "%ld", (long)pid);
	ctrfs_code code = db_del(t, DB_META, key, strlen(key), err);
	return code == CTRFS_NOT_FOUND ? CTRFS_OK : code;
}

static ctrfs_code registration_txn(struct db_txn *t, void *arg, ctrfs_error *err)
{
	struct registration *r = arg;
	for (size_t i = 0; i < r->gone.n; i++) {
		ctrfs_code code = drop_record(t, r->gone.v[i].pid, err);
		if (code)
			return code;
	}
	if (!r->add)
		return drop_record(t, getpid(), err);
	char key[64];
	snprintf(key, sizeof(key), WATCH_PREFIX "%ld", (long)getpid());
	return db_put(t, DB_META, key, strlen(key), r->path, strlen(r->path), err);
}

/* The records of watchers that are gone (their sockets refuse). */
static ctrfs_code find_gone(ctrfs_store *s, struct watchers *gone, ctrfs_error *err)
{
	struct db_txn t;
	struct watchers all;
	ctrfs_code code = db_read_begin(s, &t, err);
	if (code)
		return code;
	collect(&t, &all, true);
	db_read_end(&t);
	gone->n = 0;
	for (size_t i = 0; i < all.n; i++) {
		if (all.v[i].pid == getpid())
			continue;
		int fd = reach(&all.v[i]);
		if (fd >= 0)
			close(fd); /* alive: it answers a closed connection, harmlessly */
		else if (errno == ECONNREFUSED || errno == ENOENT)
			gone->v[gone->n++] = all.v[i];
	}
	return CTRFS_OK;
}

ctrfs_code ctrfs_store_watch(ctrfs_store *s, int *out, ctrfs_error *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct registration r = {.add = true};
	char *path = socket_path(s);
	*out = -1;
	if (!path)
		return ctrfs_fail_oom(err);
	if (strlen(path) >= sizeof(sa.sun_path)) {
		ctrfs_code code = ctrfs_fail_sys(err, CTRFS_UNAVAILABLE, ENAMETOOLONG,
						 "%s: socket path too long", path);
		free(path);
		return code;
	}
	strcpy(sa.sun_path, path);
	remove_socket(path); /* a dead process's of the same pid */
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 128) < 0) {
		ctrfs_code code =
		    ctrfs_fail_sys(err, CTRFS_UNAVAILABLE, errno, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		remove_socket(path);
		free(path);
		return code;
	}
	r.path = path;
	ctrfs_code code = find_gone(s, &r.gone, err);
	if (!code)
		code = db_write(s, registration_txn, &r, err);
	if (code) {
		close(fd);
		remove_socket(path);
		free(path);
		return code;
	}
	for (size_t i = 0; i < r.gone.n; i++)
		remove_socket(r.gone.v[i].path);
	pthread_mutex_lock(&s->watch->lock);
	free(s->watch->path);
	s->watch->path = path;
	pthread_mutex_unlock(&s->watch->lock);
	*out = fd;
	return CTRFS_OK;
}

void ctrfs_store_unwatch(ctrfs_store *s, int fd)
{
	struct registration r = {.add = false};
	ctrfs_error err;
	if (fd >= 0)
		close(fd);
	pthread_mutex_lock(&s->watch->lock);
	char *path = s->watch->path;
	s->watch->path = NULL;
	pthread_mutex_unlock(&s->watch->lock);
	if (!path)
		return;
	/* the socket first: writers meanwhile find it gone, and do not wait */
	remove_socket(path);
	/* a read-only or full store keeps the record: the next watcher drops it */
	db_write(s, registration_txn, &r, &err);
	free(path);
}

size_t ctrfs_watch_accept(int fd, int *writers, size_t max)
{
	size_t n = 0;
	while (n < max) {
		int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (c < 0) {
			if (errno == EINTR)
				continue;
			break; /* EAGAIN: none left */
		}
		writers[n++] = c;
	}
	return n;
}

void ctrfs_watch_answer(const int *writers, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		/* MSG_NOSIGNAL: a writer that went away is no reason to die */
		if (send(writers[i], "", 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
			/* gone, or it gave up: nothing to tell it */
		}
		close(writers[i]);
	}
}

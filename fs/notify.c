/*
 * Freshness: the one path by which a change in the store reaches the kernel's caches.
 * The kernel keeps entries, attributes, pages and listings for an hour; this file is
 * what makes that safe. The protocol:
 *
 * WHO CHANGES THE STORE. This daemon's requests; other processes (ctrfsctl, programs
 * linking the library, other mounts); containerd, when bound (follow.c writes its
 * changes through this daemon's store handle). Every commit appends its event to the
 * change log in the same transaction.
 *
 * WHAT WAKES THE NOTIFIER (one thread, run()):
 *   1. its watcher socket: every other process's write connects once committed and
 *      waits for our one-byte answer (store/watch.c): the answer is sent only after
 *      the change is invalidated;
 *   2. the kick (an eventfd): notify_sync (a request of ours committed), the end of
 *      our requests (notify_own_end), an .events reader, a rename's entry to expire;
 *   3. inotify on data.mdb, for writers that do not connect (a store this daemon
 *      cannot write, more than DB_WATCH_MAX mounts, a writer that stopped waiting for
 *      us after a timeout): a bounded recheck burst when unregistered (RECHECK_US);
 *      passed over while our own requests write (notify_own_end looks once after);
 *   4. a safety net every SAFETY_NET_MS, in case any of these was lost.
 *
 * WHAT IT DOES. If the store's version (a number that moves with every commit, read
 * without a transaction) is the one it last read, nothing. Else, from one read
 * snapshot: the events after the last one handled (`seen`) and every record they
 * name; it invalidates what they touch (below), publishes `fresh = seen`, wakes the
 * waiters of notify_sync, answers the connected writers, serves .events readers.
 *
 * WHO WAITS, FOR WHAT, HOW LONG.
 *   - A request of ours that committed (write, flush, fsync, truncate, a settle, a
 *     tree change) waits in notify_sync until `fresh` reaches the newest event this
 *     daemon committed (ctrfs_store_committed_seq), at most SYNC_TIMEOUT_MS (a bound
 *     for a store that cannot be read); then it replies. So the writer's next command
 *     sees the change through every inode of the mount.
 *   - Another process's write waits, after its commit, for each registered mount's
 *     answer, at most CTRFS_WATCH_TIMEOUT_MS each (then never again for that mount).
 *   - An open (handle.c, pagecache.c) shares the page cache only when `fresh` covers
 *     its snapshot (notify_fresh) and the container was quiet for QUIET_NS.
 *
 * WHAT IS INVALIDATED (invalidate.c), per event topic:
 *   /containers/...  every inode the kernel holds of the container (its directory,
 *                   files, subdirectories, keys: an update does not say what changed),
 *                   the entries of keys that are gone, and the namespace's directory
 *                   (its listing and mtime); a container that is gone, its entry.
 *   /tasks/...       as its container's (the event's subject): its task/ comes, goes
 *                   or changes.
 *   /namespaces/...  the namespace's directory, .labels/ and its keys (entries of
 *                   keys gone), the root (its listing, size and links).
 *   anything else, or a gap (events dropped by the retention before being read):
 *                   every node the table knows.
 *
 * NO NOTIFICATION MAY WAIT for a request in flight: if the daemon were killed, the
 * waiting notifier would keep the dead daemon's /dev/fuse open forever, and every
 * process using the mount stuck with it. So a file's pages are dropped only while no
 * handle of it is open (a read or write in flight locks them); an open file's
 * attributes alone are invalidated (pagecache.c). Directories have no handles: their
 * attributes and cached listings are dropped. Entries are expired rather than deleted;
 * the kernel takes the directory's lock for either (fuse_reverse_inval_entry), so an
 * expiry waits for a lookup or create in flight in that directory, which another
 * worker answers at once. (Killed during that wait, the daemon cannot exit until the
 * connection is aborted: a known limit, see doc/ARCHITECTURE.md.) What is
 * invalidated for each change is invalidate.c's; notifications are sent from this
 * thread only, holding no lock.
 *
 * LOCKS. The notifier takes, one at a time and briefly, the node table's lock, the
 * page cache's cache_lock and its own nt.lock; never a handle's. It holds its read
 * snapshot while it notifies (growing the map waits for it, nothing else does).
 * The order for everyone is in doc/ARCHITECTURE.md ("Locks").
 */
#include "notify.h"

#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "events.h"
#include "invalidate.h"
#include "node.h"
#include "kcache.h"

#define SAFETY_NET_MS 1000
/* notify_sync waits at most this long (the notifier never blocks: a bound all the same,
 * for a store that cannot be read) */
#define SYNC_TIMEOUT_MS 200

struct pending_entry {
	fuse_ino_t parent;
	char *name;
	struct pending_entry *next;
};

static struct {
	struct ctrfs *fs;
	pthread_t thread;
	bool running;
	int inotify_fd, wake_fd;
	int watch_fd;	  /* writers of other processes waiting to be seen (ctrfs_store_watch) */
	uint64_t seen;	  /* the last event handled */
	uint64_t version; /* the store's version (ctrfs_store_version) when last read */
	uint64_t fresh;	  /* = seen once its invalidations are sent (atomic) */
	unsigned own;	  /* requests of this daemon changing the store (atomic) */
	bool missed;	  /* a wakeup by data.mdb passed over during them (atomic) */
	bool stop;
	/* entry invalidations asked by requests (rename), waiters of notify_sync */
	pthread_mutex_t lock;
	pthread_cond_t done;
	struct pending_entry *entries;
} nt = {.inotify_fd = -1,
	.wake_fd = -1,
	.watch_fd = -1,
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.done = PTHREAD_COND_INITIALIZER};

bool notify_fresh(uint64_t seq)
{
	return !nt.running || __atomic_load_n(&nt.fresh, __ATOMIC_ACQUIRE) >= seq;
}

void notify_kick(void)
{
	uint64_t one = 1;
	if (nt.wake_fd >= 0 && write(nt.wake_fd, &one, sizeof(one)) < 0) {
		/* the counter is full: the thread is woken already */
	}
}

void notify_own_begin(void)
{
	__atomic_add_fetch(&nt.own, 1, __ATOMIC_ACQ_REL);
}

void notify_own_end(void)
{
	__atomic_sub_fetch(&nt.own, 1, __ATOMIC_ACQ_REL);
	/* what it committed was handled by notify_sync; another process's commit that
	 * woke the notifier meanwhile is published now: one look finds it */
	if (__atomic_exchange_n(&nt.missed, false, __ATOMIC_ACQ_REL))
		notify_kick();
}

void notify_sync(void)
{
	/* what this daemon committed: its own changes are what a request waits for */
	uint64_t seq = ctrfs_store_committed_seq(nt.fs->store);
	if (!nt.running || notify_fresh(seq))
		return;
	notify_kick();
	struct timespec end;
	clock_gettime(CLOCK_REALTIME, &end);
	end.tv_nsec += SYNC_TIMEOUT_MS * 1000000L;
	end.tv_sec += end.tv_nsec / 1000000000L;
	end.tv_nsec %= 1000000000L;
	pthread_mutex_lock(&nt.lock);
	while (!notify_fresh(seq) && pthread_cond_timedwait(&nt.done, &nt.lock, &end) == 0)
		;
	pthread_mutex_unlock(&nt.lock);
}

void notify_inval_entry(fuse_ino_t parent, const char *name)
{
	struct pending_entry *e = calloc(1, sizeof(*e));
	if (!e || !(e->name = strdup(name))) {
		free(e);
		return; /* the entry then expires with its timeout */
	}
	e->parent = parent;
	pthread_mutex_lock(&nt.lock);
	e->next = nt.entries;
	nt.entries = e;
	pthread_mutex_unlock(&nt.lock);
	notify_kick();
}

/* ---- reading the log ---- */

struct change {
	char ns[CTRFS_IDENTIFIER_MAX + 1];
	char id[CTRFS_IDENTIFIER_MAX + 1]; /* "" for a namespace */
};

struct batch {
	struct change *v;
	size_t n, cap;
	uint64_t last;
	bool everything; /* an event this version does not know */
};

static bool seen_before(const struct batch *b, const struct change *c)
{
	/* a burst of writes touches few containers many times: look back a little */
	for (size_t i = b->n, k = 0; i-- > 0 && k < 64; k++)
		if (strcmp(b->v[i].id, c->id) == 0 && strcmp(b->v[i].ns, c->ns) == 0)
			return true;
	return false;
}

static int collect(const ctrfs_event *ev, void *arg)
{
	struct batch *b = arg;
	struct change c = {{0}};
	b->last = ev->seq;
	bool ctr = strncmp(ev->topic, "/containers/", 12) == 0;
	/* an image's change touches its namespace (its UpdatedAt); the .images view itself
	 * is never cached (images.c) */
	bool ns =
	    strncmp(ev->topic, "/namespaces/", 12) == 0 || strncmp(ev->topic, "/images/", 8) == 0;
	/* a task's change is its container's (its task/ and its directory's listing) */
	bool task = strncmp(ev->topic, "/tasks/", 7) == 0;
	/* the store keeps what an event is about beside it; only an event logged by an
	 * older version has to be parsed for it */
	json_t *payload = (ctr || task) && !ev->subject ? json_loads(ev->event, 0, NULL) : NULL;
	const char *id = !ctr && !task ? ""
			 : ev->subject ? ev->subject
			 : ctr	       ? json_string_value(json_object_get(payload, "id"))
			       : json_string_value(json_object_get(payload, "container_id"));
	ctr |= task;
	/* a namespace's number of containers (its directory's links) changes only here */
	if (ctr && (strcmp(ev->topic, "/containers/create") == 0 ||
		    strcmp(ev->topic, "/containers/delete") == 0))
		node_ns_count_forget(ev->namespace_);
	if ((!ctr && !ns) || !id || strlen(id) > CTRFS_IDENTIFIER_MAX ||
	    strlen(ev->namespace_) > CTRFS_IDENTIFIER_MAX) {
		b->everything = true;
	} else {
		strcpy(c.ns, ev->namespace_);
		strcpy(c.id, id);
	}
	json_decref(payload);
	if (b->everything || seen_before(b, &c))
		return 0;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		struct change *v = realloc(b->v, cap * sizeof(*v));
		if (!v) {
			b->everything = true;
			return 0;
		}
		b->v = v;
		b->cap = cap;
	}
	b->v[b->n++] = c;
	return 0;
}

static int cmp_change(const void *a, const void *b)
{
	const struct change *x = a, *y = b;
	int d = strcmp(x->ns, y->ns);
	return d ? d : strcmp(x->id, y->id);
}

/* Handles the events after nt.seen, all from one read snapshot: the log and every
 * record it names. */
static void process(void)
{
	struct source src;
	uint64_t last, first;
	/* nothing committed since the last look: no snapshot to read (most wakeups) */
	uint64_t version = ctrfs_store_version(nt.fs->store);
	if (version && version == nt.version)
		return;
	source_init(&src, nt.fs);
	ctrfs_reader *rd = source_reader(&src);
	if (rd)
		nt.version = ctrfs_reader_version(rd);
	if (!rd || ctrfs_reader_last_seq(rd, &last, &src.err) || last == nt.seen) {
		source_clear(&src);
		return;
	}
	struct batch b = {0};
	if (last < nt.seen || ctrfs_reader_first_seq(rd, &first, &src.err) || first > nt.seen + 1) {
		/* a store made anew, or events dropped unread: nothing is known */
		b.everything = true;
		b.last = last;
	} else if (ctrfs_reader_events(rd, nt.seen, collect, &b, &src.err)) {
		b.everything = true;
		b.last = last;
	}
	if (b.everything) {
		invalidate_everything(&src);
	} else {
		qsort(b.v, b.n, sizeof(*b.v), cmp_change);
		bool root = false;
		const char *ns_dir = NULL; /* of the containers changed, once for them all */
		for (size_t i = 0; i < b.n; i++) {
			struct change *c = &b.v[i];
			if (i && cmp_change(c, &b.v[i - 1]) == 0)
				continue;
			if (!*c->id) {
				invalidate_namespace(&src, c->ns);
				root = true;
				continue;
			}
			invalidate_container(&src, c->ns, c->id);
			if (ns_dir && strcmp(ns_dir, c->ns) != 0)
				invalidate_ns_dir(&src, ns_dir);
			ns_dir = c->ns;
		}
		if (ns_dir)
			invalidate_ns_dir(&src, ns_dir);
		/* the root's listing, size and links: its namespaces */
		if (root)
			invalidate_root(nt.fs);
	}
	source_clear(&src);
	free(b.v);
	if (b.last > nt.seen)
		nt.seen = b.last;
	pthread_mutex_lock(&nt.lock);
	__atomic_store_n(&nt.fresh, nt.seen, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&nt.done);
	pthread_mutex_unlock(&nt.lock);
}

static void pending_entries(void)
{
	pthread_mutex_lock(&nt.lock);
	struct pending_entry *e = nt.entries;
	nt.entries = NULL;
	pthread_mutex_unlock(&nt.lock);
	while (e) {
		struct pending_entry *next = e->next;
		invalidate_expire_entry(nt.fs, e->parent, e->name);
		free(e->name);
		free(e);
		e = next;
	}
}

static void drain(int fd)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	while (fd >= 0 && read(fd, buf, sizeof(buf)) > 0)
		;
}

/*
 * Without the watcher registration (a store this process cannot write, a socket path
 * too long), other writers do not connect once committed, and inotify alone tells:
 * a write to data.mdb wakes us before its commit is visible: LMDB writes the data
 * pages, syncs them, writes the meta page (synchronously) and only then publishes the
 * transaction to readers, in lock.mdb's shared memory, which no inotify event marks.
 * A writer such as ctrfsctl exits about 100 us later, and its caller runs the next
 * command. So a wakeup that finds nothing new looks again every RECHECK_US, for at
 * most RECHECK_FOR_US (a commit's two syncs), and stops at the first new event: a
 * bounded burst per commit, never a loop while the store is idle. Not while this
 * daemon's own requests write: they wake us once they are done (notify_own_end), and
 * the burst would only take a CPU from them.
 */
#define RECHECK_US 20
#define RECHECK_FOR_US 2000
/* waiting writers answered per round (more wait for the next, a moment later) */
#define WRITERS_PER_ROUND 64

static void *run(void *arg)
{
	(void)arg;
	/* the naps are microseconds: no timer slack (50 us by default) */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	struct pollfd p[3] = {{.fd = nt.inotify_fd, .events = POLLIN},
			      {.fd = nt.wake_fd, .events = POLLIN},
			      {.fd = nt.watch_fd, .events = POLLIN}};
	int writers[WRITERS_PER_ROUND];
	while (!__atomic_load_n(&nt.stop, __ATOMIC_ACQUIRE)) {
		int n = poll(p, 3, SAFETY_NET_MS);
		if (n < 0 && errno != EINTR)
			break;
		/* writers that committed before connecting: the log read below holds their
		 * changes, and they are answered once the kernel has been told */
		size_t nw = nt.watch_fd >= 0 && n > 0 && (p[2].revents & POLLIN)
				? ctrfs_watch_accept(nt.watch_fd, writers, WRITERS_PER_ROUND)
				: 0;
		/* other writers connect once committed: only without them (not registered)
		 * is a wakeup by data.mdb looked into again and again (see RECHECK_US) */
		bool inotified = n > 0 && (p[0].revents & POLLIN);
		bool kicked = n > 0 && (p[1].revents & POLLIN);
		bool modified = inotified && !nw && nt.watch_fd < 0;
		/* data.mdb written while this daemon's own requests write: most likely
		 * theirs, which notify_sync has us read; any other is read when they end
		 * (notify_own_end), not now in the middle of them */
		bool passed = inotified && !kicked && !nw && n > 0 &&
			      __atomic_load_n(&nt.own, __ATOMIC_ACQUIRE);
		if (passed || (modified && __atomic_load_n(&nt.own, __ATOMIC_ACQUIRE))) {
			__atomic_store_n(&nt.missed, true, __ATOMIC_RELEASE);
			modified = false;
		}
		drain(nt.inotify_fd);
		/* passed over: a kick that came since the poll (notify_sync's, for the very
		 * write that woke us) must wake the next one, so it is not drained */
		if (passed && !__atomic_load_n(&nt.stop, __ATOMIC_ACQUIRE))
			continue;
		drain(nt.wake_fd);
		if (__atomic_load_n(&nt.stop, __ATOMIC_ACQUIRE)) {
			ctrfs_watch_answer(writers, nw);
			break;
		}
		uint64_t before = nt.seen;
		process();
		for (long t = 0; modified && nt.seen == before && t < RECHECK_FOR_US;
		     t += RECHECK_US) {
			struct timespec ts = {0, RECHECK_US * 1000};
			nanosleep(&ts, NULL);
			process();
		}
		pending_entries();
		ctrfs_watch_answer(writers, nw);
		events_service(nt.seen);
	}
	return NULL;
}

void notify_watch(struct ctrfs *fs)
{
	ctrfs_error err;
	nt.fs = fs;
	if (ctrfs_store_watch(fs->store, &nt.watch_fd, &err))
		/* the inotify wakeups alone then: a change by another process usually shows
		 * at the next look, but a look right after the writer returns may miss it */
		fuse_log(FUSE_LOG_WARNING,
			 "other writers will not wait for this mount (%s): their changes show "
			 "within moments, not always at the next look\n",
			 err.text);
}

int notify_start(struct ctrfs *fs)
{
	ctrfs_error err;
	char *data = NULL;
	nt.fs = fs;
	nt.stop = false;
	if (ctrfs_events_last_seq(fs->store, &nt.seen, &err)) {
		fuse_log(FUSE_LOG_ERR, "%s\n", err.text);
		return -EIO;
	}
	nt.fresh = nt.seen;
	nt.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	nt.inotify_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (nt.wake_fd < 0 || nt.inotify_fd < 0 ||
	    asprintf(&data, "%s/data.mdb", ctrfs_store_path(fs->store)) < 0) {
		int e = errno;
		fuse_log(FUSE_LOG_ERR, "change notifier: %s\n", strerror(e));
		notify_stop(fs);
		return -e;
	}
	if (inotify_add_watch(nt.inotify_fd, data, IN_MODIFY) < 0)
		/* the safety net alone then: changes show within SAFETY_NET_MS */
		fuse_log(FUSE_LOG_WARNING, "cannot watch %s (%s): changes show within %d ms\n",
			 data, strerror(errno), SAFETY_NET_MS);
	free(data);
	events_start(notify_kick);
	int rc = pthread_create(&nt.thread, NULL, run, NULL);
	if (rc) {
		fuse_log(FUSE_LOG_ERR, "change notifier: %s\n", strerror(rc));
		notify_stop(fs);
		return -rc;
	}
	nt.running = true;
	return 0;
}

void notify_stop(struct ctrfs *fs)
{
	if (nt.running) {
		__atomic_store_n(&nt.stop, true, __ATOMIC_RELEASE);
		notify_kick();
		pthread_join(nt.thread, NULL);
		nt.running = false;
	}
	events_shutdown();
	if (nt.watch_fd >= 0)
		ctrfs_store_unwatch(fs->store, nt.watch_fd);
	nt.watch_fd = -1;
	pthread_mutex_lock(&nt.lock);
	while (nt.entries) {
		struct pending_entry *e = nt.entries;
		nt.entries = e->next;
		free(e->name);
		free(e);
	}
	pthread_mutex_unlock(&nt.lock);
	if (nt.inotify_fd >= 0)
		close(nt.inotify_fd);
	if (nt.wake_fd >= 0)
		close(nt.wake_fd);
	nt.inotify_fd = nt.wake_fd = -1;
}

/* The follower of a bound mount (see follow.h): Events.Subscribe on its own client,
 * a full sync once subscribed, then per event the record containerd holds now (a Get,
 * or a namespace list) written into the store. */
#include "follow.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "ctrd_client.h"
#include "notify.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 2000
#define FIRST_SYNC_WAIT_MS 15000

static struct {
	struct ctrfs *fs;
	pthread_t thread;
	bool running;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stopping;
	bool first_done; /* the first sync was tried (done or containerd unreachable) */
	bool down;	 /* containerd unreachable at the last attempt (logged once) */
	ctrd_client *client;
} fw = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

int follow_bind(struct ctrfs *fs, const char *address)
{
	ctrfs_error err;
	if (!address || !*address)
		address = ctrd_address_from_env();
	if (ctrfs_store_bind(fs->store, address, 0, &err)) {
		fuse_log(FUSE_LOG_ERR, "bind to containerd at %s: %s\n", address, err.text);
		return -1;
	}
	return 0;
}

static void first_done(void)
{
	pthread_mutex_lock(&fw.lock);
	fw.first_done = true;
	pthread_cond_broadcast(&fw.cond);
	pthread_mutex_unlock(&fw.lock);
}

static void sync_now(void)
{
	ctrfs_sync_result r;
	ctrfs_error err;
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (ctrfs_store_sync(fw.fs->store, &r, &err)) {
		fuse_log(FUSE_LOG_ERR, "sync with containerd: %s\n", err.text);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	fuse_log(FUSE_LOG_INFO,
		 "synced with containerd: %zu namespaces, %zu containers, %zu tasks, %zu images, "
		 "%zu written, %zu removed in %.1f ms\n",
		 r.namespaces, r.containers, r.tasks, r.images, r.changed, r.removed,
		 (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6);
	notify_sync();
}

static void on_ready(void *user)
{
	(void)user;
	if (fw.down)
		fuse_log(FUSE_LOG_INFO, "containerd is back: bound again\n");
	fw.down = false;
	/* subscribed first, then the sync: a change made meanwhile comes as an event */
	sync_now();
	first_done();
}

/* An event of a container's task (its init process); an exec's (exec_id another
 * process's) changes no task. */
static bool is_task_event(const struct ctrd_envelope *ev)
{
	if (strncmp(ev->topic, "/tasks/", 7) != 0 || !ev->container_id || !*ev->container_id)
		return false;
	return !ev->exec_id || !*ev->exec_id || strcmp(ev->exec_id, ev->container_id) == 0;
}

static int on_event(const struct ctrd_envelope *ev, void *user)
{
	(void)user;
	ctrfs_error err;
	ctrfs_code code = CTRFS_OK;
	if (strncmp(ev->topic, "/containers/", 12) == 0 && ev->container_id && *ev->container_id)
		code = ctrfs_store_refresh_container(fw.fs->store, ev->namespace_, ev->container_id,
						     &err);
	else if (strncmp(ev->topic, "/namespaces/", 12) == 0 && ev->namespace_name &&
		 *ev->namespace_name)
		code = ctrfs_store_refresh_namespace(fw.fs->store, ev->namespace_name, &err);
	else if (is_task_event(ev))
		/* a Get: containerd's state now (NotFound after /tasks/delete drops it) */
		code =
		    ctrfs_store_refresh_task(fw.fs->store, ev->namespace_, ev->container_id, &err);
	else if (strncmp(ev->topic, "/images/", 8) == 0 && ev->image_name && *ev->image_name)
		code =
		    ctrfs_store_refresh_image(fw.fs->store, ev->namespace_, ev->image_name, &err);
	else
		return 0;
	if (code)
		fuse_log(FUSE_LOG_ERR, "containerd event %s: %s\n", ev->topic, err.text);
	notify_sync();
	return 0;
}

/* Waits MS or until stopped; true when stopping. */
static bool pause_ms(int ms)
{
	struct timespec end;
	clock_gettime(CLOCK_REALTIME, &end);
	end.tv_nsec += (long)ms * 1000000L;
	end.tv_sec += end.tv_nsec / 1000000000L;
	end.tv_nsec %= 1000000000L;
	pthread_mutex_lock(&fw.lock);
	while (!fw.stopping && pthread_cond_timedwait(&fw.cond, &fw.lock, &end) == 0)
		;
	bool stopping = fw.stopping;
	pthread_mutex_unlock(&fw.lock);
	return stopping;
}

static void *follow_main(void *arg)
{
	(void)arg;
	static const char *const filters[] = {"topic~=\"/containers/\"", "topic~=\"/namespaces/\"",
					      "topic~=\"/tasks/\"", "topic~=\"/images/\""};
	int backoff = BACKOFF_MIN_MS;
	for (;;) {
		char *address = NULL;
		ctrfs_error err;
		struct ctrd_status st = {0};
		ctrd_client *c = NULL;
		if (ctrfs_store_bound_address(fw.fs->store, &address, &err) || !address) {
			first_done();
			break; /* unbound meanwhile */
		}
		int rc = ctrd_connect(address, &c, &st);
		pthread_mutex_lock(&fw.lock);
		if (!rc && fw.stopping)
			rc = CTRD_CANCELLED;
		fw.client = rc ? NULL : c;
		pthread_mutex_unlock(&fw.lock);
		if (!rc) {
			rc = ctrd_subscribe(c, filters, sizeof(filters) / sizeof(*filters),
					    on_event, on_ready, NULL, &st);
			pthread_mutex_lock(&fw.lock);
			fw.client = NULL;
			pthread_mutex_unlock(&fw.lock);
			backoff = BACKOFF_MIN_MS;
		}
		if (rc && !fw.stopping && !fw.down) {
			fuse_log(FUSE_LOG_ERR,
				 "%s: serving the mirror, writes fail until containerd is back\n",
				 st.message ? st.message : ctrd_code_name(rc));
			fw.down = true;
		}
		ctrd_client_free(c);
		ctrd_status_clear(&st);
		free(address);
		first_done();
		if (pause_ms(backoff))
			break;
		backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
	}
	return NULL;
}

int follow_start(struct ctrfs *fs)
{
	char *address = NULL;
	ctrfs_error err;
	if (ctrfs_store_bound_address(fs->store, &address, &err)) {
		fuse_log(FUSE_LOG_ERR, "%s\n", err.text);
		return -1;
	}
	if (!address)
		return 0; /* not bound: the store alone, as ever */
	free(address);
	fw.fs = fs;
	int rc = pthread_create(&fw.thread, NULL, follow_main, NULL);
	if (rc) {
		fuse_log(FUSE_LOG_ERR, "containerd follower: %s\n", strerror(rc));
		return -1;
	}
	fw.running = true;
	struct timespec end;
	clock_gettime(CLOCK_REALTIME, &end);
	end.tv_sec += FIRST_SYNC_WAIT_MS / 1000;
	pthread_mutex_lock(&fw.lock);
	while (!fw.first_done && pthread_cond_timedwait(&fw.cond, &fw.lock, &end) == 0)
		;
	pthread_mutex_unlock(&fw.lock);
	return 0;
}

void follow_stop(void)
{
	if (!fw.running)
		return;
	pthread_mutex_lock(&fw.lock);
	fw.stopping = true;
	if (fw.client)
		ctrd_cancel(fw.client);
	pthread_cond_broadcast(&fw.cond);
	pthread_mutex_unlock(&fw.lock);
	pthread_join(fw.thread, NULL);
	fw.running = false;
}

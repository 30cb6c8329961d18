/* Unit tests of tasks in the store (store/tasks.c), without containerd: the mirror puts
 * and drops tasks, get and list read them, each change is logged under containerd's
 * topic, a container's deletion drops its task, and a store made before the tasks table
 * has none when opened read-only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "tasks.h"

#include "check.h"
#include "scratch_store.h"

struct topics {
	char v[16][32];
	size_t n;
	char last_payload[512];
};

static int collect(const ctrfs_event *ev, void *arg)
{
	struct topics *t = arg;
	if (strncmp(ev->topic, "/tasks/", 7) != 0 || t->n == 16)
		return 0;
	snprintf(t->v[t->n++], sizeof(t->v[0]), "%s", ev->topic);
	snprintf(t->last_payload, sizeof(t->last_payload), "%s", ev->event);
	return 0;
}

/* The /tasks/ topics logged after `since`, and the newest seq in *since. */
static struct topics logged(ctrfs_store *s, uint64_t *since)
{
	struct topics t = {0};
	ctrfs_error err;
	CHECK(!ctrfs_events_read(s, *since, NULL, 0, collect, &t, &err), "%s", err.text);
	CHECK(!ctrfs_events_last_seq(s, since, &err), "%s", err.text);
	return t;
}

static void put(ctrfs_store *s, const char *id, ctrfs_task_status status, uint32_t pid,
		uint32_t exit_status, ctrfs_time exited)
{
	ctrfs_task t = {(char *)id, status, pid, exit_status, exited};
	ctrfs_error err;
	CHECK(!mirror_task_put(s, "default", &t, &err), "put %s: %s", id, err.text);
}

static void make_container(ctrfs_store *s, const char *id)
{
	ctrfs_container c = {.id = (char *)id, .runtime_name = "rt"};
	ctrfs_error err;
	c.has_spec = !ctrfs_spec_default("default", id, &c.spec, &err);
	CHECK(!ctrfs_container_create(s, "default", &c, NULL, &err), "create: %s", err.text);
	ctrfs_any_clear(&c.spec);
}

int main(void)
{
	char dir[] = "/tmp/ctrfs-test-tasks-XXXXXX";
	ctrfs_store *s = scratch_store_make(dir);
	ctrfs_error err;
	const ctrfs_time never = {0, 0}, exited = {1700000000, 123456789};
	uint64_t seq = 0;
	ctrfs_task t;
	make_container(s, "web");
	make_container(s, "db");
	logged(s, &seq);

	CHECK(ctrfs_task_get(s, "default", "web", &t, &err) == CTRFS_NOT_FOUND, "none yet");
	CHECK(strcmp(err.text, "task \"web\" in namespace \"default\": not found") == 0, "%s",
	      err.text);

	/* created, started, paused, resumed, exited: each under containerd's topic */
	put(s, "web", CTRFS_TASK_CREATED, 42, 0, never);
	put(s, "web", CTRFS_TASK_RUNNING, 42, 0, never);
	put(s, "web", CTRFS_TASK_RUNNING, 42, 0, never); /* the same: nothing logged */
	put(s, "web", CTRFS_TASK_PAUSED, 42, 0, never);
	put(s, "web", CTRFS_TASK_RUNNING, 42, 0, never);
	put(s, "web", CTRFS_TASK_STOPPED, 42, 137, exited);
	struct topics got = logged(s, &seq);
	const char *want[] = {"/tasks/create", "/tasks/start", "/tasks/paused", "/tasks/resumed",
			      "/tasks/exit"};
	CHECK(got.n == 5, "%zu events", got.n);
	for (size_t i = 0; i < 5 && i < got.n; i++)
		CHECK(strcmp(got.v[i], want[i]) == 0, "event %zu: %s", i, got.v[i]);
	CHECK(strstr(got.last_payload, "\"container_id\":\"web\"") &&
		  strstr(got.last_payload, "\"exit_status\":137") &&
		  strstr(got.last_payload, "\"exited_at\":\"2023-11-14T22:13:20.123456789Z\""),
	      "exit payload: %s", got.last_payload);

	CHECK(!ctrfs_task_get(s, "default", "web", &t, &err), "%s", err.text);
	CHECK(strcmp(t.id, "web") == 0 && t.status == CTRFS_TASK_STOPPED && t.pid == 42 &&
		  t.exit_status == 137 && t.exited_at.sec == exited.sec &&
		  t.exited_at.nsec == exited.nsec,
	      "stored as put: %s %u %u", ctrfs_task_status_name(t.status), t.pid, t.exit_status);
	ctrfs_task_clear(&t);

	/* the listing: sorted by ID, this namespace's only */
	put(s, "db", CTRFS_TASK_RUNNING, 7, 0, never);
	ctrfs_task *list;
	size_t n;
	CHECK(!ctrfs_task_list(s, "default", &list, &n, &err), "%s", err.text);
	CHECK(n == 2 && strcmp(list[0].id, "db") == 0 && strcmp(list[1].id, "web") == 0,
	      "%zu tasks", n);
	ctrfs_task_list_free(list, n);
	CHECK(!ctrfs_task_list(s, "other", &list, &n, &err) && n == 0, "other namespace");
	ctrfs_task_list_free(list, n);
	CHECK(strcmp(ctrfs_task_status_name(CTRFS_TASK_PAUSING), "pausing") == 0, "names");

	/* dropped by the mirror, and with its container */
	logged(s, &seq);
	CHECK(!mirror_task_drop(s, "default", "web", &err), "%s", err.text);
	CHECK(!mirror_task_drop(s, "default", "web", &err), "dropping none: %s", err.text);
	CHECK(ctrfs_task_get(s, "default", "web", &t, &err) == CTRFS_NOT_FOUND, "dropped");
	CHECK(!ctrfs_container_delete(s, "default", "db", &err), "%s", err.text);
	CHECK(ctrfs_task_get(s, "default", "db", &t, &err) == CTRFS_NOT_FOUND,
	      "a container's deletion drops its task");
	got = logged(s, &seq);
	CHECK(got.n == 2 && strcmp(got.v[0], "/tasks/delete") == 0 &&
		  strcmp(got.v[1], "/tasks/delete") == 0,
	      "%zu delete events", got.n);

	/* a task whose container is gone is a damaged store, which check finds */
	size_t problems = 0;
	CHECK(!ctrfs_store_check(s, NULL, NULL, &problems, &err) && problems == 0, "%zu", problems);
	put(s, "ghost", CTRFS_TASK_RUNNING, 9, 0, never);
	CHECK(!ctrfs_store_check(s, NULL, NULL, &problems, &err) && problems == 1, "%zu", problems);
	CHECK(!mirror_task_drop(s, "default", "ghost", &err), "%s", err.text);

	/* a store made before the tasks table, opened read-only: no tasks, no error */
	put(s, "web", CTRFS_TASK_RUNNING, 1, 0, never);
	scratch_store_drop_table(s, DB_TASKS);
	s = scratch_store_reopen(s, dir, true);
	CHECK(ctrfs_task_get(s, "default", "web", &t, &err) == CTRFS_NOT_FOUND, "no table");
	CHECK(!ctrfs_task_list(s, "default", &list, &n, &err) && n == 0, "no table: none");
	ctrfs_task_list_free(list, n);
	scratch_store_remove(s, dir);
	return failures ? 1 : 0;
}

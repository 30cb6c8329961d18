/* Processes that remove a container file by file (rm -r): see removal.h.
 *
 * A process is its thread ID as FUSE reports it and its start time (so that a reused
 * ID is another process); a mark lasts until its process ends or its container goes.
 * The table is small and bounded: an old mark gives way to a new one.
 */
#include "removal.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define MARKS 32

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct mark {
	pid_t pid;
	unsigned long long start;
	char ns[CTRFS_IDENTIFIER_MAX + 1];
	char id[CTRFS_IDENTIFIER_MAX + 1];
} marks[MARKS];
static size_t used, next;

/* The start time of process `pid` (clock ticks since boot), 0 when unknown. */
static unsigned long long start_time(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long long start = 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* the command name may hold spaces and parentheses: fields follow the last ')' */
	char *p = strrchr(buf, ')');
	/* state is field 3, starttime field 22 */
	if (p && sscanf(p + 1,
			" %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
			"%*s %*s %*s %llu",
			&start) != 1)
		start = 0;
	return start;
}

static bool in_container(const struct fspath *fp)
{
	return fp->kind != NODE_ROOT && fp->kind != NODE_NS && fp->kind != NODE_NS_LABELS &&
	       fp->kind != NODE_NS_LABEL && fp->kind != NODE_EVENTS && fp->id[0];
}

static bool same(const struct mark *m, const struct fspath *fp)
{
	return strcmp(m->ns, fp->ns) == 0 && strcmp(m->id, fp->id) == 0;
}

void removal_refused(fuse_req_t req, const struct fspath *fp)
{
	pid_t pid = fuse_req_ctx(req)->pid;
	if (!pid || !in_container(fp))
		return; /* a caller of another PID namespace: no mark */
	unsigned long long start = start_time(pid);
	if (!start)
		return;
	pthread_mutex_lock(&lock);
	size_t i;
	for (i = 0; i < used; i++)
		if (marks[i].pid == pid && marks[i].start == start && same(&marks[i], fp))
			break;
	if (i == used) {
		i = used < MARKS ? used++ : next++ % MARKS;
		marks[i].pid = pid;
		marks[i].start = start;
		snprintf(marks[i].ns, sizeof(marks[i].ns), "%s", fp->ns);
		snprintf(marks[i].id, sizeof(marks[i].id), "%s", fp->id);
	}
	pthread_mutex_unlock(&lock);
}

bool removal_marked(fuse_req_t req, const struct fspath *fp)
{
	pid_t pid = fuse_req_ctx(req)->pid;
	unsigned long long start = 0;
	bool marked = false;
	if (!pid || !in_container(fp))
		return false;
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < used && !marked; i++) {
		if (marks[i].pid != pid || !same(&marks[i], fp))
			continue;
		if (!start)
			start = start_time(pid); /* rarely: only a marked PID reads it */
		marked = marks[i].start == start;
	}
	pthread_mutex_unlock(&lock);
	return marked;
}

void removal_forget(const char *ns, const char *id)
{
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < used;) {
		if (strcmp(marks[i].ns, ns) == 0 && strcmp(marks[i].id, id) == 0)
			marks[i] = marks[--used];
		else
			i++;
	}
	pthread_mutex_unlock(&lock);
}

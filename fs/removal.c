/* Processes that remove a container file by file (rm -r): see removal.h.
 *
 * A mark lasts until its process ends or its container goes. The table is small and
 * bounded: an old mark gives way to a new one.
 */
#include "removal.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "caller.h"

#define MARKS 32

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct mark {
	struct caller who;
	char ns[CTRFS_IDENTIFIER_MAX + 1];
	char id[CTRFS_IDENTIFIER_MAX + 1];
} marks[MARKS];
static size_t used, next;

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
	struct caller who;
	if (!in_container(fp) || !caller_of(req, &who))
		return;
	pthread_mutex_lock(&lock);
	size_t i;
	for (i = 0; i < used; i++)
		if (caller_same(&marks[i].who, &who) && same(&marks[i], fp))
			break;
	if (i == used) {
		i = used < MARKS ? used++ : next++ % MARKS;
		marks[i].who = who;
		snprintf(marks[i].ns, sizeof(marks[i].ns), "%s", fp->ns);
		snprintf(marks[i].id, sizeof(marks[i].id), "%s", fp->id);
	}
	pthread_mutex_unlock(&lock);
}

bool removal_marked(fuse_req_t req, const struct fspath *fp)
{
	struct caller who = {fuse_req_ctx(req)->pid, 0};
	bool candidate = false;
	if (!in_container(fp) || who.pid <= 0)
		return false;
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < used && !candidate; i++)
		candidate = marks[i].who.pid == who.pid && same(&marks[i], fp);
	pthread_mutex_unlock(&lock);
	/* only a process marked before pays for reading its start time */
	if (!candidate || !caller_of(req, &who))
		return false;
	bool marked = false;
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < used && !marked; i++)
		marked = caller_same(&marks[i].who, &who) && same(&marks[i], fp);
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

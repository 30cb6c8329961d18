/* Containers being made (making.h): a small table of makers, each with what it made.
 *
 * A maker's entry goes when its container goes, or is found gone with its process
 * (a snapshot key still held then was never stored: that is logged as a refusal).
 * The table is bounded: when full, the oldest entry gives way.
 */
#include "making.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "caller.h"

#define MAKINGS 16
/* bits of `made` past the fields: the container's own directories */
#define MADE_RUNTIME (1u << FIELD_COUNT)
#define MADE_LABELS (MADE_RUNTIME << 1)
#define MADE_EXTENSIONS (MADE_RUNTIME << 2)

struct making {
	struct caller maker;
	char ns[CTRFS_IDENTIFIER_MAX + 1];
	char id[CTRFS_IDENTIFIER_MAX + 1];
	unsigned made;
	char **keys; /* label keys ("l" + key) and extension names ("e" + name) made */
	size_t nkeys;
	char *held_key;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct making table[MAKINGS];
static size_t used, next;

static void entry_clear(struct making *m)
{
	for (size_t i = 0; i < m->nkeys; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->held_key);
	memset(m, 0, sizeof(*m));
}

static void entry_remove(size_t i)
{
	entry_clear(&table[i]);
	table[i] = table[--used];
	memset(&table[used], 0, sizeof(table[used]));
}

static struct making *find(const char *ns, const char *id)
{
	for (size_t i = 0; i < used; i++)
		if (strcmp(table[i].ns, ns) == 0 && strcmp(table[i].id, id) == 0)
			return &table[i];
	return NULL;
}

static bool in_container(const struct fspath *fp)
{
	return fp->kind == NODE_FIELD || fp->kind == NODE_RUNTIME || fp->kind == NODE_LABELS ||
	       fp->kind == NODE_EXTENSIONS || fp->kind == NODE_LABEL || fp->kind == NODE_EXTENSION;
}

void making_begin(fuse_req_t req, const char *ns, const char *id)
{
	struct caller who;
	if (!caller_of(req, &who))
		return;
	pthread_mutex_lock(&lock);
	struct making *m = find(ns, id);
	if (!m) {
		size_t i = used < MAKINGS ? used++ : next++ % MAKINGS;
		entry_clear(&table[i]);
		m = &table[i];
	} else {
		entry_clear(m);
	}
	m->maker = who;
	snprintf(m->ns, sizeof(m->ns), "%s", ns);
	snprintf(m->id, sizeof(m->id), "%s", id);
	pthread_mutex_unlock(&lock);
}

bool making_active(const char *ns, const char *id)
{
	char *lost = NULL;
	bool active = false;
	if (!__atomic_load_n(&used, __ATOMIC_RELAXED))
		return false;
	pthread_mutex_lock(&lock);
	struct making *m = find(ns, id);
	if (m && !(active = caller_alive(&m->maker))) {
		lost = m->held_key;
		m->held_key = NULL;
		entry_remove((size_t)(m - table));
	}
	pthread_mutex_unlock(&lock);
	if (lost) {
		char path[2 * CTRFS_IDENTIFIER_MAX + 32];
		snprintf(path, sizeof(path), "%s/%s/snapshot_key", ns, id);
		refuse(EINVAL, "write", path,
		       "the container was made without a snapshotter, so its snapshot key "
		       "\"%s\" was not stored",
		       lost);
	}
	free(lost);
	return active;
}

/* The key of a label or extension in `keys`: "l"/"e" and the key. */
static char *key_name(const struct fspath *fp)
{
	char *s = NULL;
	if (asprintf(&s, "%c%s", fp->kind == NODE_LABEL ? 'l' : 'e', fp->key) < 0)
		return NULL;
	return s;
}

static unsigned made_bit(const struct fspath *fp)
{
	switch (fp->kind) {
	case NODE_FIELD:
		return 1u << fp->field;
	case NODE_RUNTIME:
		return MADE_RUNTIME;
	case NODE_LABELS:
		return MADE_LABELS;
	case NODE_EXTENSIONS:
		return MADE_EXTENSIONS;
	default:
		return 0;
	}
}

static bool made_by(const struct making *m, const struct fspath *fp, const char *key)
{
	unsigned bit = made_bit(fp);
	if (bit)
		return m->made & bit;
	for (size_t i = 0; i < m->nkeys; i++)
		if (strcmp(m->keys[i], key) == 0)
			return true;
	return false;
}

bool making_hidden(fuse_req_t req, const struct fspath *fp)
{
	struct caller who = {fuse_req_ctx(req)->pid, 0};
	if (!__atomic_load_n(&used, __ATOMIC_RELAXED) || !in_container(fp) || who.pid <= 0)
		return false;
	pthread_mutex_lock(&lock);
	struct making *m = find(fp->ns, fp->id);
	bool candidate = m && m->maker.pid == who.pid;
	pthread_mutex_unlock(&lock);
	if (!candidate || !caller_of(req, &who))
		return false;
	__cleanup_free char *key = made_bit(fp) ? NULL : key_name(fp);
	if (!made_bit(fp) && !key)
		return false;
	bool hidden = false;
	pthread_mutex_lock(&lock);
	m = find(fp->ns, fp->id);
	if (m && caller_same(&m->maker, &who))
		hidden = !made_by(m, fp, key);
	pthread_mutex_unlock(&lock);
	return hidden;
}

void making_made(fuse_req_t req, const struct fspath *fp)
{
	struct caller who = {fuse_req_ctx(req)->pid, 0};
	if (!__atomic_load_n(&used, __ATOMIC_RELAXED) || !in_container(fp) || who.pid <= 0)
		return;
	pthread_mutex_lock(&lock);
	struct making *m = find(fp->ns, fp->id);
	bool candidate = m && m->maker.pid == who.pid;
	pthread_mutex_unlock(&lock);
	/* only the maker's requests pay for reading its start time */
	if (!candidate || !caller_of(req, &who))
		return;
	char *key = made_bit(fp) ? NULL : key_name(fp);
	pthread_mutex_lock(&lock);
	m = find(fp->ns, fp->id);
	if (m && caller_same(&m->maker, &who) && !made_by(m, fp, key)) {
		if (made_bit(fp)) {
			m->made |= made_bit(fp);
		} else if (key) {
			char **v = realloc(m->keys, (m->nkeys + 1) * sizeof(*v));
			if (v) {
				m->keys = v;
				v[m->nkeys++] = key;
				key = NULL;
			}
		}
	}
	pthread_mutex_unlock(&lock);
	free(key);
}

void making_forget(const char *ns, const char *id)
{
	pthread_mutex_lock(&lock);
	struct making *m = find(ns, id);
	if (m)
		entry_remove((size_t)(m - table));
	pthread_mutex_unlock(&lock);
}

bool making_hold_key(const char *ns, const char *id, const char *key)
{
	char *copy = strdup(key);
	bool held = false;
	pthread_mutex_lock(&lock);
	struct making *m = find(ns, id);
	if (m && copy) {
		free(m->held_key);
		m->held_key = copy;
		copy = NULL;
		held = true;
	}
	pthread_mutex_unlock(&lock);
	free(copy);
	return held;
}

char *making_take_key(const char *ns, const char *id)
{
	char *key = NULL;
	pthread_mutex_lock(&lock);
	struct making *m = find(ns, id);
	if (m) {
		key = m->held_key;
		m->held_key = NULL;
	}
	pthread_mutex_unlock(&lock);
	return key;
}

/* MOUNT/.events: the store's change log as a stream of JSON lines, one per event
 * (ctrfs_event_json), as `ctrfsctl events` prints them.
 *
 * A new open starts after the newest event: cat follows what happens from then on,
 * head -n 5 waits for the next five changes (`ctrfsctl events` shows the retained
 * history). It is not listed in the root: grep -r and find would read it forever.
 *
 * Offsets and size, for the tools that follow a growing log file (tail -f, less +F):
 * each reader sees its own stream, and a read waits for events only where the
 * reader's previous read ended (cat, head, tail -n +1 read on from 0). A read anywhere
 * else (after a seek) is the end of the file at once, and the reader goes on from
 * there. st_size is never 0 and grows with each event by more than any line takes
 * (events_size): GNU tail -f seeks to the end, reads backwards for its last lines
 * (end of file at once: the file holds nothing from before the open), then, once
 * st_size grows, reads on where it stopped with O_NONBLOCK, which gets EAGAIN
 * instead of a wait when nothing is new. A size of 0 made tail read it as a pipe,
 * waiting for an end that never comes.
 *
 * The file never ends: a read with nothing new waits, without holding a thread. The
 * request is parked here and answered by the notifier thread when events come, or
 * with EINTR when the kernel interrupts it (a signal such as Ctrl-C: the kernel cannot
 * end the reader's wait by itself once the request is with us). poll(2) says readable
 * when events are there.
 *
 * A parked read is answered by exactly one side: whoever takes it off its reader's
 * list (under `lock`) owns it, unregisters the interrupt callback (which waits for a
 * running callback to return) and replies. The interrupt callback itself never
 * replies: it may run inside fuse_req_interrupt_func, under the request's lock.
 *
 * Memory: a reader reads ahead only what the waiting read asks for (at least one line,
 * at most READ_AHEAD) and drops its buffer once it is read, so that many idle or slow
 * readers hold little. Each open takes READER_RESERVE from the daemon's budget
 * (budget.h) and a larger buffer takes the rest; opens past READERS_MAX or the budget
 * are refused (EMFILE, ENOSPC).
 */
#include "events.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>

#include "budget.h"
#include "strbuf.h"

/* What one fill reads ahead at most, in bytes (a read takes what fits its size). */
#define READ_AHEAD (64 << 10)
/* Readers one mount serves at once: far more than the tools watching one host. */
#define READERS_MAX 4096
/* What an open takes from the budget: the reader and a line or two of events. */
#define READER_RESERVE 4096

struct waiter {
	fuse_req_t req;
	size_t size;
	struct reader *r;
	bool registering; /* the interrupt callback is being set: hands off */
	bool interrupted; /* taken by the interrupt callback: answer EINTR */
	bool claimed;	  /* taken off its list by whoever answers it */
	struct waiter *next;
	/* the answer, prepared under the lock and sent after it */
	char *data;
	size_t len;
	int err;
};

struct reader {
	struct ctrfs *fs;
	uint64_t since; /* the last event read into buf */
	off_t read_end; /* where the previous read ended: a read here waits for events */
	char *buf;	/* lines read ahead, from off to len */
	size_t off, len, cap;
	size_t want;	/* what the fill under way reads ahead */
	size_t charged; /* taken from the budget: READER_RESERVE or the buffer's cap */
	int fill_err;	/* why the fill under way stopped short (ENOSPC, ENOMEM) */
	struct fuse_pollhandle *ph;
	struct waiter *waiting;
	struct reader *next;
};

/* The notifier's wake-up, handed over by notify_start (events_start): the thread that
 * serves the waiting reads (events_service) is the notifier's, and this file never
 * calls into it otherwise. */
static void (*wake)(void);

static void wake_notifier(void)
{
	void (*fn)(void) = __atomic_load_n(&wake, __ATOMIC_ACQUIRE);
	if (fn)
		fn();
}

void events_start(void (*wake_fn)(void))
{
	__atomic_store_n(&wake, wake_fn, __ATOMIC_RELEASE);
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct reader *readers;
static size_t nreaders;
static struct waiter *interrupted; /* taken by the callback, for the notifier to answer */

static struct reader *fh(const struct fuse_file_info *fi)
{
	return (struct reader *)(uintptr_t)fi->fh;
}

/* Drops the lines read ahead and gives back what they took beyond the reserve;
 * caller holds the lock. */
static void drop_buffer(struct reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->off = r->len = r->cap = 0;
	budget_give(r->charged - READER_RESERVE);
	r->charged = READER_RESERVE;
}

/* Drops the buffer once all of it was read (the answer has its own copy or was sent):
 * a reader between reads holds nothing but its reserve. Caller holds the lock. */
static void done_with(struct reader *r)
{
	if (r->off == r->len && r->buf)
		drop_buffer(r);
}

/* Unlists a reader and frees it, giving back all it took (no read may wait on it). */
static void reader_free(struct reader *r)
{
	pthread_mutex_lock(&lock);
	for (struct reader **p = &readers; *p; p = &(*p)->next) {
		if (*p == r) {
			*p = r->next;
			break;
		}
	}
	drop_buffer(r);
	budget_give(READER_RESERVE);
	nreaders--;
	pthread_mutex_unlock(&lock);
	if (r->ph)
		fuse_pollhandle_destroy(r->ph);
	free(r);
}

void events_open(fuse_req_t req, struct fuse_file_info *fi)
{
	struct ctrfs *fs = req_fs(req);
	ctrfs_error err;
	struct reader *r = calloc(1, sizeof(*r));
	if (!r) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if ((fi->flags & O_ACCMODE) != O_RDONLY) {
		free(r);
		fuse_reply_err(req, EACCES);
		return;
	}
	r->fs = fs;
	if (ctrfs_events_last_seq(fs->store, &r->since, &err)) {
		free(r);
		fuse_reply_err(req, store_errno(&err, EIO));
		return;
	}
	pthread_mutex_lock(&lock);
	int rc = 0;
	if (nreaders >= READERS_MAX)
		rc = refuse(EMFILE, "open", ".events",
			    "%d readers already, the most one mount serves", READERS_MAX);
	else if (!budget_take(READER_RESERVE))
		rc = refuse_budget("open", ".events");
	else
		nreaders++;
	pthread_mutex_unlock(&lock);
	if (rc) {
		free(r);
		fuse_reply_err(req, -rc);
		return;
	}
	r->charged = READER_RESERVE;
	/* a stream: no page cache, no size, and offsets that mean nothing. Not
	 * FOPEN_NONSEEKABLE: head(1) seeks back over what it read past its last line
	 * and, on a regular file, reports the ESPIPE (after printing the lines); a seek
	 * here is accepted and changes nothing. */
	fi->direct_io = 1;
	fi->nonseekable = 0;
	fi->keep_cache = 0;
	fi->noflush = 1;
	fi->fh = (uintptr_t)r;
	pthread_mutex_lock(&lock);
	r->next = readers;
	readers = r;
	pthread_mutex_unlock(&lock);
	if (fuse_reply_open(req, fi) != 0)
		reader_free(r);
}

static int add_line(const ctrfs_event *ev, void *arg)
{
	struct reader *r = arg;
	char *line = ctrfs_event_json(ev);
	if (!line)
		return 1;
	size_t len = strlen(line);
	if (r->len + len + 1 > r->cap) {
		/* what this fill needs, no more: a one-byte read holds one line */
		size_t cap = r->len + len + 1;
		size_t more = cap > r->charged ? cap - r->charged : 0;
		if (more && !budget_take(more)) {
			free(line);
			r->fill_err = ENOSPC;
			return 1;
		}
		char *p = realloc(r->buf, cap);
		if (!p) {
			budget_give(more);
			free(line);
			r->fill_err = ENOMEM;
			return 1;
		}
		r->charged += more;
		r->buf = p;
		r->cap = cap;
	}
	memcpy(r->buf + r->len, line, len);
	r->buf[r->len + len] = '\n';
	r->len += len + 1;
	r->since = ev->seq;
	free(line);
	return r->len >= r->want;
}

/* Reads the next events into r->buf when it is empty, enough for a read of `size`;
 * caller holds the lock. 1 when there is something to read, 0 when there is nothing
 * new, -errno when the next line does not fit in memory (logged). */
static int fill(struct reader *r, size_t size)
{
	ctrfs_error err;
	if (r->off < r->len)
		return 1;
	drop_buffer(r);
	r->want = size < READ_AHEAD ? size : READ_AHEAD;
	r->fill_err = 0;
	ctrfs_events_read(r->fs->store, r->since, NULL, 0, add_line, r, &err);
	if (r->len > 0)
		return 1;
	if (r->fill_err == ENOSPC)
		return refuse_budget("read", ".events");
	return r->fill_err ? -r->fill_err : 0;
}

/* Up to size bytes of whole lines (a line longer than size is split); caller holds the
 * lock. The bytes stay valid until the lock is released. */
static size_t take(struct reader *r, size_t size, const char **out)
{
	size_t n = r->len - r->off;
	if (n > size) {
		/* whole lines when one fits: line readers then never see half a line */
		const char *p = r->buf + r->off;
		size_t end = size;
		while (end > 0 && p[end - 1] != '\n')
			end--;
		n = end ? end : size;
	}
	*out = r->buf + r->off;
	r->off += n;
	r->read_end += (off_t)n;
	return n;
}

static void waiter_remove(struct waiter *w)
{
	for (struct waiter **p = &w->r->waiting; *p; p = &(*p)->next) {
		if (*p == w) {
			*p = w->next;
			break;
		}
	}
	w->next = NULL;
}

static void on_interrupt(fuse_req_t req, void *data)
{
	(void)req;
	struct waiter *w = data;
	pthread_mutex_lock(&lock);
	if (w->claimed) {
		/* being answered: its owner waits for this callback to return */
		pthread_mutex_unlock(&lock);
		return;
	}
	/* still parked: the notifier answers it (replying here could free the request
	 * under the lock our caller holds) */
	waiter_remove(w);
	w->claimed = true;
	w->interrupted = true;
	w->next = interrupted;
	interrupted = w;
	bool registering = w->registering;
	pthread_mutex_unlock(&lock);
	if (!registering)
		wake_notifier();
}

/* Takes w off its list to answer it with `len` bytes of data or err; caller holds the
 * lock. The answer is sent by send_all, after the lock is released. */
static void claim(struct waiter *w, const char *data, size_t len, int err, struct waiter **list)
{
	if (!w->interrupted)
		waiter_remove(w);
	w->claimed = true;
	w->err = err;
	if (!err && len && !(w->data = malloc(len)))
		w->err = ENOMEM; /* the reader sees an error rather than waiting forever */
	else if (!err && len)
		memcpy(w->data, data, len);
	w->len = len;
	w->next = *list;
	*list = w;
}

static void send_all(struct waiter *w)
{
	while (w) {
		struct waiter *next = w->next;
		/* waits for a running interrupt callback, so that it never sees w freed */
		fuse_req_interrupt_func(w->req, NULL, NULL);
		if (w->err)
			fuse_reply_err(w->req, w->err);
		else
			fuse_reply_buf(w->req, w->data, w->len);
		free(w->data);
		free(w);
		w = next;
	}
}

uint64_t events_size(uint64_t last_seq)
{
	/* past any block a backwards reader starts with; then more than any event line
	 * takes (a container's labels are bounded well below it) */
	return ((uint64_t)1 << 40) + last_seq * ((uint64_t)1 << 24);
}

void events_read(fuse_req_t req, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct reader *r = fh(fi);
	const char *data;
	pthread_mutex_lock(&lock);
	if (off != r->read_end && !r->waiting) {
		/* after a seek: the end of the file, and the reader goes on from here */
		r->read_end = off;
		pthread_mutex_unlock(&lock);
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	int got = r->waiting ? 0 : fill(r, size);
	if (!got && !r->waiting && (fi->flags & O_NONBLOCK)) {
		pthread_mutex_unlock(&lock);
		fuse_reply_err(req, EAGAIN);
		return;
	}
	if (got) {
		/* replied under the lock: the bytes are the reader's buffer */
		if (got > 0) {
			size_t n = take(r, size, &data);
			fuse_reply_buf(req, data, n);
			done_with(r);
		} else {
			fuse_reply_err(req, -got);
		}
		pthread_mutex_unlock(&lock);
		return;
	}
	struct waiter *w = calloc(1, sizeof(*w));
	if (!w) {
		pthread_mutex_unlock(&lock);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	w->req = req;
	w->size = size;
	w->r = r;
	w->registering = true;
	/* parked at the end: reads of one handle are answered in order */
	struct waiter **p = &r->waiting;
	while (*p)
		p = &(*p)->next;
	*p = w;
	pthread_mutex_unlock(&lock);

	/* may call on_interrupt at once, when the signal came before the request */
	fuse_req_interrupt_func(req, on_interrupt, w);

	pthread_mutex_lock(&lock);
	w->registering = false;
	if (w->interrupted) {
		pthread_mutex_unlock(&lock);
		wake_notifier();
		return;
	}
	struct waiter *list = NULL;
	got = r->waiting == w ? fill(r, size) : 0;
	if (got > 0) {
		/* events came while the callback was being set */
		size_t n = take(r, size, &data);
		claim(w, data, n, 0, &list);
		done_with(r);
	} else if (got < 0) {
		claim(w, NULL, 0, -got, &list);
	}
	pthread_mutex_unlock(&lock);
	send_all(list);
}

void events_poll(fuse_req_t req, struct fuse_file_info *fi, struct fuse_pollhandle *ph)
{
	struct reader *r = fh(fi);
	uint64_t last = 0;
	ctrfs_error err;
	pthread_mutex_lock(&lock);
	if (ph) {
		/* the kernel's latest handle replaces the one it had */
		if (r->ph)
			fuse_pollhandle_destroy(r->ph);
		r->ph = ph;
	}
	ctrfs_events_last_seq(r->fs->store, &last, &err);
	bool readable = r->off < r->len || r->since < last;
	pthread_mutex_unlock(&lock);
	fuse_reply_poll(req, readable ? POLLIN | POLLRDNORM : 0);
}

void events_release(fuse_req_t req, struct fuse_file_info *fi)
{
	struct reader *r = fh(fi);
	/* no read is in flight at release; a parked one would be the kernel's loss */
	struct waiter *list = NULL;
	pthread_mutex_lock(&lock);
	while (r->waiting)
		claim(r->waiting, NULL, 0, 0, &list);
	pthread_mutex_unlock(&lock);
	send_all(list);
	reader_free(r);
	fuse_reply_err(req, 0);
}

void events_service(uint64_t last)
{
	struct waiter *list = NULL;
	struct fuse_pollhandle *phs[64];
	size_t nph = 0;
	pthread_mutex_lock(&lock);
	for (struct waiter **p = &interrupted; *p;) {
		struct waiter *w = *p;
		if (w->registering) {
			p = &w->next; /* its thread kicks again once registered */
			continue;
		}
		*p = w->next;
		claim(w, NULL, 0, EINTR, &list);
	}
	for (struct reader *r = readers; r; r = r->next) {
		int got;
		while (r->waiting && !r->waiting->registering &&
		       (r->off < r->len || r->since < last) &&
		       (got = fill(r, r->waiting->size)) != 0) {
			const char *data = NULL;
			size_t n = got > 0 ? take(r, r->waiting->size, &data) : 0;
			claim(r->waiting, data, n, got < 0 ? -got : 0, &list);
			done_with(r);
		}
		if (r->ph && nph < 64 && (r->off < r->len || r->since < last)) {
			phs[nph++] = r->ph;
			r->ph = NULL;
		}
	}
	pthread_mutex_unlock(&lock);
	send_all(list);
	for (size_t i = 0; i < nph; i++) {
		fuse_lowlevel_notify_poll(phs[i]);
		fuse_pollhandle_destroy(phs[i]);
	}
	if (nph == 64)
		wake_notifier(); /* more pollers than one round takes */
}

void events_shutdown(void)
{
	struct waiter *list = NULL;
	pthread_mutex_lock(&lock);
	while (interrupted) {
		struct waiter *w = interrupted;
		interrupted = w->next;
		claim(w, NULL, 0, EINTR, &list);
	}
	for (struct reader *r = readers; r; r = r->next)
		while (r->waiting)
			claim(r->waiting, NULL, 0, 0, &list);
	pthread_mutex_unlock(&lock);
	send_all(list);
}

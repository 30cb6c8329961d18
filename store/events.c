/* The change log: containerd's events, written in the transaction of each change. */
#include "events.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "any_members.h"
#include "error.h"
#include "filter.h"
#include "json_text.h"
#include "record.h"
#include "runes.h"

/* A JSON string of any bytes, each byte that is not part of valid UTF-8 as U+FFFD (as
 * Go's encoding/json writes it): labels, images and keys may hold any bytes, and
 * jansson refuses invalid UTF-8 (a payload made of them would be lost). */
static char *valid_utf8(const char *s)
{
	size_t n = strlen(s), w;
	if (json_text_is_utf8(s, n))
		return strdup(s);
	char *out = malloc(3 * n + 1), *o = out;
	for (const unsigned char *p = (const unsigned char *)s; out && *p; p += w) {
		int32_t r = runes_decode(p, n - (size_t)(p - (const unsigned char *)s), &w);
		if (r == RUNE_ERROR && w == 1) {
			o += runes_encode(RUNE_ERROR, o);
		} else {
			memcpy(o, p, w);
			o += w;
		}
	}
	if (out)
		*o = '\0';
	return out;
}

static json_t *text(const char *s)
{
	char *v = valid_utf8(s ? s : "");
	json_t *j = v ? json_string(v) : NULL;
	free(v);
	return j;
}

json_t *event_labels_json(const ctrfs_labels *l)
{
	json_t *o = json_object();
	for (size_t i = 0; o && i < l->count; i++) {
		char *key = valid_utf8(l->items[i].key);
		json_t *v = text(l->items[i].value);
		if (!key || !v || json_object_set_new(o, key, v)) {
			json_decref(o);
			o = NULL;
		}
		free(key);
	}
	return o;
}

static void any_member(void *arg, const char *name, const char *value)
{
	json_t **o = arg;
	if (*o && json_object_set_new(*o, name, text(value))) {
		json_decref(*o); /* out of memory */
		*o = NULL;
	}
}

static json_t *any_json(const ctrfs_any *a)
{
	json_t *o = json_object();
	if (o && !any_members(a, false, any_member, &o)) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

json_t *event_container_create(const ctrfs_container *c)
{
	json_t *rt = json_pack("{s:o}", "name", text(c->runtime_name));
	if (rt && c->has_runtime_options)
		json_object_set_new(rt, "options", any_json(&c->runtime_options));
	return json_pack("{s:s, s:o, s:o}", "id", c->id, "image", text(c->image), "runtime", rt);
}

json_t *event_container_update(const ctrfs_container *c)
{
	return json_pack("{s:s, s:o, s:o, s:o}", "id", c->id, "image", text(c->image), "labels",
			 event_labels_json(&c->labels), "snapshot_key", text(c->snapshot_key));
}

static void seq_key(uint64_t seq, unsigned char k[8])
{
	for (int i = 7; i >= 0; i--, seq >>= 8)
		k[i] = seq & 0xff;
}

static uint64_t seq_from_key(const MDB_val *k)
{
	uint64_t seq = 0;
	const unsigned char *p = k->mv_data;
	for (size_t i = 0; i < 8 && i < k->mv_size; i++)
		seq = seq << 8 | p[i];
	return seq;
}

/* The bytes of the pages a table fills (what it costs on disk). */
static size_t table_bytes(const MDB_stat *st)
{
	return (size_t)st->ms_psize *
	       (st->ms_branch_pages + st->ms_leaf_pages + st->ms_overflow_pages);
}

/* What an event is about, from its payload: see ctrfs_event.subject. */
static const char *event_subject(const char *topic, json_t *payload)
{
	const char *field = strncmp(topic, "/containers/", 12) == 0 ? "id"
			    : strncmp(topic, "/tasks/", 7) == 0	    ? "container_id"
			    : strncmp(topic, "/images/", 8) == 0    ? "name"
								    : NULL;
	return field ? json_string_value(json_object_get(payload, field)) : NULL;
}

ctrfs_code events_append(struct db_txn *t, const char *ns, const char *topic, json_t *payload,
			 ctrfs_error *err)
{
	MDB_cursor *cur;
	MDB_val k, v;
	uint64_t seq = 1;
	ctrfs_code code = CTRFS_OK;
	if (!payload)
		return ctrfs_fail_oom(err);
	int rc = mdb_cursor_open(t->txn, t->store->dbi[DB_EVENTS], &cur);
	if (rc) {
		json_decref(payload);
		return db_fail(t, rc, err, "events");
	}
	rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	if (rc == 0)
		seq = seq_from_key(&k) + 1;
	else if (rc != MDB_NOTFOUND)
		code = db_fail(t, rc, err, "events");

	char *text = json_dumps(payload, JSON_COMPACT | JSON_PRESERVE_ORDER);
	struct strbuf sb = STRBUF_INIT;
	record_put_time(&sb, ctrfs_time_now());
	record_put_str(&sb, ns);
	record_put_str(&sb, topic);
	record_put_str(&sb, text ? text : "{}");
	/* after the three fields every reader knows (older ones stop there) */
	const char *subject = event_subject(topic, payload);
	if (subject)
		record_put_str(&sb, subject);
	json_decref(payload);
	free(text);
	unsigned char key[8];
	seq_key(seq, key);
	if (!code)
		code = db_put_sb(t, DB_EVENTS, key, sizeof(key), &sb, err);
	strbuf_release(&sb);
	if (!code)
		t->appended = seq;

	/* retention: drop the oldest events beyond either bound (mdb_stat is O(1)) */
	for (MDB_stat st; !code && mdb_stat(t->txn, t->store->dbi[DB_EVENTS], &st) == 0;) {
		if (st.ms_entries <= 1 || (st.ms_entries <= CTRFS_EVENTS_RETAINED &&
					   table_bytes(&st) <= t->store->events_max_bytes))
			break;
		rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
		if (!rc)
			rc = mdb_cursor_del(cur, 0);
		if (rc)
			code = db_fail(t, rc, err, "events");
	}
	mdb_cursor_close(cur);
	return code;
}

bool event_payload_ok(const char *payload)
{
	return payload && !strpbrk(payload, "\r\n") && json_text_is_json(payload, strlen(payload));
}

char *ctrfs_event_json(const ctrfs_event *ev)
{
	struct strbuf sb = STRBUF_INIT;
	char ts[64];
	ctrfs_time_format(ev->timestamp, ts, sizeof(ts));
	strbuf_addf(&sb, "{\"seq\":%llu,\"timestamp\":\"%s\",\"namespace\":",
		    (unsigned long long)ev->seq, ts);
	json_text_quote_go(&sb, ev->namespace_, strlen(ev->namespace_));
	strbuf_adds(&sb, ",\"topic\":");
	json_text_quote_go(&sb, ev->topic, strlen(ev->topic));
	strbuf_adds(&sb, ",\"event\":");
	strbuf_adds(&sb, ev->event);
	strbuf_addc(&sb, '}');
	return strbuf_detach(&sb, NULL);
}

/* The filter adaptor of an event: topic, namespace, event.<field>[.<field>...]. */
struct event_fields {
	const ctrfs_event *ev;
	json_t *payload;
};

static bool event_field(const void *obj, const char *const *path, size_t npath, const char **value)
{
	const struct event_fields *f = obj;
	if (npath == 1 && strcmp(path[0], "topic") == 0)
		*value = f->ev->topic;
	else if (npath == 1 && strcmp(path[0], "namespace") == 0)
		*value = f->ev->namespace_;
	else if (npath >= 2 && strcmp(path[0], "event") == 0) {
		json_t *v = f->payload;
		for (size_t i = 1; v && i < npath; i++)
			v = json_object_get(v, path[i]);
		if (!json_is_string(v))
			return false;
		*value = json_string_value(v);
	} else
		return false;
	return **value != '\0';
}

static bool event_matches(const ctrfs_filter *filter, const ctrfs_event *ev)
{
	struct event_fields f = {ev, json_loads(ev->event, 0, NULL)};
	bool match = filter_match(filter, event_field, &f);
	json_decref(f.payload);
	return match;
}

ctrfs_code events_read_txn(struct db_txn *t, uint64_t since, const ctrfs_filter *filter,
			   int (*fn)(const ctrfs_event *ev, void *arg), void *arg, ctrfs_error *err)
{
	MDB_cursor *cur;
	MDB_val k, v;
	ctrfs_code code = CTRFS_OK;
	int rc = mdb_cursor_open(t->txn, t->store->dbi[DB_EVENTS], &cur);
	if (rc)
		return db_fail(t, rc, err, "events");
	unsigned char key[8];
	seq_key(since + 1, key);
	k.mv_size = 8;
	k.mv_data = key;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct record_reader r = {v.mv_data, v.mv_size, false};
		ctrfs_event ev = {.seq = seq_from_key(&k)};
		ev.timestamp = record_get_time(&r);
		char *ns = record_get_str(&r), *topic = record_get_str(&r),
		     *payload = record_get_str(&r);
		/* kept since the subject was: an older record ends with the payload */
		char *subject = !r.bad && r.left ? record_get_str(&r) : NULL;
		int stop = 0;
		if (r.bad || !event_payload_ok(payload)) {
			code = ctrfs_fail_sys(err, CTRFS_INTERNAL, EIO, "event %llu is damaged",
					      (unsigned long long)ev.seq);
		} else {
			ev.namespace_ = ns;
			ev.topic = topic;
			ev.event = payload;
			ev.subject = subject;
			if (!filter || event_matches(filter, &ev))
				stop = fn(&ev, arg);
		}
		free(ns);
		free(topic);
		free(payload);
		free(subject);
		if (code || stop)
			break;
	}
	if (rc && rc != MDB_NOTFOUND && !code)
		code = db_fail(t, rc, err, "events");
	mdb_cursor_close(cur);
	return code;
}

ctrfs_code ctrfs_events_read(ctrfs_store *s, uint64_t since, const char *const *filters,
			     size_t nfilters, int (*fn)(const ctrfs_event *ev, void *arg),
			     void *arg, ctrfs_error *err)
{
	struct db_txn t;
	ctrfs_filter *filter = NULL;
	ctrfs_code code = nfilters ? filter_parse(filters, nfilters, &filter, err) : CTRFS_OK;
	if (code)
		return code;
	code = db_read_begin(s, &t, err);
	if (!code) {
		code = events_read_txn(&t, since, filter, fn, arg, err);
		db_read_end(&t);
	}
	filter_free(filter);
	return code;
}

/* The first or last seq (0 when none) in t. */
static ctrfs_code edge_seq_txn(struct db_txn *t, MDB_cursor_op op, uint64_t *seq, ctrfs_error *err)
{
	MDB_cursor *cur;
	MDB_val k, v;
	*seq = 0;
	int rc = mdb_cursor_open(t->txn, t->store->dbi[DB_EVENTS], &cur);
	if (!rc) {
		rc = mdb_cursor_get(cur, &k, &v, op);
		if (!rc)
			*seq = seq_from_key(&k);
		mdb_cursor_close(cur);
	}
	if (rc && rc != MDB_NOTFOUND)
		return db_fail(t, rc, err, "events");
	return CTRFS_OK;
}

ctrfs_code events_last_seq_txn(struct db_txn *t, uint64_t *seq, ctrfs_error *err)
{
	return edge_seq_txn(t, MDB_LAST, seq, err);
}

ctrfs_code events_first_seq_txn(struct db_txn *t, uint64_t *seq, ctrfs_error *err)
{
	return edge_seq_txn(t, MDB_FIRST, seq, err);
}

static ctrfs_code edge_seq(ctrfs_store *s, MDB_cursor_op op, uint64_t *seq, ctrfs_error *err)
{
	struct db_txn t;
	*seq = 0;
	ctrfs_code code = db_read_begin(s, &t, err);
	if (code)
		return code;
	code = edge_seq_txn(&t, op, seq, err);
	db_read_end(&t);
	return code;
}

ctrfs_code ctrfs_events_last_seq(ctrfs_store *s, uint64_t *seq, ctrfs_error *err)
{
	return edge_seq(s, MDB_LAST, seq, err);
}

ctrfs_code ctrfs_events_first_seq(ctrfs_store *s, uint64_t *seq, ctrfs_error *err)
{
	return edge_seq(s, MDB_FIRST, seq, err);
}

/* Unit tests of what a process learns about the store's changes without reading them:
 * the seq of its own newest commit (ctrfs_store_committed_seq), the store's version
 * (ctrfs_store_version), each event's subject kept beside its payload, and the
 * binding looked up only when another commit may have changed it. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "record.h"

#include "check.h"

struct seen {
	int n;
	char subjects[8][64]; /* "(null)" for none */
};

static int keep_subject(const ctrfs_event *ev, void *arg)
{
	struct seen *s = arg;
	if (s->n < 8)
		snprintf(s->subjects[s->n], sizeof(s->subjects[0]), "%s",
			 ev->subject ? ev->subject : "(null)");
	s->n++;
	return 0;
}

static uint64_t last_seq(ctrfs_store *s)
{
	uint64_t seq = 0;
	ctrfs_error err;
	CHECK(!ctrfs_events_last_seq(s, &seq, &err), "%s", err.text);
	return seq;
}

/* An event as versions before the subject wrote it: time, namespace, topic, payload. */
static void put_old_event(ctrfs_store *s, uint64_t seq)
{
	struct strbuf sb = STRBUF_INIT;
	ctrfs_time t = {1700000000, 0};
	record_put_time(&sb, t);
	record_put_str(&sb, "default");
	record_put_str(&sb, "/containers/update");
	record_put_str(&sb, "{\"id\":\"old\"}");
	unsigned char key[8];
	for (int i = 0; i < 8; i++)
		key[i] = (unsigned char)(seq >> (56 - 8 * i));
	MDB_val k = {sizeof(key), key}, v = {sb.len, sb.buf};
	MDB_txn *txn;
	if (mdb_txn_begin(s->env, NULL, 0, &txn) || mdb_put(txn, s->dbi[DB_EVENTS], &k, &v, 0) ||
	    mdb_txn_commit(txn)) {
		fprintf(stderr, "cannot write the event\n");
		exit(1);
	}
	strbuf_release(&sb);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

int main(void)
{
	char dir[] = "/tmp/ctrfs-test-change-log-XXXXXX";
	ctrfs_store *s, *other;
	ctrfs_error err;
	ctrfs_open_options o = {.no_sync = true, .map_size = 1 << 20};
	if (!mkdtemp(dir) || ctrfs_store_open(dir, &o, &s, &err) ||
	    ctrfs_store_open(dir, &o, &other, &err)) {
		fprintf(stderr, "cannot open a store in %s\n", dir);
		return 1;
	}

	/* committed seq and version */
	CHECK(ctrfs_store_committed_seq(s) == 0, "nothing committed yet");
	uint64_t v0 = ctrfs_store_version(s);
	ctrfs_container c = {.id = (char *)"web",
			     .image = (char *)"nginx",
			     .runtime_name = (char *)"io.containerd.runc.v2"};
	CHECK(!ctrfs_namespace_create(s, "default", NULL, &err), "%s", err.text);
	CHECK(!ctrfs_spec_default("default", "web", &c.spec, &err), "%s", err.text);
	c.has_spec = true;
	CHECK(!ctrfs_container_create(s, "default", &c, NULL, &err), "%s", err.text);
	ctrfs_any_clear(&c.spec);
	ctrfs_time at = {0, 0};
	ctrfs_field_options fo = {.stored_at = &at};
	CHECK(!ctrfs_container_set_label(s, "default", "web", "app", "v1", &fo, NULL, &err), "%s",
	      err.text);
	uint64_t mine = ctrfs_store_committed_seq(s);
	CHECK(mine && mine == last_seq(s), "committed %llu, last %llu", (unsigned long long)mine,
	      (unsigned long long)last_seq(s));
	ctrfs_container got;
	CHECK(!ctrfs_container_get(s, "default", "web", 0, &got, &err), "%s", err.text);
	CHECK(at.sec && at.sec == got.updated_at.sec && at.nsec == got.updated_at.nsec,
	      "stored_at is the UpdatedAt stored");
	ctrfs_container_clear(&got);
	uint64_t v1 = ctrfs_store_version(s);
	CHECK(v1 > v0, "the version moves with commits (%llu, %llu)", (unsigned long long)v0,
	      (unsigned long long)v1);
	ctrfs_reader *r = NULL;
	CHECK(!ctrfs_reader_open(s, &r, &err), "%s", err.text);
	CHECK(r && ctrfs_reader_version(r) == v1, "a snapshot shows the version it reads");
	/* a check commits nothing, and another handle's commit is not this one's */
	fo.check_only = true;
	CHECK(!ctrfs_container_set_label(s, "default", "web", "app", "v2", &fo, NULL, &err), "%s",
	      err.text);
	CHECK(!ctrfs_container_set_label(other, "default", "web", "app", "v3", NULL, NULL, &err),
	      "%s", err.text);
	CHECK(ctrfs_store_committed_seq(s) == mine, "another handle's commit moved ours");
	CHECK(ctrfs_store_committed_seq(other) == last_seq(s), "the other handle's own");
	CHECK(ctrfs_store_version(s) > v1 && ctrfs_reader_version(r) == v1,
	      "another process's commit moves the version, not an open snapshot's");

	/* subjects: the container's ID, none for a namespace; and in a snapshot */
	struct seen seen = {0};
	CHECK(!ctrfs_events_read(s, 0, NULL, 0, keep_subject, &seen, &err), "%s", err.text);
	CHECK(seen.n == 4, "%d events", seen.n);
	CHECK_STR(seen.subjects[0], "(null)"); /* /namespaces/create */
	CHECK_STR(seen.subjects[1], "web");
	CHECK_STR(seen.subjects[3], "web");
	struct seen snap = {0};
	uint64_t first = 0;
	CHECK(!ctrfs_reader_first_seq(r, &first, &err) && first == 1, "first %llu",
	      (unsigned long long)first);
	CHECK(!ctrfs_reader_events(r, 1, keep_subject, &snap, &err) && snap.n == 2,
	      "the snapshot's events after 1: %d", snap.n);
	ctrfs_reader_close(r);
	/* an event logged before subjects were kept reads as ever, with none */
	put_old_event(s, last_seq(s) + 1);
	struct seen old = {0};
	CHECK(!ctrfs_events_read(s, last_seq(s) - 1, NULL, 0, keep_subject, &old, &err), "%s",
	      err.text);
	CHECK(old.n == 1, "%d events", old.n);
	CHECK_STR(old.subjects[0], "(null)");

	/* the binding: bound by another handle, this one's next write goes to containerd
	 * (none listens there: refused, nothing written), though it found the store
	 * unbound a moment ago */
	CHECK(!ctrfs_container_set_label(s, "default", "web", "app", "local", NULL, NULL, &err),
	      "%s", err.text);
	CHECK(!ctrfs_store_bind(other, "/nonexistent/containerd.sock", CTRFS_BIND_REPLACE, &err),
	      "%s", err.text);
	CHECK(ctrfs_container_set_label(s, "default", "web", "app", "bound", NULL, NULL, &err) ==
		  CTRFS_UNAVAILABLE,
	      "a write after another handle bound the store: %s", err.text);
	CHECK(!ctrfs_container_get(s, "default", "web", CTRFS_LOAD_LABELS, &got, &err) &&
		  strcmp(ctrfs_labels_get(&got.labels, "app"), "local") == 0,
	      "nothing written");
	ctrfs_container_clear(&got);
	/* unbound again by this handle: its own writes are local again; bound by this
	 * handle, its next write goes to containerd */
	CHECK(!ctrfs_store_bind(s, NULL, 0, &err), "%s", err.text);
	CHECK(!ctrfs_container_set_label(s, "default", "web", "app", "again", NULL, NULL, &err),
	      "%s", err.text);
	CHECK(!ctrfs_store_bind(s, "/nonexistent/containerd.sock", CTRFS_BIND_REPLACE, &err), "%s",
	      err.text);
	CHECK(ctrfs_container_set_label(s, "default", "web", "app", "bound", NULL, NULL, &err) ==
		  CTRFS_UNAVAILABLE,
	      "a write after this handle bound the store: %s", err.text);

	ctrfs_store_close(other);
	ctrfs_store_close(s);
	nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
	return check_report();
}

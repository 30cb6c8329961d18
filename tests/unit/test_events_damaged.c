/* Unit tests of the change log on a damaged store: an event whose payload is not compact
 * JSON (written with raw LMDB, as a hostile store file holds it) is a damaged record for
 * ctrfs_events_read and ctrfs_store_check, never a line that breaks .events. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "record.h"

#include "check.h"
#include "scratch_store.h"

static void put_event(ctrfs_store *s, unsigned seq, const char *payload)
{
	struct strbuf sb = STRBUF_INIT;
	ctrfs_time t = {1700000000, 0};
	record_put_time(&sb, t);
	record_put_str(&sb, "default");
	record_put_str(&sb, "/containers/update");
	record_put_str(&sb, payload);
	unsigned char key[8] = {0, 0, 0, 0, 0, 0, 0, (unsigned char)seq};
	MDB_val k = {sizeof(key), key}, v = {sb.len, sb.buf};
	MDB_txn *txn;
	if (mdb_txn_begin(s->env, NULL, 0, &txn) || mdb_drop(txn, s->dbi[DB_EVENTS], 0) ||
	    mdb_put(txn, s->dbi[DB_EVENTS], &k, &v, 0) || mdb_txn_commit(txn)) {
		fprintf(stderr, "cannot write the event\n");
		exit(1);
	}
	strbuf_release(&sb);
}

static int count_event(const ctrfs_event *ev, void *arg)
{
	(void)ev;
	++*(int *)arg;
	return 0;
}

static void expect(ctrfs_store *s, const char *payload, bool ok)
{
	ctrfs_error err;
	size_t problems = 99;
	int seen = 0;
	put_event(s, 1, payload);
	ctrfs_code code = ctrfs_events_read(s, 0, NULL, 0, count_event, &seen, &err);
	if (ok)
		CHECK(code == CTRFS_OK && seen == 1, "payload %s: code %d, %d events", payload,
		      code, seen);
	else
		CHECK(code == CTRFS_INTERNAL && err.sys_errno == EIO && seen == 0,
		      "payload %s: code %d, %d events", payload, code, seen);
	CHECK(ctrfs_store_check(s, NULL, NULL, &problems, &err) == CTRFS_OK &&
		  problems == (ok ? 0 : 1),
	      "payload %s: %zu problems", payload, problems);
}

int main(void)
{
	char dir[] = "/tmp/ctrfs-test-events-XXXXXX";
	ctrfs_store *s = scratch_store_make(dir);
	expect(s, "{\"id\":\"web\"}", true);
	expect(s, "{}", true);
	expect(s, "not json", false);
	expect(s, "{\"id\":", false);
	expect(s, "{\n\"id\":\"web\"}", false); /* valid JSON, but a second line */
	expect(s, "{\r}", false);
	scratch_store_remove(s, dir);
	return check_report();
}

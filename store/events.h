/* The change log: containerd's events, written in the transaction of each change. */
#ifndef CTRFS_EVENTS_H
#define CTRFS_EVENTS_H

#include <jansson.h>

#include "db.h"
#include "filter.h"

/* Appends an event (payload is consumed) and drops the oldest beyond the retention
 * (CTRFS_EVENTS_RETAINED events, the store's events_max_bytes). */
ctrfs_code events_append(struct db_txn *t, const char *ns, const char *topic, json_t *payload,
			 ctrfs_error *err);

/* Is a stored payload what events_append writes, compact JSON (no raw CR or LF, which
 * valid JSON has only as whitespace)? Anything else, from a damaged or hostile store,
 * would break the one-line-per-event form of ctrfs_event_json. */
bool event_payload_ok(const char *payload);

/* The seq of the newest event in t (0 when none). */
ctrfs_code events_last_seq_txn(struct db_txn *t, uint64_t *seq, ctrfs_error *err);
ctrfs_code events_first_seq_txn(struct db_txn *t, uint64_t *seq, ctrfs_error *err);
/* The events after `since` in t, matching `filter` (NULL: all), oldest first. */
ctrfs_code events_read_txn(struct db_txn *t, uint64_t since, const ctrfs_filter *filter,
			   int (*fn)(const ctrfs_event *ev, void *arg), void *arg,
			   ctrfs_error *err);

/* Payloads, as containerd's events types (protobuf JSON names). */
json_t *event_labels_json(const ctrfs_labels *l);
json_t *event_container_create(const ctrfs_container *c);
json_t *event_container_update(const ctrfs_container *c);

#endif

/* The change log: containerd's events, written in the transaction of each change. */
#ifndef CTRFS_EVENTS_H
#define CTRFS_EVENTS_H

#include <jansson.h>

#include "db.h"

/* Appends an event (payload is consumed) and drops the oldest beyond the retention
 * (CTRFS_EVENTS_RETAINED events, the store's events_max_bytes). */
ctrfs_code events_append(struct db_txn *t, const char *ns, const char *topic, json_t *payload,
			 ctrfs_error *err);

/* Payloads, as containerd's events types (protobuf JSON names). */
json_t *event_labels_json(const ctrfs_labels *l);
json_t *event_container_create(const ctrfs_container *c);
json_t *event_container_update(const ctrfs_container *c);

#endif

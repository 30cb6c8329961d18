/* An Any's members in containerd's JSON forms (ctr's info, the change log): shared by
 * info_json.c and events.c, a leaf so that neither depends on the text forms. */
#ifndef CTRFS_ANY_MEMBERS_H
#define CTRFS_ANY_MEMBERS_H

#include "ctrfs_store.h"

/*
 * "type_url" and "value" (its bytes in base64), in that order; with `omitempty` (Go's,
 * as ctr prints) an empty one is left out. Calls fn(arg, name, value) for each; false
 * when out of memory (then fn was not called).
 */
bool any_members(const ctrfs_any *a, bool omitempty,
		 void (*fn)(void *arg, const char *name, const char *value), void *arg);

#endif

/* An Any's members in containerd's JSON forms (see any_members.h). */
#include "any_members.h"

#include <stdlib.h>

#include "base64.h"

bool any_members(const ctrfs_any *a, bool omitempty,
		 void (*fn)(void *arg, const char *name, const char *value), void *arg)
{
	const char *url = a->type_url ? a->type_url : "";
	char *b64 = base64_encode(a->value, a->value_len, NULL);
	if (!b64)
		return false;
	if (!omitempty || *url)
		fn(arg, "type_url", url);
	if (!omitempty || a->value_len)
		fn(arg, "value", b64);
	free(b64);
	return true;
}

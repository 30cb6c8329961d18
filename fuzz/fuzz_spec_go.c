/* libFuzzer target: the spec as ctr prints it (ctrfs_spec_json_go) on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctrfs_store.h"
#include "json_text.h"

/* Not assert(): the invariants must hold in every build, NDEBUG or not. */
#define REQUIRE(cond)                                                                              \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out, *again;
	size_t len, len2;
	ctrfs_error err;
	if (ctrfs_spec_json_go(data, size, &out, &len, &err)) {
		REQUIRE(err.code == CTRFS_INVALID_ARGUMENT || err.code == CTRFS_INTERNAL);
		return 0;
	}
	/* Go's output is valid UTF-8 JSON, and reads back as itself (a fixed point) */
	REQUIRE(len > 1 && out[len - 1] == '\n');
	REQUIRE(json_text_is_json(out, len - 1));
	REQUIRE(ctrfs_spec_json_go(out, len, &again, &len2, &err) == CTRFS_OK);
	REQUIRE(len2 == len && memcmp(out, again, len) == 0);
	free(again);
	free(out);
	return 0;
}

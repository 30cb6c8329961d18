/* libFuzzer: the JSON documents ctrfs reads from outside: import documents, `ctr
 * containers info` objects and container.json writes. Each parse either fails with a
 * message or gives containers that print and parse back the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctrfs_store.h"
#include "import_doc.h"

#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			abort();                                                                   \
	} while (0)

static void round_trip(const ctrfs_container *c)
{
	char *json;
	size_t len;
	ctrfs_error err;
	if (ctrfs_container_info_json(c, &json, &len, &err))
		return; /* e.g. a time Go could not print */
	ctrfs_container back;
	CHECK(ctrfs_container_from_info_json(json, len, &back, &err) == CTRFS_OK);
	char *again;
	size_t alen;
	CHECK(ctrfs_container_info_json(&back, &again, &alen, &err) == CTRFS_OK);
	CHECK(alen == len && memcmp(json, again, len) == 0);
	free(json);
	free(again);
	ctrfs_container_clear(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	ctrfs_error err;
	ctrfs_container c;
	if (ctrfs_container_from_info_json(text, size, &c, &err) == CTRFS_OK) {
		round_trip(&c);
		ctrfs_container_clear(&c);
	} else {
		CHECK(err.text[0] != '\0');
	}
	ctrfs_import_namespace *nss;
	size_t n;
	if (import_doc_parse(text, size, "default", &nss, &n, &err) == CTRFS_OK) {
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < nss[i].count; j++)
				round_trip(&nss[i].containers[j]);
		ctrfs_import_namespaces_free(nss, n);
	} else {
		CHECK(err.text[0] != '\0');
	}
	return 0;
}

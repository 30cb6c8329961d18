/* libFuzzer target: an image document from the content store (a registry's bytes) as
 * `ctr images ls` reads it. Byte 0 picks the media type the descriptor claims (a
 * manifest, an index or a config, OCI or Docker); the rest is the document.
 * Invariants: a document is accepted with every child's strings set, or refused with a
 * message and nothing left over; formatting and ranking any platform found is safe;
 * nothing leaks or overruns. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oci.h"

#define REQUIRE(cond)                                                                              \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

static const char *const types[] = {
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.config.v1+json",
    "application/vnd.docker.container.image.v1+json",
};

static void platform_checks(const struct oci_platform *p)
{
	struct oci_platform host[8];
	size_t n = oci_host_platforms(host, 8);
	REQUIRE(oci_platform_rank(p, host, n) <= n);
	char *s = oci_platform_format(p);
	REQUIRE(s && *s);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *mt = types[data[0] % (sizeof(types) / sizeof(types[0]))];
	data++;
	size--;
	char *err = NULL;
	if (oci_is_image_config(mt)) {
		struct oci_platform p;
		if (oci_config_platform(data, size, &p, &err) == 0) {
			REQUIRE(p.os && p.architecture && p.variant && *p.os);
			platform_checks(&p);
			oci_platform_clear(&p);
		} else {
			REQUIRE(err);
		}
		free(err);
		return 0;
	}
	struct oci_desc_list l;
	if (oci_children(mt, data, size, &l, &err) == 0) {
		REQUIRE(!err);
		/* a manifest always has its config */
		REQUIRE(!oci_is_manifest(mt) || l.n >= 1);
		for (size_t i = 0; i < l.n; i++) {
			REQUIRE(l.items[i].media_type && l.items[i].digest);
			if (l.items[i].has_platform) {
				REQUIRE(l.items[i].platform.os &&
					l.items[i].platform.architecture &&
					l.items[i].platform.variant);
				platform_checks(&l.items[i].platform);
			}
		}
		oci_desc_list_clear(&l);
	} else {
		REQUIRE(err && l.n == 0 && !l.items);
		free(err);
	}
	return 0;
}

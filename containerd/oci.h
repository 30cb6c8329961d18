/* OCI and Docker image documents (index, manifest, config) as containerd's Go code reads
 * them for `ctr images ls` (images.Children, images.Platforms, the platforms package):
 * socket-free, libc + jansson, for usage.c, the unit test and the fuzzer. The input is
 * content from a registry: anything may come in. */
#ifndef CTRFS_CONTAINERD_OCI_H
#define CTRFS_CONTAINERD_OCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An OCI platform; NULL fields are "" (absent). */
struct oci_platform {
	char *os;
	char *architecture;
	char *variant;
};

/* A descriptor as an index or manifest lists it. */
struct oci_desc {
	char *media_type;
	char *digest;
	int64_t size;
	bool has_platform; /* the document said "platform": {...} */
	struct oci_platform platform;
};

struct oci_desc_list {
	struct oci_desc *items;
	size_t n;
};

void oci_platform_clear(struct oci_platform *p);
void oci_desc_list_clear(struct oci_desc_list *l);

bool oci_is_manifest(const char *media_type);
bool oci_is_index(const char *media_type);
/* The two config types whose os/architecture `ctr images ls` reads for PLATFORMS. */
bool oci_is_image_config(const char *media_type);

/* The children of blob DATA of MEDIA_TYPE as images.Children finds them: a manifest's
 * config then layers, an index's manifests. Only manifest and index types have
 * children (and are read): the caller asks oci_is_manifest/oci_is_index first.
 * 0, or -1 with *ERR (malloc'd) for a document containerd refuses too (not JSON, a
 * manifest that is an index or the other way round, schema 1, wrong JSON types). */
int oci_children(const char *media_type, const uint8_t *data, size_t len, struct oci_desc_list *out,
		 char **err);

/* A config's os and architecture, normalized as platforms.Normalize (variant unset, as
 * images.Platforms passes it). 0, or -1 with *ERR. */
int oci_config_platform(const uint8_t *data, size_t len, struct oci_platform *out, char **err);

/* platforms.Normalize in place: os lower-cased ("" is linux, macos is darwin),
 * architecture aliases (x86_64, aarch64, armhf...) and their variants. */
int oci_platform_normalize(struct oci_platform *p);
/* platforms.Format: "os/arch[/variant]", "unknown" without an os. malloc'd. */
char *oci_platform_format(const struct oci_platform *p);

/* This host's platform matcher (platforms.Default(): Only(the host)): the platforms it
 * accepts, best first. amd64 also runs 386; arm64 also runs arm v8 down to v5. */
size_t oci_host_platforms(struct oci_platform *out, size_t max);
/* The rank of P (normalized first) among HOST's N platforms, or N when none matches. */
size_t oci_platform_rank(const struct oci_platform *p, const struct oci_platform *host, size_t n);

#endif

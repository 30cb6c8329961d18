/* Image documents read as containerd's Go code reads them for `ctr images ls`: the
 * children of manifests and indexes, what validateMediaType refuses, Go's JSON field
 * matching and type errors, platform normalization, formatting and the host's ranking. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "oci.h"

#define OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"

static int children(const char *mt, const char *doc, struct oci_desc_list *l, char **err)
{
	return oci_children(mt, (const uint8_t *)doc, strlen(doc), l, err);
}

/* -1 with a message containing WANT, for DOC of MT. */
static void refused(const char *mt, const char *doc, const char *want)
{
	struct oci_desc_list l;
	char *err = NULL;
	int rc = children(mt, doc, &l, &err);
	CHECK(rc == -1, "%s accepted", doc);
	CHECK(err && strstr(err, want), "%s: error %s, want %s", doc, err ? err : "(none)", want);
	CHECK(l.n == 0 && l.items == NULL, "%s: children left after an error", doc);
	free(err);
}

static void test_manifest_children_are_config_then_layers(void)
{
	struct oci_desc_list l;
	char *err = NULL;
	int rc = children(OCI_MANIFEST,
			  "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MANIFEST "\","
			  "\"config\":{\"mediaType\":\"c\",\"digest\":\"sha256:1\",\"size\":7},"
			  "\"layers\":[{\"mediaType\":\"l1\",\"digest\":\"sha256:2\",\"size\":8},"
			  "{\"mediaType\":\"l2\",\"digest\":\"sha256:3\",\"size\":9,"
			  "\"urls\":[\"x\"],\"annotations\":{\"a\":\"b\"}}]}",
			  &l, &err);
	CHECK(rc == 0 && l.n == 3, "rc %d n %zu err %s", rc, l.n, err ? err : "");
	if (l.n == 3) {
		CHECK(strcmp(l.items[0].media_type, "c") == 0 && l.items[0].size == 7, "config");
		CHECK(strcmp(l.items[1].digest, "sha256:2") == 0 && l.items[1].size == 8,
		      "layer 1");
		CHECK(strcmp(l.items[2].media_type, "l2") == 0 && !l.items[2].has_platform,
		      "layer 2");
	}
	oci_desc_list_clear(&l);
}

static void test_a_manifest_without_config_has_the_zero_descriptor(void)
{
	/* Go appends manifest.Config whatever it is */
	struct oci_desc_list l;
	char *err = NULL;
	CHECK(children(DOCKER_MANIFEST, "{\"layers\":null}", &l, &err) == 0 && l.n == 1, "n %zu",
	      l.n);
	if (l.n == 1)
		CHECK(strcmp(l.items[0].media_type, "") == 0 && l.items[0].size == 0, "zero");
	oci_desc_list_clear(&l);
	CHECK(children(OCI_MANIFEST, "null", &l, &err) == 0 && l.n == 1, "null document");
	oci_desc_list_clear(&l);
}

static void test_index_children_keep_their_platforms(void)
{
	struct oci_desc_list l;
	char *err = NULL;
	int rc =
	    children(DOCKER_LIST,
		     "{\"manifests\":[{\"mediaType\":\"m\",\"digest\":\"d1\",\"size\":1,"
		     "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v7\"}},"
		     "{\"mediaType\":\"m\",\"digest\":\"d2\",\"size\":2,\"platform\":null},"
		     "{\"mediaType\":\"m\",\"digest\":\"d3\",\"size\":3,\"platform\":{}}]}",
		     &l, &err);
	CHECK(rc == 0 && l.n == 3, "rc %d n %zu", rc, l.n);
	if (l.n == 3) {
		CHECK(l.items[0].has_platform && strcmp(l.items[0].platform.variant, "v7") == 0,
		      "arm/v7");
		CHECK(!l.items[1].has_platform, "null platform is none");
		/* {} is a platform, all empty: ctr's PLATFORMS shows it as "unknown" */
		CHECK(l.items[2].has_platform && strcmp(l.items[2].platform.os, "") == 0, "{}");
		char *s = oci_platform_format(&l.items[2].platform);
		CHECK(s && strcmp(s, "unknown") == 0, "format %s", s);
		free(s);
	}
	oci_desc_list_clear(&l);
}

static void test_other_types_have_no_children_and_are_not_parsed(void)
{
	struct oci_desc_list l;
	char *err = NULL;
	CHECK(children("application/vnd.oci.image.layer.v1.tar", "not json", &l, &err) == 0 &&
		  l.n == 0,
	      "a layer");
	oci_desc_list_clear(&l);
}

static void test_go_matches_field_names_case_insensitively(void)
{
	struct oci_desc_list l;
	char *err = NULL;
	int rc = children(OCI_INDEX,
			  "{\"MANIFESTS\":[{\"MediaType\":\"m\",\"DIGEST\":\"d\",\"Size\":5}]}", &l,
			  &err);
	CHECK(rc == 0 && l.n == 1, "rc %d n %zu", rc, l.n);
	if (l.n == 1)
		CHECK(strcmp(l.items[0].media_type, "m") == 0 &&
			  strcmp(l.items[0].digest, "d") == 0 && l.items[0].size == 5,
		      "folded names");
	oci_desc_list_clear(&l);
}

static void test_what_containerd_refuses(void)
{
	refused(OCI_MANIFEST, "{", "invalid JSON");
	refused(OCI_MANIFEST, "[]", "non-object");
	refused(OCI_MANIFEST, "{\"fsLayers\":[]}", "schema 1 not supported");
	refused(OCI_MANIFEST, "{\"manifests\":[]}", "expected manifest but found index");
	refused(OCI_MANIFEST, "{\"manifests\":null}", "expected manifest but found index");
	refused(DOCKER_MANIFEST, "{\"mediaType\":\"" OCI_INDEX "\"}",
		"expected manifest but found index");
	refused(OCI_INDEX, "{\"layers\":[]}", "expected index but found manifest");
	refused(DOCKER_LIST, "{\"mediaType\":\"" DOCKER_MANIFEST "\"}",
		"expected index but found manifest");
	refused(OCI_INDEX, "{\"mediaType\":5}", "mediaType");
	refused(OCI_INDEX, "{\"manifests\":{}}", "non-array");
	refused(OCI_INDEX, "{\"manifests\":[5]}", "non-object");
	refused(OCI_INDEX, "{\"manifests\":[{\"size\":\"5\"}]}", "size");
	refused(OCI_INDEX, "{\"manifests\":[{\"size\":1.5}]}", "size");
	refused(OCI_INDEX, "{\"manifests\":[{\"digest\":[]}]}", "digest");
	refused(OCI_INDEX, "{\"manifests\":[{\"platform\":[]}]}", "platform");
	refused(OCI_INDEX, "{\"manifests\":[{\"platform\":{\"os\":1}}]}", "os");
	refused(OCI_MANIFEST, "{\"config\":\"x\"}", "descriptor");
}

static void test_config_platform_is_normalized(void)
{
	struct {
		const char *doc, *want;
	} cases[] = {
	    {"{\"os\":\"linux\",\"architecture\":\"amd64\"}", "linux/amd64"},
	    {"{\"os\":\"Linux\",\"architecture\":\"x86_64\"}", "linux/amd64"},
	    {"{\"os\":\"linux\",\"architecture\":\"aarch64\"}", "linux/arm64"},
	    /* images.Platforms passes no variant: arm becomes arm/v7 */
	    {"{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v6\"}", "linux/arm/v7"},
	    {"{\"os\":\"linux\",\"architecture\":\"armel\"}", "linux/arm/v6"},
	    {"{\"os\":\"linux\",\"architecture\":\"i386\"}", "linux/386"},
	    {"{\"os\":\"macos\",\"architecture\":\"arm64\"}", "darwin/arm64"},
	    {"{\"architecture\":\"amd64\"}", "linux/amd64"},
	    {"{}", "linux"},
	    {"{\"OS\":\"windows\",\"Architecture\":\"amd64\"}", "windows/amd64"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct oci_platform p;
		char *err = NULL;
		int rc = oci_config_platform((const uint8_t *)cases[i].doc, strlen(cases[i].doc),
					     &p, &err);
		char *s = rc == 0 ? oci_platform_format(&p) : NULL;
		CHECK(s && strcmp(s, cases[i].want) == 0, "%s: %s, want %s", cases[i].doc,
		      s ? s : err, cases[i].want);
		free(s);
		free(err);
		if (rc == 0)
			oci_platform_clear(&p);
	}
	struct oci_platform p;
	char *err = NULL;
	CHECK(oci_config_platform((const uint8_t *)"{\"os\":[]}", 9, &p, &err) == -1 && err,
	      "wrong type");
	free(err);
}

static void test_the_host_ranks_its_own_platform_first(void)
{
	struct oci_platform host[8];
	size_t n = oci_host_platforms(host, 8);
	CHECK(n >= 1, "no host platform");
#if defined(__x86_64__)
	CHECK(n == 2 && strcmp(host[0].architecture, "amd64") == 0 &&
		  strcmp(host[1].architecture, "386") == 0,
	      "amd64 then 386");
	struct oci_platform amd64 = {.os = "linux", .architecture = "x86_64"},
			    i386 = {.os = "Linux", .architecture = "i386"},
			    v2 = {.os = "linux", .architecture = "amd64", .variant = "v2"},
			    arm = {.os = "linux", .architecture = "arm64"},
			    win = {.os = "windows", .architecture = "amd64"};
	CHECK(oci_platform_rank(&amd64, host, n) == 0, "amd64");
	CHECK(oci_platform_rank(&i386, host, n) == 1, "386");
	CHECK(oci_platform_rank(&v2, host, n) == n, "amd64/v2 does not match plain amd64");
	CHECK(oci_platform_rank(&arm, host, n) == n, "arm64");
	CHECK(oci_platform_rank(&win, host, n) == n, "windows");
#endif
}

int main(void)
{
	test_manifest_children_are_config_then_layers();
	test_a_manifest_without_config_has_the_zero_descriptor();
	test_index_children_keep_their_platforms();
	test_other_types_have_no_children_and_are_not_parsed();
	test_go_matches_field_names_case_insensitively();
	test_what_containerd_refuses();
	test_config_platform_is_normalized();
	test_the_host_ranks_its_own_platform_first();
	return failures != 0;
}

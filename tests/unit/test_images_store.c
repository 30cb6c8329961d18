/* Unit tests of the images table (store/images.c) and the schema upgrade it brought: a
 * store of schema version 1 (tests/data/store-schema1, written by the binary of commit
 * 8828b77) opens read-only as it is, with no images, and read-write upgrades in place
 * to version 2 keeping every container. */
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"

#include "check.h"

static const char DIGEST[] =
    "sha256:95c94c26ef92b7869e408ec7eec4eeee7a791f80ae199b2a16f7fcb37775ed1a";

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	*len = 0;
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = buf ? (size_t)n : 0;
	return buf;
}

static void copy_file(const char *from, const char *to)
{
	size_t n;
	char *buf = slurp(from, &n);
	int fd = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(buf && fd >= 0 && write(fd, buf, n) == (ssize_t)n, "copying %s", from);
	if (fd >= 0)
		close(fd);
	free(buf);
}

static uint32_t schema_version(ctrfs_store *s)
{
	struct db_txn t;
	MDB_val v;
	uint32_t version = 0;
	if (db_read_begin(s, &t, NULL))
		return 0;
	if (db_get(&t, DB_META, "schema", 6, &v, NULL) == CTRFS_OK && v.mv_size == 4)
		memcpy(&version, v.mv_data, 4);
	db_read_end(&t);
	return version;
}

static size_t count_images(ctrfs_store *s, const char *ns, const char *filter)
{
	ctrfs_image *list;
	size_t n = 0;
	ctrfs_error err;
	ctrfs_code code =
	    ctrfs_image_list(s, ns, filter ? &filter : NULL, filter ? 1 : 0, &list, &n, &err);
	CHECK(code == CTRFS_OK, "list: %s", err.text);
	ctrfs_image_list_free(list, n);
	return n;
}

static bool has_web1(ctrfs_store *s)
{
	ctrfs_container c;
	ctrfs_error err;
	if (ctrfs_container_get(s, "team-a", "web1", CTRFS_LOAD_LABELS, &c, &err))
		return false;
	bool ok = c.image && strcmp(c.image, "docker.io/library/nginx:1.25") == 0 &&
		  ctrfs_labels_get(&c.labels, "app") &&
		  strcmp(ctrfs_labels_get(&c.labels, "app"), "web") == 0;
	ctrfs_container_clear(&c);
	return ok;
}

static ctrfs_image sample(const char *name)
{
	ctrfs_image im = {
	    .name = (char *)name,
	    .target = {.media_type = (char *)"application/vnd.oci.image.manifest.v1+json",
		       .digest = (char *)DIGEST,
		       .size = 559}};
	return im;
}

static void test_schema1_upgrade(const char *fixture)
{
	char dir[] = "/tmp/ctrfs-schema1-XXXXXX", from[4096], data[4096];
	ctrfs_store *s;
	ctrfs_error err;
	size_t before_len, after_len;
	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(from, sizeof(from), "%s/data.mdb", fixture);
	snprintf(data, sizeof(data), "%s/data.mdb", dir);
	copy_file(from, data);
	char *before = slurp(data, &before_len);

	/* read-only: as it is, without images */
	ctrfs_open_options ro = {.read_only = true, .no_create = true};
	ctrfs_code code = ctrfs_store_open(dir, &ro, &s, &err);
	CHECK(code == CTRFS_OK, "read-only open of a version-1 store: %s", err.text);
	if (!code) {
		CHECK(schema_version(s) == 1, "read-only leaves version %u", schema_version(s));
		CHECK(has_web1(s), "its container is read");
		CHECK(count_images(s, "team-a", NULL) == 0, "no images");
		ctrfs_image im;
		code = ctrfs_image_get(s, "team-a", "x", &im, &err);
		CHECK(code == CTRFS_NOT_FOUND && strcmp(err.text, "image \"x\": not found") == 0,
		      "get: %d %s", code, err.text);
		ctrfs_image put = sample("x");
		CHECK(ctrfs_image_put(s, "team-a", &put, &err) == CTRFS_UNAVAILABLE,
		      "a read-only store takes no image");
		ctrfs_store_close(s);
	}
	char *after = slurp(data, &after_len);
	CHECK(before && after && before_len == after_len && memcmp(before, after, before_len) == 0,
	      "the read-only open changed nothing");
	free(after);

	/* read-write: upgraded in place */
	ctrfs_open_options rw = {.no_create = true};
	code = ctrfs_store_open(dir, &rw, &s, &err);
	CHECK(code == CTRFS_OK, "read-write open of a version-1 store: %s", err.text);
	if (!code) {
		CHECK(schema_version(s) == 2, "upgraded to version %u", schema_version(s));
		CHECK(has_web1(s), "its container is kept");
		ctrfs_image put = sample("docker.io/library/busybox:1.36");
		code = ctrfs_image_put(s, "team-a", &put, &err);
		CHECK(code == CTRFS_OK, "put: %s", err.text);
		CHECK(count_images(s, "team-a", NULL) == 1, "one image");
		ctrfs_store_close(s);
	}
	/* and read-only again: a version-2 store, with its image */
	code = ctrfs_store_open(dir, &ro, &s, &err);
	CHECK(code == CTRFS_OK, "read-only open of the upgraded store: %s", err.text);
	if (!code) {
		CHECK(count_images(s, "team-a", NULL) == 1, "the image is there");
		ctrfs_store_close(s);
	}
	free(before);
	unlink(data);
	snprintf(data, sizeof(data), "%s/lock.mdb", dir);
	unlink(data);
	rmdir(dir);
}

static void refused(ctrfs_image im, const char *want)
{
	ctrfs_error err = {0};
	ctrfs_code code = ctrfs_image_validate(&im, &err);
	CHECK(code == CTRFS_INVALID_ARGUMENT && strcmp(err.text, want) == 0, "%s: got %d %s", want,
	      code, err.text);
}

static void test_validation(void)
{
	ctrfs_error err;
	CHECK(ctrfs_image_validate(&(ctrfs_image){.name = "a", .target = sample("a").target},
				   &err) == CTRFS_OK,
	      "a valid image: %s", err.text);
	refused((ctrfs_image){.target = sample("").target},
		"image name must not be empty: invalid argument");
	ctrfs_image im = sample("a");
	im.target.digest = "sha256:abc";
	refused(im, "Target.Digest \"sha256:abc\" invalid: invalid checksum digest length: invalid "
		    "argument");
	im.target.digest = "md5:abc";
	refused(
	    im,
	    "Target.Digest \"md5:abc\" invalid: unsupported digest algorithm: invalid argument");
	im.target.digest = "nocolon";
	refused(
	    im,
	    "Target.Digest \"nocolon\" invalid: invalid checksum digest format: invalid argument");
	im = sample("a");
	im.target.size = 0;
	refused(im, "Target.Size must be greater than zero: invalid argument");
	im = sample("a");
	im.target.media_type = "";
	refused(im, "Target.MediaType must be set: invalid argument");
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

/* put, get, the filter syntax of containerd's adaptImage, labels and drop */
static void test_records(void)
{
	char dir[] = "/tmp/ctrfs-images-XXXXXX";
	ctrfs_store *s;
	ctrfs_error err;
	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	if (ctrfs_store_open(dir, &(ctrfs_open_options){.no_sync = true}, &s, &err)) {
		CHECK(0, "open: %s", err.text);
		return;
	}
	ctrfs_image a = sample("docker.io/library/nginx:1.25"), b = sample("sha256:0accdff9fa2b");
	ctrfs_labels_set(&a.labels, "io.cri-containerd.image", "managed");
	ctrfs_labels_set(&a.target.annotations, "org.opencontainers.image.ref.name", "1.25");
	a.created_at = (ctrfs_time){1700000000, 5};
	a.updated_at = (ctrfs_time){1700000001, 6};
	CHECK(ctrfs_image_put(s, "default", &a, &err) == CTRFS_OK, "put a: %s", err.text);
	CHECK(ctrfs_image_put(s, "default", &b, &err) == CTRFS_OK, "put b: %s", err.text);
	ctrfs_image got;
	CHECK(ctrfs_image_get(s, "default", a.name, &got, &err) == CTRFS_OK, "get: %s", err.text);
	CHECK(got.target.size == 559 && strcmp(got.target.digest, DIGEST) == 0 &&
		  got.created_at.sec == 1700000000 && got.updated_at.nsec == 6 &&
		  strcmp(ctrfs_labels_get(&got.target.annotations,
					  "org.opencontainers.image.ref.name"),
			 "1.25") == 0,
	      "what was put is what is got");
	ctrfs_image_clear(&got);
	CHECK(count_images(s, "default", NULL) == 2, "two");
	CHECK(count_images(s, "other", NULL) == 0, "none elsewhere");
	CHECK(count_images(s, "default", "labels.\"io.cri-containerd.image\"==managed") == 1,
	      "by label");
	CHECK(count_images(s, "default", "name~=^sha256:") == 1, "by name");
	CHECK(count_images(s, "default",
			   "target.mediatype==application/vnd.oci.image.manifest.v1+json") == 2,
	      "by media type");
	CHECK(count_images(s, "default",
			   "annotations.\"org.opencontainers.image.ref.name\"==1.25") == 1,
	      "by annotation");

	CHECK(ctrfs_image_set_label(s, "default", b.name, "k", "v", &err) == CTRFS_OK, "label: %s",
	      err.text);
	CHECK(ctrfs_image_set_label_if(s, "default", b.name, "k", "w", "x", &err) ==
		  CTRFS_FAILED_PRECONDITION,
	      "guarded");
	CHECK(ctrfs_image_set_label(s, "default", b.name, "", "v", &err) ==
		      CTRFS_INVALID_ARGUMENT &&
		  strcmp(err.text, "failed to set label \"\"=\"v\": key required") == 0,
	      "empty key: %s", err.text);
	char big[CTRFS_LABEL_MAX + 2];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(ctrfs_image_set_label(s, "default", b.name, "k", big, &err) ==
		      CTRFS_INVALID_ARGUMENT &&
		  strncmp(err.text, "image.Labels: ", 14) == 0,
	      "too long: %s", err.text);
	CHECK(ctrfs_image_set_label(s, "default", "nope", "k", "v", &err) == CTRFS_NOT_FOUND,
	      "missing image");
	CHECK(ctrfs_image_get(s, "default", b.name, &got, &err) == CTRFS_OK &&
		  got.labels.count == 1 && strcmp(got.labels.items[0].value, "v") == 0,
	      "refusals changed nothing");
	ctrfs_image_clear(&got);
	CHECK(ctrfs_image_set_label(s, "default", b.name, "k", "", &err) == CTRFS_OK,
	      "empty removes");
	CHECK(ctrfs_namespace_delete(s, "default", &err) == CTRFS_FAILED_PRECONDITION,
	      "a namespace with images is in use");
	CHECK(ctrfs_image_drop(s, "default", b.name, &err) == CTRFS_OK, "drop: %s", err.text);
	CHECK(ctrfs_image_drop(s, "default", b.name, &err) == CTRFS_NOT_FOUND, "dropped");
	CHECK(count_images(s, "default", NULL) == 1, "one left");
	ctrfs_labels_clear(&a.labels);
	ctrfs_labels_clear(&a.target.annotations);
	ctrfs_store_close(s);
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s SCHEMA1_STORE_DIR\n", argv[0]);
		return 2;
	}
	test_schema1_upgrade(argv[1]);
	test_validation();
	test_records();
	return failures != 0;
}

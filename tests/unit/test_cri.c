/* Unit tests of the CRI decoding (store/cri.c): real records of containerd's CRI plugin
 * against CRI's own answers, CRI's state rules, and hostile input. argv[1] is the CRI
 * fixture directory (tests/data/cri/set-d). */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "containerd_db.h"
#include "ctrfs_store.h"

static const char *fixture;

/* CRI's recorded answer for one id: <fixture>/cri/final/<dir>/<id>.json ("response"
 * and its verbose info decoded, "info_decoded") */
static json_t *answer(const char *dir, const char *id)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/cri/final/%s/%s.json", fixture, dir, id);
	return json_load_file(path, 0, NULL);
}

static const char *str_at(json_t *obj, const char *a, const char *b)
{
	json_t *v = json_object_get(obj, a);
	if (b)
		v = json_object_get(v, b);
	return json_is_string(v) ? json_string_value(v) : "";
}

static int64_t int_at(json_t *obj, const char *a, const char *b)
{
	json_t *v = json_object_get(obj, a);
	if (b)
		v = json_object_get(v, b);
	if (json_is_string(v)) /* protobuf JSON writes 64-bit integers as strings */
		return strtoll(json_string_value(v), NULL, 10);
	return json_is_integer(v) ? json_integer_value(v) : 0;
}

static void check_container(const ctrfs_container *c, const ctrfs_cri *cri)
{
	json_t *r = answer("container-status", c->id);
	CHECK(r, "no recorded ContainerStatus for %s", c->id);
	if (!r)
		return;
	json_t *st = json_object_get(json_object_get(r, "response"), "status");
	CHECK(strcmp(cri->id, c->id) == 0, "%s: id %s", c->id, cri->id);
	CHECK(strcmp(cri->name, str_at(st, "metadata", "name")) == 0, "%s: name %s", c->id,
	      cri->name);
	CHECK(cri->attempt == int_at(st, "metadata", "attempt"), "%s: attempt %u", c->id,
	      cri->attempt);
	CHECK(strcmp(cri->image_ref, str_at(st, "image_ref", NULL)) == 0, "%s: image_ref %s", c->id,
	      cri->image_ref);
	CHECK(strcmp(cri->image, str_at(st, "image", "image")) == 0, "%s: image %s", c->id,
	      cri->image);
	CHECK(strcmp(cri->log_path, str_at(st, "log_path", NULL)) == 0, "%s: log_path %s", c->id,
	      cri->log_path);
	json_t *dec = json_object_get(json_object_get(r, "info_decoded"), "info");
	CHECK(strcmp(cri->sandbox_id, str_at(dec, "sandboxID", NULL)) == 0, "%s: sandbox %s", c->id,
	      cri->sandbox_id);
	CHECK(strcmp(cri->pod_namespace, str_at(json_object_get(st, "labels"),
						"io.kubernetes.pod.namespace", NULL)) == 0,
	      "%s: pod namespace %s", c->id, cri->pod_namespace);
	CHECK(*cri->pod_name && *cri->pod_uid, "%s: pod name/uid", c->id);
	/* the config is exactly the one CRI reports (info.config), member for member */
	json_t *mine = json_loads(cri->config, 0, NULL);
	CHECK(json_equal(mine, json_object_get(dec, "config")), "%s: config differs", c->id);
	json_decref(mine);

	/* the status file gives CRI's state, exit code, times and reason */
	char root[4096];
	snprintf(root, sizeof(root), "%s/cri/root", fixture);
	ctrfs_cri_status s;
	ctrfs_error err;
	CHECK(ctrfs_cri_status_read(root, c->id, &s, &err) == CTRFS_OK, "%s: %s", c->id, err.text);
	char want_state[64];
	snprintf(want_state, sizeof(want_state), "CONTAINER_%s", ctrfs_cri_state_name(s.state));
	for (char *p = want_state; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	CHECK(strcmp(want_state, str_at(st, "state", NULL)) == 0, "%s: state %s, CRI says %s",
	      c->id, want_state, str_at(st, "state", NULL));
	CHECK(s.exit_code == int_at(st, "exit_code", NULL), "%s: exit %d", c->id, s.exit_code);
	CHECK(s.created_at == int_at(st, "created_at", NULL), "%s: created", c->id);
	CHECK(s.started_at == int_at(st, "started_at", NULL), "%s: started", c->id);
	CHECK(s.finished_at == int_at(st, "finished_at", NULL), "%s: finished", c->id);
	CHECK(strcmp(s.reason, str_at(st, "reason", NULL)) == 0, "%s: reason %s, CRI says %s",
	      c->id, s.reason, str_at(st, "reason", NULL));
	CHECK(strcmp(s.message, str_at(st, "message", NULL)) == 0, "%s: message", c->id);
	CHECK(s.pid == (uint32_t)int_at(dec, "pid", NULL), "%s: pid %u", c->id, s.pid);
	ctrfs_cri_status_clear(&s);
	json_decref(r);
}

static void check_sandbox(const ctrfs_container *c, const ctrfs_cri *cri)
{
	json_t *r = answer("pod-sandbox-status", c->id);
	CHECK(r, "no recorded PodSandboxStatus for %s", c->id);
	if (!r)
		return;
	json_t *st = json_object_get(json_object_get(r, "response"), "status");
	json_t *dec = json_object_get(json_object_get(r, "info_decoded"), "info");
	CHECK(strcmp(cri->name, str_at(st, "metadata", "name")) == 0, "%s: name", c->id);
	CHECK(strcmp(cri->pod_name, cri->name) == 0, "%s: pod name", c->id);
	CHECK(strcmp(cri->pod_namespace, str_at(st, "metadata", "namespace")) == 0, "%s: ns",
	      c->id);
	CHECK(strcmp(cri->pod_uid, str_at(st, "metadata", "uid")) == 0, "%s: uid", c->id);
	CHECK(cri->attempt == int_at(st, "metadata", "attempt"), "%s: attempt", c->id);
	CHECK(strcmp(cri->runtime_handler, str_at(st, "runtime_handler", NULL)) == 0,
	      "%s: handler %s", c->id, cri->runtime_handler);
	CHECK(strcmp(cri->runtime_handler, str_at(dec, "runtimeHandler", NULL)) == 0, "%s: handler",
	      c->id);
	json_t *mine = json_loads(cri->config, 0, NULL);
	CHECK(json_equal(mine, json_object_get(dec, "config")), "%s: config differs", c->id);
	json_decref(mine);
	/* a sandbox has no status file */
	char root[4096];
	snprintf(root, sizeof(root), "%s/cri/root", fixture);
	ctrfs_cri_status s;
	ctrfs_error err;
	CHECK(ctrfs_cri_status_read(root, c->id, &s, &err) == CTRFS_NOT_FOUND, "%s", err.text);
	json_decref(r);
}

static void test_fixture(void)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/meta.db", fixture);
	ctrfs_import_namespace *nss;
	size_t n;
	ctrfs_error err;
	CHECK(containerd_db_read(path, NULL, &nss, &n, &err) == CTRFS_OK, "%s", err.text);
	size_t sandboxes = 0, containers = 0, plain = 0;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < nss[i].count; j++) {
			const ctrfs_container *c = &nss[i].containers[j];
			ctrfs_cri cri;
			ctrfs_code code = ctrfs_cri_from_container(c, &cri, &err);
			if (code == CTRFS_NOT_FOUND) {
				CHECK(!ctrfs_labels_get(&c->labels, "io.cri-containerd.kind"),
				      "%s has the CRI kind label but no metadata", c->id);
				plain++;
				continue;
			}
			CHECK(code == CTRFS_OK, "%s: %s", c->id, err.text);
			if (code)
				continue;
			CHECK(strcmp(ctrfs_cri_kind_name(cri.kind),
				     ctrfs_labels_get(&c->labels, "io.cri-containerd.kind")) == 0,
			      "%s: kind %d", c->id, cri.kind);
			if (cri.kind == CTRFS_CRI_SANDBOX) {
				sandboxes++;
				check_sandbox(c, &cri);
			} else {
				containers++;
				check_container(c, &cri);
			}
			char *pretty;
			size_t len;
			CHECK(ctrfs_cri_config_pretty(&cri, &pretty, &len, &err) == CTRFS_OK, "%s",
			      err.text);
			json_t *a = json_loads(pretty, 0, NULL),
			       *b = json_loads(cri.config, 0, NULL);
			CHECK(a && json_equal(a, b) && pretty[len - 1] == '\n' &&
				  strstr(pretty, "\n    \""),
			      "%s: pretty config", c->id);
			json_decref(a);
			json_decref(b);
			free(pretty);
			ctrfs_cri_clear(&cri);
		}
	}
	/* every record CRI lists was decoded */
	snprintf(path, sizeof(path), "%s/cri/final/list-pod-sandbox.json", fixture);
	json_t *pods = json_load_file(path, 0, NULL);
	snprintf(path, sizeof(path), "%s/cri/final/list-containers.json", fixture);
	json_t *ctrs = json_load_file(path, 0, NULL);
	CHECK(sandboxes == json_array_size(json_object_get(pods, "items")) && sandboxes > 0,
	      "%zu sandboxes", sandboxes);
	CHECK(containers == json_array_size(json_object_get(ctrs, "containers")) && containers > 0,
	      "%zu containers", containers);
	CHECK(plain > 0, "the plain ctr containers have no CRI metadata");
	json_decref(pods);
	json_decref(ctrs);
	ctrfs_import_namespaces_free(nss, n);
}

static ctrfs_code status_of(const char *text, ctrfs_cri_status *s, ctrfs_error *err)
{
	return ctrfs_cri_status_decode(text, strlen(text), s, err);
}

static void expect_state(const char *text, ctrfs_cri_state state, const char *reason)
{
	ctrfs_cri_status s;
	ctrfs_error err;
	CHECK(status_of(text, &s, &err) == CTRFS_OK, "%s: %s", text, err.text);
	CHECK(s.state == state, "%s: state %s", text, ctrfs_cri_state_name(s.state));
	CHECK(strcmp(s.reason, reason) == 0, "%s: reason %s", text, s.reason);
	ctrfs_cri_status_clear(&s);
}

static void test_states(void)
{
	expect_state("{\"Version\":\"v1\"}", CTRFS_CRI_STATE_UNKNOWN, "");
	expect_state("{\"Version\":\"v1\",\"CreatedAt\":5}", CTRFS_CRI_STATE_CREATED, "");
	expect_state("{\"Version\":\"v1\",\"CreatedAt\":5,\"StartedAt\":6,\"Pid\":42}",
		     CTRFS_CRI_STATE_RUNNING, "");
	expect_state("{\"Version\":\"v1\",\"StartedAt\":6,\"FinishedAt\":7}",
		     CTRFS_CRI_STATE_EXITED, "Completed");
	expect_state("{\"Version\":\"v1\",\"FinishedAt\":7,\"ExitCode\":2}", CTRFS_CRI_STATE_EXITED,
		     "Error");
	expect_state(
	    "{\"Version\":\"v1\",\"FinishedAt\":7,\"ExitCode\":137,\"Reason\":\"OOMKilled\"}",
	    CTRFS_CRI_STATE_EXITED, "OOMKilled");
	/* a reason of a container that did not exit is kept as it is, even empty */
	expect_state("{\"Version\":\"v1\",\"StartedAt\":6,\"Reason\":\"x\"}",
		     CTRFS_CRI_STATE_RUNNING, "x");
	ctrfs_cri_status s;
	ctrfs_error err;
	CHECK(status_of("{\"Version\":\"v1\",\"ExitCode\":-1,\"FinishedAt\":1,\"Message\":\"m\"}",
			&s, &err) == CTRFS_OK &&
		  s.exit_code == -1 && strcmp(s.message, "m") == 0,
	      "negative exit code");
	ctrfs_cri_status_clear(&s);
}

static void expect_bad_status(const char *text, size_t len, const char *needle)
{
	ctrfs_cri_status s;
	ctrfs_error err = {0};
	ctrfs_code code = ctrfs_cri_status_decode(text, len, &s, &err);
	CHECK(code == CTRFS_INVALID_ARGUMENT, "%.*s: code %d", (int)len, text, code);
	CHECK(strstr(err.text, needle) && strncmp(err.text, "CRI status: ", 12) == 0,
	      "%.*s: message '%s' lacks '%s'", (int)len, text, err.text, needle);
	CHECK(s.reason == NULL && s.message == NULL, "cleared on failure");
}

/* a literal, without its NUL */
#define BAD_STATUS(lit, needle) expect_bad_status(lit, sizeof(lit) - 1, needle)

static void expect_bad_meta(const char *ext, const char *text, const char *needle)
{
	ctrfs_cri cri;
	ctrfs_error err = {0};
	ctrfs_code code = ctrfs_cri_decode_metadata(ext, text, strlen(text), &cri, &err);
	CHECK(code == CTRFS_INVALID_ARGUMENT, "%s: code %d", text, code);
	CHECK(strstr(err.text, needle), "%s: message '%s' lacks '%s'", text, err.text, needle);
	CHECK(cri.id == NULL && cri.kind == CTRFS_CRI_NONE, "cleared on failure");
}

static void test_hostile(void)
{
	BAD_STATUS("", "not JSON");
	BAD_STATUS("[1]", "not a JSON object");
	BAD_STATUS("{\"Version\":\"v2\"}", "Version");
	BAD_STATUS("{\"Version\":\"v1\",\"Pid\":-1}", "Pid -1 is out of range");
	BAD_STATUS("{\"Version\":\"v1\",\"Pid\":4294967296}", "out of range");
	BAD_STATUS("{\"Version\":\"v1\",\"ExitCode\":2147483648}", "out of range");
	BAD_STATUS("{\"Version\":\"v1\",\"StartedAt\":1.5}", "StartedAt is not an integer");
	BAD_STATUS("{\"Version\":\"v1\",\"StartedAt\":99999999999999999999}", "too big integer");
	BAD_STATUS("{\"Version\":\"v1\",\"Reason\":7}", "Reason is not a string");
	BAD_STATUS("{\"Version\":\"v1\",\"Reason\":\"a\\u0000b\"}", "NUL");
	BAD_STATUS("{\"Version\":\"v1\",\"Reason\":\"\xff\"}", "not JSON");
	BAD_STATUS("{\"Version\":\"v1\"} x", "not JSON");
	/* a document past the bound is refused before it is parsed */
	size_t big = CTRFS_CRI_DOC_MAX + 1;
	char *huge = malloc(big);
	memset(huge, ' ', big);
	memcpy(huge, "{\"Version\":\"v1\"}", 16);
	expect_bad_status(huge, big, "more than");
	free(huge);
	/* nesting far beyond jansson's own bound fails cleanly, no crash */
	size_t depth = 100000;
	char *deep = malloc(2 * depth + 1);
	memset(deep, '[', depth);
	memset(deep + depth, ']', depth);
	deep[2 * depth] = 0;
	expect_bad_status(deep, 2 * depth, "");
	free(deep);

	const char *S = CTRFS_CRI_SANDBOX_EXTENSION, *C = CTRFS_CRI_CONTAINER_EXTENSION;
	expect_bad_meta(S, "{}", "Version");
	expect_bad_meta(S, "{\"Version\":\"v1\"}", "no Metadata");
	expect_bad_meta(S, "{\"Version\":\"v1\",\"Metadata\":[]}", "Metadata is not an object");
	expect_bad_meta(S, "{\"Version\":\"v1\",\"Metadata\":{\"ID\":1}}", "ID is not a string");
	expect_bad_meta(
	    C, "{\"Version\":\"v1\",\"Metadata\":{\"Config\":{\"metadata\":{\"attempt\":-1}}}}",
	    "attempt -1 is out of range");
	expect_bad_meta(C, "{\"Version\":\"v1\",\"Metadata\":{\"Config\":{\"image\":\"x\"}}}",
			"image is not an object");
	expect_bad_meta("other", "{}", "no CRI metadata extension");

	/* the minimal valid forms: every string "", never NULL */
	ctrfs_cri cri;
	ctrfs_error err;
	const char *min = "{\"Version\":\"v1\",\"Metadata\":{}}";
	CHECK(ctrfs_cri_decode_metadata(C, min, strlen(min), &cri, &err) == CTRFS_OK, "%s",
	      err.text);
	CHECK(cri.kind == CTRFS_CRI_CONTAINER && cri.ip && cri.netns_path && cri.image &&
		  strcmp(cri.config, "{}") == 0,
	      "minimal container");
	ctrfs_cri_clear(&cri);
	CHECK(ctrfs_cri_decode_metadata(S, min, strlen(min), &cri, &err) == CTRFS_OK, "%s",
	      err.text);
	CHECK(cri.kind == CTRFS_CRI_SANDBOX && cri.sandbox_id && cri.log_path && cri.stop_signal,
	      "minimal sandbox");
	ctrfs_cri_clear(&cri);

	/* status paths never leave the root */
	ctrfs_cri_status s;
	const char *bad_ids[] = {"..", ".", "a/b", "", "../../etc"};
	for (size_t i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++)
		CHECK(ctrfs_cri_status_read("/", bad_ids[i], &s, &err) == CTRFS_INVALID_ARGUMENT,
		      "id '%s'", bad_ids[i]);
	/* a directory or FIFO named status is no status file, and does not hang */
	char tmp[] = "/tmp/ctrfs-cri-XXXXXX";
	CHECK(mkdtemp(tmp), "mkdtemp");
	char p[256];
	snprintf(p, sizeof(p), "%s/containers", tmp);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/containers/d", tmp);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/containers/d/status", tmp);
	mkdir(p, 0700);
	CHECK(ctrfs_cri_status_read(tmp, "d", &s, &err) == CTRFS_UNAVAILABLE, "dir: %s", err.text);
	rmdir(p);
	CHECK(mkfifo(p, 0600) == 0, "mkfifo");
	CHECK(ctrfs_cri_status_read(tmp, "d", &s, &err) == CTRFS_UNAVAILABLE, "fifo: %s", err.text);
	unlink(p);
	CHECK(ctrfs_cri_status_read(tmp, "gone", &s, &err) == CTRFS_NOT_FOUND, "missing: %s",
	      err.text);
	snprintf(p, sizeof(p), "%s/containers/d", tmp);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/containers", tmp);
	rmdir(p);
	rmdir(tmp);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s CRI-FIXTURE-DIR\n", argv[0]);
		return 2;
	}
	fixture = argv[1];
	test_fixture();
	test_states();
	test_hostile();
	return check_report();
}

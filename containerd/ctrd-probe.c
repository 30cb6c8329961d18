/* ctrd-probe: drives the containerd client from the command line, printing JSON, for
 * the tests (tests/containerd) and for measuring it. Not installed.
 *
 *   ctrd-probe [-a ADDRESS] [-t TIMEOUT_MS] [-c CANCEL_AFTER_MS] COMMAND...
 *   ns ls | ns get NAME | ns create NAME [K=V...] | ns update NAME PATH... [-- K=V...]
 *   ns rm NAME
 *   c ls NS [FILTER...] | c get NS ID | c create NS JSON | c update NS JSON PATH...
 *   c rm NS ID
 *   t ls NS | t get NS ID
 *   i ls NS [FILTER...] | i get NS NAME | i create NS JSON | i update NS JSON PATH...
 *   i rm NS NAME [sync]
 *   i usage NS NAME                  {"size","platforms":[],"error":null or
 *                                    {"code","message"}}: what ctr prints after an error
 *   events [-n COUNT] [FILTER...]    prints "ready", then one JSON line per event
 *   bench-get NS ID COUNT            COUNT Gets on one connection: mean microseconds
 *   bench-list NS COUNT              COUNT Lists of NS on one connection: containers and
 *                                    mean milliseconds
 *
 * A container's JSON: {"id","labels":{},"image","runtime":{"name","options":ANY},
 * "spec":ANY,"snapshotter","snapshot_key","created_at":TIME,"updated_at":TIME,
 * "extensions":{NAME:ANY}}, ANY {"type_url","value":base64} or null, TIME
 * {"seconds","nanos"} or null. An image's JSON: {"name","labels":{},"target":{"media_type",
 * "digest","size","annotations":{}},"created_at":TIME,"updated_at":TIME}. Errors: "CODE NAME:
 * message" on stderr, exit 64+CODE. */
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "ctrd_client.h"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static json_t *base64(const uint8_t *p, size_t n)
{
	char *out = malloc(n / 3 * 4 + 5);
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? p[i + 1] << 8 : 0) |
			     (i + 2 < n ? p[i + 2] : 0);
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	json_t *j = json_stringn(out, o);
	free(out);
	return j;
}

static uint8_t *unbase64(const char *s, size_t *len)
{
	size_t n = strlen(s);
	uint8_t *out = malloc(n / 4 * 3 + 3);
	uint32_t v = 0;
	int bits = 0;
	*len = 0;
	for (size_t i = 0; i < n && s[i] != '='; i++) {
		const char *c = strchr(b64, s[i]);
		if (!c || !s[i])
			continue;
		v = v << 6 | (uint32_t)(c - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[(*len)++] = (uint8_t)(v >> bits);
		}
	}
	return out;
}

static json_t *any_json(const struct ctrd_any *a)
{
	if (!a->present)
		return json_null();
	return json_pack("{s:s, s:o}", "type_url", a->type_url, "value",
			 base64(a->value, a->value_len));
}

static void any_parse(struct ctrd_any *a, json_t *j)
{
	memset(a, 0, sizeof(*a));
	if (!json_is_object(j))
		return;
	a->present = true;
	a->type_url = (char *)json_string_value(json_object_get(j, "type_url"));
	const char *v = json_string_value(json_object_get(j, "value"));
	a->value = unbase64(v ? v : "", &a->value_len);
}

static json_t *time_json(const struct ctrd_time *t)
{
	if (!t->present)
		return json_null();
	return json_pack("{s:I, s:i}", "seconds", (json_int_t)t->seconds, "nanos", (int)t->nanos);
}

static json_t *labels_json(const struct ctrd_label *l, size_t n)
{
	json_t *o = json_object();
	for (size_t i = 0; i < n; i++)
		json_object_set_new(o, l[i].key, json_string(l[i].value));
	return o;
}

static json_t *namespace_json(const struct ctrd_namespace *ns)
{
	return json_pack("{s:s, s:o}", "name", ns->name, "labels",
			 labels_json(ns->labels, ns->n_labels));
}

static json_t *container_json(const struct ctrd_container *c)
{
	json_t *ext = json_object();
	for (size_t i = 0; i < c->n_extensions; i++)
		json_object_set_new(ext, c->extensions[i].name, any_json(&c->extensions[i].value));
	return json_pack(
	    "{s:s, s:o, s:s, s:{s:s, s:o}, s:o, s:s, s:s, s:o, s:o, s:o}", "id", c->id, "labels",
	    labels_json(c->labels, c->n_labels), "image", c->image, "runtime", "name",
	    c->runtime_name, "options", any_json(&c->runtime_options), "spec", any_json(&c->spec),
	    "snapshotter", c->snapshotter, "snapshot_key", c->snapshot_key, "created_at",
	    time_json(&c->created_at), "updated_at", time_json(&c->updated_at), "extensions", ext);
}

static json_t *process_json(const struct ctrd_process *p)
{
	return json_pack("{s:s, s:s, s:i, s:s, s:i, s:o}", "container_id", p->container_id, "id",
			 p->id, "pid", (int)p->pid, "status", ctrd_task_status_name(p->status),
			 "exit_status", (int)p->exit_status, "exited_at", time_json(&p->exited_at));
}

static json_t *image_json(const struct ctrd_image *img)
{
	const struct ctrd_descriptor *t = &img->target;
	return json_pack("{s:s, s:o, s:{s:s, s:s, s:I, s:o}, s:o, s:o}", "name", img->name,
			 "labels", labels_json(img->labels, img->n_labels), "target", "media_type",
			 t->media_type, "digest", t->digest, "size", (json_int_t)t->size,
			 "annotations", labels_json(t->annotations, t->n_annotations), "created_at",
			 time_json(&img->created_at), "updated_at", time_json(&img->updated_at));
}

/* K=V pairs of a JSON object (strings borrowed from J); free the array alone. */
static struct ctrd_label *labels_parse(json_t *j, size_t *n)
{
	struct ctrd_label *l = calloc(json_object_size(j) + 1, sizeof(*l));
	const char *k;
	json_t *v;
	*n = 0;
	json_object_foreach(j, k, v)
	{
		l[*n].key = (char *)k;
		l[(*n)++].value = (char *)json_string_value(v);
	}
	return l;
}

/* An image from its JSON (strings borrowed from J); free with image_parsed_free. */
static void image_parse(struct ctrd_image *img, json_t *j)
{
	memset(img, 0, sizeof(*img));
	img->name = (char *)json_string_value(json_object_get(j, "name"));
	img->labels = labels_parse(json_object_get(j, "labels"), &img->n_labels);
	json_t *t = json_object_get(j, "target");
	img->target.media_type = (char *)json_string_value(json_object_get(t, "media_type"));
	img->target.digest = (char *)json_string_value(json_object_get(t, "digest"));
	img->target.size = json_integer_value(json_object_get(t, "size"));
	img->target.annotations =
	    labels_parse(json_object_get(t, "annotations"), &img->target.n_annotations);
}

static void image_parsed_free(struct ctrd_image *img)
{
	free(img->labels);
	free(img->target.annotations);
}

/* A container from its JSON (strings borrowed from J); free with container_parsed_free. */
static void container_parse(struct ctrd_container *c, json_t *j)
{
	memset(c, 0, sizeof(*c));
	c->id = (char *)json_string_value(json_object_get(j, "id"));
	c->image = (char *)json_string_value(json_object_get(j, "image"));
	c->snapshotter = (char *)json_string_value(json_object_get(j, "snapshotter"));
	c->snapshot_key = (char *)json_string_value(json_object_get(j, "snapshot_key"));
	json_t *labels = json_object_get(j, "labels");
	c->labels = calloc(json_object_size(labels) + 1, sizeof(*c->labels));
	const char *k;
	json_t *v;
	json_object_foreach(labels, k, v)
	{
		c->labels[c->n_labels].key = (char *)k;
		c->labels[c->n_labels++].value = (char *)json_string_value(v);
	}
	json_t *rt = json_object_get(j, "runtime");
	c->runtime_name = (char *)json_string_value(json_object_get(rt, "name"));
	any_parse(&c->runtime_options, json_object_get(rt, "options"));
	any_parse(&c->spec, json_object_get(j, "spec"));
	json_t *ext = json_object_get(j, "extensions");
	c->extensions = calloc(json_object_size(ext) + 1, sizeof(*c->extensions));
	json_object_foreach(ext, k, v)
	{
		c->extensions[c->n_extensions].name = (char *)k;
		any_parse(&c->extensions[c->n_extensions++].value, v);
	}
}

static void container_parsed_free(struct ctrd_container *c)
{
	free(c->labels);
	free(c->runtime_options.value);
	free(c->spec.value);
	for (size_t i = 0; i < c->n_extensions; i++)
		free(c->extensions[i].value.value);
	free(c->extensions);
}

static void print(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	puts(s);
	fflush(stdout);
	free(s);
	json_decref(j);
}

static int fail(struct ctrd_status *st)
{
	fprintf(stderr, "%d %s: %s\n", st->code, ctrd_code_name(st->code),
		st->message ? st->message : "");
	int rc = 64 + st->code;
	ctrd_status_clear(st);
	return rc;
}

static int usage(void)
{
	fputs("usage: ctrd-probe [-a ADDRESS] [-t TIMEOUT_MS] [-c CANCEL_MS] "
	      "ns|c|t|i|events|bench-get|bench-list "
	      "...\n",
	      stderr);
	return 2;
}

static int cmd_ns(ctrd_client *c, int argc, char **argv, struct ctrd_status *st)
{
	if (argc >= 1 && strcmp(argv[0], "ls") == 0) {
		struct ctrd_namespace_list l;
		if (ctrd_namespaces_list(c, &l, st))
			return fail(st);
		json_t *a = json_array();
		for (size_t i = 0; i < l.n; i++)
			json_array_append_new(a, namespace_json(&l.items[i]));
		print(a);
		ctrd_namespace_list_clear(&l);
		return 0;
	}
	if (argc < 2)
		return usage();
	struct ctrd_namespace ns = {.name = argv[1]}, out;
	if (strcmp(argv[0], "get") == 0) {
		if (ctrd_namespace_get(c, argv[1], &out, st))
			return fail(st);
	} else if (strcmp(argv[0], "rm") == 0) {
		return ctrd_namespace_delete(c, argv[1], st) ? fail(st) : 0;
	} else if (strcmp(argv[0], "create") == 0 || strcmp(argv[0], "update") == 0) {
		bool create = argv[0][0] == 'c';
		int i = 2, n_paths = 0;
		const char **paths = calloc((size_t)argc, sizeof(*paths));
		while (!create && i < argc && strcmp(argv[i], "--") != 0)
			paths[n_paths++] = argv[i++];
		if (i < argc && strcmp(argv[i], "--") == 0)
			i++;
		ns.labels = calloc((size_t)argc, sizeof(*ns.labels));
		for (; i < argc; i++) {
			char *eq = strchr(argv[i], '=');
			ns.labels[ns.n_labels].key = argv[i];
			ns.labels[ns.n_labels++].value = eq ? (*eq = '\0', eq + 1) : "";
		}
		int rc = create ? ctrd_namespace_create(c, &ns, &out, st)
				: ctrd_namespace_update(c, &ns, paths, (size_t)n_paths, &out, st);
		free(paths);
		free(ns.labels);
		if (rc)
			return fail(st);
	} else {
		return usage();
	}
	print(namespace_json(&out));
	ctrd_namespace_clear(&out);
	return 0;
}

static int cmd_c(ctrd_client *c, int argc, char **argv, struct ctrd_status *st)
{
	if (argc < 2)
		return usage();
	const char *ns = argv[1];
	if (strcmp(argv[0], "ls") == 0) {
		struct ctrd_container_list l;
		if (ctrd_containers_list(c, ns, (const char *const *)argv + 2, (size_t)argc - 2, &l,
					 st))
			return fail(st);
		json_t *a = json_array();
		for (size_t i = 0; i < l.n; i++)
			json_array_append_new(a, container_json(&l.items[i]));
		print(a);
		ctrd_container_list_clear(&l);
		return 0;
	}
	if (argc < 3)
		return usage();
	struct ctrd_container out;
	if (strcmp(argv[0], "get") == 0) {
		if (ctrd_container_get(c, ns, argv[2], &out, st))
			return fail(st);
	} else if (strcmp(argv[0], "rm") == 0) {
		return ctrd_container_delete(c, ns, argv[2], st) ? fail(st) : 0;
	} else if (strcmp(argv[0], "create") == 0 || strcmp(argv[0], "update") == 0) {
		json_error_t jerr;
		json_t *j = json_loads(argv[2], 0, &jerr);
		if (!j) {
			fprintf(stderr, "ctrd-probe: bad JSON: %s\n", jerr.text);
			return 2;
		}
		struct ctrd_container in;
		container_parse(&in, j);
		int rc = argv[0][0] == 'c'
			     ? ctrd_container_create(c, ns, &in, &out, st)
			     : ctrd_container_update(c, ns, &in, (const char *const *)argv + 3,
						     (size_t)argc - 3, &out, st);
		container_parsed_free(&in);
		json_decref(j);
		if (rc)
			return fail(st);
	} else {
		return usage();
	}
	print(container_json(&out));
	ctrd_container_clear(&out);
	return 0;
}

static int cmd_t(ctrd_client *c, int argc, char **argv, struct ctrd_status *st)
{
	if (argc >= 2 && strcmp(argv[0], "ls") == 0) {
		struct ctrd_process_list l;
		if (ctrd_tasks_list(c, argv[1], &l, st))
			return fail(st);
		json_t *a = json_array();
		for (size_t i = 0; i < l.n; i++)
			json_array_append_new(a, process_json(&l.items[i]));
		print(a);
		ctrd_process_list_clear(&l);
		return 0;
	}
	if (argc >= 3 && strcmp(argv[0], "get") == 0) {
		struct ctrd_process p;
		if (ctrd_task_get(c, argv[1], argv[2], &p, st))
			return fail(st);
		print(process_json(&p));
		ctrd_process_clear(&p);
		return 0;
	}
	return usage();
}

static int cmd_i(ctrd_client *c, int argc, char **argv, struct ctrd_status *st)
{
	if (argc < 2)
		return usage();
	const char *ns = argv[1];
	if (strcmp(argv[0], "ls") == 0) {
		struct ctrd_image_list l;
		if (ctrd_images_list(c, ns, (const char *const *)argv + 2, (size_t)argc - 2, &l,
				     st))
			return fail(st);
		json_t *a = json_array();
		for (size_t i = 0; i < l.n; i++)
			json_array_append_new(a, image_json(&l.items[i]));
		print(a);
		ctrd_image_list_clear(&l);
		return 0;
	}
	if (argc < 3)
		return usage();
	struct ctrd_image out;
	if (strcmp(argv[0], "get") == 0) {
		if (ctrd_image_get(c, ns, argv[2], &out, st))
			return fail(st);
	} else if (strcmp(argv[0], "usage") == 0) {
		if (ctrd_image_get(c, ns, argv[2], &out, st))
			return fail(st);
		struct ctrd_image_usage u;
		int rc = ctrd_image_usage(c, ns, &out.target, &u, st);
		json_t *plats = json_array();
		for (size_t i = 0; i < u.n_platforms; i++)
			json_array_append_new(plats, json_string(u.platforms[i]));
		json_t *err =
		    rc ? json_pack("{s:i, s:s}", "code", rc, "message", st->message) : json_null();
		print(json_pack("{s:I, s:o, s:o}", "size", (json_int_t)u.size, "platforms", plats,
				"error", err));
		ctrd_image_usage_clear(&u);
		ctrd_status_clear(st);
		ctrd_image_clear(&out);
		return 0;
	} else if (strcmp(argv[0], "rm") == 0) {
		bool sync = argc > 3 && strcmp(argv[3], "sync") == 0;
		return ctrd_image_delete(c, ns, argv[2], sync, st) ? fail(st) : 0;
	} else if (strcmp(argv[0], "create") == 0 || strcmp(argv[0], "update") == 0) {
		json_error_t jerr;
		json_t *j = json_loads(argv[2], 0, &jerr);
		if (!j) {
			fprintf(stderr, "ctrd-probe: bad JSON: %s\n", jerr.text);
			return 2;
		}
		struct ctrd_image in;
		image_parse(&in, j);
		int rc = argv[0][0] == 'c'
			     ? ctrd_image_create(c, ns, &in, &out, st)
			     : ctrd_image_update(c, ns, &in, (const char *const *)argv + 3,
						 (size_t)argc - 3, &out, st);
		image_parsed_free(&in);
		json_decref(j);
		if (rc)
			return fail(st);
	} else {
		return usage();
	}
	print(image_json(&out));
	ctrd_image_clear(&out);
	return 0;
}

static json_t *nullable(const char *s)
{
	return s ? json_string(s) : json_null();
}

struct events_ctx {
	long left; /* events still wanted; <0: no limit */
};

static int on_event(const struct ctrd_envelope *ev, void *user)
{
	struct events_ctx *ctx = user;
	print(json_pack("{s:o, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:i, s:i, s:o}", "timestamp",
			time_json(&ev->timestamp), "namespace", ev->namespace_, "topic", ev->topic,
			"event", any_json(&ev->event), "container_id", nullable(ev->container_id),
			"namespace_name", nullable(ev->namespace_name), "image_name",
			nullable(ev->image_name), "exec_id", nullable(ev->exec_id), "pid",
			(int)ev->pid, "exit_status", (int)ev->exit_status, "exited_at",
			time_json(&ev->exited_at)));
	return ctx->left > 0 && --ctx->left == 0;
}

static void on_ready(void *user)
{
	(void)user;
	puts("ready");
	fflush(stdout);
}

static int cmd_events(ctrd_client *c, int argc, char **argv, struct ctrd_status *st)
{
	struct events_ctx ctx = {.left = -1};
	if (argc >= 2 && strcmp(argv[0], "-n") == 0) {
		ctx.left = atol(argv[1]);
		argc -= 2;
		argv += 2;
	}
	if (ctrd_subscribe(c, (const char *const *)argv, (size_t)argc, on_event, on_ready, &ctx,
			   st))
		return fail(st);
	return 0;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return ((double)(t1.tv_sec - t0->tv_sec) * 1e9 + (double)(t1.tv_nsec - t0->tv_nsec)) / 1e6;
}

static int cmd_bench_get(ctrd_client *c, int argc, char **argv, struct ctrd_status *st)
{
	if (argc < 3)
		return usage();
	long n = atol(argv[2]);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		struct ctrd_container out;
		if (ctrd_container_get(c, argv[0], argv[1], &out, st))
			return fail(st);
		ctrd_container_clear(&out);
	}
	printf("%.1f\n", ms_since(&t0) * 1e3 / (double)(n > 0 ? n : 1));
	return 0;
}

static int cmd_bench_list(ctrd_client *c, int argc, char **argv, struct ctrd_status *st)
{
	if (argc < 2)
		return usage();
	long n = atol(argv[1]);
	size_t count = 0;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		struct ctrd_container_list l;
		if (ctrd_containers_list(c, argv[0], NULL, 0, &l, st))
			return fail(st);
		count = l.n;
		ctrd_container_list_clear(&l);
	}
	printf("%zu %.2f\n", count, ms_since(&t0) / (double)(n > 0 ? n : 1));
	return 0;
}

/* -c: ctrd_cancel() from a signal handler, as a daemon's shutdown would */
static ctrd_client *to_cancel;

static void cancel_on_alarm(int sig)
{
	(void)sig;
	ctrd_cancel(to_cancel);
}

static void cancel_after(int ms)
{
	struct sigaction sa = {.sa_handler = cancel_on_alarm};
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = {.it_value = {.tv_sec = ms / 1000, .tv_usec = ms % 1000 * 1000}};
	setitimer(ITIMER_REAL, &it, NULL);
}

int main(int argc, char **argv)
{
	const char *address = ctrd_address_from_env();
	int timeout = -1, cancel_ms = 0, opt;
	while ((opt = getopt(argc, argv, "+a:t:c:")) != -1) {
		if (opt == 'a')
			address = optarg;
		else if (opt == 't')
			timeout = atoi(optarg);
		else if (opt == 'c')
			cancel_ms = atoi(optarg);
		else
			return usage();
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		return usage();
	struct ctrd_status st = {0};
	ctrd_client *c;
	if (ctrd_connect(address, &c, &st))
		return fail(&st);
	if (timeout >= 0)
		ctrd_set_timeout(c, timeout);
	to_cancel = c;
	if (cancel_ms > 0)
		cancel_after(cancel_ms);
	int rc;
	if (strcmp(argv[0], "ns") == 0)
		rc = cmd_ns(c, argc - 1, argv + 1, &st);
	else if (strcmp(argv[0], "c") == 0)
		rc = cmd_c(c, argc - 1, argv + 1, &st);
	else if (strcmp(argv[0], "t") == 0)
		rc = cmd_t(c, argc - 1, argv + 1, &st);
	else if (strcmp(argv[0], "i") == 0)
		rc = cmd_i(c, argc - 1, argv + 1, &st);
	else if (strcmp(argv[0], "events") == 0)
		rc = cmd_events(c, argc - 1, argv + 1, &st);
	else if (strcmp(argv[0], "bench-get") == 0)
		rc = cmd_bench_get(c, argc - 1, argv + 1, &st);
	else if (strcmp(argv[0], "bench-list") == 0)
		rc = cmd_bench_list(c, argc - 1, argv + 1, &st);
	else
		rc = usage();
	ctrd_client_free(c);
	return rc;
}

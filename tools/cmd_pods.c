/* ctrfsctl pods: Kubernetes pods and their containers as crictl shows them, from the
 * CRI plugin's records in the store and its status files under the CRI root. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

#define TRUNCATED_ID_LEN 13 /* crictl's truncatedIDLen */

/* One record of the CRI plugin: the container, what CRI knows of it, its status file. */
struct cri_rec {
	const ctrfs_container *c;
	ctrfs_cri cri;
	bool has_status;
	ctrfs_cri_status st;
};

struct cri_view {
	ctrfs_container *list;
	size_t nlist;
	struct cri_rec *recs;
	size_t n;
	bool root_readable; /* CRI's root could be read: states are known */
	/* the namespace's tasks, when the store mirrors containerd's (bound): a sandbox's
	 * state is its task's */
	bool tasks_known;
	ctrfs_task *tasks;
	size_t ntasks;
};

static void view_free(struct cri_view *v)
{
	for (size_t i = 0; i < v->n; i++) {
		ctrfs_cri_clear(&v->recs[i].cri);
		ctrfs_cri_status_clear(&v->recs[i].st);
	}
	free(v->recs);
	ctrfs_container_list_free(v->list, v->nlist);
	ctrfs_task_list_free(v->tasks, v->ntasks);
}

/* A bound store mirrors containerd's tasks (a store that is not has none to go by) */
static int tasks_load(struct cli *cli, struct cri_view *v)
{
	ctrfs_error err;
	char *address = NULL;
	ctrfs_store *s = cli_store(cli, true);
	if (ctrfs_store_bound_address(s, &address, &err))
		return cli_error(&err);
	if (address && ctrfs_task_list(s, cli->ns, &v->tasks, &v->ntasks, &err)) {
		free(address);
		return cli_error(&err);
	}
	v->tasks_known = address != NULL;
	free(address);
	return 0;
}

/* Every CRI record of the namespace with its status; a record whose CRI metadata does
 * not decode is named on stderr and left out, as a status file that does not. */
static int view_load(struct cli *cli, const char *cri_root, struct cri_view *v)
{
	ctrfs_error err;
	memset(v, 0, sizeof(*v));
	if (ctrfs_container_list(cli_store(cli, true), cli->ns, NULL, 0,
				 CTRFS_LOAD_LABELS | CTRFS_LOAD_EXTENSIONS, &v->list, &v->nlist,
				 &err))
		return cli_error(&err);
	v->recs = calloc(v->nlist ? v->nlist : 1, sizeof(*v->recs));
	if (!v->recs)
		return cli_errorf("out of memory");
	if (tasks_load(cli, v))
		return EXIT_FAIL;
	/* one line for a root that cannot be read, not one per container */
	bool root_error = ctrfs_cri_root_check(cri_root, &err) != CTRFS_OK;
	bool root_reported = false;
	for (size_t i = 0; i < v->nlist; i++) {
		struct cri_rec *r = &v->recs[v->n];
		ctrfs_code code = ctrfs_cri_from_container(&v->list[i], &r->cri, &err);
		if (code == CTRFS_NOT_FOUND)
			continue;
		if (code) {
			cli_error(&err);
			continue;
		}
		r->c = &v->list[i];
		v->n++;
		if (r->cri.kind != CTRFS_CRI_CONTAINER)
			continue;
		if (root_error) {
			if (!root_reported)
				fprintf(stderr, "ctrfsctl: %s: container states unknown\n",
					err.text);
			root_reported = true;
			continue;
		}
		v->root_readable = true;
		code = ctrfs_cri_status_read(cri_root, r->c->id, &r->st, &err);
		if (code == CTRFS_OK)
			r->has_status = true;
		else if (code != CTRFS_NOT_FOUND) /* a missing file is CRI's unknown too */
			cli_error(&err);
	}
	return 0;
}

/* Go's units.HumanDuration, as crictl's CREATED column ("5 minutes ago"). */
static void human_ago(int64_t created_ns, char *buf, size_t size)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	int64_t d = (int64_t)now.tv_sec - created_ns / 1000000000;
	int64_t hours = (d + 1800) / 3600; /* d.Round(time.Hour) */
	if (d < 1)
		snprintf(buf, size, "Less than a second ago");
	else if (d == 1)
		snprintf(buf, size, "1 second ago");
	else if (d < 60)
		snprintf(buf, size, "%" PRId64 " seconds ago", d);
	else if (d / 60 == 1)
		snprintf(buf, size, "About a minute ago");
	else if (d / 60 < 60)
		snprintf(buf, size, "%" PRId64 " minutes ago", d / 60);
	else if (hours == 1)
		snprintf(buf, size, "About an hour ago");
	else if (hours < 48)
		snprintf(buf, size, "%" PRId64 " hours ago", hours);
	else if (hours < 24 * 7 * 2)
		snprintf(buf, size, "%" PRId64 " days ago", hours / 24);
	else if (hours < 24 * 30 * 2)
		snprintf(buf, size, "%" PRId64 " weeks ago", hours / 24 / 7);
	else if (hours < 24 * 365 * 2)
		snprintf(buf, size, "%" PRId64 " months ago", hours / 24 / 30);
	else
		snprintf(buf, size, "%" PRId64 " years ago", d / 3600 / 24 / 365);
}

static int64_t time_ns(ctrfs_time t)
{
	return t.sec * 1000000000 + t.nsec;
}

/* When CRI says it was created: a container's status file knows, else (a sandbox,
 * whose CreatedAt CRI takes from the record) the record. */
static int64_t created_ns(const struct cri_rec *r)
{
	return r->has_status && r->st.created_at ? r->st.created_at : time_ns(r->c->created_at);
}

static int by_created_desc(const void *a, const void *b)
{
	int64_t x = created_ns(*(struct cri_rec *const *)a),
		y = created_ns(*(struct cri_rec *const *)b);
	return x < y ? 1 : x > y ? -1 : 0;
}

/* The records of one kind, newest first (crictl's order). */
static struct cri_rec **view_sorted(const struct cri_view *v, ctrfs_cri_kind kind, size_t *n)
{
	struct cri_rec **out = calloc(v->n ? v->n : 1, sizeof(*out));
	*n = 0;
	for (size_t i = 0; out && i < v->n; i++)
		if (v->recs[i].cri.kind == kind)
			out[(*n)++] = &v->recs[i];
	if (out)
		qsort(out, *n, sizeof(*out), by_created_desc);
	return out;
}

static const char *container_state(const struct cri_rec *r)
{
	static const char *names[] = {"Unknown", "Created", "Running", "Exited"};
	return names[r->has_status ? r->st.state : CTRFS_CRI_STATE_UNKNOWN];
}

/* A sandbox's state is its task's, as CRI reports it: Ready while the task runs, else
 * NotReady. A bound store mirrors the tasks; otherwise (meta.db does not keep them) it
 * is Ready when one of its containers runs by CRI's status files (that needs the
 * sandbox's task), else NotReady; "-" when CRI's root cannot be read. */
static const char *sandbox_state(const struct cri_view *v, const struct cri_rec *sb)
{
	if (v->tasks_known) {
		for (size_t i = 0; i < v->ntasks; i++)
			if (strcmp(v->tasks[i].id, sb->c->id) == 0)
				return v->tasks[i].status == CTRFS_TASK_RUNNING ||
					       v->tasks[i].status == CTRFS_TASK_PAUSED
					   ? "Ready"
					   : "NotReady";
		return "NotReady";
	}
	if (!v->root_readable)
		return "-";
	for (size_t i = 0; i < v->n; i++) {
		const struct cri_rec *r = &v->recs[i];
		if (r->cri.kind == CTRFS_CRI_CONTAINER && r->has_status &&
		    r->st.state == CTRFS_CRI_STATE_RUNNING &&
		    strcmp(r->cri.sandbox_id, sb->c->id) == 0)
			return "Ready";
	}
	return "NotReady";
}

static const struct cri_rec *sandbox_of(const struct cri_view *v, const char *id)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->recs[i].cri.kind == CTRFS_CRI_SANDBOX && strcmp(v->recs[i].c->id, id) == 0)
			return &v->recs[i];
	return NULL;
}

static const char *trunc_id(const char *id, bool no_trunc, char *buf)
{
	if (no_trunc)
		return id;
	snprintf(buf, TRUNCATED_ID_LEN + 1, "%s", id);
	return buf;
}

enum { OPT_CRI_ROOT = 256, OPT_NO_TRUNC, OPT_POD };

struct list_opts {
	const char *cri_root;
	bool quiet, no_trunc, all;
	const char *pod; /* ps --pod: a sandbox ID or its prefix */
};

static int parse_opts(const char *cmd, const char *help, const char *shorts, int argc, char **argv,
		      struct list_opts *o)
{
	static const struct option opts[] = {{"cri-root", required_argument, NULL, OPT_CRI_ROOT},
					     {"no-trunc", no_argument, NULL, OPT_NO_TRUNC},
					     {"quiet", no_argument, NULL, 'q'},
					     {"all", no_argument, NULL, 'a'},
					     {"pod", required_argument, NULL, OPT_POD},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	o->cri_root = CTRFS_CRI_ROOT_DEFAULT;
	int c;
	while ((c = getopt_long(argc, argv, shorts, opts, NULL)) != -1) {
		switch (c) {
		case OPT_CRI_ROOT:
			o->cri_root = optarg;
			break;
		case OPT_NO_TRUNC:
			o->no_trunc = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'a':
			if (!strchr(shorts, 'a'))
				return cli_bad_option(cmd, argv, '?');
			o->all = true;
			break;
		case OPT_POD:
			if (!strchr(shorts, 'a'))
				return cli_bad_option(cmd, argv, '?');
			o->pod = optarg;
			break;
		case 'h':
			fputs(help, stdout);
			return -1;
		default:
			return cli_bad_option(cmd, argv, c);
		}
	}
	if (optind != argc)
		return cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
	return 0;
}

static int pods_ls(struct cli *cli, int argc, char **argv)
{
	static const char help[] =
	    "Usage: ctrfsctl pods ls [-q] [--no-trunc] [--cri-root DIR]\n\n"
	    "List pod sandboxes as `crictl pods` does, newest first: POD ID, CREATED, STATE,\n"
	    "NAME, NAMESPACE, ATTEMPT, RUNTIME. The namespace is k8s.io unless -n says.\n"
	    "STATE: a sandbox's state is its task's: on a store bound to containerd,\n"
	    "Ready while its task runs, else NotReady. Unbound (meta.db keeps no tasks),\n"
	    "Ready when one of its containers runs by CRI's status files, else NotReady,\n"
	    "and - when no status file can be read.\n\n"
	    "  -q, --quiet       print only the pod IDs\n"
	    "  --no-trunc        print whole IDs\n"
	    "  --cri-root DIR    CRI's root directory (default " CTRFS_CRI_ROOT_DEFAULT ")\n";
	struct list_opts o = {0};
	int rc = parse_opts("pods ls", help, ":qh", argc, argv, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	struct cri_view v;
	if ((rc = view_load(cli, o.cri_root, &v)))
		return rc;
	size_t n;
	struct cri_rec **pods = view_sorted(&v, CTRFS_CRI_SANDBOX, &n);
	struct table *t = o.quiet ? NULL : table_new(7, 20, 3);
	if (t)
		table_row(t, (const char *const[]){"POD ID", "CREATED", "STATE", "NAME",
						   "NAMESPACE", "ATTEMPT", "RUNTIME"});
	for (size_t i = 0; pods && i < n; i++) {
		const struct cri_rec *r = pods[i];
		if (o.quiet) {
			puts(r->c->id);
			continue;
		}
		char idbuf[TRUNCATED_ID_LEN + 1], ago[64], attempt[16];
		human_ago(created_ns(r), ago, sizeof(ago));
		snprintf(attempt, sizeof(attempt), "%" PRIu32, r->cri.attempt);
		table_row(t, (const char *const[]){
				 trunc_id(r->c->id, o.no_trunc, idbuf), ago, sandbox_state(&v, r),
				 r->cri.name, r->cri.pod_namespace, attempt,
				 *r->cri.runtime_handler ? r->cri.runtime_handler : "(default)"});
	}
	if (t)
		table_print(t);
	free(pods);
	view_free(&v);
	return 0;
}

static int pods_ps(struct cli *cli, int argc, char **argv)
{
	static const char help[] =
	    "Usage: ctrfsctl pods ps [-a] [-q] [--no-trunc] [--pod ID] [--cri-root DIR]\n\n"
	    "List Kubernetes containers as `crictl ps` does, newest first: CONTAINER, IMAGE,\n"
	    "CREATED, STATE, NAME, ATTEMPT, POD ID, POD. The namespace is k8s.io unless -n\n"
	    "says. STATE comes from CRI's status file (<cri-root>/containers/<id>/status):\n"
	    "Created, Running, Exited, or Unknown when it cannot be read.\n\n"
	    "  -a, --all         all containers (default: only running ones)\n"
	    "  -q, --quiet       print only the container IDs\n"
	    "  --no-trunc        print whole IDs\n"
	    "  --pod ID          only the containers of this pod sandbox (ID or its prefix)\n"
	    "  --cri-root DIR    CRI's root directory (default " CTRFS_CRI_ROOT_DEFAULT ")\n";
	struct list_opts o = {0};
	int rc = parse_opts("pods ps", help, ":aqh", argc, argv, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	struct cri_view v;
	if ((rc = view_load(cli, o.cri_root, &v)))
		return rc;
	size_t n;
	struct cri_rec **ctrs = view_sorted(&v, CTRFS_CRI_CONTAINER, &n);
	struct table *t = o.quiet ? NULL : table_new(8, 20, 3);
	if (t)
		table_row(t, (const char *const[]){"CONTAINER", "IMAGE", "CREATED", "STATE", "NAME",
						   "ATTEMPT", "POD ID", "POD"});
	for (size_t i = 0; ctrs && i < n; i++) {
		const struct cri_rec *r = ctrs[i];
		if (!o.all && !(r->has_status && r->st.state == CTRFS_CRI_STATE_RUNNING))
			continue;
		if (o.pod && strncmp(r->cri.sandbox_id, o.pod, strlen(o.pod)) != 0)
			continue;
		if (o.quiet) {
			puts(r->c->id);
			continue;
		}
		const struct cri_rec *sb = sandbox_of(&v, r->cri.sandbox_id);
		char idbuf[TRUNCATED_ID_LEN + 1], podbuf[TRUNCATED_ID_LEN + 1], ago[64],
		    attempt[16];
		human_ago(created_ns(r), ago, sizeof(ago));
		snprintf(attempt, sizeof(attempt), "%" PRIu32, r->cri.attempt);
		const char *image = *r->cri.image ? r->cri.image : r->cri.image_ref;
		table_row(t, (const char *const[]){trunc_id(r->c->id, o.no_trunc, idbuf),
						   *image ? image : "-", ago, container_state(r),
						   r->cri.name, attempt,
						   trunc_id(r->cri.sandbox_id, o.no_trunc, podbuf),
						   sb ? sb->cri.name : r->cri.pod_name});
	}
	if (t)
		table_print(t);
	free(ctrs);
	view_free(&v);
	return 0;
}

int cmd_pods(struct cli *cli, int argc, char **argv)
{
	static const struct command cmds[] = {
	    {"ls", "list", pods_ls, "list pod sandboxes (crictl pods)"},
	    {"ps", NULL, pods_ps, "list Kubernetes containers (crictl ps)"},
	    {NULL, NULL, NULL, NULL},
	};
	/* Kubernetes keeps its records in k8s.io: the pods' namespace unless one was chosen */
	if (!cli->ns_explicit)
		cli->ns = "k8s.io";
	return cli_dispatch(cli, "pods", cmds, argc - 1, argv + 1);
}

/* ctrfs: the FUSE daemon showing a ctrfs store as files (options, start-up, tear-down). */
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "budget.h"
#include "ctrfs.h"
#include "daemon.h"
#include "errors.h"
#include "handle.h"
#include "mountpoint.h"
#include "node.h"
#include "follow.h"
#include "notify.h"
#include "ops.h"
#include "pods.h"
#include "query.h"

static const char usage[] =
    "Usage: ctrfs [options] STORE MOUNTPOINT\n"
    "\n"
    "Mount the ctrfs store STORE (a directory) on MOUNTPOINT:\n"
    "namespaces and containers as directories, their fields as files.\n"
    "See ctrfs(8).\n"
    "\n"
    "ctrfs options:\n"
    "    -o create              create STORE when missing (else: an error)\n"
    "    -o nonempty            mount over a non-empty directory or another mount\n"
    "    -o log=FILE            append every log line to FILE too (refusals: also\n"
    "                           MOUNTPOINT/.errors)\n"
    "    -o ro                  refuse every change (EROFS)\n"
    "    -o allow_other         let other users in (permissions are checked)\n"
    "    -o runtime=NAME        runtime of containers made by mkdir\n"
    "                           (default " CTRFS_STORE_DEFAULT_RUNTIME ")\n"
    "    -o cri_root=DIR        CRI's root directory, for cri/status/\n"
    "                           (default " CTRFS_CRI_ROOT_DEFAULT ")\n"
    "    -o containerd[=ADDRESS] bind the store to a running containerd and follow it\n"
    "                           (default $CONTAINERD_ADDRESS or /run/containerd/containerd.sock)\n"
    "\n";

struct options {
	char *runtime;
	char *log;
	char *cri_root;
	char *store;
	int ro;
	int create;
	int nonempty;
	int allow_other;
	int fsname, subtype;
	int containerd; /* -o containerd[=ADDRESS] (follow.c) */
	char *containerd_address;
};

enum { KEY_RO, KEY_RW, KEY_ALLOW_OTHER, KEY_FSNAME, KEY_SUBTYPE };

static const struct fuse_opt ctrfs_opts[] = {
    {"runtime=%s", offsetof(struct options, runtime), 0},
    {"log=%s", offsetof(struct options, log), 0},
    {"create", offsetof(struct options, create), 1},
    {"nonempty", offsetof(struct options, nonempty), 1},
    {"cri_root=%s", offsetof(struct options, cri_root), 0},
    {"containerd", offsetof(struct options, containerd), 1},
    {"containerd=%s", offsetof(struct options, containerd_address), 0},
    /* seen here, and kept for the kernel mount too */
    FUSE_OPT_KEY("ro", KEY_RO),
    FUSE_OPT_KEY("rw", KEY_RW),
    FUSE_OPT_KEY("allow_other", KEY_ALLOW_OTHER),
    FUSE_OPT_KEY("fsname=", KEY_FSNAME),
    FUSE_OPT_KEY("subtype=", KEY_SUBTYPE),
    FUSE_OPT_END,
};

static int opt_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	(void)outargs;
	struct options *o = data;
	switch (key) {
	case FUSE_OPT_KEY_NONOPT:
		if (o->store)
			return 1; /* the mountpoint, for fuse_parse_cmdline */
		o->store = strdup(arg);
		return 0;
	case KEY_RO:
		o->ro = 1;
		return 1;
	case KEY_RW:
		o->ro = 0;
		return 1;
	case KEY_ALLOW_OTHER:
		o->allow_other = 1;
		return 1;
	case KEY_FSNAME:
		o->fsname = 1;
		return 1;
	case KEY_SUBTYPE:
		o->subtype = 1;
		return 1;
	case FUSE_OPT_KEY_OPT:
		/* fstab's own options, which mount.fuse3 passes on: not for the kernel */
		if (strcmp(arg, "defaults") == 0 || strncmp(arg, "x-", 2) == 0 ||
		    strncmp(arg, "comment=", 8) == 0)
			return 0;
		return 1;
	default:
		return 1;
	}
}

/* The store as an absolute path: the daemon leaves its working directory. */
static char *absolute(const char *path)
{
	char cwd[PATH_MAX];
	if (path[0] == '/')
		return strdup(path);
	if (!getcwd(cwd, sizeof(cwd)))
		return NULL;
	return path_join(cwd, path);
}

static int add_opt(struct fuse_args *args, const char *name, const char *value)
{
	char *opt = NULL, *nv = NULL;
	int rc = -1;
	if (asprintf(&nv, "%s%s", name, value) >= 0 && fuse_opt_add_opt_escaped(&opt, nv) == 0 &&
	    fuse_opt_add_arg(args, "-o") == 0)
		rc = fuse_opt_add_arg(args, opt);
	free(nv);
	free(opt);
	return rc;
}

/* Opens the store; a missing one only with -o create (a mistyped path must not mount
 * a new, empty store). A read-only mount opens it for writing
 * too when it can, only to register as a watcher (notify.c) so that other writers wait
 * for it; every change through the mount is refused all the same (fs->read_only). A
 * store it cannot write (read-only media, permissions) is opened read-only. */
static int open_store(struct ctrfs *fs, const char *path, bool ro, bool create)
{
	ctrfs_open_options oo = {.no_create = !create};
	ctrfs_error err;
	ctrfs_code code = ctrfs_store_open(path, &oo, &fs->store, &err);
	if (code && code != CTRFS_NOT_FOUND && ro && err.sys_errno != ENOSPC) {
		oo.read_only = true;
		code = ctrfs_store_open(path, &oo, &fs->store, &err);
	}
	if (code == CTRFS_NOT_FOUND && !create) {
		fuse_log(FUSE_LOG_ERR,
			 "store %s does not exist (no such directory, or no store in it); add -o "
			 "create to create a new, empty store there\n",
			 path);
		return -1;
	}
	if (code) {
		fuse_log(FUSE_LOG_ERR, "%s\n", err.text);
		return -1;
	}
	return 0;
}

static int loop(struct fuse_session *se, const struct fuse_cmdline_opts *cmd)
{
	if (cmd->singlethread)
		return fuse_session_loop(se);
	struct fuse_loop_config *cfg = fuse_loop_cfg_create();
	if (!cfg)
		return -ENOMEM;
	fuse_loop_cfg_set_clone_fd(cfg, (unsigned)cmd->clone_fd);
	/* UINT_MAX: not given on the command line, keep libfuse's defaults */
	if (cmd->max_idle_threads != UINT_MAX)
		fuse_loop_cfg_set_idle_threads(cfg, cmd->max_idle_threads);
	if (cmd->max_threads != UINT_MAX)
		fuse_loop_cfg_set_max_threads(cfg, cmd->max_threads);
	int rc = fuse_session_loop_mt(se, cfg);
	fuse_loop_cfg_destroy(cfg);
	return rc;
}

int main(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts cmd = {0};
	struct options o = {0};
	struct ctrfs fs = {0};
	struct fuse_session *se;
	__cleanup_free char *store = NULL;
	__cleanup_free char *cri_root = NULL;
	int ret = 1;

	log_setup(true, false);
	/* file contents (rendered specs, written values) are large and short-lived: give
	 * them their own mappings, returned to the system when freed, instead of letting
	 * glibc raise its threshold and keep hundreds of MB in arenas after a burst */
	mallopt(M_MMAP_THRESHOLD, 256 << 10);
	if (fuse_opt_parse(&args, &o, ctrfs_opts, opt_proc) != 0 ||
	    fuse_parse_cmdline(&args, &cmd) != 0) {
		ret = 2;
		goto out_args;
	}
	if (cmd.show_help) {
		printf("%s", usage);
		printf("FUSE options:\n");
		fflush(stdout);
		fuse_cmdline_help();
		fuse_lowlevel_help();
		ret = 0;
		goto out_args;
	}
	if (cmd.show_version) {
		printf("ctrfs version %s\n", CTRFS_VERSION);
		fflush(stdout); /* before fusermount3's own line */
		fuse_lowlevel_version();
		ret = 0;
		goto out_args;
	}
	if (!o.store || !cmd.mountpoint) {
		fprintf(stderr, "%s", usage);
		ret = 2;
		goto out_args;
	}
	if (o.runtime && !*o.runtime) {
		fuse_log(FUSE_LOG_ERR, "-o runtime= needs a name\n");
		ret = 2;
		goto out_args;
	}
	log_setup(true, cmd.debug);
	if (o.log && log_open_file(o.log) < 0) {
		fuse_log(FUSE_LOG_ERR, "-o log=%s: %s\n", o.log, strerror(errno));
		goto out_args;
	}
	if (budget_setup())
		goto out_args;
	if (!(store = absolute(o.store))) {
		fuse_log(FUSE_LOG_ERR, "%s: %s\n", o.store, strerror(errno));
		goto out_args;
	}
	/* the kernel checks permissions from the modes shown, so that allow_other cannot
	 * let another user write what only the owner may */
	if (fuse_opt_add_arg(&args, "-odefault_permissions") ||
	    (!o.fsname && add_opt(&args, "fsname=", store)) ||
	    (!o.subtype && add_opt(&args, "subtype=", "ctrfs"))) {
		fuse_log(FUSE_LOG_ERR, "out of memory\n");
		goto out_args;
	}

	fs.read_only = o.ro;
	fs.runtime = o.runtime ? o.runtime : CTRFS_STORE_DEFAULT_RUNTIME;
	/* absolute: the daemon leaves its working directory */
	if (!(cri_root = absolute(o.cri_root ? o.cri_root : CTRFS_CRI_ROOT_DEFAULT))) {
		fuse_log(FUSE_LOG_ERR, "%s: %s\n", o.cri_root, strerror(errno));
		goto out_args;
	}
	fs.cri_root = cri_root;
	fs.uid = getuid();
	fs.gid = getgid();
	fs.mounted_at = ctrfs_time_now();
	/* in the background, everything from here on runs in the daemon: the parent
	 * returns once the mount is ready (daemon.c) */
	if (!cmd.foreground && daemon_begin() < 0) {
		fuse_log(FUSE_LOG_ERR, "fork: %s\n", strerror(errno));
		goto out_args;
	}
	if (open_store(&fs, store, fs.read_only, o.create))
		goto out_args;
	if (mountpoint_check(cmd.mountpoint, o.nonempty))
		goto out_store;
	if ((o.containerd || o.containerd_address) && follow_bind(&fs, o.containerd_address))
		goto out_store;
	if (nodes_init()) {
		fuse_log(FUSE_LOG_ERR, "out of memory\n");
		goto out_store;
	}
	se = fuse_session_new(&args, &ctrfs_ops, sizeof(ctrfs_ops), &fs);
	if (!se)
		goto out_nodes;
	if (fuse_set_signal_handlers(se) != 0)
		goto out_session;
	/* registered before the mount shows: a write by another process once the mount
	 * is there waits for it (the watcher handshake, notify.c) */
	fs.se = se;
	notify_watch(&fs);
	if (fuse_session_mount(se, cmd.mountpoint) != 0)
		goto out_signals;
	fuse_log(FUSE_LOG_DEBUG, "serving %s on %s\n", store, cmd.mountpoint);
	/* the thread that invalidates the kernel's caches when the store changes, and
	 * feeds .events */
	if (notify_start(&fs))
		goto out_unmount;
	if (follow_start(&fs))
		goto out_unmount;
	if (!cmd.foreground) {
		log_setup(false, cmd.debug);
		daemon_ready();
	}
	int rc = loop(se, &cmd);
	/* an unmount while requests were still queued (RELEASEs after many closes) makes
	 * the kernel abort the connection rather than end it: a clean stop all the same */
	if (rc == -ECONNABORTED && !mountpoint_taken(cmd.mountpoint, NULL, 0))
		rc = 0;
	/* a positive answer is the signal that ended the loop: a clean stop */
	ret = rc < 0 ? 1 : 0;
	if (rc < 0)
		fuse_log(FUSE_LOG_ERR, "%s\n", strerror(-rc));
	follow_stop();
	notify_stop(&fs);

out_unmount:
	fuse_session_unmount(se);
out_signals:
	notify_stop(&fs); /* (again: nothing left to do) its registration, when not mounted */
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
out_nodes:
	listings_destroy();
	pods_cache_destroy();
	query_cache_destroy();
	handles_destroy();
	nodes_destroy();
out_store:
	ctrfs_store_close(fs.store);
out_args:
	free(cmd.mountpoint);
	free(o.store);
	free(o.runtime);
	free(o.log);
	errors_destroy();
	free(o.cri_root);
	free(o.containerd_address);
	fuse_opt_free_args(&args);
	return ret;
}

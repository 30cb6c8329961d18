/*
 * The floor of the filesystem benchmark: the least any FUSE daemon can cost on this
 * machine. One directory holding two 6-byte files answered from constants with
 * libfuse's multithreaded loop, as ctrfs runs: "f", whose attributes are never cached
 * (each stat is a GETATTR round trip), and "g", cached as ctrfs's files are, kept in
 * the page cache and needing no FLUSH (each open+read+close costs OPEN and RELEASE
 * only). The directory lists itself by READDIRPLUS. bench/fs_bench.py times requests here beside
 * the same calls on tmpfs, and prints for each measurement the ratio that this floor alone would
 * give. Usage: ctrfs-fuse-floor MOUNTPOINT   (returns once mounted; fusermount3 -u ends it)
 */
#define FUSE_USE_VERSION 312
#include <errno.h>
#include <fuse_lowlevel.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define FILE_INO 2   /* "f": attributes never cached */
#define CACHED_INO 3 /* "g": attributes cached */
static const char content[] = "floor\n";

static void attr_of(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	if (ino == FUSE_ROOT_ID) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	} else {
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_size = sizeof(content) - 1;
	}
}

static double attr_timeout(fuse_ino_t ino)
{
	return ino == CACHED_INO ? 3600.0 : 0.0;
}

static void entry_of(fuse_ino_t ino, struct fuse_entry_param *e)
{
	memset(e, 0, sizeof(*e));
	e->ino = ino;
	e->entry_timeout = 3600.0;
	e->attr_timeout = attr_timeout(ino);
	attr_of(ino, &e->attr);
}

static void floor_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;
	bool f = strcmp(name, "f") == 0, g = strcmp(name, "g") == 0;
	if (parent != FUSE_ROOT_ID || (!f && !g)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	entry_of(f ? FILE_INO : CACHED_INO, &e);
	fuse_reply_entry(req, &e);
}

static void floor_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)fi;
	struct stat st;
	attr_of(ino, &st);
	fuse_reply_attr(req, &st, attr_timeout(ino));
}

static void floor_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	fi->keep_cache = 1;
	fi->noflush = 1;
	fuse_reply_open(req, fi);
}

static void floor_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	(void)ino;
	(void)size;
	(void)fi;
	size_t len = sizeof(content) - 1;
	size_t at = (size_t)off < len ? (size_t)off : len;
	fuse_reply_buf(req, content + at, len - at);
}

static void floor_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			      struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	char buf[512];
	size_t used = 0;
	static const char *const names[] = {"f", "g"};
	size_t room = size < sizeof(buf) ? size : sizeof(buf);
	for (off_t i = off; i < 2; i++) {
		struct fuse_entry_param e;
		entry_of(i == 0 ? FILE_INO : CACHED_INO, &e);
		size_t len =
		    fuse_add_direntry_plus(req, buf + used, room - used, names[i], &e, i + 1);
		if (len > room - used)
			break;
		used += len;
	}
	fuse_reply_buf(req, buf, used);
}

static const struct fuse_lowlevel_ops floor_ops = {
    .lookup = floor_lookup,
    .getattr = floor_getattr,
    .open = floor_open,
    .read = floor_read,
    .readdirplus = floor_readdirplus,
};

int main(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts;
	int rc = 1;
	if (fuse_parse_cmdline(&args, &opts) != 0 || !opts.mountpoint)
		return 2;
	struct fuse_session *se = fuse_session_new(&args, &floor_ops, sizeof(floor_ops), NULL);
	if (se && fuse_set_signal_handlers(se) == 0) {
		if (fuse_session_mount(se, opts.mountpoint) == 0) {
			fuse_daemonize(opts.foreground);
			struct fuse_loop_config *cfg = fuse_loop_cfg_create();
			rc = cfg && fuse_session_loop_mt(se, cfg) >= 0 ? 0 : 1;
			fuse_loop_cfg_destroy(cfg);
			fuse_session_unmount(se);
		}
		fuse_remove_signal_handlers(se);
	}
	if (se)
		fuse_session_destroy(se);
	free(opts.mountpoint);
	fuse_opt_free_args(&args);
	return rc;
}

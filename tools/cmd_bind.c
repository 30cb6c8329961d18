/* ctrfsctl bind, unbind, sync and the global --containerd: a store as the mirror of a
 * running containerd (see ctrfs(8) BOUND TO CONTAINERD). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The address to bind to: the argument, else -a/--address, else $CONTAINERD_ADDRESS,
 * else containerd's default socket (as ctr chooses). */
static const char *address_of(const struct cli *cli, const char *arg)
{
	if (arg && *arg)
		return arg;
	if (cli->address && *cli->address)
		return cli->address;
	return ctrfs_containerd_default_address();
}

static void print_sync(const char *address, const ctrfs_sync_result *r)
{
	fprintf(stderr,
		"ctrfsctl: synced with containerd at %s: %zu namespaces, %zu containers, "
		"%zu tasks, %zu images (%zu written, %zu removed)\n",
		address, r->namespaces, r->containers, r->tasks, r->images, r->changed, r->removed);
}

/* Binds the store (created when missing, saying so) and syncs it; all or nothing: when
 * the sync fails, a store that was not bound before is left unbound, and one made here
 * is removed. 0 or EXIT_FAIL (said on stderr). */
static int bind_and_sync(struct cli *cli, const char *address, unsigned flags, bool sync,
			 bool quiet)
{
	ctrfs_store *s = cli_store_create(cli);
	ctrfs_error err;
	char *before = NULL;
	if (ctrfs_store_bound_address(s, &before, &err))
		goto fail;
	if ((!before || strcmp(before, address) != 0) && ctrfs_store_bind(s, address, flags, &err))
		goto fail;
	ctrfs_sync_result r;
	if (sync && ctrfs_store_sync(s, &r, &err)) {
		ctrfs_error undo;
		if (ctrfs_store_bind(s, before, CTRFS_BIND_REPLACE, &undo))
			fprintf(stderr, "ctrfsctl: %s\n", undo.text);
		goto fail;
	}
	if (cli->store_created)
		fprintf(stderr, "ctrfsctl: created a new store %s, bound to containerd at %s\n",
			cli->store_path, address);
	if (sync && !quiet)
		print_sync(address, &r);
	free(before);
	return 0;
fail:
	free(before);
	cli_error(&err);
	if (cli->store_created)
		cli_store_discard(cli);
	return EXIT_FAIL;
}

int cli_containerd_prepare(struct cli *cli)
{
	return bind_and_sync(cli, address_of(cli, cli->containerd), 0, true, true);
}

int cmd_bind(struct cli *cli, int argc, char **argv)
{
	static const char help[] =
	    "Usage: ctrfsctl bind [--replace] [--no-sync] [ADDRESS]\n\n"
	    "Bind the store to the containerd at ADDRESS (default: -a/--address, else\n"
	    "$CONTAINERD_ADDRESS, else " CTRFS_CONTAINERD_DEFAULT_ADDRESS ") and sync it:\n"
	    "the store then holds what containerd holds, and every write through it (the\n"
	    "mount's, ctrfsctl's) goes to containerd first. A missing store is created.\n"
	    "A store that is not bound yet and holds namespaces of its own is refused, since\n"
	    "the sync would replace them; --replace binds it anyway. When the sync fails\n"
	    "(containerd unreachable) nothing is changed.\n\n"
	    "  --replace   bind a store that holds records of its own, replacing them\n"
	    "  --no-sync   only record the binding (a bound mount syncs when it starts)\n";
	static const struct option opts[] = {
	    {"replace", no_argument, NULL, 'r'},
	    {"no-sync", no_argument, NULL, 'S'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	if (cli_wants_help(argc, argv, help))
		return 0;
	unsigned flags = 0;
	bool sync = true;
	int c;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (c == 'r')
			flags |= CTRFS_BIND_REPLACE;
		else if (c == 'S')
			sync = false;
		else
			return cli_bad_option("bind", argv, c);
	}
	if (argc - optind > 1)
		return cli_usage("bind", "unexpected argument '%s'", argv[optind + 1]);
	const char *address = address_of(cli, optind < argc ? argv[optind] : NULL);
	int rc = bind_and_sync(cli, address, flags, sync, false);
	if (!rc && !sync)
		fprintf(stderr, "ctrfsctl: bound to containerd at %s (not synced)\n", address);
	return rc;
}

int cmd_unbind(struct cli *cli, int argc, char **argv)
{
	static const char help[] =
	    "Usage: ctrfsctl unbind\n\n"
	    "Unbind the store from containerd: it keeps the records it holds, and writes\n"
	    "are no longer sent to containerd (nor seen by it).\n";
	if (cli_wants_help(argc, argv, help))
		return 0;
	if (argc > 1)
		return cli_usage("unbind", "unexpected argument '%s'", argv[1]);
	ctrfs_error err;
	if (ctrfs_store_bind(cli_store(cli, false), NULL, 0, &err))
		return cli_error(&err);
	return 0;
}

int cmd_sync(struct cli *cli, int argc, char **argv)
{
	static const char help[] =
	    "Usage: ctrfsctl sync\n\n"
	    "Bring a bound store up to date with containerd now: every namespace and\n"
	    "container as containerd holds it; what containerd no longer has is removed.\n"
	    "(A bound mount does this by itself, and follows containerd's events.)\n";
	if (cli_wants_help(argc, argv, help))
		return 0;
	if (argc > 1)
		return cli_usage("sync", "unexpected argument '%s'", argv[1]);
	ctrfs_store *s = cli_store(cli, false);
	ctrfs_error err;
	char *address = NULL;
	if (ctrfs_store_bound_address(s, &address, &err))
		return cli_error(&err);
	if (!address)
		return cli_errorf("store %s is not bound to containerd (see 'ctrfsctl bind')",
				  cli->store_path);
	ctrfs_sync_result r;
	int rc = 0;
	if (ctrfs_store_sync(s, &r, &err))
		rc = cli_error(&err);
	else
		print_sync(address, &r);
	free(address);
	return rc;
}

/* ctrfsctl check: verify a store's invariants and report each problem. */
#include <stdio.h>

#include "cli.h"

/* Exit statuses of check, beyond 0 (clean) and 2 (usage). */
enum { CHECK_PROBLEMS = 1, CHECK_UNREADABLE = 3 };

static void print_problem(void *arg, const char *problem)
{
	(void)arg;
	printf("%s\n", problem);
}

int cmd_check(struct cli *cli, int argc, char **argv)
{
	static const char help[] =
	    "Usage: ctrfsctl check\n\n"
	    "Verify the store: every record decodes, every container passes containerd's\n"
	    "validation and has its spec, no label/extension/spec record is orphaned,\n"
	    "every namespace record is valid, the change log decodes. Prints one line per\n"
	    "problem.\n\n"
	    "Exit status: 0 consistent, 1 problems found, 2 wrong command line,\n"
	    "3 the store could not be opened or read.\n";
	if (cli_wants_help(argc, argv, help))
		return 0;
	if (argc > 1)
		return cli_usage("check", "unexpected argument '%s'", argv[1]);
	ctrfs_error err;
	ctrfs_open_options opts = {.read_only = true};
	ctrfs_store *s;
	if (ctrfs_store_open(cli->store_path, &opts, &s, &err)) {
		cli_error(&err);
		return CHECK_UNREADABLE;
	}
	size_t problems = 0;
	ctrfs_code code = ctrfs_store_check(s, print_problem, NULL, &problems, &err);
	ctrfs_store_close(s);
	if (code) {
		cli_error(&err);
		return CHECK_UNREADABLE;
	}
	if (problems) {
		fprintf(stderr, "ctrfsctl: %zu problem%s found in %s\n", problems,
			problems == 1 ? "" : "s", cli->store_path);
		return CHECK_PROBLEMS;
	}
	fprintf(stderr, "%s: consistent\n", cli->store_path);
	return 0;
}

/* ctrfsctl init: create a store, the one command (with import) that may. */
#include <stdio.h>

#include "cli.h"

int cmd_init(struct cli *cli, int argc, char **argv)
{
	static const char help[] =
	    "Usage: ctrfsctl init [DIR]\n\n"
	    "Create a new, empty store in DIR (default: the --store path), a directory of\n"
	    "mode 0700. Other commands refuse a store that does not exist, so that a\n"
	    "mistyped path is an error rather than a new empty store. An existing store\n"
	    "is left as it is.\n";
	if (cli_wants_help(argc, argv, help))
		return 0;
	if (argc > 2)
		return cli_usage("init", "unexpected argument '%s'", argv[2]);
	if (argc == 2)
		cli->store_path = argv[1];
	cli_store_create(cli);
	if (cli->store_created)
		fprintf(stderr, "ctrfsctl: created a new store %s\n", cli->store_path);
	return 0;
}

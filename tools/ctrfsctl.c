/* ctrfsctl: a command line for ctrfs stores, in the spirit of containerd's ctr. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "Usage: ctrfsctl [--store PATH] [-n NAMESPACE] COMMAND [ARGS...]\n"
    "\n"
    "Inspect and edit containerd container metadata kept in a ctrfs store.\n"
    "\n"
    "Commands:\n"
    "  namespaces, ns   list, create, label and remove namespaces\n"
    "  containers, c    list, inspect, create, label, update and remove containers\n"
    "  export           print the store (or one namespace) as one JSON document\n"
    "  import           load an export document, `ctr containers info` output,\n"
    "                   or containerd's own meta.db (--containerd)\n"
    "  events, event    print the change log and follow it\n"
    "  check            verify the store's consistency\n"
    "  pods             Kubernetes pods and containers, as crictl lists them\n"
    "  init [DIR]       create a new, empty store (commands never create one\n"
    "                   silently; import into a missing store creates it, saying so)\n"
    "  version          show the version\n"
    "\n"
    "Options:\n"
    "  --store PATH       the store directory (default: $CTRFS_STORE, else\n"
    "                     " CTRFS_STORE_DEFAULT_PATH ")\n"
    "  -n, --namespace NS the namespace (default: $CONTAINERD_NAMESPACE, else \"default\")\n"
    "  -h, --help         show this help\n"
    "  -v, --version      show the version\n"
    "\n"
    "Exit status: 0 on success, 1 when the operation failed, 2 for a wrong command line;\n"
    "check: 1 problems found, 3 the store could not be opened or read; events: 130\n"
    "when interrupted (Ctrl-C).\n";

static int cmd_version(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	if (argc > 1)
		return cli_usage("version", "unexpected argument '%s'", argv[1]);
	printf("ctrfsctl %s\n", CTRFS_VERSION);
	return 0;
}

static const struct command commands[] = {
    {"namespaces", "ns", cmd_namespaces, "namespaces"},
    {"namespace", NULL, cmd_namespaces, "namespaces"},
    {"containers", "c", cmd_containers, "containers"},
    {"container", NULL, cmd_containers, "containers"},
    {"export", NULL, cmd_export, "export"},
    {"import", NULL, cmd_import, "import"},
    {"events", "event", cmd_events, "events"},
    {"check", NULL, cmd_check, "check"},
    {"pods", "pod", cmd_pods, "pods"},
    {"init", NULL, cmd_init, "init"},
    {"version", NULL, cmd_version, "version"},
    {NULL, NULL, NULL, NULL},
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"store", required_argument, NULL, 's'},
	    {"namespace", required_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'v'},
	    {NULL, 0, NULL, 0},
	};
	struct cli cli = {0};
	cli.store_path = getenv("CTRFS_STORE");
	cli.ns = getenv("CONTAINERD_NAMESPACE");
	int c;
	opterr = 0; /* each command reports a bad option itself, in one line */
	/* '+': stop at the command so that its own options are left for it */
	while ((c = getopt_long(argc, argv, "+n:hv", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			cli.store_path = optarg;
			break;
		case 'n':
			cli.ns = optarg;
			cli.ns_explicit = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		case 'v':
			printf("ctrfsctl %s\n", CTRFS_VERSION);
			return 0;
		default:
			return cli_bad_option("", argv, c);
		}
	}
	if (!cli.store_path || !*cli.store_path)
		cli.store_path = CTRFS_STORE_DEFAULT_PATH;
	/* an empty namespace (-n "" or CONTAINERD_NAMESPACE=) stays empty: the commands
	 * that need one refuse it, as ctr does */
	if (!cli.ns)
		cli.ns = "default";
	else
		cli.ns_explicit = true;
	if (optind >= argc) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	int sub_argc = argc - optind;
	char **sub_argv = argv + optind;
	for (const struct command *k = commands; k->name; k++) {
		if (cli_command_is(k, sub_argv[0])) {
			optind = 0; /* glibc: start a fresh scan for the command's options */
			int rc = k->run(&cli, sub_argc, sub_argv);
			ctrfs_store_close(cli.store);
			return rc;
		}
	}
	fprintf(stderr, "ctrfsctl: unknown command '%s' (see 'ctrfsctl --help')\n", sub_argv[0]);
	return EXIT_USAGE;
}

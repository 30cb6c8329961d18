/* ctrfsctl namespaces: ls, create, label, rm. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int ns_ls(struct cli *cli, int argc, char **argv)
{
	static const char help[] = "Usage: ctrfsctl namespaces ls [-q]\n\n"
				   "List namespaces with their labels.\n\n"
				   "  -q, --quiet   print only the names\n";
	bool quiet;
	int rc = cli_ls_options("namespaces ls", help, argc, argv, &quiet);
	if (rc >= 0)
		return rc;
	if (optind < argc)
		return cli_usage("namespaces ls", "unexpected argument '%s'", argv[optind]);
	ctrfs_namespace *list;
	size_t n;
	ctrfs_error err;
	if (ctrfs_namespace_list(cli_store(cli, true), &list, &n, &err))
		return cli_error(&err);
	struct table *t = quiet ? NULL : table_new(2, 1, 1);
	if (t)
		table_row(t, (const char *const[]){"NAME", "LABELS"});
	for (size_t i = 0; i < n; i++) {
		if (quiet) {
			puts(list[i].name);
			continue;
		}
		char *joined = cli_labels_column(&list[i].labels, false);
		table_row(t, (const char *const[]){list[i].name, joined ? joined : ""});
		free(joined);
	}
	if (t)
		table_print(t);
	ctrfs_namespace_list_free(list, n);
	return 0;
}

static int ns_create(struct cli *cli, int argc, char **argv)
{
	static const char help[] = "Usage: ctrfsctl namespaces create NAME [KEY=VALUE...]\n\n"
				   "Create a namespace, optionally with labels.\n";
	if (cli_wants_help(argc, argv, help))
		return 0;
	if (argc < 2)
		return cli_usage("namespaces create", "missing namespace name");
	ctrfs_labels labels = {0};
	int rc = cli_parse_labels("namespaces create", argc - 2, argv + 2, &labels);
	ctrfs_error err;
	if (!rc && ctrfs_namespace_create(cli_store(cli, false), argv[1], &labels, &err))
		rc = cli_error(&err);
	ctrfs_labels_clear(&labels);
	return rc;
}

static int ns_label(struct cli *cli, int argc, char **argv)
{
	static const char help[] =
	    "Usage: ctrfsctl namespaces label NAME [KEY=VALUE...]\n\n"
	    "Set labels on a namespace; KEY= (empty value) removes the label and a bare KEY\n"
	    "means KEY=true, as with ctr. Then print the namespace's labels as KEY=VALUE\n"
	    "lines (all of them, also without labels to set).\n";
	if (cli_wants_help(argc, argv, help))
		return 0;
	if (argc < 2)
		return cli_usage("namespaces label", "missing namespace name");
	ctrfs_error err;
	ctrfs_labels labels = {0};
	int rc = cli_parse_labels("namespaces label", argc - 2, argv + 2, &labels);
	for (size_t i = 0; !rc && i < labels.count; i++) {
		const char *v = labels.items[i].value;
		/* as ctr: an empty value removes the label */
		if (ctrfs_namespace_set_label(cli_store(cli, false), argv[1], labels.items[i].key,
					      *v ? v : NULL, &err))
			rc = cli_error(&err);
	}
	ctrfs_labels_clear(&labels);
	ctrfs_namespace ns;
	if (rc)
		return rc;
	if (ctrfs_namespace_get(cli_store(cli, true), argv[1], &ns, &err))
		return cli_error(&err);
	cli_print_labels(&ns.labels);
	ctrfs_namespace_clear(&ns);
	return 0;
}

static int ns_rm(struct cli *cli, int argc, char **argv)
{
	static const char help[] = "Usage: ctrfsctl namespaces rm NAME...\n\n"
				   "Remove namespaces; a namespace that still holds containers is\n"
				   "refused (failed precondition).\n";
	if (cli_wants_help(argc, argv, help))
		return 0;
	if (argc < 2)
		return cli_usage("namespaces rm", "missing namespace name");
	int rc = 0;
	ctrfs_error err;
	for (int i = 1; i < argc; i++) {
		if (ctrfs_namespace_delete(cli_store(cli, false), argv[i], &err))
			rc = cli_error(&err);
		else
			puts(argv[i]);
	}
	return rc;
}

int cmd_namespaces(struct cli *cli, int argc, char **argv)
{
	static const struct command cmds[] = {
	    {"ls", "list", ns_ls, "list namespaces"},
	    {"create", NULL, ns_create, "create a namespace"},
	    {"label", NULL, ns_label, "set or remove namespace labels"},
	    {"rm", "remove delete del", ns_rm, "remove empty namespaces"},
	    {NULL, NULL, NULL, NULL},
	};
	return cli_dispatch(cli, "namespaces", cmds, argc - 1, argv + 1);
}

/* ctrfsctl tasks: ls, as `ctr tasks ls`, from the store (what the mirror of a bound store
 * holds of containerd's tasks; an unbound store shows what it last mirrored). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* ctr's tabwriter (minwidth 4, padding 4): each column as wide as its widest cell plus
 * 4; the rows' last cell (STATUS) ends no cell, so it is not padded, but the header's
 * is ("STATUS\t"). */
#define MINWIDTH 4
#define PADDING 4

static void pad(const char *cell, size_t width)
{
	size_t n = strlen(cell); /* IDs and numbers: ASCII */
	fputs(cell, stdout);
	for (; n < width; n++)
		putchar(' ');
}

static size_t column(size_t widest)
{
	return widest + PADDING < MINWIDTH ? MINWIDTH : widest + PADDING;
}

static void print_table(const ctrfs_task *list, size_t n)
{
	size_t wid = strlen("TASK"), wpid = strlen("PID");
	char pid[16];
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(list[i].id);
		wid = l > wid ? l : wid;
		l = (size_t)snprintf(pid, sizeof(pid), "%u", list[i].pid);
		wpid = l > wpid ? l : wpid;
	}
	pad("TASK", column(wid));
	pad("PID", column(wpid));
	pad("STATUS", column(strlen("STATUS")));
	putchar('\n');
	for (size_t i = 0; i < n; i++) {
		char status[16];
		snprintf(status, sizeof(status), "%s", ctrfs_task_status_name(list[i].status));
		for (char *p = status; *p; p++)
			*p = (char)(*p - ('a' <= *p && *p <= 'z' ? 'a' - 'A' : 0));
		snprintf(pid, sizeof(pid), "%u", list[i].pid);
		pad(list[i].id, column(wid));
		pad(pid, column(wpid));
		puts(status);
	}
}

static int tasks_ls(struct cli *cli, int argc, char **argv)
{
	static const char help[] =
	    "Usage: ctrfsctl tasks ls [-q]\n\n"
	    "List the namespace's tasks as `ctr tasks ls` does (TASK, PID, STATUS), sorted\n"
	    "by ID: what the store holds: containerd's tasks as a bound mount keeps them\n"
	    "current, or what the store last mirrored.\n\n"
	    "  -q, --quiet   print only the task IDs\n";
	bool quiet;
	int rc = cli_ls_options("tasks ls", help, argc, argv, &quiet);
	if (rc >= 0)
		return rc;
	if (optind < argc)
		return cli_usage("tasks ls", "unexpected argument '%s'", argv[optind]);
	rc = cli_need_namespace(cli);
	if (rc)
		return rc;
	ctrfs_task *list;
	size_t n;
	ctrfs_error err;
	if (ctrfs_task_list(cli_store(cli, true), cli->ns, &list, &n, &err))
		return cli_error(&err);
	if (quiet)
		for (size_t i = 0; i < n; i++)
			puts(list[i].id);
	else
		print_table(list, n);
	ctrfs_task_list_free(list, n);
	return 0;
}

int cmd_tasks(struct cli *cli, int argc, char **argv)
{
	static const struct command cmds[] = {
	    {"ls", "list", tasks_ls, "list tasks"},
	    {NULL, NULL, NULL, NULL},
	};
	return cli_dispatch(cli, "tasks", cmds, argc - 1, argv + 1);
}
